import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { AppConfigService } from '../config/app-config.service';
import { buildDataSourceOptions } from './data-source-options';
import { PredictionTaskRepository } from './prediction-task.repository';
import { dropConnectionsLeftWaiting } from './stuck-connections';

// Any constant works: it only has to be the same in every lensq process.
const MIGRATION_LOCK_ID = 0x1e75;

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) =>
        buildDataSourceOptions(config.databaseUrl, config.databaseSchema),
      dataSourceFactory: async (options) =>
        dropConnectionsLeftWaiting(await migrateToLatest(new DataSource(options!))),
    }),
  ],
  providers: [PredictionTaskRepository],
  exports: [PredictionTaskRepository],
})
export class PersistenceModule {}

/**
 * Brings the schema up to date before the process serves anything. API and worker
 * processes often start together, so an advisory lock lets only one migrate at a time.
 */
async function migrateToLatest(dataSource: DataSource): Promise<DataSource> {
  const logger = new Logger('Migrations');
  await dataSource.initialize();
  const schema = (dataSource.options as { schema?: string }).schema ?? 'public';

  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) {
      logger.log(`Applied ${applied.map((migration) => migration.name).join(', ')} in ${schema}`);
    }
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }

  return dataSource;
}
