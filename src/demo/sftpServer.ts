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
  /** Extra ssh2 server settings (algorithms, ident) for deliberately weak test servers. */
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
  const server = new Server({ ...options.serverConfig, hostKeys: [hostKeys.private] }, (client, info) => {
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
