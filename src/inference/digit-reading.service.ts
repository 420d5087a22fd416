import { Injectable, Logger, OnModuleInit } from '@nestjs/common';

import { BatchListener } from '../../libs/digit-reading/batching-digit-scorer';
import { createDigitReader, LoadedDigitReader } from '../../libs/digit-reading/create-digit-reader';
import { DigitReading, DigitReadingTimings } from '../../libs/digit-reading/digit-reader';
import { AppConfigService } from '../config/app-config.service';

// The jobs a worker runs at once share forward passes: whatever is waiting when the model
// is free goes in one batch. No extra wait: on the wasm backend a bigger batch saves only
// the per-pass overhead, which a few milliseconds of added latency would not repay.
const BATCH_WINDOW_MS = 0;
// Past a few hundred images a batch no longer gets faster per image, only more memory-hungry.
const MAX_BATCH_SIZE = 256;

/** Holds the model, loaded once per process, and reads digits from image bytes. */
@Injectable()
export class DigitReadingService implements OnModuleInit {
  private readonly logger = new Logger(DigitReadingService.name);
  private loaded: LoadedDigitReader | undefined;
  private readonly forwardPassListeners: BatchListener[] = [];

  constructor(private readonly config: AppConfigService) {}

  async onModuleInit(): Promise<void> {
    const started = performance.now();
    this.loaded = await createDigitReader({
      modelDir: this.config.modelPath,
      maxPixels: this.config.uploadLimits.maxPixels,
      uncertainBelow: this.config.uncertainBelow,
      batching: {
        windowMs: BATCH_WINDOW_MS,
        maxBatchSize: MAX_BATCH_SIZE,
        onBatch: (batch) => this.forwardPassListeners.forEach((listener) => listener(batch)),
      },
    });
    const elapsed = Math.round(performance.now() - started);
    this.logger.log(
      `Model ${this.loaded.modelVersion} loaded from ${this.config.modelPath} on TensorFlow.js backend ${this.loaded.backend} in ${elapsed} ms`,
    );
  }

  /** Told of every forward pass, which may serve several jobs at once (for metrics). */
  onForwardPass(listener: BatchListener): void {
    this.forwardPassListeners.push(listener);
  }

  get modelVersion(): string {
    return this.reader.modelVersion;
  }

  get backend(): string {
    return this.reader.backend;
  }

  read(images: Uint8Array[]): Promise<{ readings: DigitReading[]; timings: DigitReadingTimings }> {
    return this.reader.reader.read(images);
  }

  private get reader(): LoadedDigitReader {
    if (!this.loaded) {
      throw new Error(
        'The model is not loaded yet: DigitReadingService is used before module init',
      );
    }
    return this.loaded;
  }
}
