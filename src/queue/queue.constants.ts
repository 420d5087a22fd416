export enum QueueName {
  Predictions = 'predictions',
}

export enum JobName {
  PredictDigits = 'predict-digits',
}

/** Payload of a PredictDigits job: the task id only; Postgres holds everything else. */
export interface PredictDigitsJobData {
  taskId: string;
}

/** Retries for transient failures (database or model hiccups); a job that keeps failing fails the task once. */
export const PREDICT_DIGITS_ATTEMPTS = 5;

/** Times a job may stall (its worker died mid-job) before Bull fails it for good. */
export const MAX_STALLED_COUNT = 3;

/**
 * Most runs of one task, counted in Postgres across retries, stalls and re-dispatches. A task
 * that reaches it fails with a clear reason instead of being tried again forever, whatever
 * Redis remembers (its counters are lost when Redis restarts empty).
 */
export const MAX_TASK_RUNS = 2 * PREDICT_DIGITS_ATTEMPTS;
