/**
 * Which keys a login offers, in which order, and how many (see docs/keys-and-agents.md).
 *
 * Identity files: the profile's / `--identity` key first, then ~/.ssh/config's IdentityFile values;
 * when none is named, OpenSSH's defaults that exist: ~/.ssh/id_ed25519, id_ecdsa, id_rsa.
 *
 * Order of offers (planKeyOffers, pure):
 *   1. the named identity files, in that order — each through the agent when the agent holds it
 *      (no passphrase needed), else from the file;
 *   2. the agent's other keys, in the agent's order (not with IdentitiesOnly yes);
 *   3. the default key files the agent does not hold.
 * OpenSSH puts all agent keys before the files; we put what the user named first, because a server
 * counts every rejected key against MaxAuthTries and the named key is the one most likely to work.
 *
 * Cap: keys found automatically (2 and 3) stop once KEY_OFFERS_BEFORE_FALLBACK keys were offered
 * when the server also takes a password or keyboard-interactive, so that with OpenSSH's default
 * MaxAuthTries (6) there is room left for those: 4 keys + keyboard-interactive + its one retry = 6.
 * Named keys are always offered.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ParsedKey } from 'ssh2';
import { expandHome, IDENTITY_FILE, readBoundedFile } from '../fsutil';
import type { SshHostConfig } from '../sshconfig/types';
import { serverText } from '../displayText';

/** OpenSSH's default identity files we can use, most modern first (ssh-keygen's default type first). */
export const DEFAULT_IDENTITY_NAMES: readonly string[] = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** Automatic keys stop after this many offers when the server also takes a password or keyboard-interactive. */
export const KEY_OFFERS_BEFORE_FALLBACK = 4;

export type IdentityOrigin = 'profile' | 'config' | 'default';

export interface IdentityFileRef {
  /** As written, for messages (escaped when it comes from ~/.ssh/config); `file` is what is read (`~` expanded). */
  written: string;
  file: string;
  origin: IdentityOrigin;
}

export interface IdentityPlanInput {
  /** The profile's identityFile or the CLI's --identity. */
  identityFile?: string;
  sshConfig?: Pick<SshHostConfig, 'identityFiles' | 'identitiesOnly' | 'certificateFiles'>;
  /** The home folder the default keys live in (~/.ssh). */
  home: string;
}

/** The identity files to consider, named ones first; the defaults only when none is named (as OpenSSH). */
export function identityFiles(input: IdentityPlanInput): IdentityFileRef[] {
  const out: IdentityFileRef[] = [];
  const seen = new Set<string>();
  const add = (raw: string, origin: IdentityOrigin) => {
    const file = raw === '~' || raw.startsWith('~/') ? path.join(input.home, raw.slice(1)) : expandHome(raw);
    if (seen.has(file)) return;
    seen.add(file);
    // A config file's text is shown escaped (it may hold control characters); it is read as written.
    out.push({ written: origin === 'config' ? serverText(raw) : raw, file, origin });
  };
  if (input.identityFile) add(input.identityFile, 'profile');
  for (const f of input.sshConfig?.identityFiles ?? []) add(f, 'config');
  if (out.length === 0) for (const name of DEFAULT_IDENTITY_NAMES) add(`~/.ssh/${name}`, 'default');
  return out;
}

/** One key to offer: an agent's key, or a key file read (and decrypted) when its turn comes. */
export type KeyOffer =
  | { kind: 'agent'; key: ParsedKey; /** Found automatically (not one of the named files). */ auto: boolean; label: string }
  | { kind: 'file'; ref: IdentityFileRef; auto: boolean; label: string };

export interface OfferPlanInput {
  files: ReadonlyArray<IdentityFileRef & { /** The public key blob, when it could be read without a passphrase. */ publicBlob?: Buffer }>;
  agentKeys: readonly ParsedKey[];
  identitiesOnly: boolean;
  /** How an agent key is named in logs and errors. */
  describeAgentKey: (key: ParsedKey) => string;
}

export function planKeyOffers(input: OfferPlanInput): KeyOffer[] {
  const matches = (k: ParsedKey, blob: Buffer | undefined) => blob !== undefined && k.getPublicSSH().equals(blob);
  const used = new Set<ParsedKey>();
  const offers: KeyOffer[] = [];
  // 1. Named files, each through the agent when it holds the key.
  for (const f of input.files.filter((x) => x.origin !== 'default')) {
    const inAgent = input.agentKeys.find((k) => !used.has(k) && matches(k, f.publicBlob));
    if (inAgent) used.add(inAgent);
    offers.push(inAgent ? { kind: 'agent', key: inAgent, auto: false, label: `${f.written}, from the agent` } : { kind: 'file', ref: f, auto: false, label: f.written });
  }
  // 2. The agent's other keys; with IdentitiesOnly only those matching an identity file (OpenSSH semantics).
  for (const key of input.agentKeys) {
    if (used.has(key) || (input.identitiesOnly && !input.files.some((f) => matches(key, f.publicBlob)))) continue;
    used.add(key);
    offers.push({ kind: 'agent', key, auto: true, label: input.describeAgentKey(key) });
  }
  // 3. Default files the agent does not hold (a held one was offered in 2: it matches an identity file).
  for (const f of input.files.filter((x) => x.origin === 'default')) {
    if (input.agentKeys.some((k) => matches(k, f.publicBlob))) continue;
    offers.push({ kind: 'file', ref: f, auto: true, label: f.written });
  }
  return offers;
}

/** Whether another automatically found key may be offered, `offered` keys having been tried already. */
export function mayOfferAutomaticKey(offered: number, serverMethods: readonly string[]): boolean {
  const hasFallback = serverMethods.includes('password') || serverMethods.includes('keyboard-interactive');
  return !hasFallback || offered < KEY_OFFERS_BEFORE_FALLBACK;
}

const OPENSSH_KEY_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const PEM_OPENSSH = /-----BEGIN OPENSSH PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END OPENSSH PRIVATE KEY-----/;

/**
 * The public key blob stored in clear in an OpenSSH-format private key (also when the key is
 * encrypted), so a key can be matched with the agent's keys without its passphrase. Undefined when
 * the text is not that format or is malformed (every length is checked against the buffer).
 */
export function openSshPublicBlob(text: string): Buffer | undefined {
  const m = PEM_OPENSSH.exec(text);
  if (!m) return undefined;
  const data = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  if (data.length < OPENSSH_KEY_MAGIC.length || !data.subarray(0, OPENSSH_KEY_MAGIC.length).equals(OPENSSH_KEY_MAGIC)) return undefined;
  let pos = OPENSSH_KEY_MAGIC.length;
  const string = (): Buffer | undefined => {
    if (pos + 4 > data.length) return undefined;
    const len = data.readUInt32BE(pos);
    if (pos + 4 + len > data.length) return undefined;
    const s = data.subarray(pos + 4, pos + 4 + len);
    pos += 4 + len;
    return s;
  };
  // ciphername, kdfname, kdfoptions, then the number of keys and the first public key.
  for (let i = 0; i < 3; i++) if (string() === undefined) return undefined;
  if (pos + 4 > data.length || data.readUInt32BE(pos) < 1) return undefined;
  pos += 4;
  const blob = string();
  return blob && blob.length > 0 ? Buffer.from(blob) : undefined;
}

/** `type base64 [comment]` of a `.pub` file → its blob. */
export function publicLineBlob(text: string): Buffer | undefined {
  const b64 = text.trim().split(/\s+/)[1];
  if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const blob = Buffer.from(b64, 'base64');
  return blob.length > 0 ? blob : undefined;
}

/** Whether a regular file exists there (default keys that are absent are simply not tried). */
export async function fileExists(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.F_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * The public blob of a key file without asking for a passphrase: from `<file>.pub`, else from the
 * OpenSSH-format header. Undefined when neither tells (an encrypted PEM key without its .pub).
 * Both reads are bounded like the identity file itself; problems mean "unknown", never an error.
 */
export async function publicBlobOfKeyFile(file: string): Promise<Buffer | undefined> {
  const pub = await readBoundedFile(`${file}.pub`, IDENTITY_FILE).catch(() => undefined);
  const fromPub = pub ? publicLineBlob(pub.toString('utf8')) : undefined;
  if (fromPub) return fromPub;
  const priv = await readBoundedFile(file, IDENTITY_FILE).catch(() => undefined);
  return priv ? openSshPublicBlob(priv.toString('utf8')) : undefined;
}

/** The certificates OpenSSH would use with these identity files (`<key>-cert.pub`, CertificateFile) that exist. */
export async function certificatesPresent(files: readonly IdentityFileRef[], certificateFiles: readonly string[], home: string): Promise<string[]> {
  const candidates = [...files.map((f) => ({ written: `${f.written}-cert.pub`, file: `${f.file}-cert.pub` })), ...certificateFiles.map((c) => ({ written: serverText(c), file: c.startsWith('~/') ? path.join(home, c.slice(1)) : c }))];
  const present: string[] = [];
  for (const c of candidates) if (await fileExists(c.file)) present.push(c.written);
  return present;
}
