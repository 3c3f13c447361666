/**
 * Reads the user's OpenSSH known_hosts files. READ-ONLY by design: what the user decides in Secure
 * Transfer goes to our own trust store, never into ~/.ssh (the same split as VS Code's own SSH code).
 *
 * Supported: host lists (`a,b`), `[host]:port` (port 22 is written bare), hashed hosts
 * (`|1|salt|hmac`), wildcards `*`/`?`, negation `!`, `@revoked`, comments and blank lines.
 * Not supported: `@cert-authority` lines are skipped, because host certificates are not
 * verified here; such servers fall back to the other sources (pins, trust store, asking).
 * Lines that do not parse are skipped (reported in `skipped`), as OpenSSH does.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { BoundedInputError, KNOWN_HOSTS_FILE, readBoundedFile } from '../fsutil';
import { sha256Fingerprint } from './fingerprint';

export type KnownHostMarker = 'revoked' | 'cert-authority';

export interface KnownHostEntry {
  marker?: KnownHostMarker;
  /** The host field as written (comma-separated patterns, or one `|1|salt|hash`). */
  hosts: string;
  /** The key algorithm name found inside the key blob (`ssh-ed25519`, `ssh-rsa`, …). */
  keyType: string;
  keyBlob: Buffer;
  fingerprint: string;
  file: string;
  /** 1-based line number, for messages. */
  line: number;
}

export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}

export interface KnownHosts {
  entries: KnownHostEntry[];
  skipped: SkippedLine[];
}

export function defaultKnownHostsFiles(home: string = os.homedir()): string[] {
  return [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.ssh', 'known_hosts2')];
}

/** The name OpenSSH looks up (and hashes): `host` for port 22, otherwise `[host]:port`. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** The algorithm name at the start of an SSH public-key blob (RFC 4253 §6.6), or undefined. */
export function keyTypeOfBlob(blob: Uint8Array): string | undefined {
  if (blob.length < 4) return undefined;
  const len = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  const name = Buffer.from(blob.subarray(4, 4 + len)).toString('latin1');
  return /^[\x21-\x7e]+$/.test(name) ? name : undefined;
}

const MARKERS: Readonly<Record<string, KnownHostMarker>> = { '@revoked': 'revoked', '@cert-authority': 'cert-authority' };
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHosts {
  const entries: KnownHostEntry[] = [];
  const skipped: SkippedLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const lineNo = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostMarker | undefined;
    if (fields[0].startsWith('@')) {
      marker = MARKERS[fields[0].toLowerCase()];
      if (!marker) return void skipped.push({ file, line: lineNo, reason: `unknown marker ${fields[0]}` });
      fields.shift();
    }
    if (fields.length < 3) return void skipped.push({ file, line: lineNo, reason: 'expected: hosts key-type base64-key' });
    const [hosts, declaredType, b64] = fields;
    if (!BASE64.test(b64)) return void skipped.push({ file, line: lineNo, reason: 'the key is not base64' });
    const keyBlob = Buffer.from(b64, 'base64');
    const keyType = keyTypeOfBlob(keyBlob);
    // A blob whose inner name disagrees with the declared type is corrupt or forged: ignore it.
    if (keyType === undefined || keyType !== declaredType) {
      return void skipped.push({ file, line: lineNo, reason: `the key blob is not a ${declaredType} key` });
    }
    if (marker === 'cert-authority') return; // Not supported (see the header comment).
    entries.push({ marker, hosts, keyType, keyBlob, fingerprint: sha256Fingerprint(keyBlob), file, line: lineNo });
  });
  return { entries, skipped };
}

/**
 * Reads and parses the files; missing or unreadable files count as empty (they are optional). A file
 * that is not a regular file or is over the size cap is refused when it was named (a flag, a setting);
 * one of OpenSSH's default files that is not a regular file (e.g. a link to /dev/null) counts as empty.
 */
export async function loadKnownHosts(files?: readonly string[]): Promise<KnownHosts> {
  const all: KnownHosts = { entries: [], skipped: [] };
  for (const file of files ?? defaultKnownHostsFiles()) {
    let text: string;
    try {
      text = (await readBoundedFile(file, KNOWN_HOSTS_FILE)).toString('utf8');
    } catch (err) {
      if (err instanceof BoundedInputError && (files !== undefined || err.reason === 'too-large')) throw err;
      continue;
    }
    const parsed = parseKnownHosts(text, file);
    all.entries.push(...parsed.entries);
    all.skipped.push(...parsed.skipped);
  }
  return all;
}

/** OpenSSH's glob: `*` any run of characters, `?` exactly one; case-insensitive like host names. */
function globMatches(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

function hashedMatches(field: string, name: string): boolean {
  const parts = field.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2], 'base64');
  const expected = Buffer.from(parts[3], 'base64');
  const actual = createHmac('sha1', salt).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Whether an entry's host field names this server (a negated pattern that matches vetoes the line). */
export function entryMatchesHost(entry: Pick<KnownHostEntry, 'hosts'>, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  if (entry.hosts.startsWith('|')) return hashedMatches(entry.hosts, name);
  let matched = false;
  for (const pattern of entry.hosts.split(',')) {
    if (pattern === '') continue;
    const negated = pattern.startsWith('!');
    if (globMatches(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export interface HostLookup {
  /** Keys vouched for this host. */
  keys: KnownHostEntry[];
  /** `@revoked` keys whose pattern names this host. */
  revoked: KnownHostEntry[];
}

export function lookupHost(knownHosts: KnownHosts, host: string, port: number): HostLookup {
  const matching = knownHosts.entries.filter((e) => entryMatchesHost(e, host, port));
  return {
    keys: matching.filter((e) => e.marker === undefined),
    revoked: matching.filter((e) => e.marker === 'revoked'),
  };
}
