/**
 * Certificate trust and refusals against real servers. Wherever a connection must be refused, a
 * recording TCP proxy sits in front of the server and proves that no USER or PASS left the client,
 * and the CredentialProvider proves it was never even asked.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEST_USER, makeCertificate, startTcpProxy, startVsftpd, stopAll, type RunningServer, type TcpProxy } from '../harness';
import { connectFtps, type FtpsTlsOptions } from '../../src/core/session/ftps';
import { staticCredentials, type CredentialProvider } from '../../src/core/session/credentials';
import { TrustStore } from '../../src/core/trust/trustStore';
import type { TrustDecider, TrustQuestion } from '../../src/core/trust/types';
import { SecureTransferError } from '../../src/core/errors';
import type { Protocol } from '../../src/core/profiles/types';

after(stopAll);

let workDir: string;
let explicitServer: RunningServer;
before(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'ftps-trust-'));
  explicitServer = await startVsftpd({ mode: 'explicit' });
});

let storeCount = 0;
const freshStore = (): TrustStore => new TrustStore(path.join(workDir, `trust-${storeCount++}.json`));

/** Counts password requests: none may happen before the certificate is trusted. */
function countingCredentials(): CredentialProvider & { asked: number } {
  const base = staticCredentials(TEST_USER.password);
  const provider = {
    ...base,
    asked: 0,
    async password() {
      provider.asked++;
      return TEST_USER.password;
    },
  };
  return provider;
}

function asking(answer: 'once' | 'remember' | 'reject'): TrustDecider & { questions: TrustQuestion[] } {
  const questions: TrustQuestion[] = [];
  return Object.assign(
    async (q: TrustQuestion) => {
      questions.push(q);
      return answer;
    },
    { questions },
  );
}

const neverAsk: TrustDecider = async () => assert.fail('nobody may be asked here');

interface Attempt {
  port: number;
  protocol?: Protocol;
  tls?: Partial<FtpsTlsOptions>;
  credentials?: CredentialProvider;
  timeoutMs?: number;
}

function connect(a: Attempt) {
  return connectFtps({
    server: { protocol: a.protocol ?? 'ftpes', host: '127.0.0.1', port: a.port, username: TEST_USER.name },
    credentials: a.credentials ?? staticCredentials(TEST_USER.password),
    tls: { trustStore: freshStore(), decide: neverAsk, ...a.tls },
    connectTimeoutMs: a.timeoutMs ?? 10_000,
  });
}

async function refused(p: Promise<unknown>, code: string): Promise<SecureTransferError> {
  const err = await p.then(
    () => assert.fail(`expected a refusal with code ${code}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SecureTransferError, `not a SecureTransferError: ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return err;
}

function assertNoCredentialsSent(proxy: TcpProxy): void {
  const sent = proxy.clientBytes().toString('latin1');
  assert.doesNotMatch(sent, /USER|PASS/, 'the client sent USER or PASS');
}

/** openssl's form of a fingerprint: colon-separated upper-case hex. */
function opensslHex(fingerprint: string): string {
  const hex = Buffer.from(fingerprint.slice('SHA256:'.length), 'base64').toString('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}

describe('self-signed certificate', () => {
  test('refused non-interactively before USER: certificate-untrusted, with the fingerprint to pin', async () => {
    const proxy = await startTcpProxy(explicitServer);
    const credentials = countingCredentials();
    const decide = asking('reject');
    const err = await refused(connect({ port: proxy.port, credentials, tls: { decide } }), 'certificate-untrusted');
    assert.equal(err.kind, 'security');
    assert.ok(err.message.includes(explicitServer.cert!.fingerprint), err.message);
    assert.equal(decide.questions.length, 1);
    assert.equal(decide.questions[0].fingerprint, explicitServer.cert!.fingerprint);
    assert.equal(credentials.asked, 0);
    assert.match(proxy.clientBytes().toString('latin1'), /AUTH TLS/);
    assertNoCredentialsSent(proxy);
    await proxy.stop();
  });

  test('accepted with a pin (openssl hex form too)', async () => {
    for (const pin of [explicitServer.cert!.fingerprint, opensslHex(explicitServer.cert!.fingerprint)]) {
      const fs = await connect({ port: explicitServer.port, tls: { pinned: [pin] } });
      assert.equal(fs.connected, true);
      assert.ok(Array.isArray(await fs.list(TEST_USER.home)));
      await fs.close();
    }
  });

  test('accepted with caFile (added to the system CAs)', async () => {
    const fs = await connect({ port: explicitServer.port, tls: { caFile: explicitServer.cert!.certFile } });
    assert.ok(Array.isArray(await fs.list(TEST_USER.home)));
    await fs.close();
  });

  test('accepted after "remember", then trusted from the trust store without a question', async () => {
    const server = await startVsftpd({ mode: 'implicit' });
    const trustStore = freshStore();
    const decide = asking('remember');
    const first = await connect({ port: server.port, protocol: 'ftps', tls: { trustStore, decide } });
    await first.close();
    assert.equal(decide.questions.length, 1);
    const records = await trustStore.find('certificate', '127.0.0.1', server.port);
    assert.deepEqual(records.map((r) => r.fingerprint), [server.cert!.fingerprint]);

    const again = await connect({ port: server.port, protocol: 'ftps', tls: { trustStore, decide: neverAsk } });
    assert.ok(Array.isArray(await again.list(TEST_USER.home)));
    await again.close();
    await server.stop();
  });

  test('a pinned but different certificate is refused as changed, never asked about', async () => {
    const other = await makeCertificate({ cn: 'other.example' });
    const proxy = await startTcpProxy(explicitServer);
    const credentials = countingCredentials();
    const err = await refused(connect({ port: proxy.port, credentials, tls: { pinned: [other.fingerprint] } }), 'certificate-changed');
    assert.ok(err.message.includes(other.fingerprint) && err.message.includes(explicitServer.cert!.fingerprint), err.message);
    assert.equal(credentials.asked, 0);
    assertNoCredentialsSent(proxy);
    await proxy.stop();
  });
});

describe('broken certificates', () => {
  test('a hostname mismatch is refused even from a trusted CA, but a pin (the identity) accepts it', async () => {
    const cert = await makeCertificate({ cn: 'wrong.example', sans: ['DNS:wrong.example'] });
    const server = await startVsftpd({ mode: 'explicit', cert });
    const proxy = await startTcpProxy(server);
    const credentials = countingCredentials();
    const err = await refused(
      connect({ port: proxy.port, credentials, tls: { caFile: cert.certFile, decide: asking('reject') } }),
      'certificate-hostname-mismatch',
    );
    assert.ok(err.message.includes(cert.fingerprint));
    await refused(connect({ port: proxy.port, credentials, tls: { decide: asking('reject') } }), 'certificate-hostname-mismatch');
    assert.equal(credentials.asked, 0);
    assertNoCredentialsSent(proxy);

    const pinned = await connect({ port: server.port, tls: { pinned: [cert.fingerprint] } });
    await pinned.close();
    await proxy.stop();
    await server.stop();
  });

  test('an expired certificate is refused even when pinned, without asking', async () => {
    const cert = await makeCertificate({ expired: true });
    const server = await startVsftpd({ mode: 'explicit', cert });
    const proxy = await startTcpProxy(server);
    const credentials = countingCredentials();
    const err = await refused(connect({ port: proxy.port, credentials, tls: { pinned: [cert.fingerprint] } }), 'certificate-expired');
    assert.match(err.message, /expired/);
    await refused(connect({ port: proxy.port, credentials, tls: { caFile: cert.certFile } }), 'certificate-expired');
    assert.equal(credentials.asked, 0);
    assertNoCredentialsSent(proxy);
    await proxy.stop();
    await server.stop();
  });
});

describe('no TLS, no login', () => {
  test('a plaintext-only server is refused and never receives USER or PASS', async () => {
    const plain = await startVsftpd({ mode: 'plaintext' });
    const proxy = await startTcpProxy(plain);
    const credentials = countingCredentials();
    const err = await refused(connect({ port: proxy.port, credentials }), 'ftps-not-offered');
    assert.equal(err.kind, 'security');
    assert.match(proxy.clientBytes().toString('latin1'), /^AUTH TLS\r\n/);
    assertNoCredentialsSent(proxy);
    assert.equal(credentials.asked, 0);
    await proxy.stop();
    await plain.stop();
  });

  test('implicit TLS against a port that speaks plain FTP first: handshake fails, nothing sent', async () => {
    const proxy = await startTcpProxy(explicitServer);
    const credentials = countingCredentials();
    await refused(connect({ port: proxy.port, protocol: 'ftps', credentials, tls: { pinned: [explicitServer.cert!.fingerprint] } }), 'tls-handshake-failed');
    assertNoCredentialsSent(proxy);
    assert.equal(credentials.asked, 0);
    await proxy.stop();
  });

  test('explicit FTPS against an implicit-TLS port: no banner, gives up, nothing sent', async () => {
    const implicit = await startVsftpd({ mode: 'implicit' });
    const proxy = await startTcpProxy(implicit);
    const credentials = countingCredentials();
    const err = await connect({ port: proxy.port, credentials, timeoutMs: 1500, tls: { pinned: [implicit.cert!.fingerprint] } }).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SecureTransferError);
    assert.equal(proxy.clientBytes().length, 0, 'not a single byte was sent');
    assert.equal(credentials.asked, 0);
    await proxy.stop();
    await implicit.stop();
  });
});

describe('TLS version floor', () => {
  test('a profile may require TLS 1.3, and the session still works', async () => {
    const fs = await connect({ port: explicitServer.port, tls: { pinned: [explicitServer.cert!.fingerprint], minVersion: 'TLSv1.3' } });
    assert.ok(Array.isArray(await fs.list(TEST_USER.home)));
    await fs.close();
  });
});
