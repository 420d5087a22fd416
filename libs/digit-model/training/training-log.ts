import type { EpochSummary } from './training-checkpoint';

/** One line summing up an epoch, with the time left for the run. */
export function formatEpoch(
  summary: EpochSummary,
  epochs: number,
  secondsPerEpoch: number,
): string {
  return (
    `epoch ${summary.epoch}/${epochs} done: loss ${summary.loss.toFixed(4)} ` +
    `accuracy ${percent(summary.accuracy)} validation ${percent(summary.validationAccuracy)} ` +
    `${Math.round(summary.imagesPerSecond)} images/s ${formatDuration(summary.seconds)} ` +
    `ETA ${formatDuration(secondsPerEpoch * (epochs - summary.epoch))}\n`
  );
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);

  return minutes > 0 ? `${minutes}m${Math.round(seconds % 60)}s` : `${Math.round(seconds)}s`;
}
