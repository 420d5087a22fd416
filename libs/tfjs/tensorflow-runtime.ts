import * as path from 'node:path';

import type * as TensorFlow from '@tensorflow/tfjs';

import { registerBatchNormGradient } from './batch-norm-gradient';
import { registerWasmGradientKernels } from './wasm-gradient-kernels';

/** The TensorFlow.js namespace the project runs on, whichever backend package provides it. */
export type TensorFlowModule = typeof TensorFlow;

export type TensorFlowBackendName = 'tensorflow' | 'wasm';

export interface TensorFlowRuntime {
  tf: TensorFlowModule;
  backend: TensorFlowBackendName;
}

let runtime: Promise<TensorFlowRuntime> | undefined;

/**
 * Loads TensorFlow.js once per process: the native `tensorflow` backend when
 * `@tensorflow/tfjs-node` is installed and loads, otherwise the wasm backend with the project's
 * fast convolution gradient kernels. The pure-JS `cpu` backend is never chosen: it is 30–300
 * times slower.
 */
export function loadTensorFlow(): Promise<TensorFlowRuntime> {
  runtime ??= initialise().catch((error: unknown) => {
    // Forget a failed start so that a later call can try again.
    runtime = undefined;
    throw error;
  });

  return runtime;
}

async function initialise(): Promise<TensorFlowRuntime> {
  const native = loadNativeTensorFlow();
  if (native !== undefined) {
    return { tf: native, backend: 'tensorflow' };
  }

  const tf = require('@tensorflow/tfjs') as TensorFlowModule;
  const wasm =
    require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmBinaryDirectory());
  registerWasmGradientKernels();
  registerBatchNormGradient();

  const isReady = await tf.setBackend('wasm');
  if (!isReady) {
    throw new Error('The TensorFlow.js wasm backend failed to start.');
  }
  await tf.ready();

  return { tf, backend: 'wasm' };
}

function loadNativeTensorFlow(): TensorFlowModule | undefined {
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    return undefined;
  }

  try {
    return require('@tensorflow/tfjs-node') as TensorFlowModule;
  } catch {
    // Installed but unusable (e.g. libtensorflow missing): fall back to wasm.
    return undefined;
  }
}

/** The directory of the `.wasm` binaries, as a filesystem path ending in a separator. */
function wasmBinaryDirectory(): string {
  const packageEntry = require.resolve('@tensorflow/tfjs-backend-wasm');
  const directory = path.join(path.dirname(packageEntry), '..', 'dist');

  return directory + path.sep;
}
