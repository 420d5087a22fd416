import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The read-only `../shared` folder beside the repository root, or undefined when this checkout
 * has none (specs that need it are then skipped, and say so in their names).
 */
export function findSharedFolder(): string | undefined {
  let folder = __dirname;
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) {
      return undefined;
    }
    folder = parent;
  }

  const shared = resolve(folder, '..', 'shared');
  return existsSync(shared) ? shared : undefined;
}

/** Explains in a test name why a suite did not run. */
export const SHARED_FOLDER_MISSING =
  'skipped: ../shared (test data) not found beside the repository';
