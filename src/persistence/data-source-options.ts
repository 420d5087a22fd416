import { DataSourceOptions } from 'typeorm';

import { CreatePredictionTasks1764868000000 } from './migrations/1764868000000-create-prediction-tasks';
import { InputPreviewPixels1765000000000 } from './migrations/1765000000000-input-preview-pixels';
import { ImageDoubts1765100000000 } from './migrations/1765100000000-image-doubts';
import { PredictionTaskImage } from './prediction-task-image.entity';
import { PredictionTask } from './prediction-task.entity';

export const PERSISTENCE_ENTITIES = [PredictionTask, PredictionTaskImage];
export const PERSISTENCE_MIGRATIONS = [
  CreatePredictionTasks1764868000000,
  InputPreviewPixels1765000000000,
  ImageDoubts1765100000000,
];

/**
 * Postgres connection shared by the API, the worker and the TypeORM CLI. The schema is
 * created by migrations, never synchronised from the entities.
 */
export function buildDataSourceOptions(databaseUrl: string, schema: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    schema,
    entities: PERSISTENCE_ENTITIES,
    migrations: PERSISTENCE_MIGRATIONS,
    migrationsTableName: 'lensq_migrations',
    synchronize: false,
    // Fail fast rather than hang when Postgres is unreachable: the API answers 503.
    connectTimeoutMS: 2000,
    extra: {
      max: 10,
      connectionTimeoutMillis: 2000,
      statement_timeout: 10000,
      // statement_timeout is enforced by the server, so it cannot end a wait on a connection
      // whose server went silent (host lost, network cut): this client-side limit does.
      query_timeout: 12000,
      // Raw SQL (migrations, hot paths) finds the tables in the configured schema too.
      options: `-c search_path=${schema}`,
    },
  };
}
