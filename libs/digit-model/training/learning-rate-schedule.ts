/** Fraction of the steps spent warming up from a tenth of the peak rate. */
const WARM_UP_FRACTION = 0.03;
/** The rate at the last step, as a fraction of the peak. */
const FINAL_FRACTION = 0.01;

/**
 * One-cycle style schedule: a short linear warm-up to the peak, then a cosine decay to 1% of it.
 * A pure function of the step, so a resumed run follows the same curve.
 */
export function learningRateAt(step: number, totalSteps: number, peak: number): number {
  const warmUpSteps = Math.max(1, Math.round(totalSteps * WARM_UP_FRACTION));
  if (step < warmUpSteps) {
    return peak * (0.1 + (0.9 * step) / warmUpSteps);
  }

  const progress = Math.min(1, (step - warmUpSteps) / Math.max(1, totalSteps - warmUpSteps));
  const cosine = (1 + Math.cos(Math.PI * progress)) / 2;

  return peak * (FINAL_FRACTION + (1 - FINAL_FRACTION) * cosine);
}
