import { EnvironmentVariables, validateEnvironment } from '../config/environment';

/**
 * Validates the environment before anything starts, so a bad setting stops the process
 * with every problem listed instead of failing later in some module.
 */
export function readSettingsOrExit(): EnvironmentVariables {
  try {
    return validateEnvironment(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
}
