/**
 * Real proxy processes from Debian for the proxy tests (issue 14): microsocks (SOCKS5, optional
 * user/password) and tinyproxy (HTTP CONNECT, optional Basic auth and a ConnectPort allow-list).
 * Each runs in the foreground on a free loopback port with its log in its own temp dir, so a test can
 * prove the traffic went through it: microsocks logs "client[N] IP: connected to HOST:PORT",
 * tinyproxy "Request (file descriptor N): CONNECT HOST:PORT HTTP/1.1" (LogLevel Connect).
 * Both are stopped by stopAll() and found by the reaper like every server: their command line names
 * their temp dir (tinyproxy's config path; microsocks's argv[0]).
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { requireBinary, tempDir } from './common';
import { freePort } from './ports';
import { launch, type RunningServer, type ProxyProtocol } from './server';

export interface RunningProxy extends RunningServer<ProxyProtocol> {
  /** The URL clients use, with the user and password when the proxy wants them. */
  url: string;
  /** Waits until the log matches `pattern` (the proxies write their lines as connections happen). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

const MICROSOCKS = '/usr/bin/microsocks';
const TINYPROXY = '/usr/bin/tinyproxy';

function withLogWait(server: RunningServer<ProxyProtocol>, url: string): RunningProxy {
  return {
    ...server,
    url,
    async waitForLog(pattern, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const log = await server.readLog().catch(() => '');
        if (pattern.test(log)) return log;
        if (Date.now() > deadline) throw new Error(`${server.name}: the log never matched ${pattern}. Log ${server.logFile}:\n${log.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

function credentials(user: string | undefined, password: string | undefined): string {
  return user === undefined ? '' : `${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@`;
}

export interface SocksProxyOptions {
  /** Require this user name and password (SOCKS5 method 2); default: no authentication. */
  username?: string;
  password?: string;
}

/** microsocks on 127.0.0.1: SOCKS5 CONNECT; names in requests are resolved by the proxy. */
export async function startSocksProxy(opts: SocksProxyOptions = {}): Promise<RunningProxy> {
  requireBinary(MICROSOCKS);
  const dir = await tempDir('microsocks');
  const port = await freePort();
  const logFile = path.join(dir, 'microsocks.log');
  const auth = opts.username !== undefined ? ['-u', opts.username, '-P', opts.password ?? ''] : [];
  const server = await launch<ProxyProtocol>({
    name: 'microsocks',
    protocol: 'socks5',
    command: MICROSOCKS,
    // argv[0] names the temp dir so the reaper can find an orphan (microsocks has no config file).
    argv0: path.join(dir, 'microsocks'),
    args: ['-i', '127.0.0.1', '-p', String(port), ...auth],
    port,
    dir,
    logFile,
    banner: { kind: 'none' },
  });
  return withLogWait(server, `socks5h://${credentials(opts.username, opts.password)}127.0.0.1:${port}`);
}

export interface HttpProxyOptions {
  /** Only CONNECT to these ports is allowed (tinyproxy's ConnectPort); default: every port. */
  connectPorts?: number[];
  /** Require HTTP Basic credentials (tinyproxy's BasicAuth); 407 without them. */
  basicAuth?: { username: string; password: string };
}

/** tinyproxy on 127.0.0.1: HTTP CONNECT only to what `connectPorts` allows. */
export async function startHttpProxy(opts: HttpProxyOptions = {}): Promise<RunningProxy> {
  requireBinary(TINYPROXY);
  const dir = await tempDir('tinyproxy');
  const port = await freePort();
  const logFile = path.join(dir, 'tinyproxy.log');
  const config = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Allow 127.0.0.1',
    'Timeout 60',
    `LogFile "${logFile}"`,
    'LogLevel Connect',
    'MaxClients 64',
    'DisableViaHeader Yes',
    // tinyproxy allows CONNECT to every port unless ConnectPort lines narrow it (Debian's own config
    // allows only 443 and 563, which is why the harness writes its own).
    ...(opts.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
    ...(opts.basicAuth ? [`BasicAuth ${opts.basicAuth.username} ${opts.basicAuth.password}`] : []),
  ];
  const configFile = path.join(dir, 'tinyproxy.conf');
  await writeFile(configFile, config.join('\n') + '\n', { mode: 0o600 });
  const server = await launch<ProxyProtocol>({
    name: 'tinyproxy',
    protocol: 'http',
    command: TINYPROXY,
    args: ['-d', '-c', configFile],
    port,
    dir,
    logFile: path.join(dir, 'tinyproxy.out'),
    banner: { kind: 'none' },
  });
  // The process's own output (startup errors) goes to tinyproxy.out; connections to LogFile.
  return withLogWait({ ...server, logFile, readLog: () => readFile(logFile, 'utf8') }, `http://127.0.0.1:${port}`);
}
