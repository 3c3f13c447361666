/**
 * vscode-sftp (liximomo/vscode-sftp and its forks, e.g. Natizyskunk's) `.vscode/sftp.json`: one
 * config object or an array of them; a config's `profiles` object holds named variants, each merged
 * over the config (`Object.assign(config, profiles[name])`, as the extension does). Field names from
 * its docs/config.md and schema: host, port, username, password, protocol (sftp|ftp|local),
 * privateKeyPath, passphrase (string, or true = ask), agent, remotePath, context, uploadOnSave,
 * ignore, connectTimeout (milliseconds), interactiveAuth, hop, secure (ftp: true|"control"|"implicit"),
 * secureOptions, algorithms, remote, sshConfigPath.
 */
import { UsageError } from '../errors';
import { isObject, parseImportJson, portOf, profileName, shown } from './text';
import type { ImportedEntry, ImportedHopSecret } from './types';

type Json = Record<string, unknown>;
type Path = (string | number)[];

/** Keys that change how a connection is secured and that we deliberately do not carry over. */
const NOT_IMPORTED: Readonly<Record<string, string>> = {
  algorithms: 'Secure Transfer offers only algorithms it considers safe',
  secureOptions: 'certificates are always verified (pin one in "fingerprints" or name a "caFile" instead)',
  remote: 'it refers to a "remotefs.remote" user setting, which was not read — add its host and user by hand',
  sshConfigPath: 'Secure Transfer reads your own ~/.ssh/config only',
  openSsh: 'uploads are always atomic',
};

function agentOf(v: unknown): boolean | string | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  // "$SSH_AUTH_SOCK" (an environment variable) and "pageant" (Windows) are what we find by ourselves.
  if (v.startsWith('$') || v.toLowerCase() === 'pageant') return true;
  return v;
}

function hopsOf(raw: unknown, label: string, warnings: string[]): { jump: string[]; secrets: ImportedHopSecret[]; passwordPaths: Path[] } | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  const jump: string[] = [];
  const secrets: ImportedHopSecret[] = [];
  const passwordPaths: Path[] = [];
  for (const [i, hop] of list.entries()) {
    if (!isObject(hop) || typeof hop.host !== 'string' || typeof hop.username !== 'string') {
      warnings.push(`${label}: hop ${i + 1} has no "host" and "username", so it was not imported — add it to "jump" as user@host[:port].`);
      continue;
    }
    const port = portOf(hop.port);
    const p = typeof port === 'number' ? port : 22;
    const host = hop.host.includes(':') && !hop.host.startsWith('[') ? `[${hop.host}]` : hop.host;
    jump.push(`${hop.username}@${host}${p === 22 ? '' : `:${p}`}`);
    if (typeof hop.password === 'string' && hop.password !== '') {
      secrets.push({ host: hop.host, port: p, username: hop.username, password: hop.password });
      passwordPaths.push(Array.isArray(raw) ? ['hop', i, 'password'] : ['hop', 'password']);
    }
    if (hop.privateKeyPath !== undefined || hop.passphrase !== undefined) {
      warnings.push(`${label}: the key of hop ${shown(hop.host)} was not imported — the hop uses your ssh agent, ~/.ssh/config and default keys.`);
    }
  }
  return { jump, secrets, passwordPaths };
}

/** One merged config → one entry. `where` is the JSON path of each key's origin (for scrubbing). */
function entryOf(c: Json, origin: (key: string) => Path, label: string, fallbackName: string | undefined): ImportedEntry {
  const warnings: string[] = [];
  const entry: ImportedEntry = { label, warnings };
  const protocolRaw = c.protocol ?? 'sftp';
  if (protocolRaw === 'local') {
    warnings.push(`${label}: protocol "local" is a local folder, not a server — skipped.`);
    return entry;
  }
  let protocol: 'sftp' | 'ftpes' | 'ftps';
  if (protocolRaw === 'sftp') protocol = 'sftp';
  else if (protocolRaw === 'ftp') {
    if (c.secure === 'implicit') protocol = 'ftps';
    else {
      protocol = 'ftpes';
      if (c.secure !== true && c.secure !== 'control') entry.plainFtp = true;
    }
  } else {
    warnings.push(`${label}: protocol ${shown(protocolRaw)} is not sftp or ftp — skipped.`);
    return entry;
  }
  const profile: Json = {
    name: profileName(typeof c.name === 'string' ? c.name : undefined) ?? fallbackName ?? profileName(typeof c.host === 'string' ? c.host : undefined),
    protocol,
    host: c.host,
    username: c.username,
  };
  const port = portOf(c.port);
  if (port !== undefined && port !== null) profile.port = port;
  if (typeof c.remotePath === 'string' && c.remotePath !== '' && c.remotePath !== './' && c.remotePath !== '.') profile.remotePath = c.remotePath;
  if (typeof c.context === 'string' && c.context !== '' && c.context !== '.' && c.context !== './') profile.localRoot = c.context;
  if (typeof c.uploadOnSave === 'boolean') profile.uploadOnSave = c.uploadOnSave;
  if (Array.isArray(c.ignore)) {
    const globs = c.ignore.filter((g): g is string => typeof g === 'string' && g.trim() !== '');
    if (globs.length > 0) profile.ignore = [...new Set(globs)];
  }
  if (typeof c.connectTimeout === 'number' && c.connectTimeout > 0) profile.connectTimeout = Math.ceil(c.connectTimeout / 1000);
  if (c.interactiveAuth === true || Array.isArray(c.interactiveAuth)) profile.mfa = 'prompt';
  if (protocol === 'sftp') {
    if (typeof c.privateKeyPath === 'string' && c.privateKeyPath !== '') profile.identityFile = c.privateKeyPath;
    const agent = agentOf(c.agent);
    if (agent !== undefined) profile.agent = agent;
    const hops = hopsOf(c.hop, label, warnings);
    if (hops && hops.jump.length > 0) profile.jump = hops.jump;
    if (hops && hops.secrets.length > 0) entry.hopSecrets = hops.secrets;
    if (hops) scrubPaths(entry).push(...hops.passwordPaths.map((p) => [...origin('hop').slice(0, -1), ...p]));
  } else {
    for (const key of ['privateKeyPath', 'agent', 'hop'] as const) {
      if (c[key] !== undefined && c[key] !== null) warnings.push(`${label}: "${key}" applies only to SFTP and was not imported.`);
    }
  }
  for (const [key, why] of Object.entries(NOT_IMPORTED)) {
    if (c[key] !== undefined && c[key] !== null && c[key] !== false && !(key === 'sshConfigPath' && c[key] === '~/.ssh/config')) {
      warnings.push(`${label}: "${key}" was not imported: ${why}.`);
    }
  }
  if (typeof c.password === 'string' && c.password !== '') {
    entry.password = c.password;
    scrubPaths(entry).push(origin('password'));
  }
  if (typeof c.passphrase === 'string' && c.passphrase !== '') {
    // A passphrase means nothing to FTP: it is neither stored nor scrubbed (it unlocks no key here).
    if (protocol === 'sftp') {
      entry.passphrase = c.passphrase;
      scrubPaths(entry).push(origin('passphrase'));
    }
  }
  if (entry.plainFtp) {
    warnings.push(`${label} was plain FTP; Secure Transfer only speaks FTP over TLS — make sure the server offers explicit TLS (AUTH TLS), or the connection is refused.`);
  }
  entry.profile = profile as ImportedEntry['profile'];
  return entry;
}

function scrubPaths(entry: ImportedEntry): Path[] {
  if (!entry.scrub) entry.scrub = { kind: 'json', paths: [] };
  return (entry.scrub as { paths: Path[] }).paths;
}

function configEntries(config: unknown, at: Path, labelPrefix: string): ImportedEntry[] {
  if (!isObject(config)) return [{ label: labelPrefix || 'the file', warnings: [`${labelPrefix || 'The file'} is not a config object — skipped.`] }];
  const { profiles, defaultProfile: _default, ...base } = config;
  const baseName = typeof base.name === 'string' ? base.name : undefined;
  const baseLabel = labelPrefix ? `${labelPrefix}${baseName ? ` (${shown(baseName)})` : ''}` : baseName ? `config ${shown(baseName)}` : 'the config';
  const entries: ImportedEntry[] = [];
  const hasProfiles = isObject(profiles) && Object.keys(profiles).length > 0;
  // The top-level config is a connection of its own when it names a host (it is what vscode-sftp
  // uses while no profile is chosen); with profiles and no host it only holds their shared settings.
  if (!hasProfiles || typeof base.host === 'string') {
    entries.push(entryOf(base, (key) => [...at, key], baseLabel, undefined));
  }
  if (hasProfiles) {
    for (const [key, variant] of Object.entries(profiles)) {
      const label = `${baseLabel}, profile ${shown(key)}`;
      if (!isObject(variant)) {
        entries.push({ label, warnings: [`${label} is not an object — skipped.`] });
        continue;
      }
      const merged = { ...base, ...variant };
      const origin = (k: string): Path => (Object.hasOwn(variant, k) ? [...at, 'profiles', key, k] : [...at, k]);
      const own = typeof variant.name === 'string' ? undefined : profileName(baseName, key);
      entries.push(entryOf(typeof variant.name === 'string' ? merged : { ...merged, name: undefined }, origin, label, own));
    }
  }
  return entries;
}

export function readVscodeSftp(text: string, file: string): ImportedEntry[] {
  const doc = parseImportJson(text, file);
  if (Array.isArray(doc)) return doc.flatMap((c, i) => configEntries(c, [i], `config ${i + 1}`));
  if (isObject(doc)) return configEntries(doc, [], '');
  throw new UsageError(`${file} holds neither a vscode-sftp config object nor a list of them.`, 'bad-import-file');
}
