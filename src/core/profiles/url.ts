/**
 * Remote targets on the command line: `sftp://user@host:port/path`, `ftpes://…`, `ftps://…` and
 * `profile:NAME/path`. Follows curl/lftp/WinSCP: percent-decoded user and path, `[v6]:port`,
 * `/x` absolute, `/~/x` under the login folder (curl), no path = the login folder, and WinSCP's
 * `;fingerprint=SHA256-…` user parameter. A password in a URL and plain `ftp://` are refused.
 */
import { isIPv6 } from 'node:net';
import { SecurityRefusal, UsageError } from '../errors';
import { isFingerprint } from '../syntax/fingerprint';
import { isHostName, parseIp } from '../syntax/host';
import { DEFAULT_PORTS, type Protocol } from './types';
import { urlHost } from './serverAddress';

export interface RemoteUrl {
  protocol: Protocol;
  /** Lower-cased; IPv6 without brackets. */
  host: string;
  /** The URL's port, or the protocol's default. */
  port: number;
  /** Absent when the URL names no user. */
  username?: string;
  /** From `;fingerprint=` user parameters, in OpenSSH's `SHA256:` form. */
  fingerprints: string[];
  /** '' = the login folder, `~` or `~/x` = under the login folder, `/x` = absolute. */
  path: string;
}

export type Target =
  | { kind: 'url'; url: RemoteUrl; path: string }
  /** `path` is relative to the profile's remotePath, `~/…` under the login folder, or `/…` absolute. */
  | { kind: 'profile'; name: string; path: string };

const SUPPORTED = 'sftp://, ftpes:// (FTP with explicit TLS) or ftps:// (implicit TLS)';

/** Schemes people type for the same servers, and what to write instead. */
const SCHEME_HINTS: Readonly<Record<string, string>> = {
  ssh: 'use sftp:// for file transfer over SSH',
  scp: 'use sftp:// (SCP is not supported; SFTP runs over the same SSH server)',
  'ftp+ssl': 'use ftpes:// for FTP with explicit TLS',
  ftpse: 'use ftpes:// for FTP with explicit TLS',
};

/** C0 controls and DEL: CR/LF would smuggle FTP commands, NUL cuts a path short. */
const hasControlChar = (s: string) => [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u007f');

/**
 * Where a password sits in a URL (`user:secret@`), found even in a malformed URL so it is never
 * echoed: a password holding an unencoded "/" (`user:pa/ss@host`) ends the authority early.
 */
function passwordSpan(text: string): [number, number] | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text);
  if (!scheme) return undefined;
  const start = scheme[0].length;
  const slash = text.indexOf('/', start);
  const authorityEnd = slash < 0 ? text.length : slash;
  const colon = text.indexOf(':', start);
  const bracket = text.indexOf('[', start);
  if (colon < 0 || (bracket >= 0 && bracket < colon)) return undefined;
  let at = text.lastIndexOf('@', authorityEnd - 1);
  if (at < start) {
    const afterColon = text.slice(colon + 1, authorityEnd);
    at = text.indexOf('@', start);
    // host:port/path, not user:pass/word@host. An empty port before a path holding "@" is read as a
    // password starting with "/" (refusing is safer; the URL works without that colon).
    const isPort = afterColon === '' ? at < 0 : /^\d+$/.test(afterColon);
    if (colon > authorityEnd || isPort) return undefined;
  }
  return at > colon ? [colon + 1, at] : undefined;
}

/**
 * The URL as it may be shown: never with its password. A password may itself hold "@" or "/", so
 * everything up to the last "@" is hidden (too much in a message beats a leaked secret).
 */
export function redactUrl(text: string): string {
  const span = passwordSpan(text);
  return span ? text.slice(0, span[0]) + '***' + text.slice(text.lastIndexOf('@')) : text;
}

function refuseSecret(text: string, span: [number, number]): UsageError {
  // The server part alone (a secret is stored per server), when it is certain where the password ends.
  const server =
    text.lastIndexOf('@') === span[1]
      ? (text.slice(0, span[0] - 1) + text.slice(span[1])).replace(/^([a-z][a-z0-9+.-]*:\/\/[^/]*).*$/is, '$1')
      : `${text.slice(0, text.indexOf(':')).toLowerCase()}://USER@HOST`;
  return new UsageError(
    `${redactUrl(text).slice(0, 300)} contains a password, and secrets belong in the OS keychain: remove it from the URL and run \`secure-transfer secret set-password ${server.slice(0, 200)}\` once, or pass --password-stdin.`,
    'secret-in-url',
  );
}

function bad(text: string, problem: string, fix: string): UsageError {
  return new UsageError(`${redactUrl(text).slice(0, 300)} ${problem}: ${fix}.`, 'bad-url');
}

function decode(text: string, part: string, raw: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw bad(text, `has invalid percent-encoding in its ${part}`, 'write a literal % as %25 and encode other bytes as UTF-8 (%C3%A9 for é)');
  }
  // CR/LF would let a path smuggle extra FTP commands; NUL ends a path early on the server.
  if (hasControlChar(value)) throw bad(text, `has a control character in its ${part}`, 'remove it (CR, LF and NUL are never valid there)');
  return value;
}

function parseScheme(text: string): Protocol {
  const m = /^([a-z][a-z0-9+.-]*):(\/\/)?/i.exec(text);
  const scheme = m?.[1].toLowerCase() ?? '';
  // `host:path` (scp style) or a bare word: not a URL at all.
  if (!m || (!m[2] && !['sftp', 'ftpes', 'ftps', 'ftp'].includes(scheme))) {
    throw bad(text, 'is not a remote URL', 'write it as sftp://USER@HOST/PATH, ftpes://USER@HOST/PATH or profile:NAME/PATH');
  }
  if (scheme === 'ftp') {
    throw new SecurityRefusal(
      `${redactUrl(text).slice(0, 300)} uses plain FTP, which sends passwords and files in cleartext: use ftpes:// (FTP with explicit TLS) or sftp:// instead.`,
      'plaintext-ftp',
    );
  }
  if (scheme !== 'sftp' && scheme !== 'ftpes' && scheme !== 'ftps') {
    throw bad(text, `uses the unsupported scheme "${scheme}:"`, SCHEME_HINTS[scheme] ?? `use ${SUPPORTED}`);
  }
  if (!m[2]) throw bad(text, `lacks "//" after "${scheme}:"`, `write it as ${scheme}://USER@HOST/PATH`);
  return scheme;
}

/** WinSCP writes `SHA256-<base64>` (optionally after `ssh-ed25519-255-`); base64url and `SHA256:` are accepted too. */
function parseFingerprintParam(text: string, value: string): string {
  const at = value.toUpperCase().lastIndexOf('SHA256');
  const sep = value[at + 6];
  const b64 = value.slice(at + 7).replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  const fp = `SHA256:${b64}`;
  if (at < 0 || (sep !== '-' && sep !== ':') || !isFingerprint(fp)) {
    throw bad(text, `has an unreadable fingerprint "${value.slice(0, 80)}"`, 'write it as ;fingerprint=SHA256-<43 base64 characters> (base64url, or + as %2B and / as %2F)');
  }
  return fp;
}

function parseUserInfo(text: string, raw: string): { username: string; fingerprints: string[] } {
  const [userAndPassword, ...params] = raw.split(';');
  if (userAndPassword.includes(':')) {
    // passwordSpan() finds every such case first; this is the fail-safe that never echoes the URL.
    throw new UsageError('A URL contains a password (user:password@), and secrets belong in the OS keychain: remove it and run `secure-transfer secret set-password URL` once, or pass --password-stdin.', 'secret-in-url');
  }
  const username = decode(text, 'user name', userAndPassword);
  if (username === '') throw bad(text, 'has an empty user name before "@"', 'write the user as USER@HOST, or leave out the "@"');
  const fingerprints: string[] = [];
  for (const param of params) {
    const eq = param.indexOf('=');
    const name = (eq < 0 ? param : param.slice(0, eq)).toLowerCase();
    if (name !== 'fingerprint' || eq < 0) {
      throw bad(text, `has an unknown user parameter ";${param.slice(0, 40)}"`, 'the only one understood is ;fingerprint=SHA256-…');
    }
    fingerprints.push(parseFingerprintParam(text, decode(text, 'fingerprint', param.slice(eq + 1))));
  }
  return { username, fingerprints };
}

function parseHostPort(text: string, raw: string, protocol: Protocol): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  if (raw.startsWith('[')) {
    const close = raw.indexOf(']');
    const after = close < 0 ? '' : raw.slice(close + 1);
    if (close < 0 || (after !== '' && !after.startsWith(':'))) throw bad(text, 'has an unclosed "[" around its IPv6 address', 'write it as [::1]:2222');
    host = decode(text, 'host', raw.slice(1, close));
    if (!isIPv6(host.replace(/%[^%]+$/, ''))) throw bad(text, `has "${host}" in brackets, which is not an IPv6 address`, 'put only IPv6 addresses in brackets');
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colons = raw.split(':').length - 1;
    if (colons > 1) throw bad(text, 'has an IPv6 address without brackets', `write it as ${protocol}://USER@[${raw}]/PATH`);
    [host, portText] = raw.split(':');
    if (host === '') throw bad(text, 'has no host', `write it as ${protocol}://USER@HOST/PATH`);
    if (!isHostName(host) && !parseIp(host)) throw bad(text, `has an invalid host "${host.slice(0, 80)}"`, 'use a host name like files.example.com or an IP address');
  }
  let port = DEFAULT_PORTS[protocol];
  if (portText !== undefined && portText !== '') {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) throw bad(text, `has an invalid port "${portText.slice(0, 20)}"`, 'use a number from 1 to 65535');
  }
  return { host: host.toLowerCase(), port };
}

function parsePath(text: string, raw: string): string {
  // Decided on the raw text: an encoded %7E is a folder literally named "~" under the root.
  const home = /^\/~(?=\/|$)/.exec(raw);
  return home ? '~' + decode(text, 'path', raw.slice(2)) : decode(text, 'path', raw);
}

/** Parses an sftp://, ftpes:// or ftps:// URL. Throws UsageError, or SecurityRefusal for ftp://. */
export function parseUrl(text: string): RemoteUrl {
  const protocol = parseScheme(text);
  const secret = passwordSpan(text);
  if (secret) throw refuseSecret(text, secret);
  const rest = text.slice(text.indexOf('//') + 2);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const rawPath = slash < 0 ? '' : rest.slice(slash);
  const at = authority.lastIndexOf('@');
  const user = at < 0 ? { username: undefined, fingerprints: [] } : parseUserInfo(text, authority.slice(0, at));
  const { host, port } = parseHostPort(text, authority.slice(at + 1), protocol);
  const url: RemoteUrl = { protocol, host, port, fingerprints: user.fingerprints, path: parsePath(text, rawPath) };
  if (user.username !== undefined) url.username = user.username;
  return url;
}

/**
 * Whether a URL parseUrl() accepts writes a port (`sftp://h:2222/`) rather than leaving the
 * protocol's default — an explicit port beats ~/.ssh/config's Port, a default one does not.
 */
export function urlNamesPort(text: string): boolean {
  const rest = text.slice(text.indexOf('//') + 2);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const portText = hostPort.startsWith('[') ? hostPort.slice(hostPort.indexOf(']') + 1).replace(/^:/, '') : hostPort.includes(':') ? hostPort.split(':')[1] : '';
  return portText !== '';
}

/** `profile:NAME` or `profile:NAME/path` (the name is taken literally; it cannot contain "/"). */
export function parseProfileRef(text: string): { name: string; path: string } {
  const body = text.slice('profile:'.length);
  const slash = body.indexOf('/');
  const name = slash < 0 ? body : body.slice(0, slash);
  if (name.trim() === '') throw new UsageError(`${text.slice(0, 300)} names no profile: write it as profile:NAME/path.`, 'bad-target');
  return { name, path: slash < 0 ? '' : body.slice(slash + 1) };
}

/** True when a command-line argument names a remote place rather than a local file. */
export function isRemoteTarget(text: string): boolean {
  return /^profile:/i.test(text) || /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

export function parseTarget(text: string): Target {
  if (/^profile:/i.test(text)) return { kind: 'profile', ...parseProfileRef(text) };
  const url = parseUrl(text);
  return { kind: 'url', url, path: url.path };
}

/** Characters RFC 3986 allows unencoded in a path segment that encodeURIComponent escapes anyway. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(40|3A|2B|2C|3D|24|26)/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function formatPath(path: string): string {
  if (path === '') return '';
  if (path === '~') return '/~';
  if (path.startsWith('~/')) return '/~/' + path.slice(2).split('/').map(encodeSegment).join('/');
  // A relative path in a URL can only mean "under the login folder".
  if (!path.startsWith('/')) return '/~/' + path.split('/').map(encodeSegment).join('/');
  const segments = path.split('/').map(encodeSegment);
  if (segments[1] === '~') segments[1] = '%7E';
  return segments.join('/');
}

function fingerprintParam(fp: string): string {
  return ';fingerprint=SHA256-' + fp.replace(/^SHA256:/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The URL for a server (and path); parseUrl(formatUrl(u)) gives u back. Never holds a secret. */
export function formatUrl(url: {
  protocol: Protocol;
  host: string;
  port?: number;
  username?: string;
  fingerprints?: readonly string[];
  path?: string;
}): string {
  const user = url.username === undefined ? '' : encodeURIComponent(url.username) + (url.fingerprints ?? []).map(fingerprintParam).join('') + '@';
  const port = url.port === undefined || url.port === DEFAULT_PORTS[url.protocol] ? '' : `:${url.port}`;
  return `${url.protocol}://${user}${urlHost(url.host)}${port}${formatPath(url.path ?? '')}`;
}

export function formatProfileRef(name: string, path = ''): string {
  return path === '' ? `profile:${name}` : `profile:${name}/${path}`;
}
