import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import { createDigitReader, LoadedDigitReader } from '../../libs/digit-reading/create-digit-reader';
import { judgeScore } from '../../libs/digit-reading/digit-reader';
import {
  evaluateNonDigits,
  NonDigitEvaluation,
} from '../../libs/digit-reading/evaluate-non-digits';
import {
  evaluateRealWorld,
  RealWorldEvaluation,
} from '../../libs/digit-reading/evaluate-real-world';
import { expectedCalibrationError } from '../../libs/digit-model/evaluation/calibration';
import {
  InferenceSpeed,
  measureInferenceSpeed,
} from '../../libs/digit-model/evaluation/inference-speed';
import {
  evaluateMnist,
  MnistEvaluation,
  toFloatImage,
} from '../../libs/digit-model/evaluate-mnist';
import { loadMnist } from '../../libs/mnist/mnist-dataset';
import { validateEnvironment } from '../config/environment';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const SHARED = path.resolve(REPO_ROOT, '..', 'shared');
const CARD_START = '<!-- evaluation:start -->';
const CARD_END = '<!-- evaluation:end -->';

const USAGE = `Usage: npm run evaluate -- [--json] [--model DIR] [--mnist DIR] [--realworld DIR] [--no-card]

Scores the model on the MNIST test set and on real uploads (through the full upload
normalisation), measures calibration and inference speed, prints a report and writes it
into MODEL_CARD.md beside the model (unless --no-card).
  --json  print one JSON object instead of the report
`;

interface EvaluateArguments {
  isJson: boolean;
  shouldWriteCard: boolean;
  modelDir: string;
  mnistDir: string;
  realWorldDir: string;
}

interface EvaluationReport {
  model: { name: string; version: string; backend: string };
  /** `refused` and `flaggedUncertain`: what the service would answer for these digits. */
  mnist: MnistEvaluation & { ece: number; refused: number; flaggedUncertain: number };
  realWorld: (RealWorldEvaluation & { ece: number }) | null;
  nonDigits: NonDigitEvaluation;
  speed: InferenceSpeed;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArguments(argv);
  if (!args) {
    process.stderr.write(USAGE);
    return 2;
  }
  const settings = validateEnvironment(process.env);
  const progress = (line: string) => {
    if (!args.isJson) process.stderr.write(`${line}\n`);
  };

  const loaded = await createDigitReader({
    modelDir: args.modelDir,
    maxPixels: settings.MAX_IMAGE_PIXELS,
    uncertainBelow: settings.UNCERTAIN_BELOW,
  });
  progress(
    `Model ${loaded.classifier.metadata.name} ${loaded.modelVersion} on TensorFlow.js ${loaded.backend}`,
  );

  const report = await evaluate(
    loaded,
    { ...args, uncertainBelow: settings.UNCERTAIN_BELOW },
    progress,
  );

  if (args.shouldWriteCard) await writeModelCard(args.modelDir, report);
  process.stdout.write(args.isJson ? `${JSON.stringify(toJson(report))}\n` : formatReport(report));
  return 0;
}

async function evaluate(
  loaded: LoadedDigitReader,
  args: EvaluateArguments & { uncertainBelow: number },
  progress: (line: string) => void,
): Promise<EvaluationReport> {
  progress(`MNIST test set from ${args.mnistDir}…`);
  const { test } = await loadMnist(args.mnistDir);
  const mnist = evaluateMnist(loaded.classifier, test.images, test.labels);
  const mnistScores = scoreMnist(loaded, test.images, test.labels, args.uncertainBelow);
  const mnistEce = expectedCalibrationError(mnistScores.scored);

  let realWorld: EvaluationReport['realWorld'] = null;
  if (existsSync(args.realWorldDir)) {
    progress(`Real uploads from ${args.realWorldDir}…`);
    const evaluation = await evaluateRealWorld(loaded.reader, args.realWorldDir);
    realWorld = { ...evaluation, ece: expectedCalibrationError(evaluation.scored) };
  } else {
    progress(`No real uploads at ${args.realWorldDir}: skipped`);
  }

  progress('Generated uploads that hold no digit…');
  const nonDigits = await evaluateNonDigits(loaded.reader);

  progress('Inference speed at batch 32…');
  const speed = measureInferenceSpeed(loaded.classifier, 32, 40);

  return {
    model: {
      name: loaded.classifier.metadata.name,
      version: loaded.modelVersion,
      backend: loaded.backend,
    },
    mnist: {
      ...mnist,
      ece: mnistEce,
      refused: mnistScores.refused,
      flaggedUncertain: mnistScores.flaggedUncertain,
    },
    realWorld,
    nonDigits,
    speed,
  };
}

/**
 * Confidence and correctness of each MNIST test image, in batches, and how many of them the
 * service would refuse as no digit or flag uncertain (`judgeScore`, as `DigitReader` does).
 */
function scoreMnist(
  loaded: LoadedDigitReader,
  images: Uint8Array,
  labels: Uint8Array,
  uncertainBelow: number,
) {
  const scored: Array<{ confidence: number; isCorrect: boolean }> = [];
  let refused = 0;
  let flaggedUncertain = 0;
  for (let start = 0; start < labels.length; start += 250) {
    const batch = [];
    for (let index = start; index < Math.min(labels.length, start + 250); index += 1) {
      batch.push(toFloatImage(images, index));
    }
    loaded.classifier.predict(batch).forEach((score, offset) => {
      const { digit, confidence, isNoDigit, doubts } = judgeScore(score, uncertainBelow);
      scored.push({ confidence, isCorrect: digit === labels[start + offset] });
      if (isNoDigit) {
        refused += 1;
      } else if (doubts.length > 0) {
        flaggedUncertain += 1;
      }
    });
  }
  return { scored, refused, flaggedUncertain };
}

function toJson(report: EvaluationReport) {
  return {
    model_name: report.model.name,
    model_version: report.model.version,
    backend: report.model.backend,
    mnist_test_accuracy: report.mnist.accuracy,
    mnist_test_correct: report.mnist.correct,
    mnist_test_count: report.mnist.count,
    mnist_confusion_matrix: report.mnist.confusionMatrix,
    mnist_ece: report.mnist.ece,
    mnist_test_refused_as_non_digit: report.mnist.refused,
    mnist_test_flagged_uncertain: report.mnist.flaggedUncertain,
    realworld_accuracy: report.realWorld?.accuracy ?? null,
    realworld_correct: report.realWorld?.correct ?? null,
    realworld_count: report.realWorld?.total ?? null,
    realworld_per_source: report.realWorld?.perSource ?? null,
    realworld_ece: report.realWorld?.ece ?? null,
    realworld_misses: report.realWorld?.misses ?? null,
    non_digit_flagged_rate: report.nonDigits.flaggedRate,
    non_digit_flagged: report.nonDigits.flagged,
    non_digit_count: report.nonDigits.total,
    non_digit_results: report.nonDigits.results,
    ms_per_image: report.speed.msPerImage,
    images_per_second: report.speed.imagesPerSecond,
    batch_size: report.speed.batchSize,
  };
}

function formatReport(report: EvaluationReport): string {
  return `${renderEvaluation(report)}\n`;
}

/** The evaluation as Markdown: the same text goes to the terminal and into the model card. */
function renderEvaluation(report: EvaluationReport): string {
  const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
  const lines = [
    `## Evaluation`,
    '',
    `Measured by \`npm run evaluate\` on ${new Date().toISOString().slice(0, 10)}, model ${report.model.name} ${report.model.version}, TensorFlow.js backend \`${report.model.backend}\`.`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| MNIST test accuracy | ${percent(report.mnist.accuracy)} (${report.mnist.correct} of ${report.mnist.count}) |`,
    `| MNIST expected calibration error | ${report.mnist.ece.toFixed(4)} |`,
    `| MNIST test digits the service would refuse as no digit / flag uncertain | ${report.mnist.refused} / ${report.mnist.flaggedUncertain} of ${report.mnist.count} |`,
  ];
  if (report.realWorld) {
    lines.push(
      `| real uploads accuracy (\`../shared/realworld/single\`) | ${percent(report.realWorld.accuracy)} (${report.realWorld.correct} of ${report.realWorld.total}) |`,
      `| real uploads expected calibration error | ${report.realWorld.ece.toFixed(4)} |`,
    );
  }
  lines.push(
    `| generated non-digits answered with no digit or an uncertain one | ${report.nonDigits.flagged} of ${report.nonDigits.total} |`,
    `| inference, batch ${report.speed.batchSize} (median of ${report.speed.rounds}) | ${report.speed.msPerImage.toFixed(3)} ms/image, ${Math.round(report.speed.imagesPerSecond)} images/s |`,
    '',
  );

  if (report.realWorld) {
    lines.push(
      '### Real uploads per source',
      '',
      '| source | correct | accuracy |',
      '| --- | --- | --- |',
    );
    for (const [source, tally] of Object.entries(report.realWorld.perSource)) {
      lines.push(`| ${source} | ${tally.correct} / ${tally.total} | ${percent(tally.accuracy)} |`);
    }
    lines.push('', report.realWorld.misses.length ? 'Misses:' : 'No misses.', '');
    for (const miss of report.realWorld.misses) {
      const got =
        miss.predicted === null
          ? `no digit (${miss.error})`
          : `${miss.predicted} at ${miss.confidence?.toFixed(2)}`;
      lines.push(`- \`${miss.file}\`: expected ${miss.expected}, got ${got}`);
    }
    lines.push('');
  }

  lines.push(
    '### Uploads that hold no digit',
    '',
    'Generated by `libs/digit-reading/non-digit-samples.ts` (160x160, dark ink on paper) and read',
    'through the whole upload path. "confident digit" is the wrong answer: a digit a client would',
    'believe.',
    '',
    '| upload | kind | answer |',
    '| --- | --- | --- |',
  );
  for (const result of report.nonDigits.results) {
    const answer =
      result.outcome === 'no digit'
        ? `no digit (${result.error})`
        : `${result.outcome} ${result.digit} at ${result.confidence?.toFixed(2)}`;
    lines.push(`| ${result.name} | ${result.kind} | ${answer} |`);
  }
  lines.push('');

  lines.push('### MNIST confusion matrix (rows: true digit, columns: predicted)', '');
  lines.push(`| | ${[...Array(10).keys()].join(' | ')} |`, `|${' --- |'.repeat(11)}`);
  report.mnist.confusionMatrix.forEach((row, digit) =>
    lines.push(`| **${digit}** | ${row.join(' | ')} |`),
  );
  return lines.join('\n');
}

/** Replaces the evaluation section of MODEL_CARD.md, keeping everything else the card says. */
async function writeModelCard(modelDir: string, report: EvaluationReport): Promise<void> {
  const cardPath = path.join(modelDir, 'MODEL_CARD.md');
  const section = `${CARD_START}\n${renderEvaluation(report)}\n${CARD_END}`;
  const existing = existsSync(cardPath) ? await readFile(cardPath, 'utf8') : `# Model card\n`;
  const start = existing.indexOf(CARD_START);
  const end = existing.indexOf(CARD_END);
  const updated =
    start >= 0 && end > start
      ? `${existing.slice(0, start)}${section}${existing.slice(end + CARD_END.length)}`
      : `${existing.trimEnd()}\n\n${section}\n`;
  await writeFile(cardPath, updated);
}

function parseArguments(argv: string[]): EvaluateArguments | null {
  const settings = validateEnvironment(process.env);
  const args: EvaluateArguments = {
    isJson: false,
    shouldWriteCard: true,
    modelDir: path.resolve(settings.MODEL_PATH),
    mnistDir: path.join(SHARED, 'data', 'mnist'),
    realWorldDir: path.join(SHARED, 'realworld', 'single'),
  };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--json') args.isJson = true;
    else if (arg === '--no-card') args.shouldWriteCard = false;
    else if (arg === '--model') args.modelDir = path.resolve(argv[++index] ?? '');
    else if (arg === '--mnist') args.mnistDir = path.resolve(argv[++index] ?? '');
    else if (arg === '--realworld') args.realWorldDir = path.resolve(argv[++index] ?? '');
    else return null;
  }
  return args;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`evaluate failed: ${error.message}\n`);
    process.exitCode = 1;
  },
);
