/**
 * The local activity log (monitoring): one JSON object per line, rotated by size. It has no field for
 * a secret, keeps only the fields below, and redacts anything that looks like one in free text.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ensurePrivateDir, tightenPrivateFile } from '../fsutil';
import { terminalSafeJson } from '../displayText';
import { sameOrigin } from '../profiles/serverAddress';

/**
 * What happened. Every write to a server has its action: `upload`, `save` (an editor saved a remote
 * file), `mkdir`, `rename`, `delete`, `copy` (Duplicate: `path` → `to`), `chmod`
 * (the new mode in `detail`); `download` writes locally.
 */
export type ActivityAction = 'connect' | 'trust-decision' | 'upload' | 'download' | 'save' | 'mkdir' | 'rename' | 'delete' | 'copy' | 'chmod' | 'audit';
export const ACTIVITY_ACTIONS: readonly ActivityAction[] = ['connect', 'trust-decision', 'upload', 'download', 'save', 'mkdir', 'rename', 'delete', 'copy', 'chmod', 'audit'];

export interface ActivityEntry {
  /** ISO time. */
  time: string;
  /** serverOrigin(): `sftp://host:22`, `sftp://[::1]:22` (never a user or a password). */
  server: string;
  action: ActivityAction;
  /** `ok`, `failed`, `refused`, `cancelled`, or for trust decisions `once` / `remember` / `reject`. */
  result: string;
  bytes?: number;
  /** The host key or certificate fingerprint involved. */
  fingerprint?: string;
  /** Remote path for transfers, saves, new folders, deletes and the old name of a rename. */
  path?: string;
  /** The new remote path of a rename, or a copy's path. */
  to?: string;
  /** One short sentence (an error message, the worst audit severity). */
  detail?: string;
}

export interface ActivityLogOptions {
  /** Rotate when the current file would grow past this (default 1 MiB). */
  maxBytes?: number;
  /** Rotated files kept besides the current one (default 5). */
  keep?: number;
}

const FILE = 'activity.jsonl';
const rotated = (n: number) => `activity.${n}.jsonl`;

/** Second line of defence: callers pass no secrets, but a message may quote one. */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(\w+:\/\/[^:/@\s]*):[^@/\s]*@/g, '$1:***@'],
  [/\b(pass(?:word|phrase)?|secret|token|totp|otp)(\s*[=:]\s*|\s+)("[^"]*"|\S+)/gi, '$1$2***'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '***private key***'],
];

export function redact(text: string): string {
  return SECRET_PATTERNS.reduce((s, [re, to]) => s.replace(re, to), text);
}

/** Only known fields survive, each of its expected type; strings are redacted and bounded. */
function sanitize(entry: ActivityEntry): ActivityEntry {
  const text = (s: string | undefined, max = 500) => (s === undefined ? undefined : redact(String(s)).slice(0, max));
  const clean: ActivityEntry = {
    time: entry.time,
    server: text(entry.server, 300) ?? '',
    action: entry.action,
    result: text(entry.result, 40) ?? '',
  };
  if (typeof entry.bytes === 'number' && Number.isFinite(entry.bytes)) clean.bytes = entry.bytes;
  if (entry.fingerprint !== undefined) clean.fingerprint = text(entry.fingerprint, 100);
  if (entry.path !== undefined) clean.path = text(entry.path, 1000);
  if (entry.to !== undefined) clean.to = text(entry.to, 1000);
  if (entry.detail !== undefined) clean.detail = text(entry.detail);
  return clean;
}

export class ActivityLog {
  private readonly maxBytes: number;
  private readonly keep: number;
  private queue: Promise<unknown> = Promise.resolve();
  private tightened = false;
  private readonly listeners = new Set<(entry: ActivityEntry) => void>();

  constructor(
    readonly dir: string,
    options: ActivityLogOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 1024 * 1024;
    this.keep = options.keep ?? 5;
  }

  /** Appends one entry (time defaults to now). Appends from one process are written in call order. */
  append(entry: Omit<ActivityEntry, 'time'> & { time?: string }): Promise<void> {
    if (!ACTIVITY_ACTIONS.includes(entry.action)) throw new Error(`Unknown activity action "${String(entry.action)}".`);
    const clean = sanitize({ ...entry, time: entry.time ?? new Date().toISOString() });
    const line = terminalSafeJson(JSON.stringify(clean)) + '\n';
    const run = this.queue.then(() => this.write(line)).then(() => this.notify(clean));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Told after each entry this process wrote is on disk (a live view refreshes); returns the unsubscribe. */
  onAppend(listener: (entry: ActivityEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Entries oldest first, across rotated files; only those of `server` (a serverOrigin()) when given. */
  async read(filter: { server?: string; limit?: number } = {}): Promise<ActivityEntry[]> {
    await this.queue;
    const files = [...Array.from({ length: this.keep }, (_, i) => rotated(this.keep - i)), FILE];
    const entries: ActivityEntry[] = [];
    for (const f of files) {
      let text: string;
      try {
        text = await fs.readFile(path.join(this.dir, f), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          const e = JSON.parse(line) as ActivityEntry;
          if (!filter.server || sameOrigin(e.server, filter.server)) entries.push(e);
        } catch {
          // A torn last line (crash mid-write) is skipped, not fatal.
        }
      }
    }
    return filter.limit !== undefined ? entries.slice(-filter.limit) : entries;
  }

  private notify(entry: ActivityEntry): void {
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch {
        // A listener's failure is its own; the entry is written.
      }
    }
  }

  private async write(line: string): Promise<void> {
    const current = path.join(this.dir, FILE);
    if (!this.tightened) {
      // A log folder or file left 0755/0644 (older versions, a umask, by hand) becomes 0700/0600.
      await ensurePrivateDir(this.dir);
      await tightenPrivateFile(current);
      this.tightened = true;
    }
    const size = await fs.stat(current).then((s) => s.size, () => 0);
    if (size > 0 && size + Buffer.byteLength(line) > this.maxBytes) await this.rotate();
    await fs.appendFile(current, line, { mode: 0o600 });
  }

  private async rotate(): Promise<void> {
    await fs.rm(path.join(this.dir, rotated(this.keep)), { force: true });
    for (let n = this.keep - 1; n >= 1; n--) {
      await fs.rename(path.join(this.dir, rotated(n)), path.join(this.dir, rotated(n + 1))).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    // Another window may have rotated it a moment ago: then there is nothing left to move.
    await fs.rename(path.join(this.dir, FILE), path.join(this.dir, rotated(1))).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}
