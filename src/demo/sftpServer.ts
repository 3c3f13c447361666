/**
 * A small real SFTP server (ssh2's server API) that serves one local folder on 127.0.0.1, for the
 * `npm start` demo and for integration tests. Each start makes a fresh ed25519 host key and, unless
 * given one, a random password; one user may log in by password or by an authorized public key.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Server, utils, type AuthContext, type AuthenticationType, type Connection, type ParsedKey, type ServerConfig } from 'ssh2';
import { sha256Fingerprint } from '../core/trust/fingerprint';
import { ConfinedRoot } from './confinedRoot';
import { serveSftp, type SftpRequestHandler } from './sftpSession';

export const DEMO_HOST = '127.0.0.1';
const AUTH_METHODS: AuthenticationType[] = ['publickey', 'password'];

/**
 * What the demo offers: only modern algorithms, so our own audit of it finds nothing of medium or
 * worse (the demo is the example of a well-configured server). Curve25519 and large DH groups with
 * SHA-2, AEAD ciphers and CTR, encrypt-then-MAC with SHA-2, compression only after login.
 */
export const MODERN_ALGORITHMS = {
  kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512'],
  serverHostKey: ['ssh-ed25519'],
  cipher: ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-gcm@openssh.com', 'aes256-ctr', 'aes192-ctr', 'aes128-ctr'],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com'],
  compress: ['none', 'zlib@openssh.com'],
} as const satisfies NonNullable<ServerConfig['algorithms']>;

/**
 * `npm start -- --weak`: the modern set plus legacy ones an audit flags (SHA-1 key exchange, CBC and
 * 3DES, SHA-1/MD5 MACs, compression before login). A client still negotiates its own first choice,
 * so Secure Transfer connects with modern algorithms; the audit shows what the server also allows.
 */
export const WEAK_ALGORITHMS = {
  kex: [...MODERN_ALGORITHMS.kex, 'ecdh-sha2-nistp256', 'diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1', 'diffie-hellman-group1-sha1'],
  serverHostKey: MODERN_ALGORITHMS.serverHostKey,
  cipher: [...MODERN_ALGORITHMS.cipher, 'aes128-cbc', 'aes256-cbc', '3des-cbc'],
  hmac: [...MODERN_ALGORITHMS.hmac, 'hmac-sha2-256', 'hmac-sha1', 'hmac-md5'],
  compress: ['none', 'zlib@openssh.com', 'zlib'],
} as const satisfies NonNullable<ServerConfig['algorithms']>;

export interface DemoServerOptions {
  /** The local folder clients see as "/". */
  root: string;
  /** 0 or absent: a free port chosen by the OS. */
  port?: number;
  username?: string;
  /** Absent: a random one, returned by startDemoServer. */
  password?: string;
  /** OpenSSH public key lines ("ssh-ed25519 AAAA… comment") that may log in as the user. */
  authorizedKeys?: string[];
  /** Offer legacy algorithms too (WEAK_ALGORITHMS; `npm start -- --weak`) instead of only modern ones. */
  weak?: boolean;
  /** Extra ssh2 server settings (algorithms, ident) for deliberately weak test servers; they win over `weak`. */
  serverConfig?: Partial<ServerConfig>;
  /** Replace SFTP request handlers (by ssh2 event name) for deliberately hostile test servers. */
  sftpOverrides?: Partial<Record<string, SftpRequestHandler>>;
  /** One line per connection event (connect, login, refused login), for `npm start -- --serve`. */
  log?: (line: string) => void;
}

export interface DemoServer {
  host: string;
  port: number;
  username: string;
  password: string;
  /** OpenSSH's `SHA256:…` fingerprint of the host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** The host public key as one OpenSSH line ("ssh-ed25519 AAAA…"), e.g. for a known_hosts file. */
  hostPublicKey: string;
  /** The known_hosts line for this server ("[127.0.0.1]:PORT ssh-ed25519 AAAA…"). */
  knownHostsLine: string;
  close(): Promise<void>;
}

function parsePublicKey(line: string): ParsedKey {
  const parsed = utils.parseKey(line);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new Error(`Authorized key "${line.slice(0, 40)}…" is not an OpenSSH public key line: pass the contents of a .pub file.`);
  return key;
}

/**
 * ssh2 wants mutable arrays (the tables above stay frozen) and refuses a name this Node's OpenSSL
 * can't do (3DES or MD5 may be missing from a build): those are left out rather than failing the start.
 */
function copyAlgorithms(a: typeof MODERN_ALGORITHMS | typeof WEAK_ALGORITHMS): NonNullable<ServerConfig['algorithms']> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const c = require('ssh2/lib/protocol/constants') as Record<'SUPPORTED_KEX' | 'SUPPORTED_SERVER_HOST_KEY' | 'SUPPORTED_CIPHER' | 'SUPPORTED_MAC' | 'SUPPORTED_COMPRESSION', string[]>;
  const usable = <T extends string>(names: readonly T[], supported: string[]): T[] => names.filter((n) => supported.includes(n));
  return {
    kex: usable(a.kex, c.SUPPORTED_KEX),
    serverHostKey: usable(a.serverHostKey, c.SUPPORTED_SERVER_HOST_KEY),
    cipher: usable(a.cipher, c.SUPPORTED_CIPHER),
    hmac: usable(a.hmac, c.SUPPORTED_MAC),
    compress: usable(a.compress, c.SUPPORTED_COMPRESSION),
  };
}

/** Constant-time comparison that also hides the length of the expected value. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return timingSafeEqual(a.length === b.length ? a : b, b) && a.length === b.length;
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const root = await ConfinedRoot.open(options.root);
  const username = options.username ?? 'demo';
  const password = options.password ?? randomBytes(18).toString('base64url');
  const authorizedKeys = (options.authorizedKeys ?? []).map(parsePublicKey);
  const log = options.log ?? (() => undefined);

  const hostKeys = utils.generateKeyPairSync('ed25519');
  const hostKeyBlob = parsePublicKey(hostKeys.public).getPublicSSH();
  const hostPublicKey = `ssh-ed25519 ${hostKeyBlob.toString('base64')}`;

  const checkCredential: Readonly<Record<string, (ctx: AuthContext) => boolean>> = {
    password: (ctx) => ctx.method === 'password' && sameSecret(ctx.password, password),
    publickey: (ctx) => {
      if (ctx.method !== 'publickey') return false;
      const key = authorizedKeys.find((k) => k.getPublicSSH().equals(ctx.key.data));
      if (!key) return false;
      // Without a signature the client only asks whether this key would do; it signs next.
      return !ctx.signature || (ctx.blob !== undefined && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true);
    },
  };

  const connections = new Set<Connection>();
  const algorithms = options.weak ? WEAK_ALGORITHMS : MODERN_ALGORITHMS;
  const config: ServerConfig = { algorithms: copyAlgorithms(algorithms), ...options.serverConfig, hostKeys: [hostKeys.private] };
  const server = new Server(config, (client, info) => {
    connections.add(client);
    log(`connection from ${info.ip}:${info.port} (${info.header.versions.software})`);
    client.on('authentication', (ctx) => {
      const check = checkCredential[ctx.method];
      if (ctx.method === 'none' || !check) return ctx.reject(AUTH_METHODS);
      if (sameSecret(ctx.username, username) && check(ctx)) return ctx.accept();
      if (ctx.method !== 'publickey' || ctx.signature) log(`refused ${ctx.method} login for "${ctx.username}"`);
      ctx.reject(AUTH_METHODS);
    });
    client.on('ready', () => {
      log(`"${username}" logged in`);
      // Only sessions with the sftp subsystem: ssh2 rejects shells, exec and forwarding we don't handle.
      client.on('session', (acceptSession) => {
        acceptSession().on('sftp', (acceptSftp) => serveSftp(acceptSftp(), root, options.sftpOverrides));
      });
    });
    client.on('error', (err) => log(`connection error: ${err.message}`));
    client.on('close', () => connections.delete(client));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, DEMO_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    host: DEMO_HOST,
    port,
    username,
    password,
    hostKeyFingerprint: sha256Fingerprint(hostKeyBlob),
    hostPublicKey,
    knownHostsLine: `[${DEMO_HOST}]:${port} ${hostPublicKey}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.end();
        server.close(() => resolve());
      }),
  };
}
