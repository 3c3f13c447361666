import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import * as os from 'node:os';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import {
  CertificateVerifier,
  assessCertificate,
  derToPem,
  fingerprintOfPem,
  pemBlocks,
  readCaFile,
  describeKey,
  type CertificatePolicy,
} from '../../src/core/trust/certificates';
import { normalizeFingerprint } from '../../src/core/syntax/fingerprint';
import { TrustStore } from '../../src/core/trust/trustStore';
import type { TrustDecider, TrustQuestion } from '../../src/core/trust/types';
import { SecurityRefusal, UsageError } from '../../src/core/errors';

// Self-signed, CN=localhost, SAN DNS:localhost + IP:127.0.0.1, valid 2026-11-25 … 2036-11-22.
const PEM = `-----BEGIN CERTIFICATE-----
MIIDJTCCAg2gAwIBAgIUDNbDwAGfGRvKXPJgNSt/dkGWCBMwDQYJKoZIhvcNAQEL
BQAwFDESMBAGA1UEAwwJbG9jYWxob3N0MB4XDTI2MTEyNTAwMjMxMloXDTM2MTEy
MjAwMjMxMlowFDESMBAGA1UEAwwJbG9jYWxob3N0MIIBIjANBgkqhkiG9w0BAQEF
AAOCAQ8AMIIBCgKCAQEAlKl7TJZg6OXe2dywiCXLQm28iiGqOxcPph0lrTloTJxe
zOgluq9q0Z5sakbIjyvJJbw903wgpF+t4pdqai8dSnkwS7I95yJZZNBFty2yLxrR
AikgHVlNwlITUfG2Mie6Wjh8AM3DGyChYlmeKpeT/2fg1HhZXJLm2av7a5EEERM0
R8R4zFj6xgMUfrN1ocYf1rCWWeoLHsKJUGZTe1FL1RupXUJNIl38EcMRbVxpDwTG
u51cUToqlGT6yTOcJNYz2POpo0W4RVj2vL3HhmEPdAN1CVwEdf7AT53g6dHINSsg
xaE++PPDJn4gEz+/RWmMC9GmOvZcUbA1PswDhamnGQIDAQABo28wbTAdBgNVHQ4E
FgQUyic0ZKagasBUT1bPGnKU96teKjMwHwYDVR0jBBgwFoAUyic0ZKagasBUT1bP
GnKU96teKjMwDwYDVR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SH
BH8AAAEwDQYJKoZIhvcNAQELBQADggEBAD1FSVXwqY5xp+pmuh6jwaewA/uMvEnd
EQfak7JPZzTv+cYPfDcX/9uppRUuCcSoGF4SgYM3uRjzSZ6QATQRR8Gf/eRHK50q
DAxe93DfM9SN01aH98bIJERtAvkbCUIw5aSxt684TXuegpbU2quXMgA+7Fz3fV1U
6TNtruzqMqKAeYaJ/clgg/ppko5rnh83TcdV4mqDsKVb7lmlGOGtIDrNbDvJDmBV
s7JjBVpfJSm4LmTcPSnmdVe76ePPSACFAN2KlCPvo9cRvclrcZqG2+QSs0r1bRC1
Bb4NPfplglG4U94P1jSOkRavuqtC/c5LIE3ISyQpogAJyWi04mMYNdE=
-----END CERTIFICATE-----
`;
/** What `openssl x509 -noout -fingerprint -sha256` printed for PEM. */
const OPENSSL_HEX = '9E:12:C3:9D:C8:39:25:9F:3F:DC:D3:5E:60:CA:12:4B:A3:22:7C:11:28:A0:FC:30:67:3A:79:AD:39:CD:F4:6A';
const FP = normalizeFingerprint(OPENSSL_HEX);
const OTHER_FP = 'SHA256:' + 'A'.repeat(43);
const WITHIN_VALIDITY = new Date('2030-06-01T00:00:00Z');

const peer = (): tls.PeerCertificate => new X509Certificate(PEM).toLegacyObject() as tls.PeerCertificate;

function tempStore(): TrustStore {
  return new TrustStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'cert-test-')), 'trust.json'));
}

function recordingDecider(answer: 'once' | 'remember' | 'reject'): TrustDecider & { questions: TrustQuestion[] } {
  const questions: TrustQuestion[] = [];
  const decide = (async (q: TrustQuestion) => {
    questions.push(q);
    return answer;
  }) as TrustDecider & { questions: TrustQuestion[] };
  decide.questions = questions;
  return decide;
}

const neverAsk: TrustDecider = async () => {
  throw new Error('the user must not be asked');
};

// Each test uses its own port: vouched-for leaves are remembered per process.
let nextPort = 40000;
function policy(over: Partial<CertificatePolicy> = {}): CertificatePolicy {
  return {
    server: { protocol: 'ftpes', host: '127.0.0.1', port: nextPort++ },
    trustStore: tempStore(),
    decide: neverAsk,
    now: () => WITHIN_VALIDITY,
    ...over,
  };
}

async function refusal(p: Promise<unknown>): Promise<SecurityRefusal> {
  const err = await p.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SecurityRefusal, `expected SecurityRefusal, got ${String(err)}`);
  return err;
}

describe('certificate fingerprints', () => {
  test('the fingerprint of a PEM certificate equals openssl\'s SHA-256 fingerprint', () => {
    assert.equal(fingerprintOfPem(PEM), FP);
    assert.match(FP, /^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  test('DER → PEM round-trips to the same fingerprint', () => {
    const raw = new X509Certificate(PEM).raw;
    assert.equal(fingerprintOfPem(derToPem(raw)), FP);
  });

  test('pemBlocks finds every certificate and ignores keys', () => {
    const text = `${PEM}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${PEM}`;
    assert.equal(pemBlocks(text).length, 2);
  });

  test('describeKey names the algorithm and size', () => {
    assert.equal(describeKey(new X509Certificate(PEM).raw), 'RSA 2048');
  });
});

describe('assessCertificate', () => {
  test('a self-signed certificate for the right host is only untrusted', () => {
    assert.deepEqual(assessCertificate(peer(), '127.0.0.1', 'DEPTH_ZERO_SELF_SIGNED_CERT', WITHIN_VALIDITY), ['untrusted']);
  });
  test('a wrong host name is reported, alongside the chain problem', () => {
    assert.deepEqual(assessCertificate(peer(), 'ftp.example.org', 'DEPTH_ZERO_SELF_SIGNED_CERT', WITHIN_VALIDITY), ['hostname-mismatch', 'untrusted']);
  });
  test('expiry is read from the certificate itself, whatever code OpenSSL chose', () => {
    assert.deepEqual(assessCertificate(peer(), 'localhost', 'DEPTH_ZERO_SELF_SIGNED_CERT', new Date('2040-01-01')), ['expired', 'untrusted']);
    assert.deepEqual(assessCertificate(peer(), 'localhost', undefined, new Date('2020-01-01')), ['not-yet-valid']);
  });
  test('an unknown verification failure is invalid, never vouchable', () => {
    assert.deepEqual(assessCertificate(peer(), 'localhost', 'CERT_REVOKED', WITHIN_VALIDITY), ['invalid']);
  });
  test('a valid certificate for the host has no problem', () => {
    assert.deepEqual(assessCertificate(peer(), 'localhost', undefined, WITHIN_VALIDITY), []);
  });
});

describe('TLS options', () => {
  test('TLS 1.2 minimum, Node\'s own CA store, verification never switched off', async () => {
    const opts = (await CertificateVerifier.create(policy())).tlsOptions();
    assert.equal(opts.minVersion, 'TLSv1.2');
    assert.equal(opts.ca, undefined);
    assert.equal('rejectUnauthorized' in opts, false);
    assert.equal(opts.servername, undefined, 'no SNI for an IP address');
    assert.equal(typeof opts.checkServerIdentity, 'function');
  });

  test('a profile may raise the minimum to TLS 1.3 and name the server', async () => {
    const opts = (await CertificateVerifier.create(policy({ minVersion: 'TLSv1.3', servername: 'ftp.example.org' }))).tlsOptions();
    assert.equal(opts.minVersion, 'TLSv1.3');
    assert.equal(opts.servername, 'ftp.example.org');
  });

  test('caFile adds to the system CAs instead of replacing them', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cert-ca-'));
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, PEM);
    const ca = (await CertificateVerifier.create(policy({ caFile }))).tlsOptions().ca as string[];
    assert.equal(ca.length, tls.rootCertificates.length + 1);
    assert.ok(ca.includes(tls.rootCertificates[0]));
    assert.equal(fingerprintOfPem(ca[ca.length - 1]), FP);
  });

  test('an unreadable or empty caFile is a usage error naming the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cert-ca-'));
    await assert.rejects(readCaFile(path.join(dir, 'missing.pem')), (e: unknown) => e instanceof UsageError && e.message.includes('missing.pem'));
    writeFileSync(path.join(dir, 'empty.pem'), 'not a certificate');
    await assert.rejects(readCaFile(path.join(dir, 'empty.pem')), (e: unknown) => e instanceof UsageError && e.code === 'bad-ca-file');
  });

  test('a malformed pin is a usage error', async () => {
    await assert.rejects(CertificateVerifier.create(policy({ pinned: ['SHA256:nope'] })), UsageError);
  });

  test('with a pin, the identity check accepts exactly the pinned certificate, whatever its name', async () => {
    const pinned = (await CertificateVerifier.create(policy({ pinned: [OPENSSL_HEX], servername: 'not-the-name.example' }))).tlsOptions();
    assert.equal(pinned.checkServerIdentity!('not-the-name.example', peer()), undefined);
    const other = (await CertificateVerifier.create(policy({ pinned: [OTHER_FP] }))).tlsOptions();
    assert.ok(other.checkServerIdentity!('127.0.0.1', peer()) instanceof Error);
  });

  test('without a pin, the ordinary hostname check applies', async () => {
    const opts = (await CertificateVerifier.create(policy())).tlsOptions();
    assert.equal(opts.checkServerIdentity!('localhost', peer()), undefined);
    assert.ok(opts.checkServerIdentity!('ftp.example.org', peer()) instanceof Error);
  });
});

describe('vouching for a refused certificate', () => {
  test('a matching pin trusts exactly that leaf for the next handshake, without asking', async () => {
    const v = await CertificateVerifier.create(policy({ pinned: [FP] }));
    await v.vouchFor(peer(), 'DEPTH_ZERO_SELF_SIGNED_CERT');
    const opts = v.tlsOptions();
    assert.equal(fingerprintOfPem((opts.ca as string[]).at(-1)!), FP);
    assert.equal(opts.checkServerIdentity!('127.0.0.1', peer()), undefined);
    assert.equal(v.vouchedFingerprint, FP);
  });

  test('a pin that does not match is refused as changed, showing both fingerprints, never asking', async () => {
    const err = await refusal(CertificateVerifier.create(policy({ pinned: [OTHER_FP] })).then((v) => v.vouchFor(peer(), 'DEPTH_ZERO_SELF_SIGNED_CERT')));
    assert.equal(err.code, 'certificate-changed');
    assert.ok(err.message.includes(OTHER_FP) && err.message.includes(FP), err.message);
  });

  test('nobody vouches non-interactively: certificate-untrusted with fingerprint, subject, issuer, validity and how to pin', async () => {
    const decide = recordingDecider('reject');
    const err = await refusal(CertificateVerifier.create(policy({ decide })).then((v) => v.vouchFor(peer(), 'DEPTH_ZERO_SELF_SIGNED_CERT')));
    assert.equal(err.code, 'certificate-untrusted');
    for (const part of [FP, 'CN=localhost', '2036-11-22', '"fingerprints"']) assert.ok(err.message.includes(part), `${part} missing: ${err.message}`);
    assert.equal(decide.questions.length, 1);
    assert.equal(decide.questions[0].kind, 'certificate');
    assert.equal(decide.questions[0].fingerprint, FP);
    assert.equal(decide.questions[0].keyType, 'RSA 2048');
  });

  test('"remember" records the certificate; the next connection trusts it from the store without a question', async () => {
    const p = policy({ decide: recordingDecider('remember') });
    const v = await CertificateVerifier.create(p);
    await v.vouchFor(peer(), 'DEPTH_ZERO_SELF_SIGNED_CERT');
    const records = await p.trustStore.find('certificate', '127.0.0.1', p.server.port);
    assert.deepEqual(records.map((r) => [r.fingerprint, r.protocol]), [[FP, 'ftpes']]);

    const again = await CertificateVerifier.create({ ...p, decide: neverAsk });
    // Same process: the remembered leaf is trusted up front (one handshake).
    assert.equal(again.vouchedFingerprint, FP);
  });

  test('a certificate recorded in the trust store (by an earlier run) is trusted without a question', async () => {
    const p = policy();
    await p.trustStore.remember({ kind: 'certificate', protocol: 'ftpes', host: '127.0.0.1', port: p.server.port, fingerprint: FP, keyType: 'RSA 2048' });
    const v = await CertificateVerifier.create(p);
    assert.equal(v.vouchedFingerprint, undefined, 'this process has not seen the leaf yet');
    await v.vouchFor(peer(), 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(v.vouchedFingerprint, FP);
  });

  test('"once" trusts for this connection only and records nothing', async () => {
    const p = policy({ decide: recordingDecider('once') });
    await (await CertificateVerifier.create(p)).vouchFor(peer(), 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.deepEqual(await p.trustStore.all(), []);
  });

  test('a remembered certificate that changed is refused without asking', async () => {
    const p = policy();
    await p.trustStore.remember({ kind: 'certificate', protocol: 'ftpes', host: '127.0.0.1', port: p.server.port, fingerprint: OTHER_FP, keyType: 'RSA 2048' });
    const err = await refusal((await CertificateVerifier.create(p)).vouchFor(peer(), 'DEPTH_ZERO_SELF_SIGNED_CERT'));
    assert.equal(err.code, 'certificate-changed');
    assert.ok(err.message.includes(OTHER_FP) && err.message.includes(FP));
  });

  test('an expired certificate is refused even when pinned, and nobody is asked', async () => {
    const later = () => new Date('2040-01-01');
    const pinned = await refusal(CertificateVerifier.create(policy({ pinned: [FP], now: later })).then((v) => v.vouchFor(peer(), 'CERT_HAS_EXPIRED')));
    assert.equal(pinned.code, 'certificate-expired');
    const unpinned = await refusal(CertificateVerifier.create(policy({ now: later })).then((v) => v.vouchFor(peer(), 'CERT_HAS_EXPIRED')));
    assert.equal(unpinned.code, 'certificate-expired');
    assert.ok(unpinned.message.includes(FP));
  });

  test('a hostname mismatch is asked about and refused with its own code', async () => {
    const decide = recordingDecider('reject');
    const err = await refusal(
      CertificateVerifier.create(policy({ decide, servername: 'ftp.example.org' })).then((v) => v.vouchFor(peer(), 'ERR_TLS_CERT_ALTNAME_INVALID')),
    );
    assert.equal(err.code, 'certificate-hostname-mismatch');
    assert.match(decide.questions[0].reason, /does not name this host/);
  });

  test('a pinned certificate with another name is accepted: the pin is the identity', async () => {
    const v = await CertificateVerifier.create(policy({ pinned: [FP], servername: 'ftp.example.org' }));
    await v.vouchFor(peer(), 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(v.vouchedFingerprint, FP);
  });

  test('a leaf still refused after being trusted reports an incomplete chain instead of looping', async () => {
    const v = await CertificateVerifier.create(policy({ pinned: [FP] }));
    await v.vouchFor(peer(), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const err = await refusal(v.vouchFor(peer(), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'));
    assert.equal(err.code, 'certificate-chain-incomplete');
  });
});
