import type { Job } from 'bull';

import { isFinalFailure, taskIdOf } from './job-outcome';

function job(fields: Partial<Job>): Job {
  return { attemptsMade: 1, opts: { attempts: 5 }, data: {}, ...fields } as Job;
}

describe(isFinalFailure.name, () => {
  it('should be false while attempts are left', () => {
    expect(isFinalFailure(job({ attemptsMade: 2 }))).toBe(false);
  });

  it('should be true once the attempts are used up', () => {
    expect(isFinalFailure(job({ attemptsMade: 5 }))).toBe(true);
  });

  it('should be true for a job Bull finished early: discarded, or stalled too often', () => {
    expect(isFinalFailure(job({ attemptsMade: 0, finishedOn: Date.now() }))).toBe(true);
  });
});

describe(taskIdOf.name, () => {
  it('should read the task id of a job the dispatcher wrote', () => {
    const taskId = '0f6b7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b';

    expect(taskIdOf(job({ data: { taskId } }))).toBe(taskId);
  });

  it('should answer null for any other payload', () => {
    expect(taskIdOf(job({ data: {} }))).toBeNull();
    expect(taskIdOf(job({ data: { taskId: "x' OR 1=1" } }))).toBeNull();
    expect(taskIdOf(job({ data: null }))).toBeNull();
  });
});
