import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

import { createDigitReader } from '../../libs/digit-reading/create-digit-reader';
import { DigitReading } from '../../libs/digit-reading/digit-reader';
import { validateEnvironment } from '../config/environment';

const USAGE = `Usage: npm run predict -- [--json] [--model DIR] <image files...>

Reads the digit in each image with the same decoding, normalisation and model as the
service, in this process (no Redis, Postgres or API needed).
  --json        one JSON object per file and line: {file, digit, confidence, ...} or {file, error}
  --model DIR   model directory (default: MODEL_PATH, else ./model)
`;

interface PredictArguments {
  isJson: boolean;
  modelDir: string;
  files: string[];
}

async function main(argv: string[]): Promise<number> {
  const settings = validateEnvironment(process.env);
  const args = parseArguments(argv, settings.MODEL_PATH);
  if (args.files.length === 0) {
    process.stderr.write(USAGE);
    return 2;
  }

  const { reader } = await createDigitReader({
    modelDir: path.resolve(args.modelDir),
    maxPixels: settings.MAX_IMAGE_PIXELS,
    uncertainBelow: settings.UNCERTAIN_BELOW,
  });

  const contents = await Promise.all(args.files.map((file) => readFileOrError(file)));
  const readable = contents.filter((content): content is Buffer => content instanceof Buffer);
  const { readings } = await reader.read(readable);

  let readingIndex = 0;
  let failures = 0;
  args.files.forEach((file, index) => {
    const content = contents[index];
    const reading: Partial<DigitReading> = Buffer.isBuffer(content)
      ? readings[readingIndex++]
      : { error: content };
    if (reading.error) failures += 1;
    process.stdout.write(args.isJson ? formatJson(file, reading) : formatText(file, reading));
  });

  return failures === args.files.length ? 1 : 0;
}

function parseArguments(argv: string[], defaultModelDir: string): PredictArguments {
  const args: PredictArguments = { isJson: false, modelDir: defaultModelDir, files: [] };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--json') args.isJson = true;
    else if (arg === '--model') args.modelDir = argv[++index] ?? defaultModelDir;
    else if (arg === '--help' || arg === '-h') args.files = [];
    else args.files.push(arg);
  }
  return args;
}

interface ReadError {
  code: string;
  message: string;
}

async function readFileOrError(file: string): Promise<Buffer | ReadError> {
  try {
    return await readFile(file);
  } catch (error) {
    return {
      code: 'unreadable-file',
      message: `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    };
  }
}

function formatJson(file: string, reading: Partial<DigitReading>): string {
  if (reading.error) {
    return `${JSON.stringify({ file, digit: null, error: reading.error.message, code: reading.error.code, confidence: reading.confidence ?? null })}\n`;
  }
  return `${JSON.stringify({
    file,
    digit: reading.digit,
    confidence: round(reading.confidence ?? 0),
    uncertain: reading.uncertain,
    probabilities: reading.probabilities?.map(round),
  })}\n`;
}

function formatText(file: string, reading: Partial<DigitReading>): string {
  if (reading.error) return `${file}: no digit (${reading.error.code}: ${reading.error.message})\n`;
  const flag = reading.uncertain ? ', uncertain' : '';
  return `${file}: ${reading.digit} (confidence ${(reading.confidence ?? 0).toFixed(3)}${flag})\n`;
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`predict failed: ${error.message}\n`);
    process.exitCode = 1;
  },
);
