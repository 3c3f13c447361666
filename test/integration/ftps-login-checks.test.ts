/**
 * ftpsLoginChecks on a session opened the way the product opens it (connectFtps: verified TLS,
 * login, PBSZ 0 / PROT P, TYPE I), against the real servers: what each one does about data
 * connections without TLS session reuse, PROT C after login, SITE HELP and CCC — and that the session
 * still moves a file correctly afterwards (or, for vsftpd's require_ssl_reuse, that the server ended it).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from 'basic-ftp';
import { TEST_USER, scratchDir, startProftpd, startPureFtpd, startHttpProxy, startVsftpd, stopAll, type RunningServer } from '../harness';
import { connectFtps, type FtpsFileSystem } from '../../src/core/session/ftps';
import { ftpsLoginChecks } from '../../src/core/session/ftpsLoginChecks';
import { staticCredentials } from '../../src/core/session/credentials';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { LOGIN_DETECTORS } from '../../src/core/audit/rules/loginDetectors';
import { RULES } from '../../src/core/audit/rules/ruleTable';
import type { FtpLoginFacts } from '../../src/core/session/loginFacts';

after(stopAll);

let workDir: string;
before(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'ftps-login-checks-'));
});

async function open(server: RunningServer, proxy?: string): Promise<FtpsFileSystem> {
  assert.ok(server.protocol === 'ftpes' || server.protocol === 'ftps');
  return connectFtps({
    ...(proxy ? { proxy } : {}),
    server: { protocol: server.protocol, host: server.host, port: server.port, username: TEST_USER.name },
    credentials: staticCredentials(TEST_USER.password),
    tls: { pinned: [server.cert!.fingerprint], trustStore: new TrustStore(path.join(workDir, `trust-${server.port}.json`)), decide: refuseUnknown },
    connectTimeoutMs: 10_000,
  });
}

/** The session's basic-ftp Client, as the file system's loginFacts() hands it over (a private field). */
const clientOf = (fs: FtpsFileSystem): Client => (fs as unknown as { client: Client }).client;

/** The login-stage rules these facts trigger (auditLogin, written elsewhere, runs the same detectors). */
const auditLoginFindings = (ftp: FtpLoginFacts): string[] =>
  RULES.filter((r) => r.stage === 'login')
    .flatMap((r) => LOGIN_DETECTORS[r.id]({ facts: { ftp }, expectMfa: false }).map((hit) => `${r.id}:${hit.severity ?? r.severity}`))
    .sort();

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Uploads random bytes and reads them back: the session still transfers, over protected data connections. */
async function assertStillTransfers(fs: FtpsFileSystem): Promise<void> {
  assert.ok(fs.connected, 'the session is still open');
  const data = randomBytes(200_000);
  const remote = `${fs.homeDir.replace(/\/$/, '')}/login-checks-${randomBytes(4).toString('hex')}.bin`;
  try {
    await fs.writeFile(remote, data);
    assert.equal(sha256(await fs.readFile(remote)), sha256(data));
    assert.equal(await clientOf(fs).pwd(), fs.homeDir, 'the working folder is unchanged');
  } finally {
    await fs.delete(remote).catch(() => undefined);
  }
}

/** The PROT commands vsftpd logged for a session, in order (log_ftp_protocol=YES logs TLS commands too). */
const protCommands = (log: string) => [...log.matchAll(/FTP command: Client "[^"]+", "(PROT [A-Z])"/g)].map((m) => m[1]);

test('vsftpd explicit (require_ssl_reuse=YES, force_local_data_ssl=YES): no reuse-less data, PROT C refused at transfer; the server ends the session for the reuse check', async () => {
  const vsftpd = await startVsftpd({ mode: 'explicit' });
  // Without check 4 the session stays open and usable.
  const fs = await open(vsftpd);
  try {
    const gentle = await ftpsLoginChecks(clientOf(fs), { checkDataSessionReuse: false });
    assert.deepEqual(gentle.site, { reply: 214, commands: ['CHMOD', 'UMASK', 'HELP'] });
    assert.deepEqual(gentle.protCAccepted, { reply: 200, listed: false }, 'vsftpd says 200 to PROT C and 522 at transfer time');
    assert.equal(gentle.dataWithoutSessionReuse, undefined);
    assert.equal(gentle.cccOffered, undefined);
    assert.equal(gentle.notes, undefined);
    assert.deepEqual(protCommands(await vsftpd.readLog()).slice(-2), ['PROT C', 'PROT P'], 'PROT P restored');
    await assertStillTransfers(fs);
  } finally {
    await fs.close();
  }
  // With it, vsftpd refuses the data connection (522) and ends the session: its defence, reported.
  const fs2 = await open(vsftpd);
  const full = await ftpsLoginChecks(clientOf(fs2));
  assert.equal(full.dataWithoutSessionReuse, false);
  assert.match(full.notes?.join(' ') ?? '', /ended the session, as vsftpd does with require_ssl_reuse=YES/);
  assert.equal(fs2.connected, false);
  assert.deepEqual(auditLoginFindings(full), ['ftp-site-commands:info'], 'CHMOD UMASK HELP: routine');
  assert.doesNotMatch(await vsftpd.readLog(), /"CCC"/, 'CCC is never sent');
});

test('implicit vsftpd: the same checks over TLS from the first byte', async () => {
  const vsftpd = await startVsftpd({ mode: 'implicit' });
  const fs = await open(vsftpd);
  try {
    const facts = await ftpsLoginChecks(clientOf(fs), { checkDataSessionReuse: false });
    assert.deepEqual(facts.protCAccepted, { reply: 200, listed: false });
    await assertStillTransfers(fs);
  } finally {
    await fs.close();
  }
});

test('weak vsftpd (require_ssl_reuse=NO, force_local_data_ssl=NO): reuse-less data and PROT C both work; the session goes on', async () => {
  const vsftpd = await startVsftpd({ mode: 'weak' });
  const fs = await open(vsftpd);
  try {
    const facts = await ftpsLoginChecks(clientOf(fs));
    assert.equal(facts.dataWithoutSessionReuse, true);
    assert.deepEqual(facts.protCAccepted, { reply: 200, listed: true });
    assert.deepEqual(facts.site, { reply: 214, commands: ['CHMOD', 'UMASK', 'HELP'] });
    assert.equal(facts.notes, undefined);
    assert.deepEqual(protCommands(await vsftpd.readLog()).slice(-2), ['PROT C', 'PROT P'], 'PROT P restored');
    assert.deepEqual(auditLoginFindings(facts), ['ftp-data-no-session-reuse:medium', 'ftp-login-prot-c:high', 'ftp-site-commands:info']);
    await assertStillTransfers(fs);
  } finally {
    await fs.close();
  }
});

test('ProFTPD mod_tls (TLSRequired on): session reuse required (425, session kept), PROT C refused (534), CCC offered; SITE HELP', async () => {
  const proftpd = await startProftpd({ mode: 'ftps' });
  const fs = await open(proftpd);
  try {
    const facts = await ftpsLoginChecks(clientOf(fs));
    assert.equal(facts.dataWithoutSessionReuse, false);
    assert.deepEqual(facts.protCAccepted, { reply: 534, listed: false });
    assert.deepEqual(facts.site, { reply: 214, commands: ['HELP', 'CHGRP', 'CHMOD'] });
    assert.deepEqual(facts.cccOffered, { evidence: 'FEAT after login lists CCC' });
    assert.equal(facts.notes, undefined);
    assert.match(await proftpd.readLog(), /client did not reuse TLS session, rejecting data connection/, 'ProFTPD saw the fresh session and refused it');
    assert.deepEqual(auditLoginFindings(facts), ['ftp-login-ccc:medium', 'ftp-site-commands:low'], 'SITE CHGRP is low');
    // CCC was not sent: the control connection is still TLS and the session still transfers.
    await assertStillTransfers(fs);
  } finally {
    await fs.close();
  }
});

test('weak ProFTPD (TLSRequired off): PROT C works after login (150, then 450 for the missing name); reuse still required', async () => {
  const proftpd = await startProftpd({ mode: 'weak' });
  const fs = await open(proftpd);
  try {
    const facts = await ftpsLoginChecks(clientOf(fs));
    assert.deepEqual(facts.protCAccepted, { reply: 200, listed: true });
    assert.equal(facts.dataWithoutSessionReuse, false);
    await assertStillTransfers(fs);
  } finally {
    await fs.close();
  }
});

test('pure-ftpd (-Y 2): data connections work without session reuse, PROT C accepted; SITE HELP names its own commands', async () => {
  const pure = await startPureFtpd();
  const fs = await open(pure);
  try {
    const facts = await ftpsLoginChecks(clientOf(fs));
    assert.equal(facts.dataWithoutSessionReuse, true);
    assert.deepEqual(facts.protCAccepted, { reply: 200, listed: true });
    assert.deepEqual(facts.site, { reply: 214, commands: ['ALIAS', 'CHMOD', 'IDLE', 'UTIME'] });
    assert.equal(facts.cccOffered, undefined);
    await assertStillTransfers(fs);
  } finally {
    await fs.close();
  }
});

test('an aborted signal stops before the first check and leaves the session alone', async () => {
  const vsftpd = await startVsftpd({ mode: 'weak' });
  const fs = await open(vsftpd);
  try {
    const before = (await vsftpd.readLog()).length;
    await assert.rejects(ftpsLoginChecks(clientOf(fs), { signal: AbortSignal.abort() }), { name: 'CancelledError' });
    assert.doesNotMatch((await vsftpd.readLog()).slice(before), /SITE HELP|PROT C/);
    await assertStillTransfers(fs);
  } finally {
    await fs.close();
  }
});

test('through an HTTP CONNECT proxy (tinyproxy; microsocks truncates uploads, see docs/proxies.md): data connections take the session route; a clear one is not opened there (a note)', async () => {
  const [vsftpd, httpProxy] = await Promise.all([startVsftpd({ mode: 'weak' }), startHttpProxy()]);
  const fs = await open(vsftpd, httpProxy.url);
  try {
    const facts = await ftpsLoginChecks(clientOf(fs));
    assert.equal(facts.dataWithoutSessionReuse, true, 'the reuse-less data connection went through the proxy');
    assert.equal(facts.protCAccepted, undefined);
    assert.match(facts.notes?.join(' ') ?? '', /PROT C could not be checked: a clear data connection is not opened through the proxy/);
    assert.deepEqual(protCommands(await vsftpd.readLog()).slice(-2), ['PROT C', 'PROT P'], 'PROT P restored');
    // Uploads through a proxy to vsftpd fail now and then on their own (426; docs/proxies.md): a download proves the session.
    const { remote } = await scratchDir('login-checks-proxy');
    const data = randomBytes(200_000);
    await writeFile(path.join(remote, 'f.bin'), data);
    assert.equal(sha256(await fs.readFile(`${remote}/f.bin`)), sha256(data));
  } finally {
    await fs.close();
  }
});
