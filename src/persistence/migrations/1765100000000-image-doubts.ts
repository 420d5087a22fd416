import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a digit was flagged uncertain (low confidence, unlike a digit, the normaliser's stroke
 * doubts), so that clients can tell a doubtful reading from a weak one. Rows written before
 * have none recorded.
 */
export class ImageDoubts1765100000000 implements MigrationInterface {
  name = 'ImageDoubts1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "prediction_task_images" ADD COLUMN "doubts" text[] NOT NULL DEFAULT '{}'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "prediction_task_images" DROP COLUMN "doubts"`);
  }
}
