import { Client } from 'pg';

/** What Postgres says about one task at the end of a run. */
export interface TaskOutcome {
  status: string;
  /** Runs started (claimForProcessing), across retries, stalls and re-dispatches. */
  attempts: number;
  /** Times a worker wrote the task's completion, counted by a trigger: must be 1. */
  completions: number;
  digits: Array<number | null>;
}

export interface LedgerSummary {
  submitted: number;
  completed: number;
  failed: number;
  /** Accepted (202) but not finished, or not in Postgres at all. */
  lost: number;
  /** Completed more than once. */
  duplicated: number;
  attempts: Record<string, number>;
}

/**
 * Counts, in Postgres itself, every write that completes a task, so that "exactly once" is
 * observed rather than assumed: a trigger on prediction_tasks logs each update that sets a
 * task completed with a new finished_at. Without completeTask's status guard a task
 * completed twice would log twice. Install it after the app has created its tables.
 */
export class TaskLedger {
  private readonly client: Client;

  constructor(
    databaseUrl: string,
    private readonly schema: string,
  ) {
    this.client = new Client({ connectionString: databaseUrl });
  }

  async install(): Promise<void> {
    const schema = `"${this.schema}"`;
    await this.client.connect();
    await this.client.query(`
      CREATE TABLE IF NOT EXISTS ${schema}.ledger_completions (
        task_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
      CREATE OR REPLACE FUNCTION ${schema}.ledger_count_completion() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO ${schema}.ledger_completions (task_id) VALUES (NEW.id);
          RETURN NEW;
        END $$;
      DROP TRIGGER IF EXISTS ledger_count_completion ON ${schema}.prediction_tasks;
      CREATE TRIGGER ledger_count_completion AFTER UPDATE ON ${schema}.prediction_tasks
        FOR EACH ROW WHEN (NEW.status = 'completed' AND NEW.finished_at IS DISTINCT FROM OLD.finished_at)
        EXECUTE FUNCTION ${schema}.ledger_count_completion();`);
  }

  async outcomes(ids: string[]): Promise<Map<string, TaskOutcome>> {
    const schema = `"${this.schema}"`;
    const { rows } = await this.client.query<TaskOutcome & { id: string }>(
      `SELECT task.id, task.status, task.attempts,
              (SELECT count(*) FROM ${schema}.ledger_completions AS completion
                WHERE completion.task_id = task.id)::int AS completions,
              COALESCE((SELECT json_agg(image.digit ORDER BY image.position)
                          FROM ${schema}.prediction_task_images AS image
                         WHERE image.task_id = task.id), '[]') AS digits
         FROM ${schema}.prediction_tasks AS task
        WHERE task.id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map(({ id, ...outcome }) => [id, outcome]));
  }

  /** Polls until every task is finished or `timeoutMs` is over; returns the outcomes. */
  async waitUntilFinished(ids: string[], timeoutMs: number): Promise<Map<string, TaskOutcome>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const outcomes = await this.outcomes(ids);
      const isDone = ids.every((id) => isFinished(outcomes.get(id)?.status));
      if (isDone || Date.now() > deadline) return outcomes;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  summarise(ids: string[], outcomes: Map<string, TaskOutcome>): LedgerSummary {
    const found = ids.map((id) => outcomes.get(id));
    const attempts: Record<string, number> = {};
    for (const outcome of found) {
      if (outcome) attempts[outcome.attempts] = (attempts[outcome.attempts] ?? 0) + 1;
    }
    return {
      submitted: ids.length,
      completed: found.filter((outcome) => outcome?.status === 'completed').length,
      failed: found.filter((outcome) => outcome?.status === 'failed').length,
      lost: found.filter((outcome) => !isFinished(outcome?.status)).length,
      duplicated: found.filter((outcome) => (outcome?.completions ?? 0) > 1).length,
      attempts,
    };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

function isFinished(status: string | undefined): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}
