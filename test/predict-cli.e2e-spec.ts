import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { hasSharedData, sharedPath } from './support/shared-data';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', 'dist', 'src', 'cli', 'predict.js');

interface CliLine {
  file: string;
  digit: number | null;
  confidence?: number;
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

  it('should print usage and exit 2 without files', async () => {
    await expect(run(process.execPath, [CLI])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Usage'),
    });
  });

  it('should report a missing file as an error line', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--json', '/nonexistent/seven.png']).catch(
      (error: { stdout: string }) => error,
    );

    expect(JSON.parse(stdout.trim())).toMatchObject({
      file: '/nonexistent/seven.png',
      digit: null,
      code: 'unreadable-file',
    });
  });
});
