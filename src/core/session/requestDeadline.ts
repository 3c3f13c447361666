/**
 * Deadlines for the requests of one connection, so a server that stops answering (while still
 * answering keepalives) cannot make anything wait forever.
 *
 * Each request has its own deadline, but its clock starts when it becomes the oldest request still
 * waiting for an answer, not when it was sent. A sane server answers in order, so the oldest request
 * is the one it works on: with 64 reads of 255 KiB in flight on a slow link, the last one legitimately
 * waits for the 63 before it, and only the head of the line is the server's to answer now. A server
 * that answers later requests while starving one gets no pass either: once the others are done, the
 * starved one is the oldest and its clock runs. One timer serves the whole connection.
 *
 * A request made of several round trips (ssh2's readFile: open, fstat, reads, close) is tracked as
 * one entry whose clock restarts whenever the connection delivers an answer (`touch`).
 */

export interface DeadlineTicket {
  /** The request was answered (or failed otherwise): stop tracking it. Safe to call twice. */
  done(): void;
}

interface Entry {
  what: string;
  composite: boolean;
  expire: (err: Error) => void;
}

export interface RequestDeadlinesOptions {
  /** Milliseconds the oldest request may wait; 0 or less: no deadline. */
  timeoutMs: number;
  /** The one sentence for a request `what` that was not answered within `timeoutMs`. */
  error: (what: string, timeoutMs: number) => Error;
  /**
   * Called once, after the expired request was failed: the connection can't be trusted to answer
   * later requests in order, so the owner closes it (which fails every other pending request).
   */
  onExpired: (err: Error) => void;
}

export class RequestDeadlines {
  private readonly pending = new Map<number, Entry>();
  private nextId = 0;
  private timer?: NodeJS.Timeout;
  private headId?: number;
  private expiredError?: Error;

  constructor(private readonly opts: RequestDeadlinesOptions) {}

  get timeoutMs(): number {
    return this.opts.timeoutMs;
  }

  /** The error of the request that expired, once one has (the connection is then being closed). */
  get expired(): Error | undefined {
    return this.expiredError;
  }

  /**
   * Tracks one request. `expire` fails it with the deadline's error. `composite`: several round
   * trips, whose clock restarts at every answer the connection delivers (see touch()).
   */
  track(what: string, expire: (err: Error) => void, composite = false): DeadlineTicket {
    if (this.opts.timeoutMs <= 0) return { done: () => undefined };
    if (this.expiredError) {
      const err = this.expiredError;
      queueMicrotask(() => expire(err));
      return { done: () => undefined };
    }
    const id = this.nextId++;
    this.pending.set(id, { what, composite, expire });
    if (this.pending.size === 1) this.restart();
    return {
      done: () => {
        if (!this.pending.delete(id)) return;
        if (id === this.headId) this.restart();
      },
    };
  }

  /** The connection delivered an answer: a composite request at the head of the line made progress. */
  touch(): void {
    const head = this.head();
    if (head && head[1].composite) this.restart();
  }

  /** Stops the timer (the connection closed: its requests fail on their own). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private head(): [number, Entry] | undefined {
    for (const e of this.pending) return e;
    return undefined;
  }

  private restart(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const head = this.head();
    this.headId = head?.[0];
    if (!head) return;
    this.timer = setTimeout(() => this.fire(), this.opts.timeoutMs);
    // A pending request keeps the process alive by itself; the deadline must not add to that.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    const head = this.head();
    if (!head || this.expiredError) return;
    const err = this.opts.error(head[1].what, this.opts.timeoutMs);
    this.expiredError = err;
    this.pending.delete(head[0]);
    head[1].expire(err);
    this.opts.onExpired(err);
  }
}

/** Seconds for messages: "2 s", "0.5 s", "30 s". */
export function formatSeconds(ms: number): string {
  return `${+(ms / 1000).toFixed(1)} s`;
}
