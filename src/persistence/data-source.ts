import { DataSource } from 'typeorm';

import { validateEnvironment } from '../config/environment';
import { buildDataSourceOptions } from './data-source-options';

// Entry point of the TypeORM CLI (npm run migration:run); the app builds its own from config.
const settings = validateEnvironment(process.env);

export default new DataSource(
  buildDataSourceOptions(settings.DATABASE_URL, settings.DATABASE_SCHEMA),
);
