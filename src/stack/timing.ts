/** Prints how long each phase of a command took, so slow steps are visible in CI logs. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export async function phase<T>(prefix: string, name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    const result = await fn();
    console.log(`${prefix}: ${name} ${seconds(Date.now() - t0)}`);
    return result;
  } catch (err) {
    console.log(`${prefix}: ${name} failed after ${seconds(Date.now() - t0)}`);
    throw err;
  }
}
