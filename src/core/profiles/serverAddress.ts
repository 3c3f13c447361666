/**
 * How a server address is written: the one formatter for messages, lists, the tree, the CLI and the
 * activity log, plus the texts that are persisted (and so must never change).
 *
 * Display styles (host in lower case, IPv6 in brackets, the port always written):
 * - `hostPort`:     `files.example.com:22`, `[::1]:22`, `[fe80::1%eth0]:22` (SSH and trust messages)
 * - `serverUrl`:    `sftp://alice@files.example.com:22` (user URI-encoded, zone as `%25`, so the text
 *                   pastes back into the CLI); without a user when the address has none
 * - `serverOrigin`: `sftp://files.example.com:22`, never a user (activity log, audit reports, FTPS messages)
 * - `serverLabel`:  `alice@files.example.com:22` (who logs in where, in SSH messages)
 */
import type { Protocol, ServerAddress } from './types';

/** The protocol `ftp` exists only as an audit target (core/audit); nothing connects with it. */
export interface AddressLike {
  protocol: Protocol | 'ftp';
  host: string;
  port: number;
  username?: string;
}

const isIPv6Literal = (host: string) => host.includes(':');

/** The host as written before `:port`: lower case, an IPv6 address (with its zone, if any) in brackets. */
function bracketed(host: string): string {
  const h = host.toLowerCase();
  return isIPv6Literal(h) ? `[${h}]` : h;
}

/** The host as written in a URL: like bracketed(), with a zone's `%` encoded as `%25` (RFC 6874). */
export function urlHost(host: string): string {
  const h = host.toLowerCase();
  return isIPv6Literal(h) ? `[${h.replace(/%/g, '%25')}]` : h;
}

/** `files.example.com:22`, `[::1]:22`, `[fe80::1%eth0]:22`. */
export function hostPort(server: Pick<ServerAddress, 'host' | 'port'>): string {
  return `${bracketed(server.host)}:${server.port}`;
}

/** `sftp://alice@files.example.com:22`, or `sftp://files.example.com:22` for an address without a user. Never a secret. */
export function serverUrl(server: AddressLike): string {
  // No user (an SFTP profile leaving it to ~/.ssh/config) is written as none, not as "@".
  const user = server.username === undefined || server.username === '' ? '' : `${encodeURIComponent(server.username)}@`;
  return `${server.protocol}://${user}${urlHost(server.host)}:${server.port}`;
}

/** Whether two addresses are one login on one server: protocol, host (any case), port and user. */
export function sameServer(a: AddressLike, b: AddressLike): boolean {
  return serverUrl(a) === serverUrl(b);
}

/** `sftp://files.example.com:22`: the server without the user (the activity log's key, audit reports). */
export function serverOrigin(server: Pick<AddressLike, 'protocol' | 'host' | 'port'>): string {
  return serverUrl({ protocol: server.protocol, host: server.host, port: server.port });
}

/** `alice@files.example.com:22`: who logs in where. */
export function serverLabel(server: Pick<ServerAddress, 'host' | 'port' | 'username'>): string {
  return `${server.username}@${hostPort(server)}`;
}

/**
 * Whether two serverOrigin() texts name the same server. Activity-log entries written before this
 * formatter kept the host's case and a raw zone `%`; they still match.
 */
export function sameOrigin(a: string, b: string): boolean {
  return normalizeOrigin(a) === normalizeOrigin(b);
}

/** The text sameOrigin() compares. */
export function normalizeOrigin(text: string): string {
  return text.toLowerCase().replace(/%(?!25)/g, '%25');
}

// ---------------------------------------------------------------- persisted texts
// Each of these is stored (partial names, files, VS Code state): its exact text must never change,
// or users lose what was stored under it. test/unit/serverAddress.test.ts pins every one.

/**
 * `sftp://alice@Files.Example.com:22 SHA256:…`: RemoteFileSystem.identity, hashed into partial names.
 * The host exactly as given, without brackets.
 */
export function sessionIdentity(server: ServerAddress, fingerprint: string): string {
  return `${server.protocol}://${server.username}@${server.host}:${server.port} ${fingerprint}`;
}

/** The key of one remote file's remembered version: `sftp://alice@Files.Example.com:22/www/a.txt` (host as given, no brackets). */
export function remoteVersionKey(server: Pick<ServerAddress, 'protocol' | 'host' | 'port' | 'username'>, remotePath: string): string {
  return `${server.protocol}://${server.username}@${server.host}:${server.port}${remotePath}`;
}

/**
 * `sftp://Files.Example.com:22`, `sftp://[fe80::1%eth0]:22`: the host exactly as given (IPv6 in
 * brackets). The audit monitor's VS Code state keys (last audit per server) were written this way.
 */
export function storedOrigin(server: Pick<AddressLike, 'protocol' | 'host' | 'port'>): string {
  const host = isIPv6Literal(server.host) ? `[${server.host}]` : server.host;
  return `${server.protocol}://${host}:${server.port}`;
}
