import type { DigitScore, DigitScorer } from './digit-reader';

export interface BatchingOptions {
  /**
   * How long the first request of a batch waits for others, in milliseconds. 0 still batches
   * everything that arrived while the model was busy or in the same turn of the event loop.
   */
  windowMs: number;
  /** Most images in one forward pass; a larger single request still runs whole. */
  maxBatchSize: number;
}

/** Told of every forward pass: how many images and how many requests it served. */
export type BatchListener = (batch: { images: number; requests: number; ms: number }) => void;

interface PendingRequest {
  inputs: Float32Array[];
  resolve: (scores: DigitScore[]) => void;
  reject: (error: unknown) => void;
}

/**
 * A dynamic batcher, as model servers have: scoring requests from jobs that run at the same
 * time are merged into one forward pass. The forward pass holds the event loop, so while
 * it runs the next jobs finish decoding and queue up; the next pass takes them all. A
 * request waits at most `windowMs` plus the pass in progress.
 */
export class BatchingDigitScorer implements DigitScorer {
  private pending: PendingRequest[] = [];
  private pendingImages = 0;
  private isFlushScheduled = false;

  constructor(
    private readonly scorer: DigitScorer,
    private readonly options: BatchingOptions,
    private readonly onBatch?: BatchListener,
  ) {}

  predict(inputs: Float32Array[]): Promise<DigitScore[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending.push({ inputs, resolve, reject });
      this.pendingImages += inputs.length;
      if (this.pendingImages >= this.options.maxBatchSize) this.flush();
      else this.scheduleFlush(this.options.windowMs);
    });
  }

  private scheduleFlush(delayMs: number): void {
    if (this.isFlushScheduled) return;
    this.isFlushScheduled = true;
    const flush = () => {
      this.isFlushScheduled = false;
      this.flush();
    };
    if (delayMs > 0) setTimeout(flush, delayMs);
    else setImmediate(flush);
  }

  /** Scores as many whole requests as fit in one batch; schedules the rest. */
  private flush(): void {
    const batch = this.takeBatch();
    if (batch.length === 0) return;

    const started = performance.now();
    try {
      const scores = this.scorer.predict(batch.flatMap((request) => request.inputs));
      if (!Array.isArray(scores)) throw new Error('BatchingDigitScorer needs a synchronous scorer');
      let offset = 0;
      for (const request of batch) {
        request.resolve(scores.slice(offset, offset + request.inputs.length));
        offset += request.inputs.length;
      }
    } catch (error) {
      for (const request of batch) request.reject(error);
    }
    this.onBatch?.({
      images: batch.reduce((sum, request) => sum + request.inputs.length, 0),
      requests: batch.length,
      ms: performance.now() - started,
    });

    // Whatever arrived during the pass has waited long enough already.
    if (this.pending.length > 0) this.scheduleFlush(0);
  }

  private takeBatch(): PendingRequest[] {
    const batch: PendingRequest[] = [];
    let images = 0;
    while (this.pending.length > 0) {
      const size = this.pending[0].inputs.length;
      if (batch.length > 0 && images + size > this.options.maxBatchSize) break;
      batch.push(this.pending.shift()!);
      images += size;
    }
    this.pendingImages -= images;
    return batch;
  }
}
