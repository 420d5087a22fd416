import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import { DigitClassifier } from '../../libs/digit-model/digit-classifier';
import { fitNoveltyModel } from '../../libs/digit-model/novelty/fit-novelty-model';
import { NOVELTY_FILE } from '../../libs/digit-model/novelty/novelty-model';
import { loadMnist } from '../../libs/mnist/mnist-dataset';
import { validateEnvironment } from '../config/environment';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * `npm run fit-novelty -- [--model DIR] [--data-dir DIR]`: fits novelty.json beside a
 * trained model, so it can say "this is not a digit". `npm run train` does this too.
 */
async function main(argv: string[]): Promise<void> {
  const settings = validateEnvironment(process.env);
  const modelDir = path.resolve(optionValue(argv, '--model') ?? settings.MODEL_PATH);
  const dataDir = path.resolve(
    optionValue(argv, '--data-dir') ?? path.join(REPO_ROOT, '..', 'shared', 'data', 'mnist'),
  );

  const classifier = await DigitClassifier.load(modelDir);
  const { train, test } = await loadMnist(dataDir);
  const trainingImages = classifier.metadata.trainingImages ?? train.count - 5000;

  const { file, report } = fitNoveltyModel(classifier, train, test, trainingImages);
  await writeFile(path.join(modelDir, NOVELTY_FILE), `${JSON.stringify(file)}\n`);

  process.stdout.write(
    `${JSON.stringify({ file: path.join(modelDir, NOVELTY_FILE), ...report })}\n`,
  );
}

function optionValue(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`fit-novelty failed: ${error.message}\n`);
  process.exitCode = 1;
});
