/**
 * Settles with `work`, or rejects once `timeoutMs` have passed. Checks of outside systems use it
 * so that a stopped Redis or Postgres makes them fail fast instead of hang. The late outcome of
 * `work` is swallowed, so it never surfaces as an unhandled rejection.
 */
export async function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${timeoutMs} ms`)), timeoutMs);
  });

  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    work.catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
