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
