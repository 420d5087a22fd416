import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileCost {
  name: string;
  selfMs: number;
  share: number;
}

/**
 * Self time of a CPU profile, grouped two ways: by function and by where the code comes
 * from (a package in node_modules, lensq's own code, or V8's pseudo-frames such as the
 * garbage collector), busiest first. Idle time is left out of the shares.
 */
export function summariseProfile(
  file: string,
  top = 15,
): { byFunction: ProfileCost[]; bySource: ProfileCost[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const bySource = new Map<string, number>();

  profile.samples.forEach((id, index) => {
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    const micros = profile.timeDeltas[index] ?? 0;
    const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const source = sourceOf(frame);
    bySource.set(source, (bySource.get(source) ?? 0) + micros);
  });

  return { byFunction: ranked(byFunction, top), bySource: ranked(bySource, top) };
}

function ranked(costs: Map<string, number>, top: number): ProfileCost[] {
  const total = [...costs.values()].reduce((sum, micros) => sum + micros, 0);
  return [...costs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => ({
      name,
      selfMs: Math.round(micros / 1000),
      share: Math.round((micros / total) * 1000) / 10,
    }));
}

function sourceOf(frame: ProfileNode['callFrame']): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (match) return match[1];
  if (frame.url.includes('/dist/')) return 'lensq';
  if (frame.url.startsWith('node:')) return 'node';
  return frame.url === '' ? frame.functionName || '(native)' : '(other)';
}

function shortUrl(url: string): string {
  return url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '');
}

if (require.main === module) {
  for (const file of process.argv.slice(2)) {
    const { byFunction, bySource } = summariseProfile(file);
    process.stdout.write(`\n${file}\nby source:\n`);
    for (const cost of bySource)
      process.stdout.write(`  ${cost.share}%\t${cost.selfMs} ms\t${cost.name}\n`);
    process.stdout.write('by function:\n');
    for (const cost of byFunction)
      process.stdout.write(`  ${cost.share}%\t${cost.selfMs} ms\t${cost.name}\n`);
  }
}
