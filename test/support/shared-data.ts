import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

/** ../shared beside the repository: data every developer and CI run has, never committed. */
export const SHARED_DIR = path.resolve(__dirname, '../../../shared');

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DIR, ...parts);
}

/** True when ../shared holds `parts`; otherwise says once, clearly, what the suite skips. */
export function hasSharedData(...parts: string[]): boolean {
  const target = sharedPath(...parts);
  if (existsSync(target)) return true;
  process.stderr.write(
    `Skipping tests that need ${target}: it is not there (see README.md, "Test data").\n`,
  );
  return false;
}

export interface LabelledImage {
  file: string;
  label: string;
  source: string;
}

/** Real single-digit images: the label is the first character of the name, the source the second field. */
export function realWorldSingleImages(): LabelledImage[] {
  const dir = sharedPath('realworld', 'single');
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => ({ file: path.join(dir, name), label: name[0], source: name.split('_')[1] }));
}
