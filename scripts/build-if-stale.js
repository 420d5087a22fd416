#!/usr/bin/env node
/**
 * Builds dist/ with `nest build` when a source is newer than the last build, so that
 * `npm start`, `npm run start:api` and the CLIs always run current code without paying
 * for a build each time. In a runtime image without sources it does nothing. A lock
 * directory keeps an API and a worker started together from building at the same time.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const lock = path.join(root, 'dist', '.build-lock');
const sources = ['src', 'libs', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];

function newestSourceTime() {
  let newest = 0;
  const visit = (entry) => {
    if (!fs.existsSync(entry)) return;
    const stats = fs.statSync(entry);
    if (stats.isDirectory()) fs.readdirSync(entry).forEach((name) => visit(path.join(entry, name)));
    else newest = Math.max(newest, stats.mtimeMs);
  };
  sources.forEach((source) => visit(path.join(root, source)));
  return newest;
}

function isStale() {
  const newest = newestSourceTime();
  if (newest === 0) return false; // runtime image: only dist/ is there
  return !fs.existsSync(stamp) || fs.statSync(stamp).mtimeMs < newest;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function acquireLock() {
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; waited < 300_000; waited += 200) {
    try {
      fs.mkdirSync(lock);
      return;
    } catch {
      const age = Date.now() - fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (age > 300_000) fs.rmSync(lock, { recursive: true, force: true }); // left by a killed build
      sleep(200);
    }
  }
  throw new Error(`Timed out waiting for another build to finish (${lock})`);
}

if (isStale()) {
  acquireLock();
  try {
    if (isStale()) {
      const started = Date.now();
      const startedAt = new Date();
      execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], {
        cwd: root,
        stdio: 'inherit',
      });
      fs.writeFileSync(stamp, `built ${new Date().toISOString()}\n`);
      // Stamp with the start time: a source saved during the build triggers the next one.
      fs.utimesSync(stamp, startedAt, startedAt);
      process.stderr.write(`lensq: built dist/ in ${Date.now() - started} ms\n`);
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
