import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workers store each image's model input as 784 grey bytes and the API encodes the PNG only
 * when a client asks for it (`?include=input`), instead of every worker encoding a PNG
 * that is rarely read. Rows written before keep their PNG in input_png.
 */
export class InputPreviewPixels1765000000000 implements MigrationInterface {
  name = 'InputPreviewPixels1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "prediction_task_images" ADD COLUMN "input_pixels" bytea`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "prediction_task_images" DROP COLUMN "input_pixels"`);
  }
}
