const UNITS = ['KiB', 'MiB', 'GiB'] as const;

/**
 * A byte count as people read it: "812 bytes", "600 KiB", "12.3 MiB". Error messages give it
 * beside the exact count, since limits are set in bytes but files are judged by their size.
 */
export function formatByteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;

  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }

  // One decimal at most, and none when it is zero: "10 MiB", not "10.0 MiB".
  return `${Number(value.toFixed(1))} ${UNITS[unit]}`;
}

/** A limit for an error message: readable, with the exact setting beside it ("10 MiB (10485760 bytes)"). */
export function formatByteLimit(bytes: number): string {
  const readable = formatByteSize(bytes);
  return bytes < 1024 ? readable : `${readable} (${bytes} bytes)`;
}
