/**
 * Upload on save collects what arrives under a mapped folder into bursts: saves and file events
 * (created / changed on disk) per profile, flushed once nothing arrived for `quietMs` (or `maxWaitMs`
 * after the first, so a build writing for a minute is not held forever). The caller decides what a
 * burst becomes: a few saves upload as before; more files than the threshold become a plan.
 * Plain logic (timers only, no VS Code API), unit-tested.
 */

/** Why a file is in a burst: saved in the editor, or written by another program. */
export type BurstCause = 'save' | 'created' | 'changed';

/** A save is the user's own act and wins; a file created and then changed stays "created". */
const RANK: Readonly<Record<BurstCause, number>> = { save: 3, created: 2, changed: 1 };

export interface BurstOptions {
  /** Quiet time that ends a burst (ms). */
  quietMs?: number;
  /** Longest a burst is held after its first file (ms). */
  maxWaitMs?: number;
  now?: () => number;
}

export const BURST_QUIET_MS = 1000;
export const BURST_MAX_WAIT_MS = 5000;
/** How long after our own download finished a file event on that file is ignored (ms). */
export const OWN_WRITE_MS = 5000;

interface Pending {
  files: Map<string, BurstCause>;
  first: number;
  timer: NodeJS.Timeout;
}

export class BurstCollector {
  private readonly pending = new Map<string, Pending>();
  /** Files our own downloads just wrote: their events are no user's change (path → until). */
  private readonly ownWrites = new Map<string, number>();
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;

  constructor(
    private readonly onBurst: (key: string, files: Map<string, BurstCause>) => void,
    options: BurstOptions = {},
  ) {
    this.quietMs = options.quietMs ?? BURST_QUIET_MS;
    this.maxWaitMs = options.maxWaitMs ?? BURST_MAX_WAIT_MS;
    this.now = options.now ?? Date.now;
  }

  /** A download of ours wrote `file`: events on it for a while are ours, not the user's. */
  ownWrite(file: string): void {
    this.ownWrites.set(file, this.now() + OWN_WRITE_MS);
  }

  isOwnWrite(file: string): boolean {
    const until = this.ownWrites.get(file);
    if (until === undefined) return false;
    if (until >= this.now()) return true;
    this.ownWrites.delete(file);
    return false;
  }

  /** Adds a file to the profile's (`key`) burst; events on our own writes are dropped (saves never). */
  add(key: string, file: string, cause: BurstCause): boolean {
    if (cause !== 'save' && this.isOwnWrite(file)) return false;
    let p = this.pending.get(key);
    const now = this.now();
    if (p) clearTimeout(p.timer);
    else p = { files: new Map(), first: now, timer: undefined as unknown as NodeJS.Timeout };
    const before = p.files.get(file);
    if (!before || RANK[cause] > RANK[before]) p.files.set(file, cause);
    const wait = Math.max(0, Math.min(this.quietMs, p.first + this.maxWaitMs - now));
    p.timer = setTimeout(() => this.flush(key), wait);
    this.pending.set(key, p);
    return true;
  }

  /** Ends the profile's burst now (the timer's job; tests call it too). */
  flush(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(key);
    for (const f of [...p.files.keys()]) if (p.files.get(f) !== 'save' && this.isOwnWrite(f)) p.files.delete(f);
    if (p.files.size > 0) this.onBurst(key, p.files);
  }

  /** Files waiting in the profile's burst. */
  size(key: string): number {
    return this.pending.get(key)?.files.size ?? 0;
  }

  dispose(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}

/**
 * What a burst becomes. Above the threshold: a plan, whatever caused it. At or below: the saves
 * upload as before, and files written by other programs (a build, a checkout, a formatter run from a
 * terminal) are NOT uploaded — upload on save has always sent only what the user saved, and a
 * demanding user would not want a tool's output deployed silently.
 */
export function burstDecision(files: ReadonlyMap<string, BurstCause>, threshold: number): { kind: 'plan' } | { kind: 'upload'; saves: string[]; notSent: string[] } {
  if (files.size > threshold) return { kind: 'plan' };
  const saves = [...files].filter(([, c]) => c === 'save').map(([f]) => f);
  const notSent = [...files].filter(([, c]) => c !== 'save').map(([f]) => f);
  return { kind: 'upload', saves, notSent };
}

export const BURST_REASON: Readonly<Record<BurstCause, string>> = {
  save: 'saved in the editor',
  created: 'created on disk (not by a save)',
  changed: 'changed on disk (not by a save)',
};
