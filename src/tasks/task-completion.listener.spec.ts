import { EventEmitter } from 'node:events';

import type { Queue } from 'bull';

import { PredictDigitsJobData } from '../queue/queue.constants';
import { TaskCompletionListener } from './task-completion.listener';

function setup() {
  const queue = new EventEmitter();
  const sut = new TaskCompletionListener(queue as unknown as Queue<PredictDigitsJobData>);
  sut.onModuleInit();
  return { sut, queue };
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return settled;
}

describe(TaskCompletionListener.name, () => {
  it('should wake a watcher when its task completes or fails for good', async () => {
    const { sut, queue } = setup();
    const watch = sut.watch('task-1');

    const completed = watch.next(10_000);
    queue.emit('global:completed', 'task-1', '"completed"');
    const failed = watch.next(10_000);
    queue.emit('global:failed', 'task-1', 'boom');

    expect(await settlesWithin(completed, 100)).toBe(true);
    expect(await settlesWithin(failed, 100)).toBe(true);
    watch.close();
  });

  it('should not miss an event that came before the watcher asked for the next one', async () => {
    const { sut, queue } = setup();
    const watch = sut.watch('task-1');

    queue.emit('global:completed', 'task-1', '"completed"');

    expect(await settlesWithin(watch.next(10_000), 100)).toBe(true);
    watch.close();
  });

  it('should ignore other tasks and give up after the timeout', async () => {
    const { sut, queue } = setup();
    const watch = sut.watch('task-1');

    const next = watch.next(50);
    queue.emit('global:completed', 'task-2', '"completed"');

    expect(await settlesWithin(next, 20)).toBe(false);
    expect(await settlesWithin(next, 200)).toBe(true);
    watch.close();
  });

  it('should release every watcher and stop listening when the API shuts down', async () => {
    const { sut } = setup();
    const watch = sut.watch('task-1');
    const next = watch.next(10_000);

    sut.beforeApplicationShutdown();

    expect(await settlesWithin(next, 100)).toBe(true);
    expect(sut.isListening).toBe(false);
    watch.close();
  });
});
