/**
 * Product-aware remediation against real servers (test/harness) and the fake IIS FTP service: the
 * audit names the product, and each finding's fix is that product's row of the remediation table,
 * with its documentation as the source.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSshd, startVsftpd, startProftpd, startPureFtpd, startFakeIis, stopAll } from '../harness';
import { auditServer } from '../../src/core/audit/auditServer';
import { remediationFor, SOURCES } from '../../src/core/audit/rules/remediation';
import type { AuditReport, AuditTarget, ProductId } from '../../src/core/audit/types';

after(stopAll);

const target = (s: { host: string; port: number }, protocol: AuditTarget['protocol']): AuditTarget => ({ protocol, host: s.host, port: s.port });

/** The finding of `rule` carries exactly the table's row for `product` (text and source). */
function assertProductFix(report: AuditReport, product: ProductId, rule: string, mentions: RegExp): void {
  const finding = report.findings.find((f) => f.id === rule);
  assert.ok(finding, `${rule} fired (findings: ${report.findings.map((f) => f.id).join(', ')})`);
  const row = remediationFor(rule, product);
  assert.ok(row, `${rule} × ${product} has a row`);
  assert.equal(finding.remediation, row.text);
  assert.equal(finding.remediationSource, row.source);
  assert.match(finding.remediation, mentions);
}

test('fake IIS (SSL required, its defaults): told by its banner; CCC and the certificate get IIS fixes; in clear only SYST, FEAT, AUTH, the made-up USER and USER anonymous', async () => {
  const iis = await startFakeIis();
  const report = await auditServer(target(iis, 'ftpes'));
  assert.deepEqual(report.product, { id: 'iis-ftp', name: 'Microsoft IIS FTP', evidence: 'banner "220 Microsoft FTP Service"' });
  assert.equal(report.facts.ftp?.syst, '215 Windows_NT');
  assert.equal(report.facts.ftp?.cleartextUserReply, 534, '534 Policy requires SSL.');
  assert.ok(!report.findings.some((f) => f.id === 'ftp-cleartext-login' || f.id === 'ftp-anonymous-login'));
  assertProductFix(report, 'iis-ftp', 'ftp-ccc-offered', /SslRequireCredentialsOnly/);
  assertProductFix(report, 'iis-ftp', 'tls-cert-untrusted', /"FTP SSL Settings"/);
  const sent = iis.commands();
  const clear = sent.filter((c) => !c.tls).map((c) => c.line.split(' ')[0]);
  assert.ok(clear.indexOf('SYST') >= 0 && clear.indexOf('SYST') < clear.indexOf('FEAT'), `SYST asked in clear, before FEAT: ${clear.join(' | ')}`);
  assert.deepEqual([...new Set(clear)].sort(), ['AUTH', 'FEAT', 'SYST', 'USER'], 'in clear: SYST, FEAT, AUTH and the USER of the cleartext and anonymous-in-clear checks');
  // In clear only the made-up name of the cleartext-login check and `anonymous` (is anonymous FTP allowed without TLS?).
  assert.deepEqual([...new Set(sent.filter((c) => c.line.startsWith('USER ') && !c.tls).map((c) => c.line))].sort(), ['USER anonymous', 'USER secure-transfer-audit-probe']);
  assert.ok(sent.filter((c) => c.line.startsWith('PASS')).every((c) => c.tls), 'a PASS only ever over TLS');
});

test('fake IIS allowing clear sessions and anonymous: cleartext login, anonymous login and clear data get IIS fixes', async () => {
  const iis = await startFakeIis({ controlChannelPolicy: 'SslAllow', dataChannelPolicy: 'SslAllow', anonymous: true });
  const report = await auditServer(target(iis, 'ftpes'));
  assert.equal(report.product?.id, 'iis-ftp');
  assertProductFix(report, 'iis-ftp', 'ftp-cleartext-login', /"Require SSL connections".*controlChannelPolicy="SslRequire"/);
  assert.equal(report.findings.find((f) => f.id === 'ftp-cleartext-login')!.remediationSource, SOURCES.iisSsl);
  assertProductFix(report, 'iis-ftp', 'ftp-anonymous-login', /"FTP Authentication".*enabled="false"/);
  assertProductFix(report, 'iis-ftp', 'ftp-prot-c-accepted', /dataChannelPolicy="SslRequire"/);
});

test('fake IIS with a custom greeting is still told by its FEAT', async () => {
  const iis = await startFakeIis({ greeting: 'Contoso file service' });
  const report = await auditServer(target(iis, 'ftpes'), { anonymous: false });
  assert.equal(report.product?.id, 'iis-ftp');
  assert.equal(report.product?.evidence, 'FEAT "AUTH TLS;TLS-C;SSL;TLS-P;"');
});

test('vsftpd: product and version from the banner; weak settings get vsftpd.conf fixes', async () => {
  const vsftpd = await startVsftpd({ mode: 'weak' });
  const report = await auditServer(target(vsftpd, 'ftpes'));
  assert.deepEqual(report.product, { id: 'vsftpd', name: 'vsftpd', version: '3.0.3', evidence: 'banner "220 (vsFTPd 3.0.3)"' });
  assertProductFix(report, 'vsftpd', 'ftp-cleartext-login', /force_local_logins_ssl=YES/);
  assertProductFix(report, 'vsftpd', 'ftp-anonymous-login', /anonymous_enable=NO/);
  assertProductFix(report, 'vsftpd', 'tls-legacy-version', /ssl_tlsv1=NO/);
  assertProductFix(report, 'vsftpd', 'ftp-banner-version', /ftpd_banner=/);
});

test('vsftpd with a customised banner is told by its SYST refusal', async () => {
  const vsftpd = await startVsftpd({ mode: 'explicit', extraConfig: ['ftpd_banner=Welcome to the example FTP service.'] });
  const report = await auditServer(target(vsftpd, 'ftpes'), { anonymous: false });
  assert.equal(report.facts.ftp?.banner[0], '220 Welcome to the example FTP service.');
  assert.deepEqual(report.product, { id: 'vsftpd', name: 'vsftpd', evidence: 'SYST "530 Please login with USER and PASS."' });
  assert.ok(!report.findings.some((f) => f.id === 'ftp-banner-version'), 'no version was announced');
  assertProductFix(report, 'vsftpd', 'tls-cert-untrusted', /rsa_cert_file=/);
});

test('ProFTPD FTPS and weak ProFTPD: mod_tls fixes', async () => {
  const ftps = await startProftpd({ mode: 'ftps' });
  const report = await auditServer(target(ftps, 'ftpes'));
  assert.equal(report.product?.id, 'proftpd');
  assert.equal(report.facts.ftp?.syst, '215 UNIX Type: L8');
  assertProductFix(report, 'proftpd', 'ftp-ccc-offered', /TLSRequired on/);
  const weak = await startProftpd({ mode: 'weak' });
  const weakReport = await auditServer(target(weak, 'ftpes'));
  assert.equal(weakReport.product?.id, 'proftpd');
  assertProductFix(weakReport, 'proftpd', 'ftp-cleartext-login', /TLSRequired on/);
  assertProductFix(weakReport, 'proftpd', 'ftp-anonymous-login', /<Anonymous>/);
  assertProductFix(weakReport, 'proftpd', 'tls-legacy-version', /TLSProtocol TLSv1\.2 TLSv1\.3/);
});

test('ProFTPD mod_sftp: told by its SSH software string; mod_sftp directives', async () => {
  const sftp = await startProftpd({ mode: 'sftp' });
  const report = await auditServer(target(sftp, 'sftp'));
  assert.deepEqual(report.product, { id: 'proftpd-mod_sftp', name: 'ProFTPD mod_sftp', evidence: 'SSH software "SSH-2.0-mod_sftp"' });
  assertProductFix(report, 'proftpd-mod_sftp', 'ssh-weak-kex', /SFTPKeyExchanges/);
  assertProductFix(report, 'proftpd-mod_sftp', 'ssh-weak-cipher', /SFTPCiphers/);
});

test('pure-ftpd: told by its greeting; certificate fix names its pem file', async () => {
  const pure = await startPureFtpd();
  const report = await auditServer(target(pure, 'ftpes'));
  assert.equal(report.product?.id, 'pure-ftpd');
  assert.equal(report.facts.ftp?.cleartextUserReply, 421);
  assertProductFix(report, 'pure-ftpd', 'tls-cert-untrusted', /\/etc\/ssl\/private\/pure-ftpd\.pem/);
});

test('OpenSSH: sshd_config fixes cited from sshd_config(5)', async () => {
  const sshd = await startSshd({ variant: 'weak' });
  const report = await auditServer(target(sshd, 'sftp'));
  assert.equal(report.product?.id, 'openssh');
  assert.match(report.product!.version!, /^\d+\.\d+p\d+$/);
  assertProductFix(report, 'openssh', 'ssh-weak-kex', /KexAlgorithms -name/);
  assertProductFix(report, 'openssh', 'ssh-password-auth', /PasswordAuthentication no/);
  assertProductFix(report, 'openssh', 'ssh-dsa-host-key', /HostKey \/etc\/ssh\/ssh_host_dsa_key/);
  assert.equal(report.findings.find((f) => f.id === 'ssh-weak-kex')!.remediationSource, SOURCES.sshdConfig);
});
