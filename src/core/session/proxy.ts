/**
 * SOCKS5 and HTTP CONNECT proxies: which proxy a connection uses (`proxyFor`) and a TCP stream to the
 * server through it (`openProxiedStream`). The stream carries SSH or TLS end to end, so the proxy
 * sees only encrypted bytes and the server's identity is verified exactly as on a direct connection.
 *
 * Which proxy (decided here, see docs/proxies.md):
 * - the profile's `proxy` or `--proxy URL`; `none` turns environment proxies off;
 * - else the environment, as curl reads it for an https URL: `https_proxy`/`HTTPS_PROXY`, then
 *   `all_proxy`/`ALL_PROXY` (lower case first), unless `no_proxy`/`NO_PROXY` matches the server.
 *   SFTP and FTPS both look at HTTPS_PROXY: neither has a variable of its own, and HTTPS_PROXY is
 *   the one set where "everything encrypted goes through the proxy". `HTTP_PROXY` is never used:
 *   it is for cleartext HTTP, and CGI programs let a request header set it ("httpoxy").
 * - A password in the URL is accepted from the environment only: a profile file is shared and a
 *   command line is visible to every local user (`ps`).
 *
 * NO_PROXY is matched by core/syntax/proxyUrl.ts rather than the `proxy-from-env` package, which reads
 * only `process.env` (the extension and the tests pass an environment), matches `example.com` only
 * exactly where curl also matches its subdomains, and knows no CIDR ranges.
 */
import * as net from 'node:net';
import { lookup } from 'node:dns/promises';
import { CancelledError, SecureTransferError, UsageError } from '../errors';
import { serverText } from '../displayText';
import { isNoProxy, noProxyMatches, parseProxyUrl, type ProxyUrl } from '../syntax/proxyUrl';

export interface ProxyTarget {
  host: string;
  port: number;
}

export interface ProxyOptions {
  signal?: AbortSignal;
  /** For reaching the proxy and its answer to the tunnel request together. Default 20 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;
/** An HTTP proxy's answer to CONNECT (status line and headers) may be at most this long. */
export const MAX_CONNECT_RESPONSE_BYTES = 16 * 1024;

/** The environment variables read, in order (the first set one wins). */
export const PROXY_ENV_VARS = ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'] as const;

function envValue(env: NodeJS.ProcessEnv, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/**
 * The proxy URL to reach `target` through: `explicit` (the profile's `proxy` or `--proxy`; "none": no
 * proxy at all), else the environment's unless NO_PROXY matches. A password in `explicit` is refused.
 */
export function proxyFor(target: ProxyTarget, explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit !== undefined && explicit.trim() !== '') {
    if (isNoProxy(explicit)) return undefined;
    const parsed = parseProxyUrl(explicit);
    if (typeof parsed === 'string') throw new UsageError(`The proxy ${parsed}.`, 'bad-proxy');
    if (parsed.password !== undefined) {
      throw new UsageError(
        `The proxy ${parsed.display} is given with a password in a profile or on the command line, where others can read it: remove the password and set it in the environment instead (ALL_PROXY=${parsed.display.replace('://', '://USER:PASSWORD@')}).`,
        'bad-proxy',
      );
    }
    return explicit.trim();
  }
  if (noProxyMatches(envValue(env, 'no_proxy', 'NO_PROXY')?.value, target.host, target.port)) return undefined;
  const fromEnv = envValue(env, ...PROXY_ENV_VARS);
  if (!fromEnv) return undefined;
  const parsed = parseProxyUrl(fromEnv.value);
  if (typeof parsed === 'string') {
    // Never a silent direct connection when the environment asks for a proxy: say which variable.
    throw new UsageError(
      `The proxy in the environment variable ${fromEnv.name} ${parsed}; or connect without it: --proxy none, "proxy": "none" in the profile, or NO_PROXY.`,
      'bad-proxy',
    );
  }
  return fromEnv.value;
}

/** The proxy as shown to people: scheme, host and port, never the user name or password. */
export function proxyDisplay(proxyUrl: string): string {
  const parsed = parseProxyUrl(proxyUrl);
  return typeof parsed === 'string' ? 'the configured proxy' : parsed.display;
}

function hostPort(t: ProxyTarget): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

function proxyError(proxy: ProxyUrl, target: ProxyTarget, code: 'proxy-unreachable' | 'proxy-refused', what: string, cause?: unknown): SecureTransferError {
  return new SecureTransferError(`The proxy ${proxy.display} ${what} (connecting to ${hostPort(target)}).`, 'failure', code, cause === undefined ? undefined : { cause });
}

/**
 * A stream to target.host:port through the proxy. `socks5://` resolves the name here and hands the
 * proxy an address; `socks5h://`, `socks://` and `http://` hand it the name. The result is a plain
 * `net.Socket` (the proxy's connection, past the handshake), so TLS and ssh2 can run over it.
 */
export async function openProxiedStream(proxyUrl: string, target: ProxyTarget, opts: ProxyOptions = {}): Promise<net.Socket> {
  const proxy = parseProxyUrl(proxyUrl);
  if (typeof proxy === 'string') throw new UsageError(`The proxy ${proxy}.`, 'bad-proxy');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const socket = await connectToProxy(proxy, target, timeoutMs, opts.signal);
  const onAbort = (): void => void socket.destroy(new CancelledError());
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const remaining = Math.max(1, deadline - Date.now());
    if (proxy.kind === 'http') await httpConnect(socket, proxy, target, remaining);
    else await socks5Connect(socket, proxy, target, remaining);
    await handOver(socket);
    if (opts.signal?.aborted) throw new CancelledError();
    return socket;
  } catch (err) {
    socket.destroy();
    if (opts.signal?.aborted) throw new CancelledError();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** Opens TCP connections as `net.connect` would, through the proxy (the audit probes' connections). */
export type Dialer = (host: string, port: number) => Promise<net.Socket>;

export function proxiedDialer(proxyUrl: string, opts: ProxyOptions = {}): Dialer {
  return (host, port) => openProxiedStream(proxyUrl, { host, port }, opts);
}

/**
 * Leaves the tunnel as a fresh socket looks to its next reader: no byte lost, not flowing until a
 * reader attaches (`readableFlowing === null`). The `socks` library re-emits bytes that came with its
 * reply and resumes the socket one `setImmediate` after the handshake; a reader that attaches later
 * (ssh2 after reading a key, basic-ftp after its own set-up) would miss the server's first bytes.
 * A 'readable' listener keeps resume() from starting the flow meanwhile; what is emitted is put back.
 */
async function handOver(socket: net.Socket): Promise<void> {
  const held: Buffer[] = [];
  const hold = (chunk: Buffer): void => void held.push(chunk);
  const keepStill = (): void => undefined;
  socket.on('readable', keepStill);
  socket.on('data', hold);
  await new Promise<void>((resolve) => setImmediate(resolve));
  socket.removeListener('data', hold);
  for (const chunk of held.reverse()) socket.unshift(chunk);
  socket.removeListener('readable', keepStill);
  // Node decides the flowing state on the next tick after the last 'readable' listener left.
  await new Promise<void>((resolve) => process.nextTick(resolve));
}

/** TCP to the proxy itself, with the timeout and the signal. */
function connectToProxy(proxy: ProxyUrl, target: ProxyTarget, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener('connect', onConnect);
      if (!err) return resolve(socket);
      socket.destroy();
      reject(err);
    };
    const onConnect = (): void => finish();
    const onError = (err: NodeJS.ErrnoException): void => {
      const sys = typeof err.code === 'string' && /^E[A-Z_]+$/.test(err.code) ? err.code : 'a network error';
      finish(proxyError(proxy, target, 'proxy-unreachable', `could not be reached (${sys}): check the proxy's host and port, or turn it off with --proxy none or "proxy": "none"`, err));
    };
    const onAbort = (): void => finish(new CancelledError());
    const timer = setTimeout(() => finish(proxyError(proxy, target, 'proxy-unreachable', `did not accept a connection within ${Math.round(timeoutMs / 1000)} s: check the proxy's host and port`)), timeoutMs);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * HTTP CONNECT (RFC 9110 §9.3.6), hand-written: the request names the server, a Proxy-Authorization
 * header carries the URL's user and password (Basic; only from the environment), and the answer is
 * read up to the blank line, at most MAX_CONNECT_RESPONSE_BYTES. Bytes after the blank line belong to
 * the tunnel and are put back.
 */
function httpConnect(socket: net.Socket, proxy: ProxyUrl, target: ProxyTarget, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const authority = hostPort(target);
    const auth =
      proxy.username !== undefined
        ? `Proxy-Authorization: Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}\r\n`
        : '';
    if (/[\r\n\0 ]/.test(authority) || /[\r\n\0]/.test(auth.slice(0, -2))) {
      return reject(new UsageError(`The proxy request for ${serverText(authority, 80)} would contain a line break or space, so it was not sent.`, 'bad-proxy'));
    }
    let received = Buffer.alloc(0);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      socket.removeListener('readable', onReadable);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const tooLong = (): void =>
      finish(proxyError(proxy, target, 'proxy-refused', `answered CONNECT with more than ${MAX_CONNECT_RESPONSE_BYTES / 1024} KiB of headers, so the tunnel was not used`));
    // 'readable' + read(): bytes stay in the socket until taken, so what follows the answer (the
    // server's first bytes) can be put back for whoever reads the tunnel next.
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) {
          if (received.length > MAX_CONNECT_RESPONSE_BYTES) return tooLong();
          continue;
        }
        if (end > MAX_CONNECT_RESPONSE_BYTES) return tooLong();
        const rest = received.subarray(end + 4);
        if (rest.length > 0) socket.unshift(rest);
        return answered(received.subarray(0, end).toString('latin1'));
      }
    };
    const answered = (head: string): void => {
      const statusLine = head.split('\r\n', 1)[0];
      const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
      if (!m) {
        return finish(proxyError(proxy, target, 'proxy-refused', `answered CONNECT with "${serverText(statusLine, 120)}", which is not HTTP: check that this is an HTTP proxy (a SOCKS proxy is written socks5://)`));
      }
      const status = Number(m[1]);
      const reason = serverText(m[2] ?? '', 120);
      // 407 is the proxy asking for credentials; tinyproxy answers 401 to wrong ones.
      if (status === 407 || (status === 401 && proxy.username !== undefined)) {
        const how = proxy.username !== undefined ? 'rejected the user name and password' : 'needs a user name and password';
        return finish(
          proxyError(proxy, target, 'proxy-refused', `${how} (${status} ${reason}): set them in the environment, e.g. HTTPS_PROXY=http://USER:PASSWORD@${proxy.display.slice('http://'.length)}`),
        );
      }
      if (status < 200 || status > 299) {
        return finish(proxyError(proxy, target, 'proxy-refused', `refused the tunnel (${status} ${reason}): the proxy may not allow connections to this host or port; ask its administrator, or bypass it with NO_PROXY or --proxy none`));
      }
      finish();
    };
    const onError = (err: NodeJS.ErrnoException): void =>
      finish(proxyError(proxy, target, 'proxy-unreachable', `dropped the connection (${typeof err.code === 'string' ? err.code : 'a network error'})`, err));
    const onClose = (): void => finish(proxyError(proxy, target, 'proxy-refused', 'closed the connection before answering CONNECT'));
    const timer = setTimeout(() => finish(proxyError(proxy, target, 'proxy-unreachable', `did not answer CONNECT within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    socket.on('readable', onReadable);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
  });
}

/** What the `socks` library's error texts mean, said for people (its texts are for developers). */
const SOCKS_FAILURES: ReadonlyArray<{ match: RegExp; code: 'proxy-unreachable' | 'proxy-refused'; what: (proxy: ProxyUrl, detail: string) => string }> = [
  { match: /Authentication failed/i, code: 'proxy-refused', what: () => 'rejected the user name and password' },
  {
    match: /no accepted authentication type/i,
    code: 'proxy-refused',
    what: (proxy) =>
      proxy.username !== undefined
        ? 'accepts none of the login methods offered (no login, user name and password)'
        : `needs a user name and password: set them in the environment, e.g. ALL_PROXY=${proxy.display.replace('://', '://USER:PASSWORD@')}`,
  },
  {
    match: /rejected connection/i,
    code: 'proxy-refused',
    what: (_p, detail) => `refused the tunnel${detail ? ` (${detail})` : ''}: the proxy may not allow or reach this host and port; ask its administrator, or bypass it with NO_PROXY or --proxy none`,
  },
  { match: /timed out/i, code: 'proxy-unreachable', what: () => 'did not answer in time' },
  { match: /Socket closed/i, code: 'proxy-refused', what: () => 'closed the connection during the SOCKS handshake' },
  { match: /invalid/i, code: 'proxy-refused', what: () => 'did not answer as a SOCKS5 proxy does: check that it is one (an HTTP proxy is written http://)' },
];

async function socks5Connect(socket: net.Socket, proxy: ProxyUrl, target: ProxyTarget, timeoutMs: number): Promise<void> {
  // socks5:// (curl's meaning): the name is resolved here; the proxy gets the first address.
  let destination = target.host;
  if (!proxy.remoteDns && net.isIP(target.host) === 0) {
    const found = await lookup(target.host).catch((err: NodeJS.ErrnoException) => {
      throw new SecureTransferError(
        `${serverText(target.host, 80)} could not be resolved here (${err.code ?? 'no address'}), and the proxy ${proxy.display} is socks5://, which needs a local address: check the name, or write socks5h:// to let the proxy resolve it.`,
        'failure',
        'host-not-found',
        { cause: err },
      );
    });
    destination = found.address;
  }
  const { SocksClient } = await import('socks');
  try {
    await SocksClient.createConnection({
      command: 'connect',
      existing_socket: socket,
      proxy: { host: proxy.host, port: proxy.port, type: 5, ...(proxy.username !== undefined ? { userId: proxy.username, password: proxy.password ?? '' } : {}) },
      destination: { host: destination, port: target.port },
      timeout: timeoutMs,
    });
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    const text = err instanceof Error ? err.message : String(err);
    const detail = /rejected connection - (\w+)/.exec(text)?.[1] ?? '';
    const row = SOCKS_FAILURES.find((r) => r.match.test(text));
    if (row) throw proxyError(proxy, target, row.code, row.what(proxy, serverText(detail, 40)), err);
    throw proxyError(proxy, target, 'proxy-refused', 'failed the SOCKS5 handshake', err);
  }
}
