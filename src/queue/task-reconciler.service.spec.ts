import type { Queue } from 'bull';

import { AppConfigService } from '../config/app-config.service';
import { PredictionTaskRepository } from '../persistence/prediction-task.repository';
import { PredictionDispatcher } from './prediction-dispatcher.service';
import { PredictDigitsJobData } from './queue.constants';
import { TaskReconciler } from './task-reconciler.service';

function aJob(isFailed: boolean) {
  return { isFailed: jest.fn().mockResolvedValue(isFailed), remove: jest.fn() };
}

function setup(jobs: Record<string, ReturnType<typeof aJob> | null>, unfinished: string[][]) {
  const queue = { getJob: jest.fn((id: string) => Promise.resolve(jobs[id] ?? null)) };
  const findUnfinishedIds = jest.fn();
  for (const ids of unfinished) findUnfinishedIds.mockResolvedValueOnce(ids);
  const dispatcher = { dispatch: jest.fn().mockResolvedValue(true) };
  const sut = new TaskReconciler(
    queue as unknown as Queue<PredictDigitsJobData>,
    { findUnfinishedIds } as unknown as PredictionTaskRepository,
    dispatcher as unknown as PredictionDispatcher,
    {} as AppConfigService,
  );
  return { sut, dispatcher };
}

describe(TaskReconciler.name, () => {
  it('should dispatch again the unfinished tasks whose job Redis lost, and only those', async () => {
    const { sut, dispatcher } = setup({ waiting: aJob(false), lost: null }, [
      ['waiting', 'lost'],
      ['waiting', 'lost'],
    ]);

    const redispatched = await sut.reconcile();

    expect(redispatched).toBe(1);
    expect(dispatcher.dispatch).toHaveBeenCalledWith('lost');
    expect(dispatcher.dispatch).toHaveBeenCalledTimes(1);
  });

  it('should replace a job that Bull gave up on', async () => {
    const failed = aJob(true);
    const { sut, dispatcher } = setup({ stuck: failed }, [['stuck'], ['stuck']]);

    await sut.reconcile();

    expect(failed.remove).toHaveBeenCalled();
    expect(dispatcher.dispatch).toHaveBeenCalledWith('stuck');
  });

  it('should not dispatch a task that finished while its job was being looked up', async () => {
    const { sut, dispatcher } = setup({ done: null }, [['done'], []]);

    const redispatched = await sut.reconcile();

    expect(redispatched).toBe(0);
    expect(dispatcher.dispatch).not.toHaveBeenCalled();
  });
});
