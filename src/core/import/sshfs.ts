/**
 * SSH FS (Kelvin Schoutsen's vscode-sshfs): the `sshfs.configs` list of a settings.json (or of a
 * .code-workspace file's "settings", or a bare list as in the files `sshfs.configpaths` names). Fields
 * from its FileSystemConfig (common/src/fileSystemConfig.ts): name, label, group, extend (names merged
 * in first), host, port, username, password (string, or true = ask), privateKeyPath, passphrase
 * (string or true), agent, root, hop (the name of another config), proxy { type, host, port }, putty,
 * sftpCommand, sftpSudo.
 */
import { UsageError } from '../errors';
import { isObject, parseImportJson, portOf, profileName, shown } from './text';
import type { ImportedEntry } from './types';

type Json = Record<string, unknown>;
type Path = (string | number)[];

const SETTING = 'sshfs.configs';
const MAX_CHAIN = 8;

const NOT_IMPORTED: Readonly<Record<string, string>> = {
  putty: 'PuTTY sessions are not read — copy its host, user and key by hand',
  sftpCommand: 'Secure Transfer always uses the server\'s sftp subsystem',
  sftpSudo: 'Secure Transfer never runs sudo on the server',
  agentForward: 'agent forwarding is never offered',
};

interface Located {
  config: Json;
  at: Path;
}

function listOf(doc: unknown, file: string): { list: unknown[]; at: Path } {
  if (Array.isArray(doc)) return { list: doc, at: [] };
  if (isObject(doc) && Array.isArray(doc[SETTING])) return { list: doc[SETTING] as unknown[], at: [SETTING] };
  if (isObject(doc) && isObject(doc.settings) && Array.isArray(doc.settings[SETTING])) return { list: doc.settings[SETTING] as unknown[], at: ['settings', SETTING] };
  throw new UsageError(`${file} has no "${SETTING}" list: point at the settings.json (or .code-workspace) that holds your SSH FS configs.`, 'bad-import-file');
}

/** The config with its `extend` chain merged in (earlier names first, the config itself last), and where each key came from. */
function resolved(byName: Map<string, Located>, start: Located, label: string, warnings: string[]): { config: Json; origin: Map<string, Path> } {
  const config: Json = {};
  const origin = new Map<string, Path>();
  const seen = new Set<Located>();
  const apply = (l: Located, depth: number) => {
    if (seen.has(l) || depth > MAX_CHAIN) return;
    seen.add(l);
    const ext = l.config.extend;
    for (const name of typeof ext === 'string' ? [ext] : Array.isArray(ext) ? ext : []) {
      const base = typeof name === 'string' ? byName.get(name.toLowerCase()) : undefined;
      if (base) apply(base, depth + 1);
      else warnings.push(`${label}: it extends ${shown(name)}, which is not in this file — those settings were not imported.`);
    }
    for (const [k, v] of Object.entries(l.config)) {
      config[k] = v;
      origin.set(k, [...l.at, k]);
    }
  };
  apply(start, 0);
  return { config, origin };
}

function hopChain(byName: Map<string, Located>, first: unknown, label: string, warnings: string[]): string[] | undefined {
  const chain: string[] = [];
  let name = first;
  const seen = new Set<string>();
  while (typeof name === 'string' && name !== '') {
    const key = name.toLowerCase();
    const hop = byName.get(key);
    if (!hop || seen.has(key) || chain.length >= MAX_CHAIN) {
      warnings.push(`${label}: its hop ${shown(name)} is ${hop ? 'part of a loop' : 'not in this file'} — the profile was imported without jump hosts; add "jump" by hand.`);
      return undefined;
    }
    seen.add(key);
    const c = hop.config;
    if (typeof c.host !== 'string' || typeof c.username !== 'string') {
      warnings.push(`${label}: its hop ${shown(name)} has no host or username — the profile was imported without jump hosts; add "jump" by hand.`);
      return undefined;
    }
    const port = portOf(c.port);
    const host = c.host.includes(':') ? `[${c.host}]` : c.host;
    chain.unshift(`${c.username}@${host}${typeof port === 'number' && port !== 22 ? `:${port}` : ''}`);
    name = c.hop;
  }
  return chain;
}

export function readSshfs(text: string, file: string): ImportedEntry[] {
  const doc = parseImportJson(text, file);
  const { list, at } = listOf(doc, file);
  const byName = new Map<string, Located>();
  list.forEach((c, i) => {
    if (isObject(c) && typeof c.name === 'string' && !byName.has(c.name.toLowerCase())) byName.set(c.name.toLowerCase(), { config: c, at: [...at, i] });
  });
  return list.map((raw, i): ImportedEntry => {
    const label = isObject(raw) && typeof raw.name === 'string' ? `config ${shown(raw.name)}` : `config ${i + 1}`;
    const warnings: string[] = [];
    const entry: ImportedEntry = { label, warnings };
    if (!isObject(raw)) {
      warnings.push(`${label} is not an object — skipped.`);
      return entry;
    }
    const { config: c, origin } = resolved(byName, { config: raw, at: [...at, i] }, label, warnings);
    const username = c.username === '$USERNAME' ? undefined : c.username;
    if (c.username === '$USERNAME') warnings.push(`${label}: its username "$USERNAME" means "my local user name" — write the user name in; skipped.`);
    const profile: Json = {
      name: profileName(typeof c.name === 'string' ? c.name : undefined) ?? profileName(typeof c.host === 'string' ? c.host : undefined),
      protocol: 'sftp',
      host: c.host,
      username,
    };
    const port = portOf(c.port);
    if (port !== undefined && port !== null) profile.port = port;
    if (typeof c.root === 'string' && c.root !== '') profile.remotePath = c.root;
    if (typeof c.privateKeyPath === 'string' && c.privateKeyPath !== '') profile.identityFile = c.privateKeyPath;
    if (typeof c.agent === 'string' && c.agent !== '') profile.agent = c.agent.startsWith('$') || c.agent.toLowerCase() === 'pageant' ? true : c.agent;
    if (c.hop !== undefined) {
      const jump = hopChain(byName, c.hop, label, warnings);
      if (jump && jump.length > 0) profile.jump = jump;
    }
    if (isObject(c.proxy)) {
      const { type, host, port: pp } = c.proxy;
      const scheme = type === 'socks5' ? 'socks5' : type === 'http' ? 'http' : undefined;
      const pport = portOf(pp);
      if (scheme && typeof host === 'string' && typeof pport === 'number') {
        profile.proxy = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${pport}`;
      } else {
        warnings.push(`${label}: its proxy (${shown(type)}) was not imported — Secure Transfer speaks SOCKS5 and HTTP CONNECT proxies; set "proxy" by hand.`);
      }
    }
    for (const [key, why] of Object.entries(NOT_IMPORTED)) {
      if (c[key] !== undefined && c[key] !== false && c[key] !== null) warnings.push(`${label}: "${key}" was not imported: ${why}.`);
    }
    const paths: Path[] = [];
    if (typeof c.password === 'string' && c.password !== '') {
      entry.password = c.password;
      paths.push(origin.get('password')!);
    }
    if (typeof c.passphrase === 'string' && c.passphrase !== '') {
      entry.passphrase = c.passphrase;
      paths.push(origin.get('passphrase')!);
    }
    if (paths.length > 0) entry.scrub = { kind: 'json', paths };
    entry.profile = profile as ImportedEntry['profile'];
    return entry;
  });
}
