/** One prediction as calibration sees it: how sure the model was, and whether it was right. */
export interface ScoredPrediction {
  confidence: number;
  isCorrect: boolean;
}

/**
 * Expected calibration error: the gap between confidence and accuracy, averaged over
 * equal-width confidence bins weighted by how many predictions fall in each. 0 means a
 * model that is right 90% of the time when it says 0.9.
 */
export function expectedCalibrationError(predictions: ScoredPrediction[], binCount = 15): number {
  if (predictions.length === 0) return 0;
  const bins = Array.from({ length: binCount }, () => ({ count: 0, confidence: 0, correct: 0 }));

  for (const prediction of predictions) {
    const index = Math.min(binCount - 1, Math.floor(prediction.confidence * binCount));
    bins[index].count += 1;
    bins[index].confidence += prediction.confidence;
    bins[index].correct += prediction.isCorrect ? 1 : 0;
  }

  return bins.reduce((total, bin) => {
    if (bin.count === 0) return total;
    const gap = Math.abs(bin.confidence / bin.count - bin.correct / bin.count);
    return total + (bin.count / predictions.length) * gap;
  }, 0);
}
