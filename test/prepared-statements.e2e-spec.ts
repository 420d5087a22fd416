import { Client } from 'pg';

import { submitImages, waitForResult } from './support/lensq-client';
import { DATABASE_URL, useLensqStack } from './support/lensq-stack';
import { syntheticDigitPng } from './support/synthetic-images';

// Enough tasks to have the hot statements prepared on every pooled connection in use.
const TASKS_PER_ROUND = 12;

describe('Prepared statements (real API, worker, Redis and Postgres)', () => {
  const stack = useLensqStack();

  async function runRound(): Promise<Array<string | null>> {
    const ids = await Promise.all(
      Array.from({ length: TASKS_PER_ROUND }, async () => {
        const response = await submitImages(stack.baseUrl, [
          syntheticDigitPng(1),
          syntheticDigitPng(0),
        ]);
        expect(response.status).toBe(202);
        return ((await response.json()) as { result_id: string }).result_id;
      }),
    );
    const results = await Promise.all(ids.map((id) => waitForResult(stack.baseUrl, id)));
    return results.map((result) => result.status);
  }

  async function alterTables(statements: string[]): Promise<void> {
    const client = new Client({
      connectionString: DATABASE_URL,
      options: `-c search_path=${stack.schema}`,
    });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
  }

  it('should keep storing, claiming, completing and reading tasks after columns are added under the running processes', async () => {
    const before = await runRound();
    await alterTables([
      'ALTER TABLE prediction_tasks ADD COLUMN later_column int',
      'ALTER TABLE prediction_task_images ADD COLUMN later_column int',
    ]);

    const after = await runRound();
    await alterTables([
      'ALTER TABLE prediction_tasks DROP COLUMN later_column',
      'ALTER TABLE prediction_task_images DROP COLUMN later_column',
    ]);

    expect(before.every((status) => status === 'completed')).toBe(true);
    expect(after.every((status) => status === 'completed')).toBe(true);
  });
});
