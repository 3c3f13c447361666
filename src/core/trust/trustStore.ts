/**
 * The project's own trust store: identities the user chose to remember. It is a JSON file in the
 * state folder (CLI) or the extension's global storage. It never writes the user's known_hosts.
 * It holds fingerprints only — public information, never a secret.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ensurePrivateDir, tightenPrivateFile, withFileLock, writeFileAtomic } from '../fsutil';
import type { IdentityKind, TrustRecord } from './types';

interface TrustFile {
  version: 1;
  records: TrustRecord[];
}

/**
 * Writes are serialized across processes (two `--accept-new` runs at the same instant must both be
 * remembered): each change takes a lock on the file, reads what is on disk under it, applies the
 * change and renames a complete new file into place. Readers need no lock (the rename is atomic).
 */
export class TrustStore {
  private tightened = false;

  /** @param ownDir  the folder is the store's own (the state folder): it is kept private (0700). */
  constructor(
    readonly file: string,
    private readonly ownDir = false,
  ) {}

  static inDir(dir: string): TrustStore {
    return new TrustStore(path.join(dir, 'trust.json'), true);
  }

  /** On first use: a state folder or store left 0755/0644 (older versions, a umask, by hand) becomes 0700/0600. */
  private async tighten(): Promise<void> {
    if (this.tightened) return;
    if (this.ownDir) await ensurePrivateDir(path.dirname(this.file));
    await tightenPrivateFile(this.file);
    this.tightened = true;
  }

  async all(): Promise<TrustRecord[]> {
    // Reading must not fail for this (a read-only folder); the next write tightens or reports.
    await this.tighten().catch(() => undefined);
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as TrustFile;
      return Array.isArray(parsed.records) ? parsed.records : [];
    } catch {
      // A corrupt store must not silently trust or forget: refuse with a clear way out.
      throw new Error(`The trust store ${this.file} is not valid JSON; fix or delete it (you will be asked to trust servers again).`);
    }
  }

  async find(kind: IdentityKind, host: string, port: number): Promise<TrustRecord[]> {
    const h = host.toLowerCase();
    return (await this.all()).filter((r) => r.kind === kind && r.host === h && r.port === port);
  }

  /** Records a fingerprint; an older record of the same key type for the same server is replaced. */
  async remember(record: Omit<TrustRecord, 'addedAt'> & { addedAt?: string }): Promise<void> {
    const rec: TrustRecord = { ...record, host: record.host.toLowerCase(), addedAt: record.addedAt ?? new Date().toISOString() };
    await this.update((all) =>
      all.filter((r) => !(r.kind === rec.kind && r.host === rec.host && r.port === rec.port && r.keyType === rec.keyType)).concat(rec),
    );
  }

  /** Forgets every identity of a server (used by "Replace Pinned Key…"). Returns how many were removed. */
  async forget(kind: IdentityKind, host: string, port: number): Promise<number> {
    const h = host.toLowerCase();
    let removed = 0;
    await this.update((all) => {
      const kept = all.filter((r) => !(r.kind === kind && r.host === h && r.port === port));
      removed = all.length - kept.length;
      return removed ? kept : undefined;
    });
    return removed;
  }

  /** Forgets exactly one remembered identity (Manage Trusted Keys): true when it was there. */
  async forgetOne(record: Pick<TrustRecord, 'kind' | 'host' | 'port' | 'fingerprint'>): Promise<boolean> {
    const h = record.host.toLowerCase();
    let removed = false;
    await this.update((all) => {
      const kept = all.filter((r) => !(r.kind === record.kind && r.host === h && r.port === record.port && r.fingerprint === record.fingerprint));
      removed = kept.length !== all.length;
      return removed ? kept : undefined;
    });
    return removed;
  }

  /** Read-modify-write under the cross-process lock; `change` returns undefined for "nothing to write". */
  private async update(change: (records: TrustRecord[]) => TrustRecord[] | undefined): Promise<void> {
    await this.tighten();
    await withFileLock(this.file, async () => {
      const next = change(await this.all());
      if (next) await this.save(next);
    });
  }

  private async save(records: TrustRecord[]): Promise<void> {
    const data: TrustFile = { version: 1, records };
    await writeFileAtomic(this.file, JSON.stringify(data, null, 2) + '\n');
  }
}
