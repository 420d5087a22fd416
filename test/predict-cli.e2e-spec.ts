import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { nonDigitSamples } from '../libs/digit-reading/non-digit-samples';
import { hasSharedData, sharedPath } from './support/shared-data';
import { twoSevensPng } from './support/synthetic-images';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', 'dist', 'src', 'cli', 'predict.js');

interface CliLine {
  file: string;
  digit: number | null;
  confidence?: number;
  uncertain?: boolean;
  doubts?: string[];
  error?: string;
  code?: string;
}

/** `npm run predict` runs the service's decoding, normalisation and model in-process. */
describe('predict CLI', () => {
  const describeWithCases = hasSharedData('cases') ? describe : describe.skip;

  describeWithCases('on ../shared/cases', () => {
    it('should read each digit case and refuse each broken one, one JSON line per file', async () => {
      const names = readdirSync(sharedPath('cases'))
        .filter((name) => name !== 'README.md')
        .sort();
      const files = names.map((name) => sharedPath('cases', name));

      const { stdout } = await run(process.execPath, [CLI, '--json', ...files], {
        timeout: 120_000,
      });
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as CliLine);

      expect(lines.map((line) => line.file)).toEqual(files);
      for (const line of lines) {
        const name = path.basename(line.file);
        if (/^\d_/.test(name)) {
          expect({ name, digit: line.digit }).toEqual({ name, digit: Number(name[0]) });
          expect(line.confidence).toBeGreaterThan(0);
        } else {
          expect({ name, digit: line.digit }).toEqual({ name, digit: null });
          expect(line.error).toEqual(expect.any(String));
        }
      }
    });
  });

  it('should say why a digit is uncertain, and exit 1 when no file gives a digit', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'lensq-predict-'));
    try {
      const pair = path.join(directory, 'pair.png');
      const scribble = path.join(directory, 'scribble.png');
      writeFileSync(pair, await twoSevensPng());
      writeFileSync(
        scribble,
        nonDigitSamples().find((sample) => sample.name === 'scribble 4')!.png,
      );

      const both = await run(process.execPath, [CLI, '--json', pair, scribble], {
        timeout: 120_000,
      });
      const [pairLine, scribbleLine] = both.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as CliLine);
      const scribbleOnly = run(process.execPath, [CLI, scribble], { timeout: 120_000 });

      expect(pairLine).toMatchObject({ digit: 7, uncertain: true, doubts: ['most-ink-set-aside'] });
      expect(scribbleLine).toMatchObject({ digit: null, code: 'not-a-digit' });
      expect(scribbleLine.confidence).toBe(Math.round(scribbleLine.confidence! * 10000) / 10000);
      await expect(scribbleOnly).rejects.toMatchObject({ code: 1 });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('should print usage and exit 2 without files', async () => {
    await expect(run(process.execPath, [CLI])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Usage'),
    });
  });

  it('should print the help to stdout and exit 0 with --help', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--help']);

    expect(stdout).toContain('Usage: npm run predict');
  });

  it('should refuse an unknown option as a usage error naming it, not read it as a file', async () => {
    await expect(run(process.execPath, [CLI, '--jsn', 'seven.png'])).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/^Unknown option --jsn; see npm run predict -- --help/),
    });
  });

  it('should say which model directory has no model and what to do', async () => {
    const dir = path.resolve(__dirname, 'support');

    await expect(run(process.execPath, [CLI, '--model', dir, 'seven.png'])).rejects.toMatchObject({
      code: 2,
      stderr: `No model in ${dir}: model.json is missing; pass --model DIR with a trained model, or run npm run train\n`,
    });
  });

  it('should report a missing file as an error line saying it was not found', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--json', '/nonexistent/seven.png']).catch(
      (error: { stdout: string }) => error,
    );

    expect(JSON.parse(stdout.trim())).toEqual({
      file: '/nonexistent/seven.png',
      digit: null,
      confidence: null,
      code: 'unreadable-file',
      error: '/nonexistent/seven.png: file not found',
    });
  });
});
