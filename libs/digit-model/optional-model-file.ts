import { readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Reads an optional JSON file of a model directory (novelty.json, non-digit-detector.json):
 * null when the model has none, an error naming the file when it is there but unreadable.
 */
export async function readOptionalModelFile<T>(
  modelDirectory: string,
  fileName: string,
): Promise<T | null> {
  try {
    const text = await readFile(path.join(modelDirectory, fileName), 'utf8');
    return JSON.parse(text) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`Cannot read ${fileName} in ${modelDirectory}: ${(error as Error).message}`);
  }
}

/**
 * Writes a JSON file of a model directory whole or not at all (a temporary file, then a rename):
 * a fit that dies half-way must not leave a truncated file that stops the service from starting.
 */
export async function writeModelFile(
  modelDirectory: string,
  fileName: string,
  content: unknown,
): Promise<string> {
  const filePath = path.join(modelDirectory, fileName);
  const partPath = `${filePath}.part`;
  await writeFile(partPath, `${JSON.stringify(content)}\n`);
  await rename(partPath, filePath);
  return filePath;
}
