import { ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';

/**
 * `npm start`: runs the API and one worker as two processes, as they run in production,
 * and stops both when either stops or when asked to.
 */
const processes: Array<{ name: string; child: ChildProcess }> = [
  { name: 'api', child: fork(path.join(__dirname, 'main.js'), { stdio: 'inherit' }) },
  { name: 'worker', child: fork(path.join(__dirname, 'worker.js'), { stdio: 'inherit' }) },
];
let isStopping = false;

function stopAll(signal: NodeJS.Signals): void {
  if (isStopping) return;
  isStopping = true;
  for (const { child } of processes) {
    if (child.exitCode === null) child.kill(signal);
  }
}

for (const { name, child } of processes) {
  child.on('exit', (code, signal) => {
    if (!isStopping) {
      process.stderr.write(
        `lensq: the ${name} process exited (${signal ?? `code ${code}`}); stopping the other\n`,
      );
      process.exitCode = code ?? 1;
      stopAll('SIGTERM');
    }
    if (
      processes.every((entry) => entry.child.exitCode !== null || entry.child.signalCode !== null)
    ) {
      process.exit();
    }
  });
}

process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));
