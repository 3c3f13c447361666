/**
 * Runs jobs with bounded concurrency. The first failure (or an abort) stops new jobs from starting;
 * jobs already running are awaited, then that first error is thrown, so nothing is left writing
 * in the background when the caller regains control.
 */
import { CancelledError } from '../errors';

export async function runBounded<T>(items: readonly T[], concurrency: number, job: (item: T, index: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      if (signal?.aborted) {
        failure ??= { err: new CancelledError() };
        return;
      }
      const index = next++;
      try {
        await job(items[index], index);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker);
  await Promise.all(workers);
  if (failure) throw failure.err;
  if (signal?.aborted) throw new CancelledError();
}
