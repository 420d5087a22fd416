import {
  boxBlur,
  createRaster,
  extremumFilter,
  GreyRaster,
  labelComponents,
  otsuThreshold,
  percentiles,
  resample,
} from './grey-raster';

function rasterOf(rows: number[][]): GreyRaster {
  const raster = createRaster(rows[0].length, rows.length);
  raster.data.set(rows.flat());
  return raster;
}

function rowsOf(raster: GreyRaster): number[][] {
  return Array.from({ length: raster.height }, (_, y) =>
    Array.from(raster.data.subarray(y * raster.width, (y + 1) * raster.width)),
  );
}

/** Values with many ties and a few outliers, as grey levels have; the same on every run. */
function pseudoRandomValues(count: number): Float32Array {
  const values = new Float32Array(count);
  let seed = count;
  for (let index = 0; index < count; index++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    values[index] = seed % 5 === 0 ? (seed % 256) / 3 : 255 - (seed % 7);
  }
  return values;
}

/** The percentile as a 4096-bin histogram gives it, computed the plain way. */
function histogramPercentile(values: Float32Array, fraction: number): number {
  const lowest = Math.min(...values);
  const binWidth = (Math.max(...values) - lowest) / 4096 || 1;
  const histogram = new Array<number>(4096).fill(0);
  values.forEach((value) => histogram[Math.min(4095, Math.floor((value - lowest) / binWidth))]++);
  const rank = Math.min(values.length - 1, Math.floor(fraction * values.length));
  let seen = 0;
  const bin = histogram.findIndex((binCount) => (seen += binCount) > rank);
  return lowest + (bin + 0.5) * binWidth;
}

describe(extremumFilter.name, () => {
  const dot = rasterOf([
    [0, 0, 0, 0],
    [0, 5, 0, 0],
    [0, 0, 0, 0],
  ]);

  it('should spread the maximum over a square window', () => {
    const sut = extremumFilter(dot, 1, 'max');

    expect(rowsOf(sut)).toEqual([
      [5, 5, 5, 0],
      [5, 5, 5, 0],
      [5, 5, 5, 0],
    ]);
  });

  it('should take the minimum over a square window', () => {
    const sut = extremumFilter(extremumFilter(dot, 1, 'max'), 1, 'min');

    expect(rowsOf(sut)).toEqual([
      [5, 5, 0, 0],
      [5, 5, 0, 0],
      [5, 5, 0, 0],
    ]);
  });
});

describe(boxBlur.name, () => {
  it('should average over the window, shrinking it at the edges', () => {
    const sut = boxBlur(rasterOf([[3, 0, 0, 6]]), 1);

    expect(rowsOf(sut)).toEqual([[1.5, 1, 2, 3]]);
  });
});

describe(percentiles.name, () => {
  it('should find several percentiles in one pass', () => {
    const values = Float32Array.from({ length: 1001 }, (_, index) => index);

    const sut = percentiles(values, [0, 0.5, 0.99]);

    expect(sut[0]).toBeCloseTo(0, 0);
    expect(sut[1]).toBeCloseTo(500, 0);
    expect(sut[2]).toBeCloseTo(990, 0);
  });

  it('should give the centre of the histogram bin of each rank, for few and many values', () => {
    for (const count of [1, 2, 7, 784, 4096, 4097, 30_000]) {
      const values = pseudoRandomValues(count);
      const fractions = [0.005, 0.5, 0.995, 0, 1];

      const sut = percentiles(values, fractions);

      expect(sut).toEqual(fractions.map((fraction) => histogramPercentile(values, fraction)));
    }
  });

  it('should give zeros for no values', () => {
    expect(percentiles(new Float32Array(0), [0.5])).toEqual([0]);
  });
});

describe(otsuThreshold.name, () => {
  it('should separate two groups of values', () => {
    const values = Float32Array.from([
      ...new Array<number>(90).fill(10),
      ...new Array<number>(10).fill(200),
    ]);

    const sut = otsuThreshold(values, 255);

    expect(sut).toBeGreaterThan(10);
    expect(sut).toBeLessThanOrEqual(200);
  });
});

describe(labelComponents.name, () => {
  it('should group 8-connected pixels and describe each group', () => {
    const mask = Uint8Array.from([1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1]);

    const sut = labelComponents(mask, 4, 3);

    expect(sut.components).toEqual([
      { label: 1, area: 2, left: 0, top: 0, right: 1, bottom: 1, touchesBorder: true },
      { label: 2, area: 2, left: 3, top: 1, right: 3, bottom: 2, touchesBorder: true },
    ]);
    expect(Array.from(sut.labels)).toEqual([1, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 2]);
  });
});

describe(resample.name, () => {
  it('should average areas when shrinking, so thin lines fade rather than vanish', () => {
    const sut = resample(rasterOf([[0, 0, 0, 6, 0, 0]]), 2, 1);

    expect(rowsOf(sut)).toEqual([[0, 2]]);
  });

  it('should keep the total ink when shrinking by a whole factor', () => {
    const raster = rasterOf([
      [1, 0, 0, 1],
      [0, 1, 1, 0],
    ]);

    const sut = resample(raster, 2, 1);

    expect(rowsOf(sut)).toEqual([[0.5, 0.5]]);
  });

  it('should interpolate linearly when enlarging', () => {
    const sut = resample(rasterOf([[0, 4]]), 4, 1);

    expect(rowsOf(sut)[0].map((value) => Number(value.toFixed(2)))).toEqual([0, 1, 3, 4]);
  });
});
