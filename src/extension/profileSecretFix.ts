/**
 * The quick fix's text work, free of VS Code (unit-tested): which secret in a profile file can be
 * moved to the keychain (and for which server), and which characters to delete so the file stays
 * valid JSON with the member gone.
 */
import { secretFieldOf } from '../core/profiles/forbidden';
import { formatJsonPath, parseJsonc, type PathSegment } from '../core/profiles/jsonc';
import { DEFAULT_PORTS, type Profile, type Protocol, type ServerAddress } from '../core/profiles/types';
import { resolveServer } from '../core/connect';
import type { SshConfigOptions } from '../core/sshconfig/types';
import { isValidHost } from '../core/syntax/host';

const PROTOCOLS: readonly Protocol[] = ['sftp', 'ftpes', 'ftps'];
/** The secrets the quick fix can move (both one string stored per server), as they are named to users. */
export const MOVABLE = { password: 'password', passphrase: 'key passphrase' } as const;
export type Movable = keyof typeof MOVABLE;

export interface MovableSecret {
  kind: Movable;
  value: string;
  server: ServerAddress;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The secret at `segments` when the quick fix can move it: a password or passphrase written directly
 * in a profile (`profiles[i].key`) whose protocol, host and user say which server it belongs to.
 */
export function movableSecret(text: string, segments: readonly PathSegment[]): MovableSecret | undefined {
  if (segments.length !== 3 || segments[0] !== 'profiles' || typeof segments[1] !== 'number' || typeof segments[2] !== 'string') return undefined;
  let doc: unknown;
  try {
    doc = parseJsonc(text).value;
  } catch {
    return undefined;
  }
  const list = isObject(doc) ? doc.profiles : undefined;
  const profile = Array.isArray(list) ? (list[segments[1]] as unknown) : undefined;
  if (!isObject(profile)) return undefined;
  const value = profile[segments[2]];
  const kind = secretFieldOf(segments[2], value);
  if (typeof value !== 'string' || value === '' || (kind !== 'password' && kind !== 'passphrase')) return undefined;
  const protocol = profile.protocol as Protocol;
  const { host, username, port } = profile;
  // An SFTP profile may leave its user to ~/.ssh/config (username absent or ''): resolvedSecretServer() fills it.
  const user = username === undefined && protocol === 'sftp' ? '' : username;
  if (!PROTOCOLS.includes(protocol) || typeof host !== 'string' || !isValidHost(host) || typeof user !== 'string' || (user === '' && protocol !== 'sftp')) return undefined;
  if (port !== undefined && !(typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535)) return undefined;
  return { kind, value, server: { protocol, host, username: user, port: typeof port === 'number' ? port : DEFAULT_PORTS[protocol] } };
}

/**
 * The server the moved secret must be stored for: the one connect() will ask the keychain about. An
 * SFTP profile's host may be a ~/.ssh/config alias, its port and user left to the config, so the
 * address as written is resolved (core/connect.ts resolveServer); a profile file that writes no
 * `port` leaves it to the config, as a loaded profile does (`defaulted.port`).
 */
export async function resolvedSecretServer(text: string, found: MovableSecret, segments: readonly PathSegment[], sshConfig: SshConfigOptions): Promise<ServerAddress> {
  const doc = parseJsonc(text).value as { profiles?: Record<string, unknown>[] };
  const written = doc.profiles?.[segments[1] as number]?.port !== undefined;
  const profile: Profile = { name: '', ...found.server, ...(written ? {} : { defaulted: { port: true } }) };
  return (await resolveServer(profile, sshConfig)).server;
}

/** The text offsets to delete so the member at `segments` goes with its comma (and its line, when alone on it). */
export function memberDeletion(text: string, segments: readonly PathSegment[]): [number, number] | undefined {
  const doc = parseJsonc(text);
  const key = formatJsonPath(segments);
  const start = doc.positions.get(key)?.offset;
  const end = doc.ends.get(key)?.offset;
  if (start === undefined || end === undefined) return undefined;
  const after = /^[ \t]*,/.exec(text.slice(end));
  if (after) {
    let from = start;
    let to = end + after[0].length;
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const restOfLine = /^[ \t]*(?:\r?\n|$)/.exec(text.slice(to));
    // Alone on its line: the whole line goes.
    if (/^[ \t]*$/.test(text.slice(lineStart, start)) && restOfLine) {
      from = lineStart;
      to += restOfLine[0].length;
    }
    return [from, to];
  }
  // The last member: the comma before it goes instead (with the line break and indentation between).
  const before = /,\s*$/.exec(text.slice(0, start));
  return before ? [before.index, end] : [start, end];
}

