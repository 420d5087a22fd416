import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/**
 * Saves and loads a layers model as `model.json` + `weights.bin` in a directory (the tfjs layers
 * format, as `tensorflowjs_converter` writes it). Needed because only tfjs-node brings a
 * `file://` handler, and the wasm backend runs on plain `@tensorflow/tfjs`.
 */
export class DirectoryModelHandler implements tf.io.IOHandler {
  constructor(private readonly directory: string) {}

  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new Error('DirectoryModelHandler saves layers models only, not binary graph models.');
    }
    const weightData = joinWeightData(artifacts.weightData);
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology ?? {},
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      ...(artifacts.userDefinedMetadata
        ? { userDefinedMetadata: artifacts.userDefinedMetadata }
        : {}),
    };

    await mkdir(this.directory, { recursive: true });
    const modelJsonText = JSON.stringify(modelJson);
    await writeFile(path.join(this.directory, MODEL_FILE), modelJsonText);
    await writeFile(path.join(this.directory, WEIGHTS_FILE), new Uint8Array(weightData));

    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        modelTopologyBytes: modelJsonText.length,
        weightSpecsBytes: JSON.stringify(modelJson.weightsManifest).length,
        weightDataBytes: weightData.byteLength,
      },
    };
  }

  async load(): Promise<tf.io.ModelArtifacts> {
    const modelPath = path.join(this.directory, MODEL_FILE);
    const modelJson = JSON.parse(await readFile(modelPath, 'utf8')) as tf.io.ModelJSON;

    const weightSpecs: tf.io.WeightsManifestEntry[] = [];
    const weightBuffers: Buffer[] = [];
    for (const group of modelJson.weightsManifest) {
      weightSpecs.push(...group.weights);
      for (const weightPath of group.paths) {
        weightBuffers.push(await readFile(path.join(this.directory, weightPath)));
      }
    }
    const weightData = Buffer.concat(weightBuffers);

    return {
      modelTopology: modelJson.modelTopology,
      format: modelJson.format,
      generatedBy: modelJson.generatedBy,
      convertedBy: modelJson.convertedBy,
      trainingConfig: modelJson.trainingConfig,
      userDefinedMetadata: modelJson.userDefinedMetadata,
      weightSpecs,
      weightData: weightData.buffer.slice(
        weightData.byteOffset,
        weightData.byteOffset + weightData.byteLength,
      ),
    };
  }
}

function joinWeightData(weightData: tf.io.WeightData | undefined): ArrayBuffer {
  if (weightData === undefined) {
    return new ArrayBuffer(0);
  }
  if (!Array.isArray(weightData)) {
    return weightData;
  }
  const joined = Buffer.concat(weightData.map((buffer) => Buffer.from(buffer)));

  return joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
}
