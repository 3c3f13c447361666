/**
 * A small pool of sessions to one server, each with a number of "lanes" (jobs it runs at once):
 * SFTP multiplexes many requests over one connection, so 2 connections × many lanes; basic-ftp runs
 * one command at a time, so several clients × 1 lane. Sessions are opened lazily, only when jobs
 * wait, and the first one is opened alone so that any trust question is asked once.
 */
import type { Protocol } from '../profiles/types';
import type { RemoteFileSystem } from '../session/remoteFileSystem';
import { CancelledError, SecureTransferError } from '../errors';

export type SessionFactory = () => Promise<RemoteFileSystem>;

export interface PoolShape {
  sessions: number;
  lanesPerSession: number;
}

/** Measured on loopback (notes/performance-baseline.md): more sessions or lanes stopped helping here. */
export const POOL_SHAPES: Readonly<Record<Protocol, PoolShape>> = {
  sftp: { sessions: 2, lanesPerSession: 32 },
  ftpes: { sessions: 4, lanesPerSession: 1 },
  ftps: { sessions: 4, lanesPerSession: 1 },
};

interface Member {
  rfs: RemoteFileSystem;
  busy: number;
  /** Closed by the pool (not by the caller who passed it as `seed`). */
  owned: boolean;
}

export interface SessionPoolOptions {
  /** Opens another session; without it the pool only has its seed. */
  factory?: SessionFactory;
  /** An already open session to start with (its owner closes it). */
  seed?: RemoteFileSystem;
  shape?: Partial<PoolShape>;
  protocol?: Protocol;
}

export class SessionPool {
  private readonly members: Member[] = [];
  private readonly waiters: Array<() => void> = [];
  private opening = 0;
  private sessionLimit: number;
  private firstOpen?: Promise<void>;
  private closed = false;
  readonly shape: PoolShape;

  constructor(private readonly opts: SessionPoolOptions) {
    const protocol = opts.seed?.protocol ?? opts.protocol ?? 'sftp';
    this.shape = { ...POOL_SHAPES[protocol], ...opts.shape };
    this.sessionLimit = this.shape.sessions;
    if (opts.seed) this.members.push({ rfs: opts.seed, busy: 0, owned: false });
  }

  /** How many jobs the pool can run at once when fully open. */
  get capacity(): number {
    return (this.opts.factory ? this.shape.sessions : 1) * this.shape.lanesPerSession;
  }

  /** Any live session, opening the first if needed (for listings and planning). */
  async any(signal?: AbortSignal): Promise<RemoteFileSystem> {
    const lease = await this.acquire(signal);
    lease.release();
    return lease.rfs;
  }

  /** Runs `fn` on a lane of some session; a session that dropped is replaced for later jobs. */
  async use<T>(fn: (rfs: RemoteFileSystem) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const lease = await this.acquire(signal);
    try {
      return await fn(lease.rfs);
    } finally {
      lease.release();
    }
  }

  async acquire(signal?: AbortSignal): Promise<{ rfs: RemoteFileSystem; release: () => void }> {
    for (;;) {
      if (signal?.aborted) throw new CancelledError();
      if (this.closed) throw new SecureTransferError('The transfer was stopped: its connections are closed.', 'failure', 'pool-closed');
      this.dropDead();
      const free = this.members.filter((m) => m.rfs.connected && m.busy < this.shape.lanesPerSession).sort((a, b) => a.busy - b.busy)[0];
      if (free) return this.lease(free);
      if (this.canOpen()) {
        await this.openOne();
        continue;
      }
      await this.waitForChange(signal);
    }
  }

  /**
   * Leases on up to `n` DIFFERENT sessions (ranged parallel transfers: one range per connection),
   * opening sessions as the pool's limit allows; at least one. Fewer when the pool can't open more
   * (no factory, a server limiting connections): the caller splits into as many ranges as it got.
   */
  async spread(n: number, signal?: AbortSignal): Promise<Array<{ rfs: RemoteFileSystem; release: () => void }>> {
    const leases: Array<{ rfs: RemoteFileSystem; release: () => void }> = [await this.acquire(signal)];
    try {
      while (leases.length < n) {
        if (signal?.aborted) throw new CancelledError();
        this.dropDead();
        const taken = new Set(leases.map((l) => l.rfs));
        const other = this.members.find((m) => m.rfs.connected && !taken.has(m.rfs) && m.busy < this.shape.lanesPerSession);
        if (other) {
          leases.push(this.lease(other));
          continue;
        }
        if (!this.canOpen()) break;
        const before = this.members.length;
        await this.openOne();
        if (this.members.length === before && !this.canOpen()) break;
      }
    } catch (err) {
      for (const l of leases) l.release();
      throw err;
    }
    return leases;
  }

  private lease(m: Member): { rfs: RemoteFileSystem; release: () => void } {
    m.busy++;
    let released = false;
    return {
      rfs: m.rfs,
      release: () => {
        if (released) return;
        released = true;
        m.busy--;
        this.wakeAll();
      },
    };
  }

  /** Closes the sessions the pool opened. */
  async close(): Promise<void> {
    this.closed = true;
    const owned = this.members.splice(0).filter((m) => m.owned);
    for (const w of this.waiters.splice(0)) w();
    await Promise.all(owned.map((m) => m.rfs.close().catch(() => undefined)));
  }

  private canOpen(): boolean {
    return this.opts.factory !== undefined && this.members.length + this.opening < this.sessionLimit;
  }

  private async openOne(): Promise<void> {
    const factory = this.opts.factory!;
    // The first session opens alone: its trust decision is what the others reuse.
    if (this.members.length === 0 && this.firstOpen) return this.firstOpen;
    this.opening++;
    const open = (async () => {
      try {
        const rfs = await factory();
        if (this.closed) await rfs.close().catch(() => undefined);
        else this.members.push({ rfs, busy: 0, owned: true });
      } catch (err) {
        // A server that limits connections per user: carry on with the sessions we have.
        if (this.members.length > 0) this.sessionLimit = this.members.length;
        else throw err;
      } finally {
        this.opening--;
        this.wakeAll();
      }
    })();
    if (this.members.length === 0) {
      this.firstOpen = open.finally(() => (this.firstOpen = undefined));
      return this.firstOpen;
    }
    // Opening takes a while: meanwhile a lane freed on an existing session is just as good.
    await Promise.race([open, this.waitForChange()]);
  }

  private dropDead(): void {
    for (let i = this.members.length - 1; i >= 0; i--) {
      const m = this.members[i];
      if (!m.rfs.connected && m.busy === 0) {
        this.members.splice(i, 1);
        if (m.owned) void m.rfs.close().catch(() => undefined);
      }
    }
  }

  private waitForChange(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wakeAll(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
