import { ImageRejectedError, ImageRejectionCode } from './image-rejected-error';
import { DEFAULT_MAX_PIXELS, inspectImage } from './inspect-image';
import { normaliseDigitImage } from './normalise-digit-image';
import {
  createSeedImages,
  FuzzInput,
  generateFuzzInputs,
  SeedImage,
} from './testing/image-mutations';

const LIMITS = { maxPixels: DEFAULT_MAX_PIXELS };
// A longer or different run: LENSQ_FUZZ_SEED=7 LENSQ_FUZZ_INPUTS=5000 npx jest imaging-fuzz
const FUZZ_SEED = Number(process.env.LENSQ_FUZZ_SEED ?? 20_261_204);
const INPUT_COUNT = Number(process.env.LENSQ_FUZZ_INPUTS ?? 400);
const REJECTION_CODES: ImageRejectionCode[] = [
  'empty-file',
  'unsupported-format',
  'too-many-pixels',
  'corrupt-image',
];

type Outcome =
  | { stage: 'inspect' | 'normalise'; code: ImageRejectionCode }
  | { stage: 'read'; isBlank: boolean }
  | { stage: 'crash'; error: string };

/** Runs an input through what the API does (inspect), then what the worker does (normalise). */
async function runPipeline(input: FuzzInput): Promise<Outcome> {
  try {
    await inspectImage(input.bytes, LIMITS);
  } catch (error) {
    return rejectionOrCrash('inspect', error);
  }
  try {
    const digit = await normaliseDigitImage(input.bytes, LIMITS);
    return { stage: 'read', isBlank: digit.isBlank };
  } catch (error) {
    return rejectionOrCrash('normalise', error);
  }
}

function rejectionOrCrash(stage: 'inspect' | 'normalise', error: unknown): Outcome {
  const isKnown =
    error instanceof ImageRejectedError &&
    REJECTION_CODES.includes(error.code) &&
    error.message.length > 20;
  if (isKnown) {
    return { stage, code: error.code };
  }
  return {
    stage: 'crash',
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  };
}

/** Damaged images (bit flips, truncations, splices, lying headers) never crash the pipeline. */
describe('imaging under fuzzing (inspectImage, then normaliseDigitImage)', () => {
  let seeds: SeedImage[];
  let outcomes: Array<{ input: FuzzInput; outcome: Outcome }>;

  beforeAll(async () => {
    seeds = await createSeedImages();
    const inputs = generateFuzzInputs(seeds, INPUT_COUNT, FUZZ_SEED);
    outcomes = [];
    for (const input of inputs) {
      outcomes.push({ input, outcome: await runPipeline(input) });
    }
  }, 120_000);

  it('should read the digit in every undamaged seed', async () => {
    const blank: string[] = [];

    for (const seed of seeds) {
      const digit = await normaliseDigitImage(seed.bytes, LIMITS);
      if (digit.isBlank) blank.push(seed.name);
    }

    expect(blank).toEqual([]);
  });

  it('should refuse a damaged image with an ImageRejectedError and a message, never another error', () => {
    const crashes = outcomes.flatMap(({ input, outcome }) =>
      outcome.stage === 'crash' ? [`${input.name}: ${outcome.error}`] : [],
    );

    expect(crashes).toEqual([]);
  });

  it('should refuse in the worker only what decoding reveals: corrupt pixel data', () => {
    // Anything else (format, pixel limit, a layout the decoder lacks) is known from the header,
    // and must be refused at upload rather than accepted and then failed.
    const lateRefusals = outcomes.flatMap(({ input, outcome }) =>
      outcome.stage === 'normalise' && outcome.code !== 'corrupt-image'
        ? [`${input.name}: ${outcome.code}`]
        : [],
    );

    expect(lateRefusals).toEqual([]);
  });

  it('should exercise every stage: refusals at upload, in the worker, and readable mutants', () => {
    const stages = new Set(outcomes.map(({ outcome }) => outcome.stage));

    expect([...stages].sort()).toEqual(['inspect', 'normalise', 'read']);
  });
});
