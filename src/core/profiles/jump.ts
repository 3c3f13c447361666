/**
 * The syntax of one jump host, as `ssh -J` and ProxyJump write it: `[user@]host[:port]`, `[user@][v6]:port`,
 * or a Host alias of the user's ~/.ssh/config. Pure parsing; where a hop leads (its HostName, User, Port)
 * is decided later by resolving it through the ssh config, like the target.
 */
import { isValidHost, parseIp } from '../syntax/host';

export interface JumpSpec {
  /** The text as written (for messages). */
  text: string;
  username?: string;
  /** A host name, an IP address (IPv6 without brackets) or a config alias. */
  host: string;
  port?: number;
}

/** Aliases are looser than host names (`bastion_eu`), but never hold spaces, commas, `@`, `/` or `%`. */
const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/;

/** The parsed hop, or undefined if `text` is not `[user@]host[:port]`. */
export function parseJumpSpec(text: string): JumpSpec | undefined {
  if (text.length === 0 || text.length > 300 || /[\s,]/.test(text)) return undefined;
  // ssh -J also takes ssh://user@host:port.
  const body = text.startsWith('ssh://') ? text.slice(6).replace(/\/$/, '') : text;
  const at = body.lastIndexOf('@');
  const username = at >= 0 ? body.slice(0, at) : undefined;
  if (username !== undefined && !USER.test(username)) return undefined;
  const rest = at >= 0 ? body.slice(at + 1) : body;
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1];
    portText = v6[2];
    if (!parseIp(host)) return undefined; // brackets are for IP addresses (IPv6)
  } else {
    const m = /^([^:]+)(?::(\d+))?$/.exec(rest);
    if (!m) return undefined;
    host = m[1];
    portText = m[2];
    if (!isValidHost(host) && !ALIAS.test(host)) return undefined;
  }
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) return undefined;
  return { text, host, ...(username !== undefined ? { username } : {}), ...(port !== undefined ? { port } : {}) };
}

/** The sentence for a hop that does not parse; `where` says where it was written. */
export function jumpSpecProblem(text: string, where: string): string {
  return `${where} "${text.slice(0, 80)}" is not a jump host: write user@host[:port] (like ssh -J), [user@][v6-address]:port, or a Host alias of your ~/.ssh/config`;
}

/** `a,b,c` as `ssh -J` takes it; `none` is the empty route. Throws nothing: undefined entries are errors for the caller. */
export function splitJumpList(text: string): string[] {
  if (text.trim().toLowerCase() === 'none') return [];
  return text.split(',').map((s) => s.trim());
}
