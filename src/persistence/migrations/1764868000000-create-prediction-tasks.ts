import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePredictionTasks1764868000000 implements MigrationInterface {
  name = 'CreatePredictionTasks1764868000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "prediction_tasks" (
        "id" uuid PRIMARY KEY,
        "status" varchar(16) NOT NULL,
        "image_count" int NOT NULL,
        "error_message" text,
        "attempts" int NOT NULL DEFAULT 0,
        "model_version" varchar(128),
        "timings" jsonb,
        "owner" varchar(64),
        "idempotency_key" varchar(255),
        "request_hash" char(64),
        "created_at" timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        "started_at" timestamptz,
        "finished_at" timestamptz
      )`);
    // An Idempotency-Key names one task per owner (anonymous clients share the empty owner).
    await queryRunner.query(
      `CREATE UNIQUE INDEX "prediction_tasks_idempotency" ON "prediction_tasks" (COALESCE("owner", ''), "idempotency_key")
       WHERE "idempotency_key" IS NOT NULL`,
    );
    // The cleanup job finds finished tasks by age.
    await queryRunner.query(
      `CREATE INDEX "prediction_tasks_finished_at" ON "prediction_tasks" ("finished_at")
       WHERE "finished_at" IS NOT NULL`,
    );
    // The reconciler looks for unfinished tasks; history lists newest first.
    await queryRunner.query(
      `CREATE INDEX "prediction_tasks_unfinished" ON "prediction_tasks" ("created_at")
       WHERE "status" IN ('queued', 'active')`,
    );
    await queryRunner.query(
      `CREATE INDEX "prediction_tasks_created_at" ON "prediction_tasks" ("created_at" DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE "prediction_task_images" (
        "task_id" uuid NOT NULL REFERENCES "prediction_tasks" ("id") ON DELETE CASCADE,
        "position" int NOT NULL,
        "filename" varchar(255) NOT NULL,
        "format" varchar(8) NOT NULL,
        "byte_size" int NOT NULL,
        "width" int,
        "height" int,
        "bytes" bytea,
        "digit" smallint,
        "confidence" real,
        "probabilities" real[],
        "uncertain" boolean NOT NULL DEFAULT false,
        "error_code" varchar(32),
        "error_message" text,
        "input_png" bytea,
        PRIMARY KEY ("task_id", "position")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "prediction_task_images"`);
    await queryRunner.query(`DROP TABLE "prediction_tasks"`);
  }
}
