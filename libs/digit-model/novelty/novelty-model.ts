import { readOptionalModelFile } from '../optional-model-file';
import { FeatureStatistics, NearestClassDistance } from './feature-statistics';

export const NOVELTY_FILE = 'novelty.json';

/** What `npm run fit-novelty` stores beside the model. */
export interface NoveltyModelFile extends FeatureStatistics {
  /** The layer whose output the statistics describe. */
  layer: string;
  /** Scores above this are "not a digit". */
  threshold: number;
  /** Scores above this are unusual: the digit is kept but flagged uncertain. */
  unusualThreshold: number;
  /** How the thresholds were chosen, for the model card. */
  calibration: {
    images: number;
    unusualQuantile: number;
    rejectQuantile: number;
    rejectMargin: number;
  };
}

export interface NoveltyVerdict {
  /** Squared Mahalanobis distance to the nearest digit class. */
  score: number;
  /** Far from every digit class: not a digit. */
  isNovel: boolean;
  /** Farther than almost all MNIST digits: a digit the model should not be trusted on. */
  isUnusual: boolean;
}

/** Tells inputs that look like no digit the model was trained on from those that do. */
export class NoveltyModel {
  private readonly distance: NearestClassDistance;

  constructor(readonly file: NoveltyModelFile) {
    this.distance = new NearestClassDistance(file);
  }

  /** Reads `novelty.json` from a model directory; null when the model has none. */
  static async load(modelDirectory: string): Promise<NoveltyModel | null> {
    const file = await readOptionalModelFile<NoveltyModelFile>(modelDirectory, NOVELTY_FILE);
    return file ? new NoveltyModel(file) : null;
  }

  get layer(): string {
    return this.file.layer;
  }

  judge(feature: ArrayLike<number>): NoveltyVerdict {
    const score = this.distance.score(feature);
    return {
      score,
      isNovel: score > this.file.threshold,
      isUnusual: score > this.file.unusualThreshold,
    };
  }
}
