import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULES } from '../../src/core/audit/rules/ruleTable';
import { DETECTORS } from '../../src/core/audit/rules/detectors';
import { LOGIN_DETECTORS } from '../../src/core/audit/rules/loginDetectors';
import { BASELINES } from '../../src/core/audit/rules/baselines';
import { SSH_ALGORITHMS } from '../../src/core/audit/rules/sshAlgorithms';
import { atLeast, evaluate, worstSeverity } from '../../src/core/audit/rules/evaluate';
import { compareVersions, detectProduct } from '../../src/core/audit/rules/versionRules';
import { SEVERITIES, type AuditFacts, type AuditTarget, type CertificateFact, type FtpFacts, type KnownIdentity, type SshFacts, type SshKexInit } from '../../src/core/audit/types';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const SFTP: AuditTarget = { protocol: 'sftp', host: 'example.org', port: 22 };
const FTPES: AuditTarget = { protocol: 'ftpes', host: 'example.org', port: 21 };

function kexinit(over: Partial<SshKexInit> = {}): SshKexInit {
  const both = (l: string[]) => ({ clientToServer: l, serverToClient: l });
  return {
    cookie: '00',
    kex: ['curve25519-sha256', 'sntrup761x25519-sha512@openssh.com', 'kex-strict-s-v00@openssh.com'],
    serverHostKey: ['ssh-ed25519'],
    ciphers: both(['aes256-gcm@openssh.com']),
    macs: both(['hmac-sha2-256-etm@openssh.com']),
    compression: both(['none']),
    languages: both([]),
    firstKexPacketFollows: false,
    ...over,
  };
}

function ssh(over: Partial<SshFacts> = {}, k: Partial<SshKexInit> = {}): AuditFacts {
  const ki = kexinit(k);
  return {
    ssh: {
      banner: 'SSH-2.0-Example_1.0',
      preBannerLines: [],
      protocolVersion: '2.0',
      software: 'Example_1.0',
      supportsSsh1: false,
      kexinit: ki,
      strictKex: ki.kex.includes('kex-strict-s-v00@openssh.com'),
      hostKeys: [{ algorithm: 'ssh-ed25519', keyType: 'ssh-ed25519', bits: 256, fingerprint: 'SHA256:good' }],
      uninspectedHostKeyAlgorithms: [],
      authMethods: ['publickey'],
      notes: [],
      ...over,
    },
  };
}

function cert(over: Partial<CertificateFact> = {}): CertificateFact {
  return {
    subject: 'CN=example.org',
    issuer: 'CN=Example CA',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2027-01-01T00:00:00.000Z',
    daysLeft: 214,
    selfSigned: false,
    hostnameMatches: true,
    keyType: 'RSA',
    keyBits: 2048,
    signatureAlgorithm: 'sha256WithRSAEncryption',
    fingerprint: 'SHA256:cert',
    ...over,
  };
}

function ftp(over: Partial<FtpFacts> = {}, c: Partial<CertificateFact> = {}): AuditFacts {
  return {
    ftp: {
      banner: ['220 Welcome'],
      feat: ['AUTH TLS', 'PBSZ', 'PROT'],
      authTls: true,
      authTlsReply: 234,
      cleartextUserReply: 530,
      protCReply: 530,
      cccOffered: false,
      tls: { versions: { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true }, weakSuites: {}, cbcOnly: false, forwardSecrecy: true, certificate: cert(c), notes: [] },
      notes: [],
      ...over,
    },
  };
}

const ids = (facts: AuditFacts, target = SFTP, known: KnownIdentity[] = []) => evaluate({ target, facts, known, now: NOW }).map((f) => f.id);

test('every rule has every field, filled in', () => {
  const seen = new Set<string>();
  for (const r of RULES) {
    assert.match(r.id, /^[a-z0-9]+(-[a-z0-9]+)+$/, `${r.id}: id`);
    assert.ok(!seen.has(r.id), `${r.id} is listed twice`);
    seen.add(r.id);
    assert.ok(SEVERITIES.includes(r.severity), `${r.id}: severity`);
    for (const field of ['title', 'why', 'remediation'] as const) assert.ok(r[field].trim().length > 10, `${r.id}: ${field}`);
    assert.ok(r.references.length > 0, `${r.id}: references`);
    for (const u of r.references) assert.match(u, /^https:\/\/\S+$/, `${r.id}: reference ${u}`);
  }
});

test('every rule has a detector and every detector a rule (probe rules in DETECTORS, login rules in LOGIN_DETECTORS)', () => {
  assert.deepEqual(Object.keys(DETECTORS).sort(), RULES.filter((r) => r.stage !== 'login').map((r) => r.id).sort());
  assert.deepEqual(Object.keys(LOGIN_DETECTORS).sort(), RULES.filter((r) => r.stage === 'login').map((r) => r.id).sort());
});

test('every rule names a baseline that exists', () => {
  for (const r of RULES) assert.ok(BASELINES[r.baseline], `${r.id}: baseline ${r.baseline}`);
});

test('every algorithm verdict has a severity and a reason', () => {
  for (const [category, table] of Object.entries(SSH_ALGORITHMS)) {
    for (const [name, v] of Object.entries(table)) {
      assert.ok(v.severity === 'ok' || SEVERITIES.includes(v.severity), `${category} ${name}`);
      assert.ok(v.reason.length > 2, `${category} ${name}`);
    }
  }
});

test('severities follow the anchors for the classic weak algorithms', () => {
  const sev = (facts: AuditFacts, name: string) => evaluate({ target: SFTP, facts, known: [], now: NOW }).find((f) => f.evidence.includes(` ${name} `))?.severity;
  const f = ssh({}, {
    kex: ['diffie-hellman-group1-sha1', 'diffie-hellman-group14-sha1', 'kex-strict-s-v00@openssh.com'],
    serverHostKey: ['ssh-dss', 'ssh-rsa'],
    ciphers: { clientToServer: ['3des-cbc', 'aes128-cbc', 'arcfour'], serverToClient: ['aes128-ctr'] },
    macs: { clientToServer: ['hmac-md5', 'hmac-sha2-256'], serverToClient: ['hmac-sha1-96'] },
  });
  assert.equal(sev(f, 'diffie-hellman-group1-sha1'), 'high');
  assert.equal(sev(f, 'diffie-hellman-group14-sha1'), 'medium');
  assert.equal(sev(f, 'ssh-dss'), 'high');
  assert.equal(sev(f, 'ssh-rsa'), 'medium');
  assert.equal(sev(f, '3des-cbc'), 'high');
  assert.equal(sev(f, 'arcfour'), 'high');
  assert.equal(sev(f, 'aes128-cbc'), 'medium');
  assert.equal(sev(f, 'hmac-md5'), 'medium');
  assert.equal(sev(f, 'hmac-sha1-96'), 'medium', 'the server-to-client list counts too');
  assert.equal(sev(f, 'hmac-sha2-256'), 'low');
});

test('a sound server gets no finding at all', () => {
  assert.deepEqual(ids(ssh()), []);
  assert.deepEqual(ids(ftp(), FTPES), []);
});

test('unknown algorithms are info, not silence', () => {
  const found = evaluate({ target: SFTP, facts: ssh({}, { kex: ['curve25519-sha256', 'sntrup761x25519-sha512@openssh.com', 'kex-strict-s-v00@openssh.com', 'made-up-kex@example'] }), known: [], now: NOW });
  assert.deepEqual(found.map((f) => [f.id, f.severity]), [['ssh-unknown-algorithm', 'info']]);
});

test('Terrapin: no strict-kex marker and chacha20, or CBC with an EtM MAC', () => {
  const noStrict = ['curve25519-sha256', 'sntrup761x25519-sha512@openssh.com'];
  const both = (l: string[]) => ({ clientToServer: l, serverToClient: l });
  assert.ok(ids(ssh({}, { kex: noStrict, ciphers: both(['chacha20-poly1305@openssh.com']) })).includes('ssh-terrapin'));
  assert.ok(ids(ssh({}, { kex: noStrict, ciphers: both(['aes128-cbc']), macs: both(['hmac-sha2-256-etm@openssh.com']) })).includes('ssh-terrapin'));
  assert.ok(!ids(ssh({}, { kex: noStrict, ciphers: both(['aes128-cbc']), macs: both(['hmac-sha2-256']) })).includes('ssh-terrapin'), 'CBC without EtM is not Terrapin');
  assert.ok(!ids(ssh({}, { kex: noStrict, ciphers: both(['aes128-gcm@openssh.com']), macs: both(['hmac-sha2-256-etm@openssh.com']) })).includes('ssh-terrapin'), 'GCM with EtM is not Terrapin');
  assert.ok(!ids(ssh({}, { ciphers: both(['chacha20-poly1305@openssh.com']) })).includes('ssh-terrapin'), 'the strict-kex marker fixes it');
});

test('host keys: DSA and RSA sizes', () => {
  const keys = (type: string, bits: number) => ssh({ hostKeys: [{ algorithm: type, keyType: type, bits, fingerprint: 'SHA256:x' }] });
  assert.deepEqual(ids(keys('ssh-rsa', 1024)), ['ssh-rsa-host-key-small']);
  assert.deepEqual(ids(keys('ssh-rsa', 2048)), ['ssh-rsa-host-key-below-3072']);
  assert.deepEqual(ids(keys('ssh-rsa', 3072)), []);
  assert.deepEqual(ids(keys('ssh-dss', 1024)), ['ssh-dsa-host-key']);
});

test('SSH-1, none auth, password auth and missing post-quantum kex', () => {
  assert.deepEqual(ids({ ssh: { ...ssh().ssh!, banner: 'SSH-1.99-Old', supportsSsh1: true } }), ['ssh-protocol-1']);
  assert.deepEqual(ids(ssh({ authMethods: ['none'] })), ['ssh-no-authentication']);
  assert.deepEqual(ids(ssh({ authMethods: ['publickey', 'password'] })), ['ssh-password-auth']);
  assert.deepEqual(ids(ssh({}, { kex: ['curve25519-sha256', 'kex-strict-s-v00@openssh.com'] })), ['ssh-no-post-quantum-kex']);
});

test('a host key that matches no pin is critical; a matching one is quiet', () => {
  const pin = (fingerprint: string, keyType?: string): KnownIdentity => ({ fingerprint, keyType, source: 'the pinned fingerprint' });
  assert.deepEqual(ids(ssh(), SFTP, [pin('SHA256:good')]), []);
  const changed = evaluate({ target: SFTP, facts: ssh(), known: [pin('SHA256:other')], now: NOW });
  assert.deepEqual(changed.map((f) => [f.id, f.severity]), [['ssh-host-key-changed', 'critical']]);
  // A typed record for a key type the server still serves must match that very key.
  assert.deepEqual(ids(ssh(), SFTP, [pin('SHA256:good'), pin('SHA256:old-ed25519', 'ssh-ed25519')]), ['ssh-host-key-changed']);
  assert.deepEqual(ids(ssh(), SFTP, [pin('SHA256:good'), pin('SHA256:some-rsa', 'ssh-rsa')]), [], 'a pin for a key the server no longer shows is not a change');
});

test('FTP rules fire on their evidence only', () => {
  assert.deepEqual(ids(ftp({ authTls: false, authTlsReply: 500, tls: undefined, cleartextUserReply: 331 }), FTPES), ['ftp-no-auth-tls', 'ftp-cleartext-login']);
  assert.deepEqual(ids(ftp({ anonymousLoginReply: 230 }), FTPES), ['ftp-anonymous-login']);
  assert.deepEqual(ids(ftp({ anonymousLoginReply: 530 }), FTPES), []);
  assert.deepEqual(ids(ftp({ protCReply: 200 }), FTPES), [], 'a 200 before login decides nothing: vsftpd refuses the transfer later');
  assert.deepEqual(ids(ftp({ protCTransfer: { protReply: 200, listReply: 226, listed: true } }), FTPES), ['ftp-prot-c-accepted']);
  assert.deepEqual(ids(ftp({ protCTransfer: { protReply: 200, listReply: 522, listed: false } }), FTPES), [], 'refused at transfer time');
  assert.deepEqual(ids(ftp({ protCTransfer: { protReply: 536, listed: false } }), FTPES), []);
  assert.deepEqual(ids(ftp({ cccOffered: true }), FTPES), ['ftp-ccc-offered']);
  assert.deepEqual(ids(ftp({ plaintextPort: { port: 21, banner: '220 hi', userReply: 331 } }), FTPES), ['ftp-plaintext-port-open']);
  assert.deepEqual(ids(ftp({ plaintextPort: { port: 21, banner: '220 hi', userReply: 530 } }), FTPES), []);
  assert.deepEqual(ids(ftp(), { ...FTPES, protocol: 'ftps', port: 990 }), ['ftp-implicit-tls']);
});

test('versions: exact backdoors are critical, other matches low and hedged', () => {
  const banner = (text: string) => {
    const f = ftp({ banner: [text] });
    f.ftp!.product = detectProduct(text);
    return evaluate({ target: FTPES, facts: f, known: [], now: NOW });
  };
  const backdoor = banner('220 (vsFTPd 2.3.4)');
  assert.deepEqual(backdoor.find((f) => f.id === 'version-backdoored')?.severity, 'critical');
  assert.equal(banner('220 ProFTPD 1.3.3c Server').find((f) => f.id === 'version-backdoored')?.severity, 'critical');
  assert.equal(banner('220 ProFTPD 1.3.3b Server').find((f) => f.id === 'version-backdoored'), undefined);
  const old = banner('220 (vsFTPd 3.0.2)');
  const possibly = old.find((f) => f.id === 'version-possibly-affected');
  assert.equal(possibly?.severity, 'low');
  assert.match(possibly!.evidence, /possibly affected; distributions backport fixes/);
  assert.equal(banner('220 (vsFTPd 3.0.3)').find((f) => f.id.startsWith('version-')), undefined);
  assert.ok(banner('220 (vsFTPd 3.0.3)').some((f) => f.id === 'ftp-banner-version'));
  for (const f of evaluate({ target: SFTP, facts: ssh({ banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' }), known: [], now: NOW })) {
    if (f.id === 'version-possibly-affected') assert.equal(f.severity, 'low');
  }
});

test('version comparison handles letter suffixes and OpenSSH patch levels', () => {
  assert.ok(compareVersions('1.3.3c', '1.3.3') > 0);
  assert.ok(compareVersions('1.3.3c', '1.3.4') < 0);
  assert.ok(compareVersions('1.3.3b', '1.3.3c') < 0);
  assert.equal(compareVersions('9.2p1', '9.2'), 0);
  assert.ok(compareVersions('9.10', '9.9') > 0);
});

test('TLS rules: legacy versions, weak suites, CBC-only, forward secrecy', () => {
  const tls = (over: Partial<NonNullable<FtpFacts['tls']>>) => {
    const f = ftp();
    f.ftp!.tls = { ...f.ftp!.tls!, ...over };
    return ids(f, FTPES);
  };
  assert.deepEqual(tls({ versions: { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': true } }).filter((i) => i === 'tls-legacy-version').length, 2);
  assert.deepEqual(tls({ weakSuites: { NULL: 'NULL-SHA', anonymous: 'ADH-AES128-SHA' } }), ['tls-weak-suite', 'tls-weak-suite']);
  assert.deepEqual(tls({ weakSuites: { 'static-RSA': 'AES128-SHA' } }), ['tls-static-rsa-suites']);
  assert.deepEqual(tls({ cbcOnly: true }), ['tls-cbc-only']);
  assert.deepEqual(tls({ forwardSecrecy: false }), ['tls-no-forward-secrecy']);
});

test('certificate rules', () => {
  const certIds = (c: Partial<CertificateFact>, known: KnownIdentity[] = []) => ids(ftp({}, c), FTPES, known);
  assert.deepEqual(certIds({ daysLeft: -3, validTo: '2026-05-29T00:00:00.000Z' }), ['tls-cert-expired']);
  assert.deepEqual(certIds({ validFrom: '2026-07-01T00:00:00.000Z' }), ['tls-cert-expired'], 'not yet valid');
  assert.deepEqual(certIds({ daysLeft: 12 }), ['tls-cert-expiring']);
  assert.deepEqual(certIds({ hostnameMatches: false }), ['tls-cert-hostname-mismatch']);
  assert.deepEqual(certIds({ selfSigned: true, chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), ['tls-cert-untrusted']);
  assert.deepEqual(certIds({ keyBits: 1024 }), ['tls-cert-weak-key']);
  assert.deepEqual(certIds({ keyType: 'EC prime256v1', keyBits: 256 }), []);
  assert.deepEqual(certIds({ signatureAlgorithm: 'sha1WithRSAEncryption' }), ['tls-cert-sha1-signature']);
  assert.deepEqual(certIds({}, [{ fingerprint: 'SHA256:cert', source: 'pin' }]), []);
  assert.deepEqual(certIds({}, [{ fingerprint: 'SHA256:other', source: 'pin' }]), ['tls-cert-changed']);
});

test('findings come worst first; worstSeverity and atLeast agree with that order', () => {
  const found = evaluate({ target: FTPES, facts: ftp({ cccOffered: true, authTls: false, tls: undefined }, {}), known: [], now: NOW });
  assert.deepEqual(found.map((f) => f.severity), ['critical', 'medium']);
  assert.equal(worstSeverity(found), 'critical');
  assert.equal(worstSeverity([]), undefined);
  assert.ok(atLeast('critical', 'high'));
  assert.ok(atLeast('high', 'high'));
  assert.ok(!atLeast('medium', 'high'));
  assert.ok(atLeast('info', 'info'));
});

test('the captured ProFTPD KEXINIT: strict kex saves it from Terrapin; without the marker CBC+EtM would not', async () => {
  const { readFileSync } = await import('node:fs');
  const { parseKexInit, readBinaryPacket } = await import('../../src/core/audit/probes/kexinit');
  const bytes = readFileSync(`${__dirname}/../../../test/fixtures/audit/proftpd-1.3.8-mod_sftp.kexinit.bin`);
  const k = parseKexInit(readBinaryPacket(bytes.subarray(bytes.indexOf(0x0a) + 1))!.payload);
  const strict = evaluate({ target: SFTP, facts: ssh({}, k), known: [], now: NOW });
  assert.ok(!strict.some((f) => f.id === 'ssh-terrapin'));
  const high = strict.filter((f) => f.severity === 'high').map((f) => f.evidence.split(' offered')[0]);
  assert.deepEqual(high.sort(), ['cipher 3des-cbc', 'cipher cast128-cbc', 'key exchange diffie-hellman-group-exchange-sha1', 'key exchange rsa1024-sha1']);
  const loose = { ...k, kex: k.kex.filter((n) => n !== 'kex-strict-s-v00@openssh.com') };
  const terrapin = evaluate({ target: SFTP, facts: ssh({}, loose), known: [], now: NOW }).find((f) => f.id === 'ssh-terrapin');
  assert.match(terrapin?.evidence ?? '', /CBC cipher aes256-cbc with EtM MAC hmac-sha2-256-etm@openssh\.com/);
});
