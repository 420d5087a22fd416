import { createHash } from 'node:crypto';

export type MnistFileName =
  | 'train-images-idx3-ubyte.gz'
  | 'train-labels-idx1-ubyte.gz'
  | 't10k-images-idx3-ubyte.gz'
  | 't10k-labels-idx1-ubyte.gz';

export interface AcceptedChecksum {
  algorithm: 'md5' | 'sha256';
  /** Hex digest of the decompressed file. */
  digest: string;
  source: string;
}

const CANONICAL = 'canonical MNIST distribution, published MD5';
const SHARED = 'lensq shared data, data/mnist/README.md';

/**
 * Digests of the decompressed files that we accept. The canonical distribution publishes MD5s;
 * the shared training images were rebuilt from a PNG export (each pixel within one grey level),
 * so they only match the SHA-256 listed in the shared README.
 */
export const MNIST_ACCEPTED_CHECKSUMS: Record<MnistFileName, AcceptedChecksum[]> = {
  'train-images-idx3-ubyte.gz': [
    { algorithm: 'md5', digest: '6bbc9ace898e44ae57da46a324031adb', source: CANONICAL },
    {
      algorithm: 'sha256',
      digest: '374ba378bee06c633f4800ac6a495f71d1b80b0e82bf763acbfa4c7e9c379f75',
      source: SHARED,
    },
  ],
  'train-labels-idx1-ubyte.gz': [
    { algorithm: 'md5', digest: 'a25bea736e30d166cdddb491f175f624', source: CANONICAL },
    {
      algorithm: 'sha256',
      digest: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
      source: SHARED,
    },
  ],
  't10k-images-idx3-ubyte.gz': [
    { algorithm: 'md5', digest: '2646ac647ad5339dbf082846283269ea', source: CANONICAL },
    {
      algorithm: 'sha256',
      digest: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
      source: SHARED,
    },
  ],
  't10k-labels-idx1-ubyte.gz': [
    { algorithm: 'md5', digest: '27ae3e4e09519cfbb04c329615203637', source: CANONICAL },
    {
      algorithm: 'sha256',
      digest: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
      source: SHARED,
    },
  ],
};

/** Throws unless the decompressed bytes match one of the accepted digests for that file. */
export function verifyMnistChecksum(
  fileName: MnistFileName,
  decompressed: Uint8Array,
  accepted: AcceptedChecksum[] = MNIST_ACCEPTED_CHECKSUMS[fileName],
): void {
  const actual = {
    md5: createHash('md5').update(decompressed).digest('hex'),
    sha256: createHash('sha256').update(decompressed).digest('hex'),
  };
  if (accepted.some((checksum) => actual[checksum.algorithm] === checksum.digest)) {
    return;
  }

  const expected = accepted
    .map((checksum) => `${checksum.algorithm} ${checksum.digest} (${checksum.source})`)
    .join(' or ');
  throw new Error(
    `Checksum mismatch for ${fileName} (decompressed): expected ${expected}; ` +
      `actual sha256 ${actual.sha256}, md5 ${actual.md5}. The file is corrupt or not MNIST.`,
  );
}
