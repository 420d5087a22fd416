/**
 * Reads every image of ../shared/realworld/single through the normalisation and a trained model,
 * and prints the accuracy per source (the second `_` field of the file name) and in total, with
 * every miss, so that a change to the normalisation can be judged on real uploads.
 *
 *   npx tsc --outDir /tmp/lensq-imaging --rootDir . --esModuleInterop --target ES2022 \
 *     --module commonjs --skipLibCheck --resolveJsonModule \
 *     libs/imaging/scripts/measure-realworld-accuracy.ts
 *   node /tmp/lensq-imaging/libs/imaging/scripts/measure-realworld-accuracy.js model \
 *     ../shared/realworld/single
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DigitClassifier } from '../../digit-model/digit-classifier';
import { DEFAULT_MAX_PIXELS } from '../inspect-image';
import { normaliseDigitImage } from '../normalise-digit-image';

interface Tally {
  correct: number;
  total: number;
}

async function main(): Promise<void> {
  const [modelDirectory, folder] = process.argv.slice(2);
  if (!modelDirectory || !folder) {
    process.stderr.write('usage: measure-realworld-accuracy <model dir> <folder of images>\n');
    process.exitCode = 2;
    return;
  }

  const classifier = await DigitClassifier.load(modelDirectory);
  const files = readdirSync(folder)
    .filter((name) => /^\d_/.test(name))
    .sort();
  const inputs: Float32Array[] = [];
  for (const file of files) {
    const digit = await normaliseDigitImage(readFileSync(join(folder, file)), {
      maxPixels: DEFAULT_MAX_PIXELS,
    });
    inputs.push(digit.pixels);
  }
  const predictions = classifier.predict(inputs);

  const tallies = new Map<string, Tally>();
  const misses: string[] = [];
  files.forEach((file, index) => {
    const { probabilities } = predictions[index];
    const predicted = probabilities.indexOf(Math.max(...probabilities));
    const expected = Number(file[0]);
    const source = file.split('_')[1];
    const tally = tallies.get(source) ?? { correct: 0, total: 0 };
    tally.total++;
    if (predicted === expected) {
      tally.correct++;
    } else {
      const confidence = probabilities[predicted].toFixed(2);
      misses.push(
        `${file} read as ${predicted} (${confidence}; ${expected}: ${probabilities[expected].toFixed(2)})`,
      );
    }
    tallies.set(source, tally);
  });

  const total = [...tallies.values()].reduce(
    (sum, tally) => ({ correct: sum.correct + tally.correct, total: sum.total + tally.total }),
    { correct: 0, total: 0 },
  );
  const lines = [...tallies.entries()]
    .sort(([first], [second]) => first.localeCompare(second))
    .map(([source, tally]) => `source ${source}: ${tally.correct}/${tally.total}`);
  lines.push(`total: ${total.correct}/${total.total} (${percent(total)})`, ...misses);
  process.stdout.write(`${lines.join('\n')}\n`);
  classifier.dispose();
}

function percent(tally: Tally): string {
  return `${((100 * tally.correct) / tally.total).toFixed(1)}%`;
}

void main();
