import { createHash } from 'node:crypto';

import { verifyMnistChecksum } from './mnist-checksums';

describe(verifyMnistChecksum.name, () => {
  const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 42]);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const md5 = createHash('md5').update(bytes).digest('hex');

  it('should accept bytes matching an accepted sha256 or md5', () => {
    expect(() =>
      verifyMnistChecksum('t10k-labels-idx1-ubyte.gz', bytes, [
        { algorithm: 'sha256', digest: sha256, source: 'test' },
      ]),
    ).not.toThrow();
    expect(() =>
      verifyMnistChecksum('t10k-labels-idx1-ubyte.gz', bytes, [
        { algorithm: 'sha256', digest: 'f'.repeat(64), source: 'test' },
        { algorithm: 'md5', digest: md5, source: 'test' },
      ]),
    ).not.toThrow();
  });

  it('should name the file, the expected and the actual digests on a mismatch', () => {
    const act = () => verifyMnistChecksum('train-images-idx3-ubyte.gz', bytes);

    expect(act).toThrow(/Checksum mismatch for train-images-idx3-ubyte\.gz/);
    expect(act).toThrow(/expected md5 6bbc9ace898e44ae57da46a324031adb .* or sha256 374ba378/);
    expect(act).toThrow(`actual sha256 ${sha256}, md5 ${md5}`);
  });
});
