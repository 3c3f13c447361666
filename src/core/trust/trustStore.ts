/**
 * The project's own trust store: identities the user chose to remember. It is a JSON file in the
 * state folder (CLI) or the extension's global storage. It never writes the user's known_hosts.
 * It holds fingerprints only — public information, never a secret.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../fsutil';
import type { IdentityKind, TrustRecord } from './types';

interface TrustFile {
  version: 1;
  records: TrustRecord[];
}

export class TrustStore {
  constructor(readonly file: string) {}

  static inDir(dir: string): TrustStore {
    return new TrustStore(path.join(dir, 'trust.json'));
  }

  async all(): Promise<TrustRecord[]> {
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
    const others = (await this.all()).filter(
      (r) => !(r.kind === rec.kind && r.host === rec.host && r.port === rec.port && r.keyType === rec.keyType),
    );
    await this.save([...others, rec]);
  }

  /** Forgets every identity of a server (used by "Replace Pinned Key…"). Returns how many were removed. */
  async forget(kind: IdentityKind, host: string, port: number): Promise<number> {
    const h = host.toLowerCase();
    const all = await this.all();
    const kept = all.filter((r) => !(r.kind === kind && r.host === h && r.port === port));
    if (kept.length !== all.length) await this.save(kept);
    return all.length - kept.length;
  }

  private async save(records: TrustRecord[]): Promise<void> {
    const data: TrustFile = { version: 1, records };
    await writeFileAtomic(this.file, JSON.stringify(data, null, 2) + '\n');
  }
}
