import { DigitReader } from './digit-reader';
import { nonDigitSamples, NonDigitSample } from './non-digit-samples';

/** How the service answered one upload that holds no digit. */
export type NonDigitOutcome = 'no digit' | 'uncertain digit' | 'confident digit';

export interface NonDigitResult {
  name: string;
  kind: NonDigitSample['kind'];
  outcome: NonDigitOutcome;
  /** The digit given, when one was. */
  digit: number | null;
  confidence: number | null;
  /** Why no digit was given, when none was. */
  error: string | null;
}

export interface NonDigitEvaluation {
  total: number;
  /** Answered with no digit, or with a digit flagged uncertain. */
  flagged: number;
  flaggedRate: number;
  results: NonDigitResult[];
}

/**
 * Reads the generated non-digit uploads through the whole upload path and counts how many the
 * service owns up to: no digit at all, or a digit flagged uncertain. A confident digit for any
 * of them is a wrong answer a client would believe.
 */
export async function evaluateNonDigits(reader: DigitReader): Promise<NonDigitEvaluation> {
  const samples = nonDigitSamples();
  const { readings } = await reader.read(samples.map((sample) => sample.png));

  const results = readings.map((reading, index): NonDigitResult => {
    const outcome: NonDigitOutcome =
      reading.digit === null
        ? 'no digit'
        : reading.uncertain
          ? 'uncertain digit'
          : 'confident digit';
    return {
      name: samples[index].name,
      kind: samples[index].kind,
      outcome,
      digit: reading.digit,
      confidence: reading.confidence,
      error: reading.error?.code ?? null,
    };
  });

  const flagged = results.filter((result) => result.outcome !== 'confident digit').length;
  return { total: results.length, flagged, flaggedRate: flagged / results.length, results };
}
