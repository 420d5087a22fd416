import { AppConfigService } from '../config/app-config.service';
import { PredictionTask, PredictionTaskStatus } from '../persistence/prediction-task.entity';
import {
  PredictionTaskRepository,
  TaskListFilter,
} from '../persistence/prediction-task.repository';
import { PredictionDispatcher } from '../queue/prediction-dispatcher.service';
import { TaskCompletionListener } from './task-completion.listener';
import { TasksService } from './tasks.service';

const ANYONE = { owner: null };

/** Tasks newest first, one a minute apart, as the repository lists them. */
function someTasks(count: number): PredictionTask[] {
  return Array.from({ length: count }, (_, index) =>
    Object.assign(new PredictionTask(), {
      id: `00000000-0000-4000-8000-00000000000${count - index}`,
      status: PredictionTaskStatus.Completed,
      errorMessage: null,
      modelVersion: '1',
      timings: null,
      createdAt: new Date(Date.UTC(2026, 11, 4, 12, count - index)),
      finishedAt: null,
      images: [],
    }),
  );
}

/** A repository over `stored` that honours the cursor and the limit, as Postgres would. */
function setup(stored: PredictionTask[]) {
  const tasks = {
    listTasks: jest.fn((filter: TaskListFilter) => {
      const after = filter.after;
      const remaining = after ? stored.filter((task) => task.createdAt < after.createdAt) : stored;
      return Promise.resolve(remaining.slice(0, filter.limit));
    }),
  };
  const sut = new TasksService(
    {} as AppConfigService,
    tasks as unknown as PredictionTaskRepository,
    {} as PredictionDispatcher,
    {} as TaskCompletionListener,
  );
  return { sut, tasks };
}

describe(TasksService.name, () => {
  describe('list', () => {
    it('should give no next_cursor on the last page when it is full', async () => {
      const { sut } = setup(someTasks(4));

      const first = await sut.list({ limit: 2 }, ANYONE);
      const second = await sut.list({ limit: 2, cursor: first.next_cursor! }, ANYONE);

      expect(first.tasks).toHaveLength(2);
      expect(first.next_cursor).not.toBeNull();
      expect(second.tasks).toHaveLength(2);
      expect(second.next_cursor).toBeNull();
    });

    it('should ask for one task more than the page, and answer only the page', async () => {
      const { sut, tasks } = setup(someTasks(30));

      const page = await sut.list({}, ANYONE);

      expect(tasks.listTasks).toHaveBeenCalledWith(expect.objectContaining({ limit: 21 }));
      expect(page.tasks).toHaveLength(20);
      expect(page.next_cursor).not.toBeNull();
    });
  });

  describe('getResult with a wait', () => {
    const TASK_ID = '00000000-0000-4000-8000-000000000001';

    function setupLongPoll(states: Array<PredictionTaskStatus | null>, finished: PredictionTask) {
      const tasks = {
        findState: jest.fn(() => {
          const status = states.shift() ?? null;
          return Promise.resolve(status === null ? null : { status, finishedAt: null });
        }),
        findWithImages: jest.fn().mockResolvedValue(finished),
      };
      const next = jest.fn().mockResolvedValue(undefined);
      const completions = { isListening: true, watch: jest.fn(() => ({ next, close: jest.fn() })) };
      const sut = new TasksService(
        {} as AppConfigService,
        tasks as unknown as PredictionTaskRepository,
        {} as PredictionDispatcher,
        completions as unknown as TaskCompletionListener,
      );
      return { sut, tasks, next };
    }

    it('should check the status alone while waiting, and read the whole task once, when finished', async () => {
      const [finished] = someTasks(1);
      const { sut, tasks, next } = setupLongPoll(
        [PredictionTaskStatus.Queued, PredictionTaskStatus.Active, PredictionTaskStatus.Completed],
        finished,
      );

      const result = await sut.getResult(TASK_ID, ANYONE, { waitSeconds: 5 });

      expect(result).toMatchObject({ result_id: finished.id, ready: true, status: 'completed' });
      expect(next).toHaveBeenCalledTimes(2);
      expect(tasks.findState).toHaveBeenCalledTimes(3);
      expect(tasks.findWithImages).toHaveBeenCalledTimes(1);
    });

    it('should read the whole task at once when its status says it is finished', async () => {
      const [finished] = someTasks(1);
      const { sut, tasks, next } = setupLongPoll([PredictionTaskStatus.Completed], finished);

      const result = await sut.getResult(TASK_ID, ANYONE, { waitSeconds: 5 });

      expect(result.ready).toBe(true);
      expect(tasks.findWithImages).toHaveBeenCalledTimes(1);
      expect(next).not.toHaveBeenCalled();
    });

    it('should answer 404 for an unknown task without reading its images', async () => {
      const [finished] = someTasks(1);
      const { sut, tasks } = setupLongPoll([null], finished);

      const result = sut.getResult(TASK_ID, ANYONE, { waitSeconds: 5 });

      await expect(result).rejects.toMatchObject({ code: 'task-not-found' });
      expect(tasks.findWithImages).not.toHaveBeenCalled();
    });

    it('should answer 410 for an expired task from its status alone', async () => {
      const [finished] = someTasks(1);
      const { sut, tasks } = setupLongPoll([PredictionTaskStatus.Expired], finished);

      const result = sut.getResult(TASK_ID, ANYONE, { waitSeconds: 5 });

      await expect(result).rejects.toMatchObject({ code: 'task-expired' });
      expect(tasks.findWithImages).not.toHaveBeenCalled();
    });
  });
});
