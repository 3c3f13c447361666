/**
 * Progress of a whole transfer (all files): bytes, files, rate and ETA. The rate is measured over a
 * sliding window so a stall shows quickly and a burst doesn't promise too much. Pure: the clock is
 * injected, so tests can drive it.
 */

export interface TransferProgressSnapshot {
  /** Bytes moved so far (resumed bytes that were already there are not counted). */
  bytes: number;
  /** Bytes to move in total, when known (after planning). */
  totalBytes?: number;
  files: number;
  totalFiles?: number;
  /** Bytes per second over the recent window; 0 until two samples exist. */
  bytesPerSecond: number;
  /** Seconds left at the current rate; undefined while unknown. */
  etaSeconds?: number;
  /** Seconds since the transfer started. */
  elapsedSeconds: number;
}

export type ProgressListener = (p: TransferProgressSnapshot) => void;

const WINDOW_MS = 3000;
/** Listeners hear at most this often (the final snapshot is always delivered). */
const EMIT_EVERY_MS = 100;

export class ProgressMeter {
  private bytes = 0;
  private files = 0;
  private totalBytes?: number;
  private totalFiles?: number;
  private readonly samples: Array<[ms: number, bytes: number]> = [];
  private readonly startedAt: number;
  private lastEmit = -Infinity;

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.samples.push([this.startedAt, 0]);
  }

  setTotals(totalBytes: number, totalFiles: number): void {
    this.totalBytes = totalBytes;
    this.totalFiles = totalFiles;
    this.emit(true);
  }

  addBytes(n: number): void {
    if (n <= 0) return;
    this.bytes += n;
    this.emit(false);
  }

  fileDone(): void {
    this.files++;
    this.emit(false);
  }

  /** Delivers the final state, whatever the throttle says. */
  finish(): void {
    this.emit(true);
  }

  snapshot(): TransferProgressSnapshot {
    const t = this.now();
    this.sample(t);
    const [t0, b0] = this.samples[0];
    const windowMs = t - t0;
    const bytesPerSecond = windowMs > 0 ? ((this.bytes - b0) * 1000) / windowMs : 0;
    const left = this.totalBytes === undefined ? undefined : Math.max(0, this.totalBytes - this.bytes);
    const etaSeconds = left === undefined ? undefined : left === 0 ? 0 : bytesPerSecond > 0 ? left / bytesPerSecond : undefined;
    return {
      bytes: this.bytes,
      files: this.files,
      ...(this.totalBytes !== undefined ? { totalBytes: this.totalBytes } : {}),
      ...(this.totalFiles !== undefined ? { totalFiles: this.totalFiles } : {}),
      bytesPerSecond,
      ...(etaSeconds !== undefined ? { etaSeconds } : {}),
      elapsedSeconds: (t - this.startedAt) / 1000,
    };
  }

  private sample(t: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last[0] === t) last[1] = this.bytes;
    else this.samples.push([t, this.bytes]);
    // Keep one sample older than the window as its left edge.
    while (this.samples.length > 2 && this.samples[1][0] <= t - WINDOW_MS) this.samples.shift();
  }

  private emit(force: boolean): void {
    if (!this.listener) return;
    const t = this.now();
    if (!force && t - this.lastEmit < EMIT_EVERY_MS) return;
    this.lastEmit = t;
    this.listener(this.snapshot());
  }
}
