import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';

import { DigitReader } from './digit-reader';

export interface RealWorldMiss {
  file: string;
  expected: number;
  predicted: number | null;
  confidence: number | null;
  error: string | null;
}

export interface RealWorldEvaluation {
  total: number;
  correct: number;
  accuracy: number;
  /** Accuracy per source, the second `_` field of the file name. */
  perSource: Record<string, { total: number; correct: number; accuracy: number }>;
  misses: RealWorldMiss[];
  /** Confidence and correctness of every image that got a digit, for calibration. */
  scored: Array<{ confidence: number; isCorrect: boolean }>;
}

const BATCH = 32;

/**
 * Reads every image of a folder named `<digit>_<source>_<n>.<ext>` through the full upload
 * path (decoding, normalisation, model) and tallies accuracy per source.
 */
export async function evaluateRealWorld(
  reader: DigitReader,
  directory: string,
): Promise<RealWorldEvaluation> {
  const names = (await readdir(directory)).filter((name) => /^\d_[^_]+_/.test(name)).sort();
  const perSource: RealWorldEvaluation['perSource'] = {};
  const misses: RealWorldMiss[] = [];
  const scored: RealWorldEvaluation['scored'] = [];

  for (let start = 0; start < names.length; start += BATCH) {
    const batch = names.slice(start, start + BATCH);
    const contents = await Promise.all(batch.map((name) => readFile(path.join(directory, name))));
    const { readings } = await reader.read(contents);

    readings.forEach((reading, index) => {
      const name = batch[index];
      const expected = Number(name[0]);
      const source = name.split('_')[1];
      const isCorrect = reading.digit === expected;
      const tally = (perSource[source] ??= { total: 0, correct: 0, accuracy: 0 });
      tally.total += 1;
      tally.correct += isCorrect ? 1 : 0;
      if (reading.confidence !== null) scored.push({ confidence: reading.confidence, isCorrect });
      if (!isCorrect) {
        misses.push({
          file: name,
          expected,
          predicted: reading.digit,
          confidence: reading.confidence,
          error: reading.error?.code ?? null,
        });
      }
    });
  }

  for (const tally of Object.values(perSource)) tally.accuracy = tally.correct / tally.total;
  const correct = Object.values(perSource).reduce((sum, tally) => sum + tally.correct, 0);
  return {
    total: names.length,
    correct,
    accuracy: names.length ? correct / names.length : 0,
    perSource,
    misses,
    scored,
  };
}
