import * as tf from '@tensorflow/tfjs';

/**
 * Gradient kernels for the wasm backend, written as plain forward convolutions.
 *
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` kernel at all and a `Conv2DBackpropInput`
 * that is many times slower than its forward `Conv2D`. Both gradients are ordinary convolutions
 * of transposed or padded tensors, so we express them with kernels that wasm runs fast
 * (XNNPACK convolutions, transpose, pad, reverse, slice).
 *
 * Supported: NHWC data, any strides (stride > 1 through dilation), 'same', 'valid' and explicit
 * padding, forward dilations of 1. Unsupported (a clear error is thrown): NCHW data and forward
 * dilations other than 1, which the lensq networks never use.
 */

const BACKEND_NAME = 'wasm';

interface ConvolutionGradientAttributes {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

interface BackpropFilterAttributes extends ConvolutionGradientAttributes {
  filterShape: [number, number, number, number];
}

interface BackpropInputAttributes extends ConvolutionGradientAttributes {
  inputShape: [number, number, number, number];
}

/** Replaces the wasm backend's convolution gradient kernels with the fast versions below. */
export function registerWasmGradientKernels(): void {
  replaceKernel(tf.Conv2DBackpropFilter, ({ inputs, attrs }) =>
    conv2dBackpropFilter(
      inputs.x as tf.Tensor4D,
      inputs.dy as tf.Tensor4D,
      attrs as unknown as BackpropFilterAttributes,
    ),
  );
  replaceKernel(tf.Conv2DBackpropInput, ({ inputs, attrs }) =>
    conv2dBackpropInput(
      inputs.dy as tf.Tensor4D,
      inputs.filter as tf.Tensor4D,
      attrs as unknown as BackpropInputAttributes,
    ),
  );
}

/**
 * dW[i, j, c, o] = Σ_b,y,x x[b, y·s + i − top, x·s + j − left, c] · dy[b, y, x, o]: a convolution
 * of x (channels as batch, batch as channels) with dy as the filter, dilated by the stride.
 */
export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attributes: BackpropFilterAttributes,
): tf.Tensor4D {
  assertSupported(attributes);
  const [filterHeight, filterWidth] = attributes.filterShape;
  const info = convolutionInfo(x.shape, attributes.filterShape, attributes);

  return tf.tidy(() => {
    const paddedInput = padOrCrop(
      x,
      info.padInfo.top,
      filterHeight + (info.outHeight - 1) * info.strideHeight - x.shape[1] - info.padInfo.top,
      info.padInfo.left,
      filterWidth + (info.outWidth - 1) * info.strideWidth - x.shape[2] - info.padInfo.left,
    );
    const channelsAsBatch = tf.transpose(paddedInput, [3, 1, 2, 0]);
    const gradientAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
    const filterGradient = tf.conv2d(channelsAsBatch, gradientAsFilter, 1, 'valid', 'NHWC', [
      info.strideHeight,
      info.strideWidth,
    ]);

    return tf.transpose(filterGradient, [1, 2, 0, 3]);
  });
}

/**
 * dx is the "full" convolution of dy (with stride − 1 zeros between its pixels) with the
 * spatially flipped filter whose input and output channels are swapped.
 */
export function conv2dBackpropInput(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attributes: BackpropInputAttributes,
): tf.Tensor4D {
  assertSupported(attributes);
  const [, inputHeight, inputWidth] = attributes.inputShape;
  const [filterHeight, filterWidth] = filter.shape;
  const info = convolutionInfo(attributes.inputShape, filter.shape, attributes);

  return tf.tidy(() => {
    const dilatedGradient = dilate(dy, info.strideHeight, info.strideWidth);
    const top = filterHeight - 1 - info.padInfo.top;
    const left = filterWidth - 1 - info.padInfo.left;
    const paddedGradient = padOrCrop(
      dilatedGradient,
      top,
      inputHeight + filterHeight - 1 - dilatedGradient.shape[1] - top,
      left,
      inputWidth + filterWidth - 1 - dilatedGradient.shape[2] - left,
    );
    const flippedFilter = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);

    return tf.conv2d(paddedGradient, flippedFilter, 1, 'valid');
  });
}

function replaceKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  // Unregister first: registering over an existing kernel only warns, and the warning is noise.
  if (tf.getKernel(kernelName, BACKEND_NAME) !== undefined) {
    tf.unregisterKernel(kernelName, BACKEND_NAME);
  }
  tf.registerKernel({ kernelName, backendName: BACKEND_NAME, kernelFunc });
}

function assertSupported(attributes: ConvolutionGradientAttributes): void {
  if (attributes.dataFormat !== 'NHWC') {
    throw new Error(
      `The wasm convolution gradient kernels support NHWC data only, got ${attributes.dataFormat}.`,
    );
  }
}

function convolutionInfo(
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attributes: ConvolutionGradientAttributes,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    attributes.strides,
    1,
    attributes.pad,
    attributes.dimRoundingMode,
  );
}

/** Inserts stride − 1 zeros between neighbouring pixels. */
function dilate(tensor: tf.Tensor4D, strideHeight: number, strideWidth: number): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) {
    return tensor;
  }
  const [batch, height, width, channels] = tensor.shape;
  const spread = tf.pad(tensor.reshape([batch, height, 1, width, 1, channels]), [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  const flat = spread.reshape([batch, height * strideHeight, width * strideWidth, channels]);

  return tf.slice(
    flat as tf.Tensor4D,
    [0, 0, 0, 0],
    [batch, (height - 1) * strideHeight + 1, (width - 1) * strideWidth + 1, channels],
  );
}

/** Pads the spatial sides by the given amounts; a negative amount crops that side instead. */
function padOrCrop(
  tensor: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.Tensor4D {
  const [batch, height, width, channels] = tensor.shape;
  const cropped = tf.slice(
    tensor,
    [0, Math.max(0, -top), Math.max(0, -left), 0],
    [
      batch,
      height - Math.max(0, -top) - Math.max(0, -bottom),
      width - Math.max(0, -left) - Math.max(0, -right),
      channels,
    ],
  );

  return tf.pad(cropped, [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ]);
}
