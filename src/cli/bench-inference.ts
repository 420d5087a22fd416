import { mkdir, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import { DigitClassifier } from '../../libs/digit-model/digit-classifier';
import { measureInferenceSpeed } from '../../libs/digit-model/evaluation/inference-speed';
import { countMultiplyAdds, stackImages } from '../../libs/digit-model/network';
import { buildSeedServiceNetwork } from '../../libs/digit-model/seed-service-network';
import { loadTensorFlow } from '../../libs/tfjs/tensorflow-runtime';
import { validateEnvironment } from '../config/environment';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const BATCH_SIZES = [1, 8, 32, 128];
const ROUNDS = 40;

/**
 * `npm run bench:inference`: milliseconds per image of lensq's model and of the first
 * service's architecture on the same TensorFlow.js backend, at several batch sizes.
 * Medians of ROUNDS timed passes; results go to bench/results/inference-<date>.json.
 */
async function main(): Promise<void> {
  const settings = validateEnvironment(process.env);
  const { tf, backend } = await loadTensorFlow();
  const lensq = await DigitClassifier.load(path.resolve(settings.MODEL_PATH));
  const seedService = buildSeedServiceNetwork(tf);

  const models = [
    {
      name: `lensq ${lensq.metadata.version}`,
      multiplyAdds: lensq.metadata.multiplyAdds ?? null,
      scorer: lensq,
    },
    {
      name: 'seed service architecture',
      multiplyAdds: countMultiplyAdds(seedService),
      scorer: { predict: (inputs: Float32Array[]) => predictWith(tf, seedService, inputs) },
    },
  ];

  const results = models.map((model) => ({
    model: model.name,
    multiply_adds: model.multiplyAdds,
    by_batch_size: BATCH_SIZES.map((batchSize) => {
      const speed = measureInferenceSpeed(model.scorer, batchSize, ROUNDS);
      process.stderr.write(
        `${model.name}, batch ${batchSize}: ${speed.msPerImage.toFixed(3)} ms/image\n`,
      );
      return {
        batch_size: batchSize,
        ms_per_image: speed.msPerImage,
        images_per_second: speed.imagesPerSecond,
      };
    }),
  }));

  const report = {
    measured_at: new Date().toISOString(),
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      node: process.version,
      load_average: os.loadavg(),
    },
    backend,
    rounds: ROUNDS,
    results,
  };
  const file = path.join(
    REPO_ROOT,
    'bench',
    'results',
    `inference-${report.measured_at.slice(0, 10)}.json`,
  );
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function predictWith(tensorflow: typeof tf, model: tf.LayersModel, inputs: Float32Array[]): void {
  tensorflow.tidy(() => {
    (model.predict(stackImages(tensorflow, inputs)) as tf.Tensor).dataSync();
  });
}

main().catch((error: Error) => {
  process.stderr.write(`bench:inference failed: ${error.message}\n`);
  process.exitCode = 1;
});
