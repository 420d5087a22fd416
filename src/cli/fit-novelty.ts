import * as path from 'node:path';

import { fitAndSaveNonDigitDetector } from '../../libs/digit-model/novelty/fit-non-digit-detector';
import { fitAndSaveNoveltyModel } from '../../libs/digit-model/novelty/fit-novelty-model';
import { loadMnist } from '../../libs/mnist/mnist-dataset';
import { validateEnvironment } from '../config/environment';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * `npm run fit-novelty -- [--model DIR] [--data-dir DIR]`: fits novelty.json and
 * non-digit-detector.json beside a trained model, so it can say "this is not a digit".
 * `npm run train` does this too.
 */
async function main(argv: string[]): Promise<void> {
  const settings = validateEnvironment(process.env);
  const modelDir = path.resolve(optionValue(argv, '--model') ?? settings.MODEL_PATH);
  const dataDir = path.resolve(
    optionValue(argv, '--data-dir') ?? path.join(REPO_ROOT, '..', 'shared', 'data', 'mnist'),
  );

  const mnist = await loadMnist(dataDir);
  const novelty = await fitAndSaveNoveltyModel(modelDir, mnist);
  process.stdout.write(`${JSON.stringify({ file: novelty.path, ...novelty.report })}\n`);
  const detector = await fitAndSaveNonDigitDetector(modelDir, mnist);
  process.stdout.write(`${JSON.stringify({ file: detector.path, ...detector.report })}\n`);
}

function optionValue(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`fit-novelty failed: ${error.message}\n`);
  process.exitCode = 1;
});
