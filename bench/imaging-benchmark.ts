/**
 * Micro-benchmark of libs/imaging: decoding and MNIST normalisation per image, in process, for
 * 28x28 PNGs of MNIST digits (the smallest realistic upload) and the real uploads of
 * ../shared/realworld/single. Prints a table and writes bench/results/imaging-<date>.json.
 *
 *   npm run bench:imaging -- [--rounds 15] [--digits 256] [--label NAME] [--shared FOLDER]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { decodeImage, normaliseDigitImage } from '../libs/imaging';
import { folderImages, mnistDigitPngs, UploadFile } from './payloads';
import { median, percentile, round } from './statistics';

const REPO_ROOT = path.resolve(__dirname, '../..');

/** The limits and working size the worker uses, so decoding does what normalisation does. */
const LIMITS = { maxPixels: 40_000_000 };
const WORKING_MAX_SIDE = 640;

interface Options {
  rounds: number;
  digits: number;
  sharedFolder: string;
  label?: string;
}

/** Timings of one set of images, per image, in milliseconds. */
interface SetTimings {
  images: number;
  /** Median wall time of one `decodeImage` call (what normalisation decodes first). */
  decode_ms_median: number;
  decode_ms_p90: number;
  /** Median wall time of one whole `normaliseDigitImage` call, decoding included. */
  normalise_ms_median: number;
  normalise_ms_p90: number;
  /** normalise minus decode medians: roughly the JavaScript normalisation alone. */
  normalise_without_decode_ms: number;
  /** CPU time of the process (sharp's threads included) per `decodeImage` call, mean. */
  decode_cpu_ms_mean: number;
  /** CPU time of the process per `normaliseDigitImage` call, mean. */
  normalise_cpu_ms_mean: number;
}

async function main(): Promise<void> {
  const options = readOptions();
  const digits = await mnistDigitPngs(options.sharedFolder, options.digits);
  const uploads = folderImages(path.join(options.sharedFolder, 'realworld', 'single'));

  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    rounds: options.rounds,
    mnist_28x28_png: await timeSet(digits, options.rounds),
    realworld_single: await timeSet(uploads, Math.max(1, Math.round(options.rounds / 5))),
  };

  const file = writeReport(report, options.label);
  printTable(report);
  process.stderr.write(`bench:imaging: results written to ${path.relative(process.cwd(), file)}\n`);
}

/**
 * Times every image `rounds` times, one call at a time (as a worker's job does), after a
 * warm-up round so that the JIT and sharp's caches are settled.
 */
async function timeSet(files: UploadFile[], rounds: number): Promise<SetTimings> {
  const decode = async (bytes: Uint8Array) =>
    decodeImage(bytes, { limits: LIMITS, maxSide: WORKING_MAX_SIDE });
  const normalise = async (bytes: Uint8Array) => normaliseDigitImage(bytes, LIMITS);

  await timeCalls(files, 1, decode);
  await timeCalls(files, 1, normalise);
  const decoding = await timeCalls(files, rounds, decode);
  const normalising = await timeCalls(files, rounds, normalise);

  const decodeMedian = median(decoding.wallMs);
  const normaliseMedian = median(normalising.wallMs);
  return {
    images: files.length,
    decode_ms_median: round(decodeMedian, 4),
    decode_ms_p90: round(percentile(decoding.wallMs, 90), 4),
    normalise_ms_median: round(normaliseMedian, 4),
    normalise_ms_p90: round(percentile(normalising.wallMs, 90), 4),
    normalise_without_decode_ms: round(normaliseMedian - decodeMedian, 4),
    decode_cpu_ms_mean: round(decoding.cpuMsPerCall, 4),
    normalise_cpu_ms_mean: round(normalising.cpuMsPerCall, 4),
  };
}

async function timeCalls(
  files: UploadFile[],
  rounds: number,
  call: (bytes: Uint8Array) => Promise<unknown>,
): Promise<{ wallMs: number[]; cpuMsPerCall: number }> {
  const wallMs: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let pass = 0; pass < rounds; pass++) {
    for (const file of files) {
      const start = performance.now();
      await call(file.bytes);
      wallMs.push(performance.now() - start);
    }
  }

  const cpu = process.cpuUsage(cpuBefore);
  return { wallMs, cpuMsPerCall: (cpu.user + cpu.system) / 1000 / wallMs.length };
}

function writeReport(report: { date: string }, label?: string): string {
  const directory = path.join(REPO_ROOT, 'bench', 'results');
  mkdirSync(directory, { recursive: true });
  const day = report.date.slice(0, 10);
  const file = path.join(directory, `imaging-${label ? `${day}-${label}` : day}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

function printTable(report: { mnist_28x28_png: SetTimings; realworld_single: SetTimings }): void {
  const rows = [
    [
      'ms per image',
      'decode (median)',
      'normalise incl. decode (median)',
      'CPU: decode / normalise',
    ],
    ...Object.entries({
      '28x28 MNIST PNGs': report.mnist_28x28_png,
      'realworld/single': report.realworld_single,
    }).map(([name, timings]) => [
      `${name} (${timings.images})`,
      String(timings.decode_ms_median),
      String(timings.normalise_ms_median),
      `${timings.decode_cpu_ms_mean} / ${timings.normalise_cpu_ms_mean}`,
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows) {
    process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}\n`);
  }
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '15' },
      digits: { type: 'string', default: '256' },
      shared: { type: 'string', default: path.resolve(REPO_ROOT, '../shared') },
      label: { type: 'string' },
    },
  });
  return {
    rounds: Math.max(1, Number(values.rounds)),
    digits: Math.max(1, Number(values.digits)),
    sharedFolder: path.resolve(values.shared),
    label: values.label,
  };
}

main().catch((error: Error) => {
  process.stderr.write(`bench:imaging: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
