/**
 * Pure logic of the anonymous-FTP detectors (probe stage) and of the FTPS login checks: the SITE
 * severity table, the login detectors, and the parsers of SITE HELP, HELP CCC and NLST text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DETECTORS } from '../../src/core/audit/rules/detectors';
import { LOGIN_DETECTORS, SITE_COMMAND_RISKS, siteCommandRisk } from '../../src/core/audit/rules/loginDetectors';
import { RULES } from '../../src/core/audit/rules/ruleTable';
import { evaluate } from '../../src/core/audit/rules/evaluate';
import { ANON_LISTING_MAX, ANON_NAME_MAX, namesOf } from '../../src/core/audit/probes/ftpProbe';
import { SITE_COMMANDS_MAX, helpOffersCcc, siteCommandsOf } from '../../src/core/session/ftpsLoginChecks';
import { SEVERITIES, type AuditFacts, type AuditTarget, type FtpFacts } from '../../src/core/audit/types';
import type { FtpLoginFacts } from '../../src/core/session/loginFacts';

const FTPES: AuditTarget = { protocol: 'ftpes', host: 'example.org', port: 21 };

function ftp(over: Partial<FtpFacts> = {}): AuditFacts {
  return { ftp: { banner: ['220 Welcome'], feat: [], authTls: true, authTlsReply: 234, cleartextUserReply: 530, cccOffered: false, notes: [], ...over } };
}
const probeHits = (id: string, facts: AuditFacts) => DETECTORS[id]({ target: FTPES, facts, known: [], now: 0 });
const loginHits = (id: string, ftpFacts: FtpLoginFacts) => LOGIN_DETECTORS[id]({ facts: { ftp: ftpFacts }, expectMfa: false });

test('ftp-anonymous-listing fires on a listing with names, quoting at most 10 of them', () => {
  assert.deepEqual(probeHits('ftp-anonymous-listing', ftp({ anonymousLoginReply: 230, anonymous: { listed: true, listing: ['README.txt'] } })), [
    { evidence: 'Logged in as anonymous, NLST listed one name: README.txt' },
  ]);
  const many = Array.from({ length: 14 }, (_, i) => `f${i}`);
  const [hit] = probeHits('ftp-anonymous-listing', ftp({ anonymous: { listed: true, listing: many } }));
  assert.match(hit.evidence, /listed 14 names: f0, f1, .*f9 and 4 more$/);
  assert.ok(!hit.evidence.includes('f10'));
  // Nothing published (yet), not listable, or never asked: no finding.
  assert.deepEqual(probeHits('ftp-anonymous-listing', ftp({ anonymous: { listed: true, listing: [] } })), []);
  assert.deepEqual(probeHits('ftp-anonymous-listing', ftp({ anonymous: { listed: false } })), []);
  assert.deepEqual(probeHits('ftp-anonymous-listing', ftp()), []);
});

test('ftp-anonymous-cleartext fires only when the anonymous login in clear got in', () => {
  assert.equal(probeHits('ftp-anonymous-cleartext', ftp({ anonymous: { withoutTls: true } })).length, 1);
  assert.deepEqual(probeHits('ftp-anonymous-cleartext', ftp({ anonymous: { withoutTls: false } })), []);
  assert.deepEqual(probeHits('ftp-anonymous-cleartext', ftp()), []);
});

test('the anonymous findings through evaluate(): severities of their rule rows, stage probe', () => {
  const findings = evaluate({ target: FTPES, facts: ftp({ anonymousLoginReply: 230, anonymous: { listed: true, listing: ['pub'], withoutTls: true } }), known: [], now: 0 });
  const by = Object.fromEntries(findings.map((f) => [f.id, f]));
  assert.equal(by['ftp-anonymous-login']?.severity, 'high');
  assert.equal(by['ftp-anonymous-cleartext']?.severity, 'high');
  assert.equal(by['ftp-anonymous-listing']?.severity, 'medium');
  assert.equal(by['ftp-anonymous-listing']?.stage, undefined);
});

test('namesOf: NLST names, bounded in count and length, dot entries and ./ prefixes dropped', () => {
  assert.deepEqual(namesOf('README.txt\r\n./pub\r\n.\r\n..\r\n\r\n'), ['README.txt', 'pub']);
  const many = Array.from({ length: 50 }, (_, i) => `n${i}`).join('\n');
  assert.equal(namesOf(many).length, ANON_LISTING_MAX);
  const [long] = namesOf('x'.repeat(5000));
  assert.equal(long.length, ANON_NAME_MAX + 1);
  assert.ok(long.endsWith('…'));
});

test('SITE severity table: programs and server-side copies raise it; routine commands are info; unknown ones low', () => {
  assert.equal(siteCommandRisk('EXEC').severity, 'critical');
  assert.equal(siteCommandRisk('cpfr').severity, 'high', 'case-insensitive');
  assert.equal(siteCommandRisk('CPTO').severity, 'high');
  assert.equal(siteCommandRisk('SYMLINK').severity, 'high');
  assert.equal(siteCommandRisk('CHOWN').severity, 'medium');
  for (const routine of ['CHMOD', 'UMASK', 'HELP', 'IDLE', 'ALIAS', 'UTIME']) assert.equal(siteCommandRisk(routine).severity, 'info', routine);
  assert.equal(siteCommandRisk('ZAP').severity, 'low');
  assert.equal(siteCommandRisk('constructor').severity, 'low', 'no prototype lookups');
  for (const [name, risk] of Object.entries(SITE_COMMAND_RISKS)) {
    assert.ok(SEVERITIES.includes(risk.severity), name);
    assert.ok(risk.what.length > 5, name);
  }
});

test('ftp-site-commands: one finding as severe as the worst command offered, naming the risky ones', () => {
  const routine = loginHits('ftp-site-commands', { site: { reply: 214, commands: ['CHMOD', 'UMASK', 'HELP'] } });
  assert.deepEqual(routine, [{ severity: 'info', subject: 'SITE', evidence: 'SITE HELP was answered 214 and names CHMOD, UMASK, HELP (routine commands only)' }]);
  const [copy] = loginHits('ftp-site-commands', { site: { reply: 214, commands: ['HELP', 'CHGRP', 'CPFR', 'CPTO', 'CHMOD'] } });
  assert.equal(copy.severity, 'high');
  assert.equal(copy.subject, 'SITE CHGRP, SITE CPFR, SITE CPTO');
  assert.match(copy.evidence, /SITE CPFR copies files on the server without a transfer \(ProFTPD mod_copy/);
  assert.equal(loginHits('ftp-site-commands', { site: { reply: 214, commands: ['EXEC', 'CPFR'] } })[0].severity, 'critical');
  assert.deepEqual(loginHits('ftp-site-commands', { site: { reply: 500, commands: [] } }), []);
  assert.deepEqual(loginHits('ftp-site-commands', {}), []);
});

test('login detectors: reuse-less data, PROT C only when a listing crossed in clear, CCC with its evidence', () => {
  assert.equal(loginHits('ftp-data-no-session-reuse', { dataWithoutSessionReuse: true }).length, 1);
  assert.deepEqual(loginHits('ftp-data-no-session-reuse', { dataWithoutSessionReuse: false }), []);
  assert.deepEqual(loginHits('ftp-data-no-session-reuse', {}), [], 'not checked is not a finding');
  assert.match(loginHits('ftp-login-prot-c', { protCAccepted: { reply: 200, listed: true } })[0].evidence, /PROT C was answered 200/);
  assert.deepEqual(loginHits('ftp-login-prot-c', { protCAccepted: { reply: 200, listed: false } }), [], 'vsftpd: 200, then 522 at transfer');
  assert.deepEqual(loginHits('ftp-login-prot-c', { protCAccepted: { reply: 534, listed: false } }), []);
  assert.deepEqual(loginHits('ftp-login-ccc', { cccOffered: { evidence: 'FEAT after login lists CCC' } }), [{ evidence: 'FEAT after login lists CCC' }]);
  assert.deepEqual(loginHits('ftp-login-ccc', {}), []);
  for (const id of ['ftp-data-no-session-reuse', 'ftp-site-commands', 'ftp-login-prot-c', 'ftp-login-ccc']) {
    assert.deepEqual(LOGIN_DETECTORS[id]({ facts: {}, expectMfa: true }), [], `${id}: no FTP facts (an SFTP session)`);
  }
});

test('the login rows for PROT C and CCC are login-stage rows of their own, after the skeleton login rows', () => {
  const ids = RULES.map((r) => r.id);
  for (const id of ['ftp-login-prot-c', 'ftp-login-ccc']) {
    const rule = RULES.find((r) => r.id === id)!;
    assert.equal(rule.stage, 'login');
    assert.equal(rule.baseline, 'rfc4217');
    assert.ok(ids.indexOf(id) > ids.indexOf('home-world-writable'));
  }
  assert.equal(RULES.find((r) => r.id === 'ftp-prot-c-accepted')?.stage, undefined, 'the probe rows stay probe rows');
});

test('siteCommandsOf: vsftpd, ProFTPD and pure-ftpd replies; unimplemented (*) and prose left out; bounded', () => {
  assert.deepEqual(siteCommandsOf('214 CHMOD UMASK HELP'), ['CHMOD', 'UMASK', 'HELP']);
  assert.deepEqual(
    siteCommandsOf("214-The following SITE commands are recognized (* =>'s unimplemented)\n HELP\n CHGRP\n CHMOD\n CPFR*\n214 Direct comments to root@127.0.0.1"),
    ['HELP', 'CHGRP', 'CHMOD'],
  );
  assert.deepEqual(siteCommandsOf('214-The following SITE commands are recognized\n ALIAS\n CHMOD\n IDLE\n UTIME\n214 Pure-FTPd - http://pureftpd.org/'), ['ALIAS', 'CHMOD', 'IDLE', 'UTIME']);
  assert.deepEqual(siteCommandsOf('214-HELP\n CHGRP\n214 CHMOD'), ['HELP', 'CHGRP', 'CHMOD'], "ProFTPD's HELP SITE form");
  assert.deepEqual(siteCommandsOf('214 Help OK.'), []);
  const flood = '214-x\n' + Array.from({ length: 100 }, (_, i) => ` C${i}`).join('\n') + '\n214 End';
  assert.equal(siteCommandsOf(flood).length, SITE_COMMANDS_MAX);
  assert.deepEqual(siteCommandsOf('214 ' + 'A'.repeat(40)), [], 'an over-long name is not a command');
});

test('helpOffersCcc: ProFTPD syntax line yes; lists without CCC, unimplemented CCC* and refusals no', () => {
  assert.equal(helpOffersCcc({ code: 214, message: '214 Syntax: CCC (clears protection level)' }), true);
  assert.equal(helpOffersCcc({ code: 214, message: '214-The following commands are recognized.\n ABOR CCC CWD\n214 Help OK.' }), true);
  assert.equal(helpOffersCcc({ code: 214, message: '214-The following commands are recognized.\n ABOR ACCT CWD\n214 Help OK.' }), false);
  assert.equal(helpOffersCcc({ code: 214, message: '214-The following commands are recognized (* =>\'s unimplemented):\n AUTH    CCC*    CONF*\n214 Direct comments' }), false);
  assert.equal(helpOffersCcc({ code: 502, message: "502 Unknown command 'CCC'" }), false);
});
