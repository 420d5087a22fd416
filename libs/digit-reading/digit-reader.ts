import { ImageRejectedError } from '../imaging/image-rejected-error';
import type { StrokeDoubt } from '../imaging/normalise-digit-image';

/** A 28x28 digit made the MNIST way: 784 values in [0, 1], ink white on black. */
export interface NormalisedDigit {
  pixels: Float32Array;
  isBlank: boolean;
  /** Why the normaliser doubts its strokes are a digit (a filled shape, ink mostly set aside). */
  strokeDoubt?: StrokeDoubt;
}

/** Turns uploaded bytes into a model input; throws ImageRejectedError for unreadable images. */
export type DigitNormaliser = (bytes: Uint8Array) => Promise<NormalisedDigit>;

/** The probability of each digit 0-9 for one image. */
export interface DigitScore {
  probabilities: number[];
  /** Whether the image is far from every digit the model knows, when the model can tell. */
  novelty?: { isNovel: boolean };
  /** Whether the image looks like no digit at all, when the model has a detector for it. */
  nonDigit?: { isNonDigit: boolean; isUnusual: boolean };
}

/** Scores a batch of normalised digits in one forward pass, at once or later (when batching). */
export interface DigitScorer {
  predict(inputs: Float32Array[]): DigitScore[] | Promise<DigitScore[]>;
}

export interface DigitReadingError {
  code: string;
  message: string;
}

/** What was read from one image: a digit with its probabilities, or why there is none. */
export interface DigitReading {
  digit: number | null;
  confidence: number | null;
  probabilities: number[] | null;
  /** The digit should not be trusted: true when `doubts` names a reason, and for not-a-digit. */
  uncertain: boolean;
  /** Why a digit that was given should not be trusted; empty when it can be, or none was given. */
  doubts: DigitDoubt[];
  error: DigitReadingError | null;
  /** The 28x28 input the model saw, when the image could be normalised. */
  input: Float32Array | null;
}

/**
 * Why a digit should not be trusted: its confidence is under the threshold, the non-digit
 * detector finds it more like a non-digit than almost all digits, or the normaliser doubts the
 * strokes it found (`solid-ink`, `most-ink-set-aside`; see libs/imaging).
 */
export const DIGIT_DOUBTS = [
  'low-confidence',
  'unlike-a-digit',
  'solid-ink',
  'most-ink-set-aside',
] as const;
export type DigitDoubt = (typeof DIGIT_DOUBTS)[number];

export interface DigitReaderOptions {
  /** Below this confidence a digit is flagged uncertain. */
  uncertainBelow: number;
}

export interface DigitReadingTimings {
  decodeMs: number;
  inferenceMs: number;
}

/** What a person who sent an image without ink can do about it. */
const BLANK_IMAGE_MESSAGE =
  'No ink found: the image looks empty. Write the digit in dark ink on light paper (or light ' +
  'on dark) so that it fills most of the picture, and send it again';

/**
 * Below this confidence the network sees no digit. On 1,152 generated and real uploads made to
 * attack this judgement, 114 non-digits fell below 0.2 against 19 digits (15 of them misread);
 * on MNIST test, 9 of 10,000 (4 of them read right); on the real uploads, none. It applies
 * whatever UNCERTAIN_BELOW is: set under 0.2, that one has no effect.
 */
export const NO_DIGIT_BELOW = 0.2;

/** The model's side of the judgement on one image, for the reader and `npm run evaluate`. */
export interface ScoreJudgement {
  digit: number;
  confidence: number;
  /** No digit at all: not-a-digit. */
  isNoDigit: boolean;
  /** Why the digit should not be trusted, as far as the model can tell. */
  doubts: DigitDoubt[];
}

/**
 * Judges a score by the model's own evidence: no digit when a judge is sure or the network
 * spreads its probability, doubts when its confidence is low or the detector hesitates.
 */
export function judgeScore(score: DigitScore, uncertainBelow: number): ScoreJudgement {
  const { digit, confidence } = toPrediction(score.probabilities);
  const isNoDigit =
    // The softmax is confident on anything; far from every digit it has seen, it is guessing.
    score.novelty?.isNovel === true ||
    score.nonDigit?.isNonDigit === true ||
    // Trained to spread its probability over all ten digits on things that are no digit, the
    // network says so itself when its best digit gets at most twice the tenth of a uniform guess.
    confidence < NO_DIGIT_BELOW;

  const doubts: DigitDoubt[] = [];
  if (confidence < uncertainBelow) doubts.push('low-confidence');
  // Not the novelty model's "unusual": it flags handwriting styles MNIST lacks (a 1 with a
  // base) far more often than misreadings. Of the MNIST test digits it alone flagged, 65 were
  // read right and 2 wrong; of 714 generated and real digits, 45 right and 1 wrong.
  if (score.nonDigit?.isUnusual) doubts.push('unlike-a-digit');
  return { digit, confidence, isNoDigit, doubts };
}

/** What a person who sent a scribble, a shape or a pattern can do about it. */
const NOT_A_DIGIT_MESSAGE =
  'This does not look like a handwritten digit (a scribble, a shape or a pattern?). Send one ' +
  'digit per image, written plainly';

/**
 * The one pipeline from uploaded bytes to digits, shared by the worker and the CLI:
 * normalise every image (a bad one gets its own error), then score all readable ones in
 * a single batch.
 */
export class DigitReader {
  constructor(
    private readonly normalise: DigitNormaliser,
    private readonly scorer: DigitScorer,
    private readonly options: DigitReaderOptions = { uncertainBelow: 0.6 },
  ) {}

  async read(
    images: Uint8Array[],
  ): Promise<{ readings: DigitReading[]; timings: DigitReadingTimings }> {
    const decodeStarted = performance.now();
    const normalised = await Promise.all(images.map((bytes) => this.normaliseOne(bytes)));
    const decodeMs = performance.now() - decodeStarted;

    const inferenceStarted = performance.now();
    const readable = normalised.flatMap((item, index) =>
      'pixels' in item && !item.isBlank ? [{ index, pixels: item.pixels }] : [],
    );
    const scores =
      readable.length > 0 ? await this.scorer.predict(readable.map((item) => item.pixels)) : [];
    const scoreByImage = new Map(
      readable.map((item, batchIndex) => [item.index, scores[batchIndex]]),
    );
    const inferenceMs = performance.now() - inferenceStarted;

    const readings = normalised.map((item, index): DigitReading => {
      if (!('pixels' in item)) {
        return {
          digit: null,
          confidence: null,
          probabilities: null,
          uncertain: false,
          doubts: [],
          error: item,
          input: null,
        };
      }
      if (item.isBlank) {
        return {
          digit: null,
          confidence: null,
          probabilities: null,
          uncertain: false,
          doubts: [],
          error: { code: 'blank-image', message: BLANK_IMAGE_MESSAGE },
          input: item.pixels,
        };
      }
      const score = scoreByImage.get(index)!;
      const { digit, confidence, isNoDigit, doubts } = judgeScore(
        score,
        this.options.uncertainBelow,
      );
      const { probabilities } = score;
      if (isNoDigit) {
        return {
          confidence,
          probabilities,
          digit: null,
          uncertain: true,
          doubts: [],
          error: { code: 'not-a-digit', message: NOT_A_DIGIT_MESSAGE },
          input: item.pixels,
        };
      }
      if (item.strokeDoubt) doubts.push(item.strokeDoubt.code);
      return {
        digit,
        confidence,
        probabilities,
        uncertain: doubts.length > 0,
        doubts,
        error: null,
        input: item.pixels,
      };
    });

    return { readings, timings: { decodeMs, inferenceMs } };
  }

  private async normaliseOne(bytes: Uint8Array): Promise<NormalisedDigit | DigitReadingError> {
    try {
      return await this.normalise(bytes);
    } catch (error) {
      if (error instanceof ImageRejectedError) {
        return { code: error.code, message: error.message };
      }
      throw error;
    }
  }
}

function toPrediction(probabilities: number[]): { digit: number; confidence: number } {
  let digit = 0;
  for (let candidate = 1; candidate < probabilities.length; candidate += 1) {
    if (probabilities[candidate] > probabilities[digit]) digit = candidate;
  }
  return { digit, confidence: probabilities[digit] };
}
