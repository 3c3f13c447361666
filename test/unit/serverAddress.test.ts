/**
 * The one server formatter (core/profiles/serverAddress.ts): its display styles, that the activity
 * log's writers and its filter agree through it, and the persisted texts that must never change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  hostPort,
  normalizeOrigin,
  remoteVersionKey,
  sameOrigin,
  serverLabel,
  serverOrigin,
  serverUrl,
  sessionIdentity,
  storedOrigin,
  urlHost,
} from '../../src/core/profiles/serverAddress';
import { formatUrl, parseUrl } from '../../src/core/profiles/url';
import { DEFAULT_PORTS, type Profile, type ServerAddress } from '../../src/core/profiles/types';
import { parseSecretKey, secretKey } from '../../src/core/secrets/secretStore';
import { FileRemoteState } from '../../src/core/transfer/remoteState';
import { auditServer } from '../../src/core/audit/auditServer';
import { connect } from '../../src/core/connect';
import { TrustStore } from '../../src/core/trust/trustStore';
import { recorded, activityLog } from '../../src/cli/connection';
import type { CliContext } from '../../src/cli/context';
import type { CredentialProvider } from '../../src/core/session/credentials';

const NAME: ServerAddress = { protocol: 'sftp', host: 'files.example.com', port: 22, username: 'alice' };
const UPPER: ServerAddress = { protocol: 'sftp', host: 'Files.Example.COM', port: 2222, username: 'Alice' };
const V6: ServerAddress = { protocol: 'ftpes', host: '::1', port: 21, username: 'bob@corp' };
const ZONE: ServerAddress = { protocol: 'sftp', host: 'FE80::1%eth0', port: 22, username: 'u' };
const V4: ServerAddress = { protocol: 'ftps', host: '192.0.2.10', port: 990, username: 'x' };

test('hostPort: lower case, IPv6 (with its zone) in brackets, the port always written', () => {
  assert.equal(hostPort(NAME), 'files.example.com:22');
  assert.equal(hostPort(UPPER), 'files.example.com:2222');
  assert.equal(hostPort(V6), '[::1]:21');
  assert.equal(hostPort(ZONE), '[fe80::1%eth0]:22');
  assert.equal(hostPort(V4), '192.0.2.10:990');
});

test('serverUrl: the user URI-encoded, the default port written, a zone as %25; it pastes back into parseUrl', () => {
  assert.equal(serverUrl(NAME), 'sftp://alice@files.example.com:22', 'the default port is written');
  assert.equal(serverUrl(UPPER), 'sftp://Alice@files.example.com:2222', 'the host in lower case, the user as written');
  assert.equal(serverUrl(V6), 'ftpes://bob%40corp@[::1]:21');
  assert.equal(serverUrl(ZONE), 'sftp://u@[fe80::1%25eth0]:22');
  assert.equal(serverUrl({ protocol: 'sftp', host: 'h', port: 22 }), 'sftp://h:22', 'no user: none written');
  for (const s of [NAME, UPPER, V6, ZONE, V4]) {
    const back = parseUrl(serverUrl(s));
    assert.deepEqual({ protocol: back.protocol, host: back.host, port: back.port, username: back.username }, { ...s, host: s.host.toLowerCase() });
  }
  assert.equal(urlHost('FE80::1%eth0'), '[fe80::1%25eth0]');
  assert.equal(formatUrl(ZONE), 'sftp://u@[fe80::1%25eth0]', 'formatUrl writes the host the same way (and leaves out the default port)');
  assert.equal(formatUrl({ ...UPPER, path: '/www' }), 'sftp://Alice@files.example.com:2222/www');
});

test('serverOrigin never holds the user; serverLabel is user@host:port', () => {
  assert.equal(serverOrigin(NAME), 'sftp://files.example.com:22');
  assert.equal(serverOrigin(UPPER), 'sftp://files.example.com:2222');
  assert.equal(serverOrigin(V6), 'ftpes://[::1]:21');
  assert.equal(serverOrigin(ZONE), 'sftp://[fe80::1%25eth0]:22');
  assert.equal(serverOrigin({ protocol: 'ftp', host: 'h', port: DEFAULT_PORTS.ftpes }), 'ftp://h:21', 'the audit-only ftp target');
  assert.equal(serverLabel(UPPER), 'Alice@files.example.com:2222');
  assert.equal(serverLabel(V6), 'bob@corp@[::1]:21');
});

test('sameOrigin: the texts older versions logged (host as written, zone with a bare %) still match', () => {
  assert.ok(sameOrigin('sftp://Files.Example.COM:2222', serverOrigin(UPPER)));
  assert.ok(sameOrigin('sftp://[FE80::1%eth0]:22', serverOrigin(ZONE)));
  assert.ok(!sameOrigin('sftp://files.example.com:22', serverOrigin(UPPER)), 'another port is another server');
  assert.ok(!sameOrigin('ftps://files.example.com:2222', serverOrigin(UPPER)), 'another protocol is another server');
  assert.equal(normalizeOrigin(serverOrigin(ZONE)), serverOrigin(ZONE), 'what serverOrigin writes is already normal');
});

// ---------------------------------------------------------------- persisted texts (never change these)

test('pinned: the OS keychain account names (secretKey) keep their exact text', () => {
  assert.equal(secretKey(NAME, 'password'), 'password:sftp://alice@files.example.com:22');
  assert.equal(secretKey(UPPER, 'totp'), 'totp:sftp://Alice@files.example.com:2222');
  assert.equal(secretKey(V6, 'passphrase'), 'passphrase:ftpes://bob%40corp@[::1]:21');
  assert.equal(secretKey(ZONE, 'password'), 'password:sftp://u@[fe80::1%eth0]:22', 'a zone keeps its bare %');
  assert.deepEqual(parseSecretKey('password:sftp://u@[fe80::1%eth0]:22'), { kind: 'password', server: { protocol: 'sftp', host: 'fe80::1%eth0', port: 22, username: 'u' } });
});

test('pinned: RemoteFileSystem.identity (hashed into partial names) keeps its exact text', () => {
  assert.equal(sessionIdentity(NAME, 'SHA256:abc'), 'sftp://alice@files.example.com:22 SHA256:abc');
  assert.equal(sessionIdentity(UPPER, 'SHA256:abc'), 'sftp://Alice@Files.Example.COM:2222 SHA256:abc', 'the host as given');
  assert.equal(sessionIdentity(V6, 'SHA256:abc'), 'ftpes://bob@corp@::1:21 SHA256:abc', 'no brackets, the user not encoded');
  assert.equal(sessionIdentity(ZONE, 'SHA256:abc'), 'sftp://u@FE80::1%eth0:22 SHA256:abc');
});

test('pinned: remote-versions.json keys keep their exact text', async () => {
  assert.equal(remoteVersionKey(UPPER, '/www/a.txt'), 'sftp://Alice@Files.Example.COM:2222/www/a.txt');
  assert.equal(remoteVersionKey(V6, '/a'), 'ftpes://bob@corp@::1:21/a');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-addr-'));
  const store = FileRemoteState.inDir(dir, ZONE);
  await store.set('/x', { size: 1, mtime: 2 });
  await store.flush();
  const saved = JSON.parse(readFileSync(path.join(dir, 'remote-versions.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(saved), ['sftp://u@FE80::1%eth0:22/x']);
});

test('pinned: the audit monitor state key (storedOrigin) keeps its exact text', () => {
  assert.equal(storedOrigin(UPPER), 'sftp://Files.Example.COM:2222');
  assert.equal(storedOrigin(V6), 'ftpes://[::1]:21');
  assert.equal(storedOrigin(ZONE), 'sftp://[FE80::1%eth0]:22');
  assert.equal(storedOrigin({ protocol: 'sftp', host: '127.0.0.1', port: 2222 }), 'sftp://127.0.0.1:2222');
});

// ---------------------------------------------------------------- agreement

const NO_CREDENTIALS: CredentialProvider = { password: async () => undefined, passphrase: async () => undefined, keyboardInteractive: async () => [] };

function cliContext(stateDir: string): CliContext {
  return { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env: { SECURE_TRANSFER_STATE_DIR: stateDir }, cwd: stateDir, interactive: false, verbose: false };
}

test('agreement: the activity entries of connect(), the CLI and the audit are all found by the filter for serverOrigin(profile)', async () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'st-addr-state-'));
  const ctx = cliContext(stateDir);
  const log = activityLog(ctx);
  // A profile written with capitals, and the same server as the CLI's URL parser gives it (lower case).
  const profile: Profile = { name: 'p', ...UPPER, identityFile: path.join(stateDir, 'missing-key') };
  const fromUrl = parseUrl('sftp://Alice@FILES.example.com:2222/');
  const urlProfile: Profile = { name: 'u', protocol: fromUrl.protocol, host: fromUrl.host, port: fromUrl.port, username: fromUrl.username! };

  // connect() logs its failure (the key file is missing: refused before any packet).
  await assert.rejects(connect(profile, { credentials: NO_CREDENTIALS, trustStore: TrustStore.inDir(stateDir), decide: async () => 'reject', activity: log }));
  // The CLI logs a transfer.
  await recorded(ctx, { profile: urlProfile, path: '' }, 'upload', '/www/a.txt', async () => 3, (n) => n);
  // The audit names the server in its report (and in its error) with the same text.
  const closed = await closedPort();
  await assert.rejects(auditServer({ protocol: 'sftp', host: 'LOCALHOST', port: closed, username: 'u' }, { timeoutMs: 2000 }), (err: Error) => err.message.includes(`Could not audit sftp://localhost:${closed}:`));
  // An entry an older version wrote with the host as the profile spelled it.
  await log.append({ server: 'sftp://Files.Example.COM:2222', action: 'download', result: 'ok' });

  const entries = await log.read({ server: serverOrigin(profile) });
  assert.deepEqual(entries.map((e) => e.action), ['connect', 'upload', 'download']);
  assert.deepEqual(await log.read({ server: serverOrigin(urlProfile) }), entries, 'both spellings of the host filter alike');
  assert.equal(entries[0].server, serverOrigin(profile));
  assert.equal(entries[1].server, serverOrigin(profile));
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
