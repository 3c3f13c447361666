/**
 * FileZilla's Site Manager, `sitemanager.xml`: <Servers> holding <Server> and <Folder> (nested; a
 * folder's name is its own text and becomes a name prefix). Numbers from FileZilla's own enums
 * (src/include/server.h): Protocol 0 FTP (explicit TLS if offered), 1 SFTP, 3 FTPS (implicit TLS),
 * 4 FTPES (explicit TLS required), 6 insecure plain FTP, others (HTTP, S3, WebDAV, cloud storage)
 * unsupported; Logontype 0 anonymous, 1 normal, 2 ask for password, 3 interactive, 4 account,
 * 5 key file, 6 profile. <Pass encoding="base64"> (or plain text; "crypt" = protected by a master
 * password, which cannot be read). <RemoteDir> is CServerPath's "safe path":
 * `TYPE PREFIXLEN [PREFIX] (LEN SEGMENT)*`, e.g. `1 0 4 home 3 www` = /home/www.
 */
import { UsageError } from '../errors';
import { isObject, portOf, profileName, shown } from './text';
import type { ImportedEntry } from './types';

type Node = Record<string, unknown>;

const PROTOCOLS: Readonly<Record<string, { protocol: 'sftp' | 'ftpes' | 'ftps'; plain?: boolean }>> = {
  '0': { protocol: 'ftpes', plain: true },
  '1': { protocol: 'sftp' },
  '3': { protocol: 'ftps' },
  '4': { protocol: 'ftpes' },
  '6': { protocol: 'ftpes', plain: true },
};
const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  '2': 'HTTP', '5': 'HTTPS', '7': 'Amazon S3', '8': 'Storj', '9': 'WebDAV', '10': 'Azure Files', '11': 'Azure Blob', '12': 'OpenStack Swift',
  '13': 'Google Cloud Storage', '14': 'Google Drive', '15': 'Dropbox', '16': 'OneDrive', '17': 'Backblaze B2', '18': 'Box', '19': 'WebDAV',
};
/** Server types whose paths are Unix-like (CServerPath: DEFAULT 0, UNIX 1, VXWORKS 5, CYGWIN 9). */
const UNIX_LIKE_PATHS = new Set([0, 1, 5, 9]);

/** CServerPath::SetSafePath, for the types we can write as a /path; undefined when it is not one. */
export function decodeSafePath(safe: string): string | undefined {
  const m = /^(\d{1,2}) (\d{1,5})(?: |$)/.exec(safe);
  if (!m) return undefined;
  const type = Number(m[1]);
  const prefixLen = Number(m[2]);
  if (!UNIX_LIKE_PATHS.has(type) || prefixLen !== 0) return undefined;
  let rest = safe.slice(m[0].length);
  const segments: string[] = [];
  while (rest !== '') {
    const s = /^(\d{1,5}) /.exec(rest);
    if (!s) return undefined;
    const len = Number(s[1]);
    const seg = rest.slice(s[0].length, s[0].length + len);
    if (len === 0 || [...seg].length < 1 || seg.length !== len) return undefined;
    segments.push(seg);
    rest = rest.slice(s[0].length + len);
    if (rest.startsWith(' ')) rest = rest.slice(1);
    else if (rest !== '') return undefined;
  }
  if (segments.some((s) => s.includes('/') || s === '.' || s === '..')) return undefined;
  return '/' + segments.join('/');
}

function childrenOf(node: unknown): Node[] {
  return Array.isArray(node) ? node.filter(isObject) : [];
}

function tagOf(n: Node): string | undefined {
  return Object.keys(n).find((k) => k !== ':@' && k !== '#text');
}

function textOf(children: Node[]): string {
  return children.map((c) => (typeof c['#text'] === 'string' ? c['#text'] : typeof c['#text'] === 'number' ? String(c['#text']) : '')).join('');
}

/** The Server element's fields: tag → { text, attributes }. */
function fieldsOf(server: Node[]): Map<string, { text: string; attrs: Record<string, unknown> }> {
  const map = new Map<string, { text: string; attrs: Record<string, unknown> }>();
  for (const n of server) {
    const tag = tagOf(n);
    if (!tag || map.has(tag)) continue;
    map.set(tag, { text: textOf(childrenOf(n[tag])), attrs: isObject(n[':@']) ? n[':@'] : {} });
  }
  return map;
}

function serverEntry(server: Node[], folders: string[], index: number): ImportedEntry {
  const f = fieldsOf(server);
  const get = (k: string) => f.get(k)?.text.trim();
  const siteName = get('Name');
  const shownName = [...folders, siteName ?? get('Host') ?? `#${index + 1}`].join('/');
  const label = `site ${shown(shownName)}`;
  const warnings: string[] = [];
  const entry: ImportedEntry = { label, warnings, scrub: { kind: 'xml', server: index } };
  const protoText = get('Protocol') ?? '0';
  const mapped = PROTOCOLS[protoText];
  if (!mapped) {
    warnings.push(`${label}: its protocol (${PROTOCOL_NAMES[protoText] ?? shown(protoText)}) is not SFTP or FTP — skipped.`);
    return entry;
  }
  const logon = get('Logontype') ?? '1';
  if (logon === '6') {
    warnings.push(`${label}: it logs in with a cloud profile, which Secure Transfer does not speak — skipped.`);
    return entry;
  }
  const profile: Record<string, unknown> = {
    name: profileName(...folders, siteName ?? get('Host')),
    protocol: mapped.protocol,
    host: get('Host'),
    username: logon === '0' ? 'anonymous' : get('User'),
  };
  const port = portOf(get('Port'));
  if (port !== undefined && port !== '') profile.port = port;
  const remote = get('RemoteDir');
  if (remote) {
    const dir = decodeSafePath(remote);
    if (dir !== undefined) profile.remotePath = dir;
    else warnings.push(`${label}: its remote folder (${shown(remote)}) is not a Unix-style path — it was not imported; set "remotePath" by hand.`);
  }
  if (logon === '5') {
    const key = get('Keyfile');
    if (key && mapped.protocol === 'sftp') profile.identityFile = key;
  }
  if (logon === '4') warnings.push(`${label}: its FTP account (ACCT) was not imported — Secure Transfer logs in with user and password only.`);
  const pass = f.get('Pass');
  if (pass && (logon === '1' || logon === '4') && pass.text !== '') {
    const encoding = pass.attrs.encoding;
    if (encoding === 'base64') {
      const compact = pass.text.replace(/\s+/g, '');
      if (/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) entry.password = Buffer.from(compact, 'base64').toString('utf8');
      else warnings.push(`${label}: its saved password is not valid base64 — it was not imported; store it with "Set Password".`);
    } else if (encoding === undefined || encoding === 'plain') {
      entry.password = pass.text;
    } else {
      warnings.push(`${label}: its password is protected by FileZilla's master password and cannot be read — store it with "Set Password" (or \`secure-transfer secret set-password\`).`);
    }
  }
  if (mapped.plain) {
    warnings.push(`${label} was ${protoText === '6' ? 'plain FTP' : 'FTP with TLS only if offered'}; Secure Transfer only speaks FTP over TLS — make sure the server offers explicit TLS (AUTH TLS), or the connection is refused.`);
    entry.plainFtp = true;
  }
  entry.profile = profile as ImportedEntry['profile'];
  return entry;
}

export async function readFilezilla(text: string, file: string): Promise<ImportedEntry[]> {
  // FileZilla never writes a DTD: refusing one rules out entity expansion of any kind.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new UsageError(`${file} declares a DTD, which FileZilla never writes — refused.`, 'bad-import-file');
  const { XMLParser, XMLValidator } = await import('fast-xml-parser');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new UsageError(`${file} is not valid XML (line ${valid.err.line}: ${valid.err.msg.slice(0, 200)}): fix it, or name the right --format.`, 'bad-import-file');
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: true,
  });
  const doc = childrenOf(parser.parse(text));
  const root = doc.find((n) => tagOf(n) === 'FileZilla3');
  const servers = root ? childrenOf(root.FileZilla3).find((n) => tagOf(n) === 'Servers') : undefined;
  if (!servers) throw new UsageError(`${file} has no <FileZilla3><Servers>: export the Site Manager (File → Export) or point at sitemanager.xml.`, 'bad-import-file');
  const entries: ImportedEntry[] = [];
  let index = 0;
  // Depth-first in document order (so `index` is the n-th <Server> of the text, for --scrub), without
  // recursion: a hostile file nests folders as deep as its size allows.
  const stack: { nodes: Node[]; at: number; folders: string[] }[] = [{ nodes: childrenOf(servers.Servers), at: 0, folders: [] }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.at >= top.nodes.length) {
      stack.pop();
      continue;
    }
    const n = top.nodes[top.at++];
    const tag = tagOf(n);
    if (tag === 'Server') entries.push(serverEntry(childrenOf(n.Server), top.folders, index++));
    else if (tag === 'Folder') {
      const kids = childrenOf(n.Folder);
      const name = textOf(kids).trim();
      stack.push({ nodes: kids, at: 0, folders: name === '' || top.folders.length >= 16 ? top.folders : [...top.folders, name] });
    }
  }
  return entries;
}
