import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { fitAndSaveNonDigitDetector } from '../../libs/digit-model/novelty/fit-non-digit-detector';
import { fitAndSaveNoveltyModel } from '../../libs/digit-model/novelty/fit-novelty-model';
import {
  TrainingOptions,
  trainDigitModel,
} from '../../libs/digit-model/training/train-digit-model';
import { loadMnist } from '../../libs/mnist/mnist-dataset';

/**
 * Trains the digit model: `npm run train -- [options]`. The defaults are exactly the run that
 * produced the committed model in model/ (see model/MODEL_CARD.md).
 */
const DEFAULTS = {
  epochs: 20,
  batchSize: 64,
  seed: 20261204,
  peakLearningRate: 0.002,
  nonDigitsPerBatch: 8,
  nonDigitLossWeight: 0.5,
  validationImages: 5000,
  logEveryBatches: 200,
  modelName: 'lensq-digits',
  modelVersion: '1.2.0',
};

const USAGE = `Usage: npm run train -- [options]
  --data-dir DIR      MNIST directory (default ../shared/data/mnist from the repository root)
  --out DIR           where the model is written (default model/; checkpoints in DIR/checkpoints)
  --epochs N          default ${DEFAULTS.epochs}
  --batch-size N      default ${DEFAULTS.batchSize}
  --seed N            default ${DEFAULTS.seed}
  --limit N           train on only the first N images (default: all 55,000)
  --non-digits N      generated non-digits added to each batch, 0 for none (default ${DEFAULTS.nonDigitsPerBatch})
  --resume            continue from the last checkpoint in DIR/checkpoints
  --download          download missing MNIST files (canonical, checksum-verified)
  --model-version V   version written into metadata.json (default ${DEFAULTS.modelVersion})
  --help
`;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) {
    process.stdout.write(USAGE);
    return;
  }

  process.stdout.write(`training with ${JSON.stringify(options)}\n`);
  // Read once: training and the novelty model fitted to its result use the same images.
  const mnist = await loadMnist(options.dataDirectory, { shouldDownload: options.shouldDownload });
  const report = await trainDigitModel(options, (line) => process.stdout.write(line), mnist);
  process.stdout.write(`${JSON.stringify(report.metadata, null, 2)}\n`);

  // The model directory is complete only with the novelty model and the non-digit detector
  // fitted to its weights.
  const novelty = await fitAndSaveNoveltyModel(options.outputDirectory, mnist);
  process.stdout.write(`novelty model: ${JSON.stringify(novelty.report)}\n`);
  const detector = await fitAndSaveNonDigitDetector(options.outputDirectory, mnist);
  process.stdout.write(`non-digit detector: ${JSON.stringify(detector.report)}\n`);
}

function parseOptions(argv: string[]): TrainingOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      out: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      seed: { type: 'string' },
      limit: { type: 'string' },
      'non-digits': { type: 'string' },
      resume: { type: 'boolean', default: false },
      download: { type: 'boolean', default: false },
      'model-version': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    return undefined;
  }

  const root = repositoryRoot();

  return {
    dataDirectory: path.resolve(
      values['data-dir'] ?? path.join(root, '..', 'shared', 'data', 'mnist'),
    ),
    outputDirectory: path.resolve(values.out ?? path.join(root, 'model')),
    epochs: positiveInteger('--epochs', values.epochs, DEFAULTS.epochs),
    batchSize: positiveInteger('--batch-size', values['batch-size'], DEFAULTS.batchSize),
    seed: positiveInteger('--seed', values.seed, DEFAULTS.seed),
    limit: values.limit === undefined ? undefined : positiveInteger('--limit', values.limit, 0),
    shouldResume: values.resume,
    shouldDownload: values.download,
    peakLearningRate: DEFAULTS.peakLearningRate,
    nonDigitsPerBatch:
      values['non-digits'] === '0'
        ? 0
        : positiveInteger('--non-digits', values['non-digits'], DEFAULTS.nonDigitsPerBatch),
    nonDigitLossWeight: DEFAULTS.nonDigitLossWeight,
    validationImages: DEFAULTS.validationImages,
    logEveryBatches: DEFAULTS.logEveryBatches,
    modelName: DEFAULTS.modelName,
    modelVersion: values['model-version'] ?? DEFAULTS.modelVersion,
  };
}

function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) {
    return fallback;
  }
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${flag} must be a positive integer, got '${text}'.`);
  }

  return value;
}

/** The directory holding package.json, found from this file so it works from src/ and dist/. */
function repositoryRoot(): string {
  let directory = __dirname;
  while (!existsSync(path.join(directory, 'package.json'))) {
    const parent = path.dirname(directory);
    if (parent === directory) {
      throw new Error(`Cannot find the repository root (package.json) above ${__dirname}.`);
    }
    directory = parent;
  }

  return directory;
}

main().catch((error: unknown) => {
  process.stderr.write(`train: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
