import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

import { downloadMissingMnistFiles, loadMnist } from './mnist-dataset';

const SHARED_MNIST = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'mnist');
const FILE_NAMES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

describe(loadMnist.name, () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'lensq-mnist-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('should say which file is missing and what to do', async () => {
    await expect(loadMnist(directory)).rejects.toThrow(
      /Cannot read MNIST file .*train-images-idx3-ubyte\.gz.*--download/,
    );
  });

  it('should reject files whose checksum is not accepted, naming the file', async () => {
    const tinyLabels = gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 3]));
    await Promise.all(FILE_NAMES.map((name) => writeFile(path.join(directory, name), tinyLabels)));

    await expect(loadMnist(directory)).rejects.toThrow(
      /Checksum mismatch for train-images-idx3-ubyte\.gz/,
    );
  });

  it('should load the shared MNIST files', async () => {
    if (!existsSync(SHARED_MNIST)) {
      process.stdout.write(`skipped: no MNIST data at ${SHARED_MNIST}\n`);
      return;
    }

    const sut = await loadMnist(SHARED_MNIST);

    expect(sut.train.count).toBe(60000);
    expect(sut.test.count).toBe(10000);
    expect(sut.train.images.length).toBe(60000 * 784);
    expect(Math.max(...sut.test.labels)).toBe(9);
  }, 30000);
});

describe(downloadMissingMnistFiles.name, () => {
  let directory: string;
  const realFetch = global.fetch;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'lensq-download-'));
  });

  afterEach(async () => {
    global.fetch = realFetch;
    await rm(directory, { recursive: true, force: true });
  });

  it('should say the machine may be offline when the mirror cannot be reached', async () => {
    global.fetch = jest.fn().mockRejectedValue(new Error('getaddrinfo ENOTFOUND mirror.test'));

    const act = downloadMissingMnistFiles(directory, 'https://mirror.test/mnist/');

    await expect(act).rejects.toThrow(
      /Cannot download https:\/\/mirror\.test\/mnist\/train-images-idx3-ubyte\.gz: .*offline/,
    );
  });

  it('should refuse a download with the wrong checksum and not save it', async () => {
    const notMnist = gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 3]));
    global.fetch = jest.fn().mockResolvedValue(new Response(notMnist));

    const act = downloadMissingMnistFiles(directory, 'https://mirror.test/mnist/');

    await expect(act).rejects.toThrow(/Checksum mismatch for train-images-idx3-ubyte\.gz/);
    expect(await readdir(directory)).toEqual([]);
  });
});
