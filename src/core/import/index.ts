/**
 * Importing another tool's saved servers (issue 14, migration): read the file (bounded; every byte
 * hostile), map each entry with its format's reader, validate each profile alone with the one profile
 * validator (an entry that does not validate is skipped with its problem, never written half), move
 * passwords and passphrases to the OS keychain (keyed by the server, as every secret), merge the
 * profiles into `.vscode/secure-transfer.json` (atomically), and with `scrub` remove the secrets the
 * keychain now holds from the source file. Plain FTP becomes ftpes with a warning; host-key or
 * certificate settings of the source are never imported as trust.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import { PROFILE_FILE, readBoundedFile, writeFileAtomic, type BoundedFileSpec } from '../fsutil';
import { checkProfileFile } from '../profiles/validate';
import { profileFileIn } from '../profiles/profileFile';
import { serverUrl } from '../profiles/serverAddress';
import { DEFAULT_PORTS, type Protocol, type ServerAddress } from '../profiles/types';
import { secretKey, type SecretKind, type SecretStore } from '../secrets/secretStore';
import { detectFormat } from './detect';
import { mergeProfiles } from './merge';
import { scrubFilezilla, scrubJson, scrubWinscp } from './scrub';
import type { ImportedEntry, ImportFormat, ScrubHandle } from './types';

export { IMPORT_FORMATS, FORMAT_NAMES, type ImportFormat, type ImportedEntry } from './types';
export { detectFormat, parseFormat } from './detect';

/** sitemanager.xml with a few thousand sites is ~2 MiB; a settings.json is far smaller. */
export const IMPORT_FILE: BoundedFileSpec = {
  what: 'The file to import',
  expected: 'a vscode-sftp sftp.json, a settings.json with sshfs.configs, a FileZilla sitemanager.xml or a WinSCP.ini',
  maxBytes: 8 * 1024 * 1024,
  code: 'bad-import-file',
};

export async function readEntries(format: ImportFormat, text: string, file: string): Promise<ImportedEntry[]> {
  switch (format) {
    case 'vscode-sftp':
      return (await import('./vscodeSftp')).readVscodeSftp(text, file);
    case 'sshfs':
      return (await import('./sshfs')).readSshfs(text, file);
    case 'filezilla':
      return (await import('./filezilla')).readFilezilla(text, file);
    case 'winscp':
      return (await import('./winscp')).readWinscp(text, file);
  }
}

export interface ImportOptions {
  /** The file to import, as the user named it. */
  file: string;
  format?: ImportFormat;
  /** The folder whose `.vscode/secure-transfer.json` receives the profiles. */
  folder: string;
  /** Where passwords go; required unless dryRun. */
  store?: SecretStore;
  scrub?: boolean;
  dryRun?: boolean;
}

export interface ImportedProfile {
  name: string;
  /** The entry in the source (escaped). */
  from: string;
  url: string;
  /** Already in the profile file under this name: not added again. */
  alreadyAs?: string;
  /** Secrets now in the keychain (or that would be, with dryRun). */
  secrets: SecretKind[];
  /** Jump hosts' passwords moved to the keychain (each under its hop's address). */
  hopPasswords: number;
}

export interface ImportReport {
  format: ImportFormat;
  /** The profile file written (or that would be). */
  target: string;
  profiles: ImportedProfile[];
  /** Entries not imported, by label. */
  skipped: string[];
  /** One sentence each. */
  warnings: string[];
  written: boolean;
  /** How many secrets were removed from the source file (scrub). */
  scrubbed: number;
}

/** A file's text: UTF-8 (BOM dropped) or UTF-16 with a BOM (Windows tools). */
function decodeText(buf: Buffer): string {
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf[0] === 0xfe && buf[1] === 0xff) return Buffer.from(buf.subarray(2)).swap16().toString('utf16le');
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

async function readSource(file: string): Promise<{ text: string; bytes: Buffer }> {
  try {
    const bytes = await readBoundedFile(file, IMPORT_FILE);
    return { text: decodeText(bytes), bytes };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${file} does not exist: name the configuration file to import.`, 'bad-import-file');
    throw new UsageError(`${file} cannot be read (${code ?? 'error'}): check its permissions.`, 'bad-import-file', { cause: err });
  }
}

/** Drops undefined fields (JSON has none). */
function clean(profile: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(profile).filter(([, v]) => v !== undefined));
}

/** The entry's profile alone through the profile validator: the first problem as a sentence naming the entry. */
function validationProblem(entry: ImportedEntry, profile: Record<string, unknown>): string | undefined {
  const { problems } = checkProfileFile({ profiles: [profile] }, entry.label);
  if (problems.length === 0) return undefined;
  const p = problems[0];
  const prefix = `${entry.label}: ${p.path}: `;
  const field = p.path.replace(/^profiles\[0\]\.?/, '');
  const rest = p.message.startsWith(prefix) ? p.message.slice(prefix.length) : p.message;
  const named = field !== '' && !rest.startsWith(`"${field}"`) ? `"${field}" ` : '';
  return `${entry.label} was skipped: ${named}${rest.replace(/\.$/, '')}.`;
}

function addressOf(profile: Record<string, unknown>): ServerAddress {
  const protocol = profile.protocol as Protocol;
  return { protocol, host: profile.host as string, port: (profile.port as number | undefined) ?? DEFAULT_PORTS[protocol], username: profile.username as string };
}

interface Planned {
  entry: ImportedEntry;
  index: number;
  profile: Record<string, unknown>;
  secrets: { server: ServerAddress; kind: SecretKind; value: string; hop?: boolean }[];
}

/** Stores one secret unless a different one is already stored; true when the keychain now holds exactly this value. */
async function storeSecret(store: SecretStore, s: Planned['secrets'][number], warnings: string[], label: string): Promise<boolean> {
  const key = secretKey(s.server, s.kind);
  const stored = await store.get(key);
  if (stored !== undefined && stored !== s.value) {
    warnings.push(`${label}: a different ${s.kind} is already in the OS keychain for ${serverUrl(s.server)} — kept that one (run "${s.kind === 'passphrase' ? 'Set Key Passphrase' : 'Set Password'}" to replace it); the file's copy was not removed.`);
    return false;
  }
  if (stored === undefined) await store.set(key, s.value);
  return (await store.get(key)) === s.value;
}

export async function importProfiles(opts: ImportOptions): Promise<ImportReport> {
  const { text } = await readSource(opts.file);
  const format = opts.format ?? detectFormat(opts.file, text);
  const entries = await readEntries(format, text, opts.file);
  const target = profileFileIn(opts.folder);
  const warnings: string[] = [];
  const skipped: string[] = [];
  const planned: Planned[] = [];
  entries.forEach((entry, index) => {
    warnings.push(...entry.warnings);
    if (!entry.profile) {
      skipped.push(entry.label);
      return;
    }
    const profile = clean(entry.profile);
    // A nameless entry (no name, no host) still gets a name, so the problem reported is the real one.
    profile.name ??= `Imported ${index + 1}`;
    const problem = validationProblem(entry, profile);
    if (problem) {
      warnings.push(problem);
      skipped.push(entry.label);
      return;
    }
    const server = addressOf(profile);
    const secrets: Planned['secrets'] = [];
    if (entry.password) secrets.push({ server, kind: 'password', value: entry.password });
    if (entry.passphrase) secrets.push({ server, kind: 'passphrase', value: entry.passphrase });
    for (const h of entry.hopSecrets ?? []) secrets.push({ server: { protocol: 'sftp', host: h.host, port: h.port, username: h.username }, kind: 'password', value: h.password, hop: true });
    planned.push({ entry, index, profile, secrets });
  });
  if (entries.length === 0) warnings.push(`${opts.file} holds no servers to import.`);

  // The profile file: merged in memory first, so a problem stops everything before any secret moves.
  let existing: string | undefined;
  try {
    existing = (await readBoundedFile(target, PROFILE_FILE)).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err instanceof UsageError ? err : new UsageError(`${target} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): check its permissions.`, 'no-profile-file', { cause: err });
  }
  const merged = mergeProfiles(existing, target, planned.map((p) => p.profile));
  const profiles: ImportedProfile[] = planned.map((p, i) => ({
    name: merged.outcomes[i].name,
    from: p.entry.label,
    url: serverUrl(addressOf(p.profile)),
    ...(merged.outcomes[i].alreadyThere ? { alreadyAs: merged.outcomes[i].name } : {}),
    secrets: p.secrets.filter((s) => !s.hop).map((s) => s.kind),
    hopPasswords: p.secrets.filter((s) => s.hop).length,
  }));

  if (opts.dryRun) {
    return { format, target, profiles, skipped, warnings, written: false, scrubbed: 0 };
  }

  // Secrets first (a keychain that is missing or locked stops the import before anything is written).
  const accepted = new Set<number>();
  for (const p of planned) {
    if (p.secrets.length === 0) continue;
    if (!opts.store) throw new Error('importProfiles: a SecretStore is required to import secrets');
    let all = true;
    for (const s of p.secrets) all = (await storeSecret(opts.store, s, warnings, p.entry.label)) && all;
    if (all) accepted.add(p.index);
  }

  if (merged.text !== undefined) {
    const mode = existing !== undefined ? (await fs.stat(target)).mode & 0o777 : 0o644;
    // A new .vscode folder is an ordinary project folder (writeFileAtomic would make it 0700).
    await fs.mkdir(path.dirname(target), { recursive: true });
    await writeFileAtomic(target, merged.text, mode);
  }

  let scrubbed = 0;
  if (opts.scrub) scrubbed = await scrubSource(opts.file, text, format, entries, accepted, warnings);
  else {
    const left = planned.filter((p) => accepted.has(p.index)).length;
    if (left > 0) warnings.push(`The passwords are in the OS keychain now, but still in ${opts.file} too: run the import again with --scrub to remove them there.`);
  }
  return { format, target, profiles, skipped, warnings, written: merged.text !== undefined, scrubbed };
}

/** The secrets an entry carries, for comparing before and after a scrub. */
const secretsOf = (e: ImportedEntry) => JSON.stringify([e.password ?? null, e.passphrase ?? null, e.hopSecrets ?? []]);
const NO_SECRETS = JSON.stringify([null, null, []]);

async function scrubSource(file: string, original: string, format: ImportFormat, entries: ImportedEntry[], accepted: ReadonlySet<number>, warnings: string[]): Promise<number> {
  const hasSecret = (e: ImportedEntry) => secretsOf(e) !== NO_SECRETS;
  const clear = new Set([...accepted].filter((i) => hasSecret(entries[i])));
  for (const [i, e] of entries.entries()) {
    if (hasSecret(e) && !clear.has(i)) warnings.push(`${e.label}: its password stays in ${file} (it was not moved to the keychain).`);
  }
  if (clear.size === 0) return 0;
  let next: string;
  const handles = [...clear].map((i) => entries[i].scrub).filter((h): h is ScrubHandle => h !== undefined);
  if (format === 'vscode-sftp' || format === 'sshfs') {
    // A member shared by several entries (a base config's password) goes only when all of them went to the keychain.
    const blocked = new Set(entries.flatMap((e, i) => (e.scrub?.kind === 'json' && !clear.has(i) && hasSecret(e) ? e.scrub.paths.map((p) => JSON.stringify(p)) : [])));
    const paths = handles.flatMap((h) => (h.kind === 'json' ? h.paths : [])).filter((p) => !blocked.has(JSON.stringify(p)));
    next = scrubJson(original, paths);
  } else if (format === 'filezilla') {
    next = scrubFilezilla(original, new Set(handles.flatMap((h) => (h.kind === 'xml' ? [h.server] : []))));
  } else {
    const ini = await import('ini');
    const sectionOf = (line: string) => Object.keys(ini.parse(line.replace(/\./g, '\\.')))[0];
    next = scrubWinscp(original, new Set(handles.flatMap((h) => (h.kind === 'ini' ? [h.section] : []))), sectionOf);
  }
  // Proof before writing: read back, the same entries and profiles, and exactly the cleared secrets gone.
  const after = await readEntries(format, next, file);
  const same =
    after.length === entries.length &&
    after.every((e, i) => JSON.stringify(e.profile ?? null) === JSON.stringify(entries[i].profile ?? null) && (clear.has(i) ? !hasSecret(e) || sharedKept(e, entries[i]) : secretsOf(e) === secretsOf(entries[i])));
  if (!same) {
    warnings.push(`${file} could not be rewritten without its passwords safely, so it was left unchanged — remove them there by hand (they are in the OS keychain now).`);
    return 0;
  }
  // The file must still be what was read: an editor may have saved it meanwhile.
  const real = await fs.realpath(file);
  const { text: now } = await readSource(real);
  if (now !== original) {
    warnings.push(`${file} changed while importing, so its passwords were not removed — run the import again with --scrub.`);
    return 0;
  }
  const mode = (await fs.stat(real)).mode & 0o777;
  await writeFileAtomic(real, next, mode);
  return [...clear].filter((i) => !after[i] || !hasSecret(after[i])).length;
}

/** A cleared entry may keep a secret it shares with an entry that was not cleared (a base config's password). */
function sharedKept(after: ImportedEntry, before: ImportedEntry): boolean {
  return secretsOf(after) === secretsOf(before);
}
