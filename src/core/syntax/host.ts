/**
 * The syntax of hosts: host names, IP addresses, CIDR ranges and host-name globs, as written in
 * profiles, URLs and `policy.allowedHosts`. Pure functions at the bottom of core (they import nothing
 * from it), so profiles, policy and trust can all use them: no DNS here — callers pass the addresses
 * they resolved (and will connect to). What is allowed is decided in core/policy/check.ts.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

export interface CidrRange extends IpAddress {
  prefix: number;
}

/** Parses an IPv4 or IPv6 address (brackets and a `%zone` are allowed; IPv4-mapped IPv6 becomes IPv4). */
export function parseIp(text: string): IpAddress | undefined {
  const s = text.trim().replace(/^\[(.*)\]$/, '$1').replace(/%[^%]*$/, '');
  if (isIPv4(s)) return { family: 4, bytes: Uint8Array.from(s.split('.').map(Number)) };
  if (!isIPv6(s)) return undefined;
  const bytes = ipv6Bytes(s);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  // ::ffff:10.0.0.1 is how dual-stack sockets report IPv4 peers; it must match IPv4 ranges.
  return mapped ? { family: 4, bytes: bytes.slice(12) } : { family: 6, bytes };
}

function ipv6Bytes(s: string): Uint8Array {
  let text = s;
  let tail: number[] = [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two 16-bit groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    tail = [(a << 8) | b, (c << 8) | d];
    text = text.slice(0, -v4[0].length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const toWords = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const [head, rest] = text.split('::');
  const left = toWords(head);
  const right = rest === undefined ? tail : [...toWords(rest), ...tail];
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (a /32 or /128 range). */
export function parseCidr(text: string): CidrRange | undefined {
  const m = /^([^/]+?)(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (!m) return undefined;
  const ip = parseIp(m[1]);
  if (!ip) return undefined;
  // A mapped-IPv4 range written in IPv6 form (::ffff:10.0.0.0/104) is re-based onto IPv4 bits.
  const writtenAsV6 = m[1].includes(':');
  const max = ip.family === 4 ? 32 : 128;
  let prefix = m[2] === undefined ? max : Number(m[2]);
  if (writtenAsV6 && ip.family === 4 && m[2] !== undefined) prefix -= 96;
  if (prefix < 0 || prefix > max) return undefined;
  return { ...ip, prefix };
}

export function cidrContains(range: CidrRange, ip: IpAddress): boolean {
  if (range.family !== ip.family) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((range.bytes[i] & mask) !== (ip.bytes[i] & mask)) return false;
  }
  return true;
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const GLOB_LABEL = /^[a-z0-9_*-]{1,63}$/;

/** Lower-cases a host name and drops the root dot, so `Example.COM.` and `example.com` compare equal. */
export function normalizeHostName(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

export function isHostName(host: string): boolean {
  const h = normalizeHostName(host);
  return h.length > 0 && h.length <= 253 && h.split('.').every((l) => LABEL.test(l));
}

/** A host name or IP address a connection can go to. */
export function isValidHost(host: string): boolean {
  return !host.startsWith('[') && (parseIp(host) !== undefined || isHostName(host));
}

/**
 * A name an SFTP profile or URL may use as an OpenSSH `Host` alias (resolved through ~/.ssh/config,
 * not DNS): letters, digits and `. _ - + =`, not starting with `-` (ssh would read it as an option).
 */
export function isSshHostAlias(host: string): boolean {
  return /^[A-Za-z0-9_.+=][A-Za-z0-9_.+=-]{0,252}$/.test(host);
}

export function isHostGlob(pattern: string): boolean {
  const p = normalizeHostName(pattern);
  return p.includes('*') && p.length <= 253 && p.split('.').every((l) => GLOB_LABEL.test(l));
}

/** `*` matches within one label only, as in TLS certificates: `*.example.com` ≠ `a.b.example.com`. */
export function hostGlobMatches(pattern: string, host: string): boolean {
  const p = normalizeHostName(pattern).split('.');
  const h = normalizeHostName(host).split('.');
  if (p.length !== h.length) return false;
  return p.every((label, i) => new RegExp('^' + label.replace(/\*/g, '[a-z0-9_-]*') + '$').test(h[i]) && h[i] !== '');
}

/** An `allowedHosts` entry: a host name, a glob like `*.example.com`, an IP address or a CIDR range. */
export function isValidHostEntry(entry: string): boolean {
  return parseCidr(entry) !== undefined || isHostName(entry) || isHostGlob(entry);
}
