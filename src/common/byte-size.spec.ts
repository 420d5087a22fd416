import { formatByteLimit, formatByteSize } from './byte-size';

describe(formatByteSize.name, () => {
  it('should give small sizes in bytes', () => {
    expect(formatByteSize(0)).toBe('0 bytes');
    expect(formatByteSize(1023)).toBe('1023 bytes');
  });

  it('should give larger sizes in binary units with at most one decimal', () => {
    expect(formatByteSize(500_000)).toBe('488.3 KiB');
    expect(formatByteSize(10 * 1024 * 1024)).toBe('10 MiB');
    expect(formatByteSize(12.3 * 1024 * 1024)).toBe('12.3 MiB');
    expect(formatByteSize(3 * 1024 ** 3)).toBe('3 GiB');
  });
});

describe(formatByteLimit.name, () => {
  it('should give the exact count beside the readable size, unless they are the same', () => {
    expect(formatByteLimit(10_485_760)).toBe('10 MiB (10485760 bytes)');
    expect(formatByteLimit(1000)).toBe('1000 bytes');
  });
});
