import type * as tf from '@tensorflow/tfjs';

import {
  loadTensorFlow,
  TensorFlowBackendName,
  TensorFlowModule,
} from '../tfjs/tensorflow-runtime';
import { DirectoryModelHandler } from './directory-model-handler';
import { DigitModelMetadata, readModelMetadata } from './model-metadata';
import { CLASS_COUNT, foldBatchNormalization, IMAGE_SIZE, stackImages } from './network';
import { NonDigitDetector, NonDigitVerdict } from './novelty/non-digit-detector';
import { NoveltyModel, NoveltyVerdict } from './novelty/novelty-model';

export const DIGIT_INPUT_LENGTH = IMAGE_SIZE * IMAGE_SIZE;

export interface DigitPrediction {
  /** Probability of each digit 0–9; they sum to 1. */
  probabilities: number[];
  /** How far the input is from every digit the model knows; absent without novelty.json. */
  novelty?: NoveltyVerdict;
  /** Whether the input is no digit at all; absent without non-digit-detector.json. */
  nonDigit?: NonDigitVerdict;
}

/** Judges that need a layer's output besides the probabilities. */
export interface DigitJudges {
  novelty?: NoveltyModel | null;
  nonDigit?: NonDigitDetector | null;
}

/**
 * Reads normalised digit images with the trained network. Framework-free: the service wraps
 * it in a provider.
 *
 * Input: 28x28 images normalised the MNIST way (ink white on black, longest side 20 px, centred
 * by centre of mass, floats in [0, 1]), each a Float32Array of 784 values in row-major order.
 */
export class DigitClassifier {
  private readonly inferenceModel: tf.LayersModel;
  private readonly featureModels = new Map<string, tf.LayersModel>();
  private readonly novelty: NoveltyModel | null;
  private readonly nonDigit: NonDigitDetector | null;
  /** The layers whose outputs the judges read, in the order the inference model returns them. */
  private readonly judgedLayers: string[];

  constructor(
    private readonly tf: TensorFlowModule,
    private readonly model: tf.LayersModel,
    /** The TensorFlow.js backend in use: 'tensorflow' (native) or 'wasm'. */
    readonly backend: TensorFlowBackendName,
    readonly metadata: DigitModelMetadata,
    judges: DigitJudges = {},
  ) {
    this.novelty = judges.novelty ?? null;
    this.nonDigit = judges.nonDigit ?? null;
    this.judgedLayers = [
      ...new Set(
        [this.novelty?.layer, this.nonDigit?.layer].filter((layer) => layer !== undefined),
      ),
    ];
    // One forward pass also yields the features the judges read.
    this.inferenceModel =
      this.judgedLayers.length > 0
        ? tf.model({
            inputs: model.inputs,
            outputs: [
              model.outputs[0],
              ...this.judgedLayers.map(
                (layer) => model.getLayer(layer).output as tf.SymbolicTensor,
              ),
            ],
          })
        : model;
  }

  /**
   * Loads `model.json`, `weights.bin` and `metadata.json` from a directory, and the judges
   * beside them (`novelty.json`, `non-digit-detector.json`) unless told not to: fitting them
   * anew must not depend on the files it replaces.
   */
  static async load(
    modelDirectory: string,
    options: { withJudges: boolean } = { withJudges: true },
  ): Promise<DigitClassifier> {
    const { tf, backend } = await loadTensorFlow();
    // Read the files once; the weights and the metadata come from the same artifacts.
    const artifacts = await new DirectoryModelHandler(modelDirectory).load();
    const trainedModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const model = foldBatchNormalization(tf, trainedModel);
    trainedModel.dispose();
    const metadata = await readModelMetadata(modelDirectory, artifacts.userDefinedMetadata);

    if (!options.withJudges) {
      return new DigitClassifier(tf, model, backend, metadata);
    }
    const novelty = await NoveltyModel.load(modelDirectory);
    const nonDigit = await NonDigitDetector.load(modelDirectory);

    return new DigitClassifier(tf, model, backend, metadata, { novelty, nonDigit });
  }

  /** Classifies a batch of images in one forward pass; returns one prediction per image. */
  predict(inputs: Float32Array[]): DigitPrediction[] {
    if (inputs.length === 0) {
      return [];
    }
    inputs.forEach((input, index) => {
      if (input.length !== DIGIT_INPUT_LENGTH) {
        throw new Error(
          `Image ${index} has ${input.length} values; expected ${DIGIT_INPUT_LENGTH} (28x28).`,
        );
      }
    });

    const [probabilities, ...layerOutputs] = this.tf.tidy(() =>
      [this.inferenceModel.predict(stackImages(this.tf, inputs))]
        .flat()
        .map((output) => output.dataSync() as Float32Array),
    );
    const layerOutput = (layer: string, index: number): Float32Array => {
      const values = layerOutputs[this.judgedLayers.indexOf(layer)];
      const length = values.length / inputs.length;
      return values.subarray(index * length, (index + 1) * length);
    };

    return inputs.map((input, index) => {
      const prediction: DigitPrediction = {
        probabilities: Array.from(
          probabilities.subarray(index * CLASS_COUNT, (index + 1) * CLASS_COUNT),
        ),
      };
      if (this.novelty) {
        prediction.novelty = this.novelty.judge(layerOutput(this.novelty.layer, index));
      }
      if (this.nonDigit) {
        prediction.nonDigit = this.nonDigit.judge(layerOutput(this.nonDigit.layer, index), input);
      }
      return prediction;
    });
  }

  /** Outputs of one named layer for a batch, for fitting the novelty model. */
  features(inputs: Float32Array[], layerName: string): Float32Array[] {
    // Built once per layer: fitting the novelty model asks for a hundred or more batches.
    let featureModel = this.featureModels.get(layerName);
    if (!featureModel) {
      featureModel = this.tf.model({
        inputs: this.model.inputs,
        outputs: this.model.getLayer(layerName).output,
      });
      this.featureModels.set(layerName, featureModel);
    }
    const values = this.tf.tidy(() => {
      const images = stackImages(this.tf, inputs);
      return (featureModel.predict(images) as tf.Tensor).dataSync() as Float32Array;
    });
    const length = values.length / inputs.length;
    return inputs.map((_, index) => values.slice(index * length, (index + 1) * length));
  }

  /** Frees the model's weights. The classifier is unusable afterwards. */
  dispose(): void {
    this.model.dispose();
  }
}
