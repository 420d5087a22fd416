import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * Loaded with `--require` into each process of a profiled benchmark stack. Node's own
 * --cpu-prof writes its profile only on a normal exit, but lensq's processes end on the
 * signal Nest re-raises after shutting down; this writes the profile on SIGTERM instead.
 * An in-process inspector session answers synchronously, so the file is written before
 * Nest's own handler starts closing the app.
 */
const target = process.env.LENSQ_CPU_PROFILE;
if (target) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');

  process.once('SIGTERM', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(target, JSON.stringify(result.profile));
    });
  });
}
