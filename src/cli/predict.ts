import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

import { createDigitReader } from '../../libs/digit-reading/create-digit-reader';
import { MODEL_FILE } from '../../libs/digit-model/directory-model-handler';
import { DigitReading } from '../../libs/digit-reading/digit-reader';
import { validateEnvironment } from '../config/environment';

const USAGE = `Usage: npm run predict -- [--json] [--model DIR] <image files...>

Reads the digit in each image with the same decoding, normalisation and model as the
service, in this process (no Redis, Postgres or API needed).
  --json        one JSON object per file and line: {file, digit, confidence, uncertain,
                doubts, probabilities}, or {file, digit: null, confidence, code, error} for
                a file without a digit
  --model DIR   model directory (default: MODEL_PATH, else ./model)
  --help, -h    this text
  --            what follows is files, even if it starts with -

Exit code: 0 when at least one file gave a digit, 1 when none did, 2 for a usage error.
`;
const USAGE_ERROR = 2;

interface PredictArguments {
  isJson: boolean;
  modelDir: string;
  files: string[];
}

/** What the command line asks for: a run, the help, or nothing sensible (with why). */
type ParsedCommandLine =
  | { kind: 'run'; args: PredictArguments }
  | { kind: 'help' }
  | { kind: 'usage-error'; message: string };

async function main(argv: string[]): Promise<number> {
  const settings = validateEnvironment(process.env);
  const commandLine = parseArguments(argv, settings.MODEL_PATH);
  if (commandLine.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (commandLine.kind === 'usage-error') {
    process.stderr.write(`${commandLine.message}\n${USAGE}`);
    return USAGE_ERROR;
  }

  const { args } = commandLine;
  const modelDir = path.resolve(args.modelDir);
  if (!existsSync(path.join(modelDir, MODEL_FILE))) {
    process.stderr.write(
      `No model in ${modelDir}: ${MODEL_FILE} is missing; pass --model DIR with a trained model, or run npm run train\n`,
    );
    return USAGE_ERROR;
  }

  const { reader } = await createDigitReader({
    modelDir,
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

function parseArguments(argv: string[], defaultModelDir: string): ParsedCommandLine {
  const args: PredictArguments = { isJson: false, modelDir: defaultModelDir, files: [] };
  let areOptionsOver = false;

  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (areOptionsOver || !arg.startsWith('-') || arg === '-') {
      args.files.push(arg);
    } else if (arg === '--') {
      areOptionsOver = true;
    } else if (arg === '--help' || arg === '-h') {
      return { kind: 'help' };
    } else if (arg === '--json') {
      args.isJson = true;
    } else if (arg === '--model') {
      const dir = argv[++index];
      if (dir === undefined) return { kind: 'usage-error', message: '--model needs a directory' };
      args.modelDir = dir;
    } else {
      return {
        kind: 'usage-error',
        message: `Unknown option ${arg}; see npm run predict -- --help (a file whose name starts with - goes after --)`,
      };
    }
  }

  if (args.files.length === 0) return { kind: 'usage-error', message: 'No image files given' };
  return { kind: 'run', args };
}

interface ReadError {
  code: string;
  message: string;
}

// Why a file could not be read, in words, for the errors people actually meet.
const READ_PROBLEMS: Record<string, string> = {
  ENOENT: 'file not found',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
};

async function readFileOrError(file: string): Promise<Buffer | ReadError> {
  try {
    return await readFile(file);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return {
      code: 'unreadable-file',
      message: `${file}: ${(code && READ_PROBLEMS[code]) ?? `cannot be read (${code ?? message})`}`,
    };
  }
}

function formatJson(file: string, reading: Partial<DigitReading>): string {
  if (reading.error) {
    // confidence stays: a not-a-digit image has one, even without a digit.
    return `${JSON.stringify({
      file,
      digit: null,
      confidence: reading.confidence == null ? null : round(reading.confidence),
      code: reading.error.code,
      error: reading.error.message,
    })}\n`;
  }
  return `${JSON.stringify({
    file,
    digit: reading.digit,
    confidence: round(reading.confidence ?? 0),
    uncertain: reading.uncertain,
    doubts: reading.doubts,
    probabilities: reading.probabilities?.map(round),
  })}\n`;
}

function formatText(file: string, reading: Partial<DigitReading>): string {
  if (reading.error) return `${file}: no digit (${reading.error.code}: ${reading.error.message})\n`;
  const doubts = reading.doubts?.length ? `: ${reading.doubts.join(', ')}` : '';
  const flag = reading.uncertain ? `, uncertain${doubts}` : '';
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
