import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { deleteRedisKeys, dropSchema, freePort } from '../test/support/local-services';

export interface BenchmarkStackOptions {
  repoRoot: string;
  redisUrl: string;
  databaseUrl: string;
  workers: number;
  /** Extra settings for every process (WORKER_CONCURRENCY, LOG_LEVEL …). */
  env: Record<string, string>;
  /** Where to write a CPU profile of each process when it stops; none without. */
  cpuProfileDirectory?: string;
}

const READY_TIMEOUT_MS = 120_000;

/**
 * The API and its workers from dist/ on a free loopback port, with a Postgres schema and
 * a Redis key prefix of their own so a benchmark never touches anyone else's data; stop()
 * removes both. The processes log to files, not to the harness, which would pay for it.
 */
export class BenchmarkStack {
  readonly schema = `bench_${randomBytes(4).toString('hex')}`;
  readonly queuePrefix = `lensq-bench-${randomBytes(4).toString('hex')}`;
  readonly logDirectory = path.join(tmpdir(), this.queuePrefix);
  private readonly processes: ChildProcess[] = [];
  private readonly names: string[] = [];
  private port = 0;

  constructor(private readonly options: BenchmarkStackOptions) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.logDirectory, { recursive: true });
    this.port = await freePort();

    this.launch('api', 'main.js');
    await this.waitUntil('/health/live');
    for (let index = 0; index < this.options.workers; index += 1) {
      this.launch(`worker-${index}`, 'worker.js');
    }
    await this.waitUntil('/health/ready');
  }

  /** Stops the processes (letting them write their profiles), then removes the data. */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((child) => stopProcess(child)));
    await dropSchema(this.options.databaseUrl, this.schema);
    await deleteRedisKeys(this.options.redisUrl, `${this.queuePrefix}:*`);
  }

  /**
   * CPU time each started process has used so far, in milliseconds, read from /proc (Linux):
   * the cost of a task in CPU is steadier than its speed on a busy machine.
   */
  cpuMilliseconds(): Record<string, number> {
    const ownUsage = process.cpuUsage();
    return {
      ...Object.fromEntries(
        this.processes.map((child, index) => [
          this.names[index],
          processCpuMilliseconds(child.pid),
        ]),
      ),
      // Shared with whatever else runs on the machine, so an upper bound of lensq's share.
      postgres: namedProcessesCpuMilliseconds('postgres'),
      redis: namedProcessesCpuMilliseconds('redis-server'),
      // The load generator itself, on the same cores.
      harness: (ownUsage.user + ownUsage.system) / 1000,
    };
  }

  private launch(name: string, entry: string): void {
    this.processes.push(this.spawn(name, entry));
    this.names.push(name);
  }

  private spawn(name: string, entry: string): ChildProcess {
    const profiling = this.options.cpuProfileDirectory
      ? ['--require', path.join(__dirname, 'cpu-profile-preload.js')]
      : [];
    const log = openSync(path.join(this.logDirectory, `${name}.log`), 'a');
    const child = spawn(
      process.execPath,
      [...profiling, path.join(this.options.repoRoot, 'dist', 'src', entry)],
      {
        cwd: this.options.repoRoot,
        stdio: ['ignore', log, log],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          PORT: String(this.port),
          REDIS_URL: this.options.redisUrl,
          DATABASE_URL: this.options.databaseUrl,
          DATABASE_SCHEMA: this.schema,
          QUEUE_PREFIX: this.queuePrefix,
          MODEL_PATH: path.join(this.options.repoRoot, 'model'),
          ...(this.options.cpuProfileDirectory
            ? {
                LENSQ_CPU_PROFILE: path.join(
                  this.options.cpuProfileDirectory,
                  `${name}.cpuprofile`,
                ),
              }
            : {}),
          ...this.options.env,
        },
      },
    );
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM' && code !== null) {
        process.stderr.write(`bench: ${name} exited with ${code}; see ${this.logDirectory}\n`);
      }
    });
    return child;
  }

  private async waitUntil(probe: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const exited = this.processes.find((child) => child.exitCode !== null);
      if (exited) throw new Error(`a lensq process exited early; see ${this.logDirectory}`);
      const answer = await fetch(`${this.baseUrl}${probe}`).catch(() => null);
      if (answer?.ok) return;
      await sleep(200);
    }
    throw new Error(`lensq did not answer ${probe} within ${READY_TIMEOUT_MS} ms`);
  }
}

// Clock ticks per second of /proc/<pid>/stat on Linux.
const CLOCK_TICKS_PER_SECOND = 100;

function processCpuMilliseconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: utime and stime are 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU time of every process with this command name (all of Postgres's backends, say). */
function namedProcessesCpuMilliseconds(commandName: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== commandName) continue;
    } catch {
      continue; // The process ended while we looked.
    }
    const milliseconds = processCpuMilliseconds(Number(entry));
    if (!Number.isNaN(milliseconds)) total += milliseconds;
  }
  return total;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
