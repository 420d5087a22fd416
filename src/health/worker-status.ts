/** What a worker process publishes about itself in its heartbeat, as stored in Redis. */
export interface WorkerStatus {
  /** `<host>:<pid>`, unique among the processes sharing one Redis. */
  id: string;
  host: string;
  pid: number;
  model_version: string;
  /** The TensorFlow.js backend the model runs on: wasm, tensorflow (tfjs-node) or cpu. */
  backend: string;
  started_at: string;
  /** When this heartbeat was written, by the worker's clock. */
  beat_at: string;
  /** Jobs this process finished, successfully or not, since it started. */
  jobs_done: number;
}
