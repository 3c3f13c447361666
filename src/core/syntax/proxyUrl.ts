/**
 * Proxy URLs (`socks5://`, `socks5h://`, `socks://`, `http://`) and `NO_PROXY` lists: pure parsing
 * and matching, shared by profile validation (a password in a profile's proxy is refused) and the
 * session layer that opens the tunnel.
 */
import { serverText } from '../displayText';
import { cidrContains, normalizeHostName, parseCidr, parseIp } from './host';

export type ProxyKind = 'socks5' | 'http';

export interface ProxyUrl {
  kind: ProxyKind;
  /**
   * Who resolves the server's name: `socks5://` resolves it here and sends the address (curl's
   * meaning); `socks5h://`, `socks://` and `http://` send the name and the proxy resolves it.
   */
  remoteDns: boolean;
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** `scheme://host:port`, never a user name or password: the only form shown to people. */
  display: string;
}

const SCHEMES: Record<string, { kind: ProxyKind; remoteDns: boolean; defaultPort: number }> = {
  socks5: { kind: 'socks5', remoteDns: false, defaultPort: 1080 },
  socks5h: { kind: 'socks5', remoteDns: true, defaultPort: 1080 },
  // GNOME and others export ALL_PROXY=socks://host:port/ meaning SOCKS5; the proxy resolves names.
  socks: { kind: 'socks5', remoteDns: true, defaultPort: 1080 },
  http: { kind: 'http', remoteDns: true, defaultPort: 80 },
};

/** The word "none": a profile or `--proxy none` that turns environment proxies off. */
export function isNoProxy(text: string): boolean {
  return text.trim().toLowerCase() === 'none';
}

/** Bounded and without control characters, so a hostile value can be quoted in a sentence. */
function quoted(text: string): string {
  return `"${serverText(text, 80)}"`;
}

/** What the text (without any password) looks like, for a sentence about it. */
function withoutSecrets(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//…@');
}

/**
 * Parses a proxy URL; a string is the problem (the end of a sentence starting "The proxy …"). A value
 * without a scheme (`proxy.corp:3128`) is an HTTP proxy, as curl reads it.
 */
export function parseProxyUrl(text: string): ProxyUrl | string {
  const trimmed = text.trim();
  if (trimmed.length > 300) return 'is longer than 300 characters';
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  const scheme = withScheme.slice(0, withScheme.indexOf(':')).toLowerCase();
  const spec = SCHEMES[scheme];
  if (!spec) {
    return `${quoted(withoutSecrets(trimmed))} uses ${quoted(scheme + '://')}, which Secure Transfer does not support — write socks5://host:port, socks5h://host:port or http://host:port`;
  }
  let url: URL;
  try {
    // Parsed as http so the host, port and IPv6 brackets follow the WHATWG rules for every scheme.
    url = new URL(`http://${withScheme.slice(scheme.length + 3)}`);
  } catch {
    return `${quoted(withoutSecrets(trimmed))} is not a valid proxy URL — write ${scheme}://host:port`;
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return `${quoted(withoutSecrets(trimmed))} has a path — write only ${scheme}://host:port`;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return `${quoted(withoutSecrets(trimmed))} names no host — write ${scheme}://host:port`;
  // new URL('http://h:80') drops the default port; the scheme's own default applies then.
  const explicitPort = /:(\d+)\/?$/.exec(withScheme.replace(/^[^@]*@/, ''))?.[1];
  const port = explicitPort !== undefined ? Number(explicitPort) : spec.defaultPort;
  if (!(port >= 1 && port <= 65535)) return `${quoted(withoutSecrets(trimmed))} has no valid port`;
  const decode = (s: string): string | undefined => {
    if (s === '') return undefined;
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    kind: spec.kind,
    remoteDns: spec.remoteDns,
    host,
    port,
    username: decode(url.username),
    password: decode(url.password),
    display: `${scheme}://${hostPart}:${port}`,
  };
}

/** True when the URL text carries a password (`scheme://user:password@host`). */
export function proxyUrlHasPassword(text: string): boolean {
  const parsed = parseProxyUrl(text);
  return typeof parsed !== 'string' && parsed.password !== undefined;
}

/**
 * Whether NO_PROXY says to connect to `host:port` directly, with curl's rules: entries separated by
 * commas or spaces; `*` alone matches everything; a name matches itself and its subdomains (a leading
 * `.` or `*.` is optional); an IP address or CIDR range (`10.0.0.0/8`) matches addresses only, not
 * names (no DNS is asked); an entry may end in `:port` (`[::1]:22` for IPv6) to match that port only.
 */
export function noProxyMatches(noProxy: string | undefined, host: string, port: number): boolean {
  if (!noProxy) return false;
  const target = host.replace(/^\[(.*)\]$/, '$1');
  const targetIp = parseIp(target);
  const targetName = normalizeHostName(target);
  for (const raw of noProxy.split(/[,\s]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      entry = bracketed[1];
      entryPort = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
    } else {
      const withPort = /^([^:]+):(\d+)$/.exec(entry);
      if (withPort) {
        entry = withPort[1];
        entryPort = Number(withPort[2]);
      }
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    if (targetIp) {
      // A single address is a /32 (/128) range.
      const range = parseCidr(entry);
      if (range && cidrContains(range, targetIp)) return true;
      continue;
    }
    const name = normalizeHostName(entry.replace(/^\*?\./, ''));
    if (name !== '' && (targetName === name || targetName.endsWith(`.${name}`))) return true;
  }
  return false;
}
