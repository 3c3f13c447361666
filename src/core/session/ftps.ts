/**
 * FTPS sessions (explicit `ftpes`: AUTH TLS on port 21; implicit `ftps`: TLS from the first byte).
 *
 * The order is structural, not a convention: connect → TLS → certificate verified (pin, CA, trust
 * store or the user) → only then is the CredentialProvider asked and `USER` sent. basic-ftp's
 * `access()` is deliberately not used because it would log in on its own schedule. Plain FTP is
 * never used, not even as a fallback, and PROT P (encrypted data connections) is required.
 */
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { Client, FTPError, type FTPResponse } from 'basic-ftp';
import { CancelledError, SecureTransferError, SecurityRefusal, UsageError } from '../errors';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { ServerAddress } from '../profiles/types';
import { serverLabel, serverOrigin, sessionIdentity } from '../profiles/serverAddress';
import { CertificateVerifier, certificateFingerprint, type CertificatePolicy } from '../trust/certificates';
import { TlsHandshakeError, openTls, tlsFailureReason, withTrustedTls, type OpenedTls } from '../trust/certTls';
import type { CredentialProvider } from './credentials';
import { ftpLibraryFailure, replyText } from './ftpsErrors';
import { FtpsFileSystem, parseFeatures } from './ftpsFileSystem';
import { tolerantParseList } from './ftpsListing';
import { openProxiedStream } from './proxy';
import { useProxyForData } from './ftpsProxy';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT } from '../profiles/defaults';

export { FtpsFileSystem } from './ftpsFileSystem';

/** How the server's certificate is judged: the certificate policy, minus what the session fills in. */
export type FtpsTlsOptions = Omit<CertificatePolicy, 'server' | 'now'>;

export interface FtpsConnectOptions {
  server: ServerAddress;
  credentials: CredentialProvider;
  tls: FtpsTlsOptions;
  /** Applies to connecting, the handshake and every later reply (basic-ftp's timeout). Default: the profile default (20 s). */
  connectTimeoutMs?: number;
  /**
   * After login: how long a command may wait for its reply, and a transfer for its next bytes
   * (basic-ftp's watchdog only counts time spent waiting for the server). Default: the profile default (30 s).
   */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  log?: Logger;
  /**
   * A SOCKS5 / HTTP CONNECT proxy URL (session/proxy.ts) for the control connection and every data
   * connection. TLS runs end to end through it: the certificate is verified against the server's name.
   */
  proxy?: string;
}

const DEFAULT_TIMEOUT_MS = DEFAULT_CONNECT_TIMEOUT * 1000;

export async function connectFtps(opts: FtpsConnectOptions): Promise<FtpsFileSystem> {
  const { server } = opts;
  if (server.protocol !== 'ftpes' && server.protocol !== 'ftps') {
    throw new UsageError(`connectFtps() handles ftpes:// and ftps:// only, not ${serverOrigin(server)}: use the SFTP session for sftp.`, 'bad-protocol');
  }
  if (/[\r\n\0]/.test(server.username)) {
    throw new UsageError(`The user name for ${serverOrigin(server)} contains a line break or NUL character: fix "username" in the profile.`, 'bad-username');
  }
  const log = opts.log ?? silentLogger;
  const timeout = opts.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const verifier = await CertificateVerifier.create({ server, ...opts.tls });

  const client = await withTrustedTls(verifier, (tlsOptions) => openSecureControl(server, tlsOptions, timeout, opts.signal, opts.proxy)).catch(
    (err: unknown) => {
      throw connectError(err, server);
    },
  );
  log.debug(`${serverOrigin(server)}: TLS ${(client.ftp.socket as tls.TLSSocket).getProtocol()} verified, logging in as ${server.username}`);
  const release = abortClosesClient(client, opts.signal);
  try {
    assertVerifiedTls(client, server);
    const passwordSent = await login(client, server, opts.credentials);
    const features = await client.features();
    await applySessionSettings(client, server, features);
    const homeDir = await client.pwd();
    const certificate = certificateFingerprint((client.ftp.socket as tls.TLSSocket).getPeerCertificate().raw);
    // From here on basic-ftp's timeout is the request deadline; it closes the client on expiry.
    (client.ftp as { timeout: number }).timeout = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT * 1000;
    const fs = new FtpsFileSystem(client, server.protocol, homeDir, parseFeatures(features), serverOrigin(server), sessionIdentity(server, certificate));
    fs.login = { passwordSent, codeAppended: passwordSent && opts.credentials.appendsCodeToPassword === true };
    return fs;
  } catch (err) {
    client.close();
    if (opts.signal?.aborted) throw new CancelledError();
    throw connectError(err, server);
  } finally {
    release();
  }
}

/** A TCP (+ AUTH TLS) connection whose TLS handshake and certificate verification have succeeded. */
async function openSecureControl(server: ServerAddress, tlsOptions: tls.ConnectionOptions, timeout: number, signal?: AbortSignal, proxy?: string): Promise<Client> {
  const client = new Client(timeout);
  const release = abortClosesClient(client, signal);
  const target = { host: server.host, port: server.port };
  let tunnel: Duplex | undefined;
  try {
    if (proxy) useProxyForData(client, proxy, target);
    // Through a proxy the tunnel is opened first; TLS (implicit) or FTP (explicit) then runs over it.
    if (proxy) tunnel = await openProxiedStream(proxy, target, { timeoutMs: timeout, signal });
    const secure = { ...tlsOptions, secureContext: sharedSecureContext(tlsOptions) };
    if (server.protocol === 'ftps') {
      const opened = await openTls({ ...secure, ...(tunnel ? { socket: tunnel } : target) }, timeout, signal);
      adoptTls(client, opened, secure);
      await expectWelcome(client);
    } else {
      if (tunnel) {
        client.ftp.socket = tunnel as net.Socket;
        await expectWelcome(client);
      } else {
        await client.connect(server.host, server.port);
      }
      const auth = await client.sendIgnoringError('AUTH TLS');
      if (auth.code !== 234) {
        throw new SecurityRefusal(
          `${serverOrigin(server)} does not offer TLS (AUTH TLS answered "${replyText(new FTPError(auth))}"); plain FTP is refused, so no user name or password was sent: ask for FTPS on this server.`,
          'ftps-not-offered',
        );
      }
      const opened = await openTls({ ...secure, socket: client.ftp.socket }, timeout, signal);
      adoptTls(client, opened, secure);
    }
    return client;
  } catch (err) {
    client.close();
    tunnel?.destroy();
    throw signal?.aborted ? new CancelledError() : err;
  } finally {
    release();
  }
}

/**
 * The CA list and minimum version built into a context once per process, not per connection:
 * every session (a pool opens 4) and every file's data connection uses it (parsing ~140 root
 * certificates cost ~30 ms a file, and ~100 ms of CPU a session). Verification is unchanged: the
 * same CAs, and the connection's own checkServerIdentity (pins, names).
 */
function sharedSecureContext(options: tls.ConnectionOptions): tls.SecureContext {
  const key = `${options.minVersion ?? ''}\0${Array.isArray(options.ca) ? options.ca.join('\0') : String(options.ca ?? '')}`;
  let context = SECURE_CONTEXTS.get(key);
  if (!context) {
    context = tls.createSecureContext({ ca: options.ca, minVersion: options.minVersion });
    if (SECURE_CONTEXTS.size >= 8) SECURE_CONTEXTS.delete(SECURE_CONTEXTS.keys().next().value!);
    SECURE_CONTEXTS.set(key, context);
  }
  return context;
}
const SECURE_CONTEXTS = new Map<string, tls.SecureContext>();

/** Hands a verified TLS socket to basic-ftp; data connections reuse its options (and context) and TLS session. */
function adoptTls(client: Client, opened: OpenedTls, tlsOptions: tls.ConnectionOptions): void {
  client.ftp.socket = opened.socket;
  client.ftp.tlsOptions = tlsOptions;
  client.ftp.tlsSessionStore ??= opened.latestSession();
}

function expectWelcome(client: Client): Promise<FTPResponse> {
  return client.ftp.handle(undefined, (res, task) => {
    if (res instanceof Error) task.reject(res);
    else if (res.code >= 200 && res.code < 300) task.resolve(res);
    else task.reject(new FTPError(res));
  });
}

/** The last line of defence before a credential is touched: the control channel must be verified TLS. */
function assertVerifiedTls(client: Client, server: ServerAddress): void {
  const socket = client.ftp.socket;
  if (!(socket instanceof tls.TLSSocket) || !socket.authorized) {
    throw new SecurityRefusal(`The control connection to ${serverOrigin(server)} is not verified TLS, so no credentials were sent.`, 'ftps-not-verified');
  }
}

/**
 * USER, then PASS when the server asks for it (331). Resolves whether PASS was sent: a server that
 * answers USER with 230 let the user in without any secret (LoginFacts.authMethods is then empty).
 * basic-ftp's own login() is the same exchange but does not tell which way it went.
 */
async function login(client: Client, server: ServerAddress, credentials: CredentialProvider): Promise<boolean> {
  const password = (await credentials.password(server)) ?? '';
  if (/[\r\n\0]/.test(password)) {
    throw new UsageError(`The password for ${serverLabel(server)} contains a line break or NUL character, which FTP cannot send: store the password without it.`, 'bad-password');
  }
  let passwordSent = false;
  try {
    await client.ftp.handle('USER ' + server.username, (res, task) => {
      if (res instanceof Error) task.reject(res);
      else if (res.code >= 200 && res.code < 300) task.resolve(res);
      else if (res.code === 331) {
        passwordSent = true;
        // basic-ftp's send() logs "PASS ###", never the password.
        client.ftp.send('PASS ' + password);
      } else task.reject(new FTPError(res)); // also 332 (an account): FTP has no other way to ask for a code
    });
    return passwordSent;
  } catch (err) {
    if (!(err instanceof FTPError)) throw err;
    credentials.onAuthFailure?.(server);
    throw new SecureTransferError(
      `${serverOrigin(server)} rejected the login of ${server.username} (${replyText(err)}): check the user name and password (and the one-time code, if the server expects it appended).`,
      'failure',
      'auth-failed',
      { cause: err },
    );
  }
}

const LIST_COMMANDS = { mlsd: ['MLSD', 'LIST -a', 'LIST'], list: ['LIST -a', 'LIST'] };

async function applySessionSettings(client: Client, server: ServerAddress, features: Map<string, string>): Promise<void> {
  const mlst = features.has('MLST');
  client.availableListCommands = mlst ? LIST_COMMANDS.mlsd : LIST_COMMANDS.list;
  client.parseList = tolerantParseList;
  await client.send('TYPE I');
  await client.sendIgnoringError('STRU F');
  await client.sendIgnoringError('OPTS UTF8 ON');
  if (mlst) await client.sendIgnoringError('OPTS MLST type;size;modify;unix.mode;');
  // RFC 4217: PBSZ 0 then PROT P. A server that won't protect data connections is refused.
  await client.sendIgnoringError('PBSZ 0');
  const prot = await client.sendIgnoringError('PROT P');
  if (prot.code < 200 || prot.code >= 300) {
    throw new SecurityRefusal(
      `${serverOrigin(server)} refused to encrypt data connections (PROT P answered "${replyText(new FTPError(prot))}"), so files would travel in the clear: enable TLS for data connections on the server.`,
      'ftps-data-unprotected',
    );
  }
}

function abortClosesClient(client: Client, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => undefined;
  const onAbort = (): void => client.close();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** One sentence for anything that went wrong before the session was ready. */
function connectError(err: unknown, server: ServerAddress): Error {
  if (err instanceof SecureTransferError) return err;
  if (err instanceof TlsHandshakeError) {
    const mode = server.protocol === 'ftps' ? 'implicit FTPS (TLS from the first byte)' : 'explicit FTPS (AUTH TLS)';
    return new SecurityRefusal(
      `The TLS handshake with ${serverOrigin(server)} failed (${tlsFailureReason(err.cause)}), so nothing secret was sent: check that this port speaks ${mode} with TLS 1.2 or newer.`,
      'tls-handshake-failed',
      { cause: err },
    );
  }
  if (err instanceof FTPError) {
    return new SecureTransferError(`${serverOrigin(server)} refused the session: ${replyText(err)}.`, 'failure', `ftp-${err.code}`, { cause: err, details: { reply: err.code } });
  }
  // basic-ftp's and Node's own texts are for developers: mapped to our reason (ftpsErrors.ts).
  const failure = ftpLibraryFailure(err);
  if (failure.kind !== 'failure') return new SecureTransferError(`Could not connect to ${serverOrigin(server)}: ${failure.reason}.`, failure.kind, failure.code, { cause: err });
  return new SecureTransferError(
    `Could not connect to ${serverOrigin(server)}: ${failure.reason}; check the host, the port and the protocol (ftpes uses AUTH TLS, usually port 21; ftps is implicit TLS, usually 990).`,
    'failure',
    'connect-failed',
    { cause: err },
  );
}
