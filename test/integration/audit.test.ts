/**
 * The audit against REAL, deliberately weakened and hardened servers (test/harness), cross-checked
 * with the reference scanners: every algorithm ssh-audit fails is flagged at medium or above, and
 * every protocol or suite problem sslscan reports is flagged.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { startSshd, startVsftpd, startProftpd, makeCertificate, stopAll, type RunningServer } from '../harness';
import { auditServer } from '../../src/core/audit/auditServer';
import { atLeast } from '../../src/core/audit/rules/evaluate';
import type { AuditReport, AuditTarget, Finding } from '../../src/core/audit/types';
import { runCli } from '../../src/cli/main';

after(stopAll);

const run = promisify(execFile);

const targetOf = (s: RunningServer, protocol: AuditTarget['protocol'] = s.protocol): AuditTarget => ({ protocol, host: s.host, port: s.port });
const ids = (r: AuditReport) => new Set(r.findings.map((f) => f.id));
const highOrWorse = (r: AuditReport) => r.findings.filter((f) => atLeast(f.severity, 'high'));

// Timing is not asserted (house rule: behaviour, not timings); report.durationMs is ~0.2–0.8 s on an idle machine.
const audit = (target: AuditTarget, options: Parameters<typeof auditServer>[1] = {}) => auditServer(target, options);

/** `ssh-audit -n` text: algorithms with a [fail] on their line or its continuation lines. */
async function sshAuditFailures(port: number): Promise<Array<{ category: string; name: string }>> {
  const out = await run('ssh-audit', ['-n', '-p', String(port), '127.0.0.1']).then(
    (r) => r.stdout,
    (err: { stdout?: string }) => err.stdout ?? '', // exit 3 when it finds failures
  );
  const failed: Array<{ category: string; name: string }> = [];
  let current: { category: string; name: string } | undefined;
  for (const line of out.split('\n')) {
    const head = /^\((kex|key|enc|mac)\) (\S+)/.exec(line);
    if (head) current = { category: head[1], name: head[2] };
    else if (!/^\s+`-/.test(line)) current = undefined;
    if (current && line.includes('[fail]') && !failed.some((f) => f.name === current!.name && f.category === current!.category)) failed.push(current);
  }
  assert.ok(out.includes('(kex)'), 'ssh-audit produced a report');
  return failed;
}

function assertFlagsSshAuditFailures(report: AuditReport, failures: Array<{ category: string; name: string }>): void {
  for (const { category, name } of failures) {
    // ssh-audit fails rsa-sha2-* for the key's size: the RSA key finding names the key as ssh-rsa.
    const names = category === 'key' && name.startsWith('rsa-sha2-') ? [name, 'ssh-rsa'] : [name];
    const flagged = report.findings.find((f) => names.some((n) => f.evidence.includes(`${n} `)) && atLeast(f.severity, 'medium'));
    assert.ok(flagged, `ssh-audit fails (${category}) ${name}, and the audit flags it at medium or above`);
  }
}

/** `sslscan --starttls-ftp`: protocol versions enabled and weak suites accepted. */
async function sslscanProblems(port: number): Promise<{ protocols: string[]; suites: Array<{ family: string; suite: string }> }> {
  const { stdout } = await run('sslscan', ['--no-colour', '--starttls-ftp', `127.0.0.1:${port}`]);
  assert.match(stdout, /Supported Server Cipher/, 'sslscan produced a report');
  const protocols = [...stdout.matchAll(/^(SSLv2|SSLv3|TLSv1\.0|TLSv1\.1)\s+enabled/gm)].map((m) => m[1]);
  const FAMILIES: Array<[string, RegExp]> = [
    ['NULL', /(^|-)NULL(-|$)/],
    ['anonymous', /^(ADH|AECDH)-|-anon-/],
    ['export', /EXP/],
    ['RC4', /RC4/],
    ['3DES', /DES-CBC3|3DES/],
  ];
  const suites = [...stdout.matchAll(/^(?:Preferred|Accepted)\s+\S+\s+\d+ bits\s+(\S+)/gm)].flatMap((m) =>
    FAMILIES.filter(([, re]) => re.test(m[1])).map(([family]) => ({ family, suite: m[1] })),
  );
  return { protocols, suites };
}

function assertFlagsSslscanProblems(report: AuditReport, problems: Awaited<ReturnType<typeof sslscanProblems>>): void {
  const evidence = (id: string) => report.findings.filter((f) => f.id === id).map((f) => f.evidence);
  for (const p of problems.protocols) {
    assert.ok(!p.startsWith('SSL'), `sslscan found ${p} enabled, which this audit cannot probe with OpenSSL 3`);
    const name = p === 'TLSv1.0' ? 'TLSv1 ' : `${p} `;
    assert.ok(evidence('tls-legacy-version').some((e) => e.startsWith(name)), `sslscan: ${p} enabled; audit flags it`);
  }
  for (const s of problems.suites) {
    assert.ok(evidence('tls-weak-suite').some((e) => e.startsWith(`${s.family} suite`)), `sslscan: ${s.suite} accepted; audit flags ${s.family} suites`);
  }
}

function assertNoCredentialTried(log: string): void {
  assert.doesNotMatch(log, /Failed (password|publickey|keyboard-interactive)|Accepted (password|publickey)/, 'the audit never authenticated');
}

test('weak OpenSSH: legacy algorithms, RSA-1024 and DSA keys, password auth; agrees with ssh-audit', async () => {
  const sshd = await startSshd({ variant: 'weak', hostKeyTypes: ['rsa1024', 'dsa', 'ed25519'] });
  const report = await audit(targetOf(sshd));
  const found = ids(report);
  for (const id of ['ssh-weak-kex', 'ssh-weak-cipher', 'ssh-weak-mac', 'ssh-weak-host-key-algorithm', 'ssh-rsa-host-key-small', 'ssh-dsa-host-key', 'ssh-password-auth']) {
    assert.ok(found.has(id), id);
  }
  const sev = (needle: string) => report.findings.find((f) => f.evidence.includes(needle))?.severity;
  assert.equal(sev('diffie-hellman-group1-sha1 '), 'high');
  assert.equal(sev('3des-cbc '), 'high');
  assert.equal(sev('hmac-md5 '), 'medium');
  // Every host key the server has was inspected, with the fingerprints the harness generated.
  const facts = report.facts.ssh!;
  assert.deepEqual(facts.hostKeys.map((k) => k.fingerprint).sort(), sshd.hostKeys!.map((k) => k.fingerprint).sort());
  assert.deepEqual(facts.hostKeys.map((k) => `${k.keyType}/${k.bits}`).sort(), ['ssh-dss/1024', 'ssh-ed25519/256', 'ssh-rsa/1024']);
  assert.ok(facts.authMethods?.includes('password'));
  assertFlagsSshAuditFailures(report, await sshAuditFailures(sshd.port));
  assertNoCredentialTried(await sshd.readLog());
});

test('hardened OpenSSH: no high or critical finding; agrees with ssh-audit', async () => {
  const sshd = await startSshd({ variant: 'hardened' });
  const report = await audit(targetOf(sshd));
  assert.deepEqual(highOrWorse(report), []);
  assert.ok(report.facts.ssh?.strictKex);
  assert.deepEqual(report.facts.ssh?.authMethods, ['publickey']);
  assertFlagsSshAuditFailures(report, await sshAuditFailures(sshd.port));
});

test('a host key that differs from the pin is critical', async () => {
  const sshd = await startSshd({ variant: 'hardened' });
  const pinned = await audit(targetOf(sshd), { known: [{ fingerprint: sshd.hostKeys![0].fingerprint, source: 'the pin' }] });
  assert.ok(!ids(pinned).has('ssh-host-key-changed'));
  const other = 'SHA256:' + 'A'.repeat(43);
  const changed = await audit(targetOf(sshd), { known: [{ fingerprint: other, keyType: 'ssh-ed25519', source: 'the trust store' }] });
  const finding = changed.findings.find((f) => f.id === 'ssh-host-key-changed');
  assert.equal(finding?.severity, 'critical');
  assert.ok(finding.evidence.includes(other));
});

test('ProFTPD mod_sftp with its defaults: CBC and SHA-1 kex flagged; agrees with ssh-audit', async () => {
  const proftpd = await startProftpd({ mode: 'sftp' });
  const report = await audit(targetOf(proftpd));
  assert.ok(ids(report).has('ssh-weak-cipher'));
  assert.ok(report.findings.some((f) => f.id === 'ssh-weak-kex' && /sha1/.test(f.evidence)));
  assert.ok(report.facts.ssh!.hostKeys.length >= 2, 'ed25519 and RSA keys read');
  assertFlagsSshAuditFailures(report, await sshAuditFailures(proftpd.port));
});

test('weak vsftpd: TLS 1.0/1.1, weak suites, cleartext and anonymous login; agrees with sslscan', async () => {
  const vsftpd = await startVsftpd({ mode: 'weak' });
  const report = await audit(targetOf(vsftpd, 'ftpes'), { anonymous: true });
  const found = ids(report);
  for (const id of ['tls-legacy-version', 'ftp-cleartext-login', 'ftp-anonymous-login', 'ftp-prot-c-accepted', 'tls-cert-untrusted']) assert.ok(found.has(id), id);
  assert.equal(report.findings.find((f) => f.id === 'ftp-cleartext-login')?.severity, 'high');
  assert.equal(report.facts.ftp?.product?.name, 'vsftpd');
  assertFlagsSslscanProblems(report, await sslscanProblems(vsftpd.port));
  // The anonymous area (README.txt) was listed over TLS, and the anonymous login also works in clear.
  assert.deepEqual(report.facts.ftp?.anonymous, { listed: true, listing: ['README.txt'], withoutTls: true });
  assert.match(report.findings.find((f) => f.id === 'ftp-anonymous-listing')?.evidence ?? '', /README\.txt/);
  assert.equal(report.findings.find((f) => f.id === 'ftp-anonymous-cleartext')?.severity, 'high');
  assert.match(await vsftpd.readLog(), /\[ftp\] FTP command: Client "[^"]+", "NLST"/, 'the listing was an anonymous NLST');
  assertNothingWritten(await vsftpd.readLog());
  // With anonymous: false (--no-anonymous), no login is tried at all.
  const before = anonymousUsers(await vsftpd.readLog());
  const quiet = await audit(targetOf(vsftpd, 'ftpes'), { anonymous: false });
  for (const id of ['ftp-anonymous-login', 'ftp-anonymous-listing', 'ftp-anonymous-cleartext']) assert.ok(!ids(quiet).has(id), id);
  assert.equal(quiet.facts.ftp?.anonymousLoginReply, undefined);
  assert.equal(quiet.facts.ftp?.anonymous, undefined);
  assert.equal(anonymousUsers(await vsftpd.readLog()), before, 'no USER anonymous was sent');
});

/** How many `USER anonymous` commands vsftpd logged (log_ftp_protocol=YES logs them over TLS too). */
const anonymousUsers = (log: string) => (log.match(/FTP command: Client "[^"]+", "USER anonymous"/g) ?? []).length;

/** The anonymous check lists and never writes: no upload, folder, delete or rename reached the server. */
function assertNothingWritten(log: string): void {
  assert.doesNotMatch(log, /FTP command: Client "[^"]+", "(STOR|STOU|APPE|MKD|XMKD|RMD|XRMD|DELE|RNFR|RNTO|SITE)\b/i);
}

test('vsftpd that lets anonymous users in only in clear (allow_anon_ssl=NO): found, listed on the clear login', async () => {
  const vsftpd = await startVsftpd({ mode: 'weak', extraConfig: ['allow_anon_ssl=NO'] });
  const report = await audit(targetOf(vsftpd, 'ftpes'));
  assert.deepEqual(report.facts.ftp?.anonymous, { withoutTls: true, listed: true, listing: ['README.txt'] });
  for (const id of ['ftp-anonymous-login', 'ftp-anonymous-listing', 'ftp-anonymous-cleartext']) assert.ok(ids(report).has(id), id);
  assertNothingWritten(await vsftpd.readLog());
});

test('weak ProFTPD: TLS 1.0/1.1, optional TLS, anonymous; agrees with sslscan', async () => {
  const proftpd = await startProftpd({ mode: 'weak' });
  const report = await audit(targetOf(proftpd, 'ftpes'), { anonymous: true });
  const found = ids(report);
  for (const id of ['tls-legacy-version', 'ftp-cleartext-login', 'ftp-anonymous-login', 'ftp-prot-c-accepted', 'ftp-anonymous-cleartext']) assert.ok(found.has(id), id);
  assertFlagsSslscanProblems(report, await sslscanProblems(proftpd.port));
  // Listed over TLS: ProFTPD requires the data connection to resume the control connection's TLS session.
  assert.deepEqual(report.facts.ftp?.anonymous, { listed: true, listing: ['README.txt'], withoutTls: true });
  assert.match(report.findings.find((f) => f.id === 'ftp-anonymous-listing')?.evidence ?? '', /README\.txt/);
  assert.match(await proftpd.readLog(), /client reused TLS session for data connection/);
});

test('hardened ProFTPD FTPS: no high or critical finding; agrees with sslscan', async () => {
  const proftpd = await startProftpd({ mode: 'ftps' });
  const report = await audit(targetOf(proftpd, 'ftpes'), { anonymous: true });
  assert.deepEqual(highOrWorse(report), []);
  assert.notEqual(report.facts.ftp?.cleartextUserReply, undefined);
  assertFlagsSslscanProblems(report, await sslscanProblems(proftpd.port));
});

test('plaintext vsftpd: no AUTH TLS is critical, audited as ftp:// logging in only anonymously', async () => {
  const vsftpd = await startVsftpd({ mode: 'plaintext' });
  const quiet = await audit(targetOf(vsftpd, 'ftp'), { anonymous: false });
  const noTls = quiet.findings.find((f) => f.id === 'ftp-no-auth-tls');
  assert.equal(noTls?.severity, 'critical');
  assert.equal(quiet.facts.ftp?.tls, undefined);
  assert.equal(anonymousUsers(await vsftpd.readLog()), 0);
  // By default the anonymous login is tried (in clear: the server has nothing else) and its area listed.
  const report = await audit(targetOf(vsftpd, 'ftp'));
  assert.deepEqual(report.facts.ftp?.anonymous, { withoutTls: true, listed: true, listing: ['README.txt'] });
  assert.ok(ids(report).has('ftp-anonymous-cleartext'));
  const log = await vsftpd.readLog();
  const users = [...log.matchAll(/FTP command: Client "[^"]+", "USER ([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(users)].sort(), ['anonymous', 'secure-transfer-audit-probe'], 'no other user name was ever sent');
  assertNothingWritten(log);
});

test('explicit vsftpd (hardened): no high or critical finding; the pinned certificate matches', async () => {
  const vsftpd = await startVsftpd({ mode: 'explicit' });
  const report = await audit(targetOf(vsftpd, 'ftpes'), { known: [{ fingerprint: vsftpd.cert!.fingerprint, source: 'the pin' }] });
  assert.deepEqual(highOrWorse(report), []);
  const tls = report.facts.ftp!.tls!;
  assert.deepEqual(tls.versions, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
  assert.equal(tls.certificate?.fingerprint, vsftpd.cert!.fingerprint);
  assert.equal(tls.certificate?.hostnameMatches, true);
  assert.equal(report.facts.ftp?.cleartextUserReply, 530, 'logins need TLS');
  assert.equal(report.facts.ftp?.protCReply, 200, 'PROT C was asked over the pinned TLS session (vsftpd says 200, refuses clear transfers later)');
  assertFlagsSslscanProblems(report, await sslscanProblems(vsftpd.port));
  // anonymous_enable=NO: the default anonymous check ran and found nothing.
  assert.equal(report.facts.ftp?.anonymousLoginReply, 530);
  assert.deepEqual(report.facts.ftp?.anonymous, { withoutTls: false });
  assert.deepEqual(report.findings.filter((f) => f.id.startsWith('ftp-anonymous')), []);
  assert.ok(anonymousUsers(await vsftpd.readLog()) >= 2, 'USER anonymous was tried over TLS and in clear');
});

test('implicit vsftpd is audited over TLS from the first byte', async () => {
  const vsftpd = await startVsftpd({ mode: 'implicit' });
  const report = await audit(targetOf(vsftpd, 'ftps'));
  assert.deepEqual(highOrWorse(report), []);
  assert.ok(ids(report).has('ftp-implicit-tls'));
  assert.match(report.facts.ftp!.banner[0], /^220/);
  assert.equal(report.facts.ftp?.tls?.certificate?.fingerprint, vsftpd.cert!.fingerprint);
});

test('certificate problems: expired, wrong name, changed since pinned', async () => {
  const expired = await startVsftpd({ mode: 'explicit', cert: await makeCertificate({ expired: true }) });
  const r1 = await audit(targetOf(expired, 'ftpes'), { known: [{ fingerprint: 'SHA256:' + 'B'.repeat(43), source: 'the pin' }] });
  assert.equal(r1.findings.find((f) => f.id === 'tls-cert-expired')?.severity, 'high');
  assert.equal(r1.findings.find((f) => f.id === 'tls-cert-changed')?.severity, 'critical');
  const wrongName = await startVsftpd({ mode: 'explicit', cert: await makeCertificate({ sans: ['DNS:wrong.example'], cn: 'wrong.example' }) });
  const r2 = await audit(targetOf(wrongName, 'ftpes'));
  assert.equal(r2.findings.find((f) => f.id === 'tls-cert-hostname-mismatch')?.severity, 'high');
});

test('opt-in plaintext-port check finds a cleartext FTP service on the same host', async () => {
  const plain = await startVsftpd({ mode: 'plaintext' });
  const secure = await startVsftpd({ mode: 'explicit' });
  const report = await audit(targetOf(secure, 'ftpes'), { checkPlaintextPort: plain.port });
  const f = report.findings.find((x) => x.id === 'ftp-plaintext-port-open');
  assert.equal(f?.severity, 'high', JSON.stringify(report.facts.ftp?.plaintextPort));
});

test('an unreachable server is one clear sentence, exit 1', async () => {
  const closed = await startVsftpd({ mode: 'plaintext' });
  await closed.stop();
  await assert.rejects(auditServer({ protocol: 'ftpes', host: '127.0.0.1', port: closed.port }), (err: Error & { kind?: string }) => {
    assert.equal(err.kind, 'failure');
    assert.match(err.message, /^Could not audit ftpes:\/\/127\.0\.0\.1:\d+: .*check the host, the port/);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
});

/** Runs the CLI in-process with its own state folder. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: '', err: '' };
  stdout.on('data', (d) => (chunks.out += d));
  stderr.on('data', (d) => (chunks.err += d));
  const state = mkdtempSync(path.join(os.tmpdir(), 'st-audit-cli-'));
  const code = await runCli(
    { stdout, stderr, stdin: new PassThrough(), env: { ...process.env, SECURE_TRANSFER_STATE_DIR: state, HOME: state }, cwd: state, interactive: false, verbose: false },
    args,
  );
  return { code, stdout: chunks.out, stderr: chunks.err };
}

test('CLI: exit 4 at --fail-on, 0 below it; JSON and SARIF output', async () => {
  const weak = await startSshd({ variant: 'weak' });
  const hardened = await startSshd({ variant: 'hardened' });
  const json = await cli(['audit', `sftp://127.0.0.1:${weak.port}`, '--format', 'json']);
  assert.equal(json.code, 4, json.stderr);
  const parsed = JSON.parse(json.stdout) as { findings: Finding[] };
  assert.ok(parsed.findings.some((f) => f.id === 'ssh-dsa-host-key' && f.severity === 'high' && f.title && f.evidence));
  assert.equal((await cli(['audit', `sftp://127.0.0.1:${weak.port}`, '--fail-on', 'critical'])).code, 0);
  const ok = await cli(['audit', `sftp://127.0.0.1:${hardened.port}`]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^Audit of sftp:\/\/127\.0\.0\.1:\d+/);
  assert.equal((await cli(['audit', `sftp://127.0.0.1:${hardened.port}`, '--fail-on', 'info'])).code, 4, 'the low version finding reaches info');
  const sarif = await cli(['audit', `sftp://127.0.0.1:${hardened.port}`, '--format', 'sarif']);
  assert.equal(JSON.parse(sarif.stdout).version, '2.1.0');
  const pinned = await cli(['audit', `sftp://127.0.0.1:${hardened.port}`, '--fingerprint', 'SHA256:' + 'C'.repeat(43), '--fail-on', 'critical']);
  assert.equal(pinned.code, 4, 'a changed host key is critical');
});

test('CLI: --no-anonymous sends no USER anonymous (the server logs every command, over TLS too)', async () => {
  const vsftpd = await startVsftpd({ mode: 'weak' });
  const url = `ftpes://127.0.0.1:${vsftpd.port}`;
  const quiet = await cli(['audit', url, '--no-anonymous', '--format', 'json']);
  assert.equal(quiet.code, 4, quiet.stderr);
  const quietIds = (JSON.parse(quiet.stdout) as { findings: Finding[] }).findings.map((f) => f.id);
  assert.ok(!quietIds.some((id) => id.startsWith('ftp-anonymous')), quietIds.join(', '));
  assert.match(await vsftpd.readLog(), /"USER secure-transfer-audit-probe"/, 'the audit did reach the server');
  assert.equal(anonymousUsers(await vsftpd.readLog()), 0);
  // By default the same command checks anonymous FTP.
  const checked = await cli(['audit', url]);
  assert.match(checked.stdout, /\[ftp-anonymous-listing\]/);
  assert.match(checked.stdout, /README\.txt/);
  assert.ok(anonymousUsers(await vsftpd.readLog()) > 0);
});

test('CLI: plain ftp:// can be audited (logs in only anonymously) and reports no AUTH TLS', async () => {
  const plain = await startVsftpd({ mode: 'plaintext' });
  const r = await cli(['audit', `ftp://127.0.0.1:${plain.port}`]);
  assert.equal(r.code, 4);
  assert.match(r.stdout, /\[ftp-no-auth-tls\]/);
});
