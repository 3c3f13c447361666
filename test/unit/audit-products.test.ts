/**
 * Product detection (rules/products.ts) from what real servers say, and the remediation table
 * (rules/remediation.ts). The banners, SYST and FEAT replies below are captures: vsftpd 3.0.3,
 * ProFTPD 1.3.8 and pure-ftpd from the test harness's own servers; IIS's FEAT as ProFTPD's mod_proxy
 * documents it for IIS; FileZilla Server's greeting and SYST from client logs; Win32-OpenSSH's
 * software string as nmap shows it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identifyProduct, ftpProduct, PRODUCT_NAMES, PRODUCT_SIGNS } from '../../src/core/audit/rules/products';
import { REMEDIATIONS, PRODUCT_DOC_HOSTS, remediationFor, SOURCES } from '../../src/core/audit/rules/remediation';
import { RULES } from '../../src/core/audit/rules/ruleTable';
import { evaluate } from '../../src/core/audit/rules/evaluate';
import { detectProduct } from '../../src/core/audit/rules/versionRules';
import type { AuditFacts, AuditTarget, FtpFacts, ProductId } from '../../src/core/audit/types';

const FTPES: AuditTarget = { protocol: 'ftpes', host: 'example.org', port: 21 };
const SFTP: AuditTarget = { protocol: 'sftp', host: 'example.org', port: 22 };

const FEAT = {
  vsftpd: ['AUTH TLS', 'EPSV', 'MDTM', 'PASV', 'PBSZ', 'PROT', 'REST STREAM', 'SIZE', 'TVFS'],
  proftpd: ['AUTH TLS', 'CCC', 'CLNT', 'CSID', 'EPRT', 'EPSV', 'HOST', 'LANG C.UTF-8*', 'MDTM', 'MFF modify;UNIX.group;UNIX.mode;', 'MFMT', 'MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;', 'PBSZ', 'PROT', 'RANG STREAM', 'REST STREAM', 'SIZE', 'SSCN', 'TVFS', 'UTF8'],
  pure: ['UTF8', 'EPRT', 'IDLE', 'MDTM', 'SIZE', 'MFMT', 'REST STREAM', 'MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;', 'MLSD', 'PRET', 'AUTH TLS', 'PBSZ', 'PROT', 'TVFS', 'ESTA', 'PASV', 'EPSV'],
  iis: ['LANG EN*', 'UTF8', 'AUTH TLS;TLS-C;SSL;TLS-P;', 'PBSZ', 'PROT C;P;', 'CCC', 'HOST', 'SIZE', 'MDTM', 'REST STREAM'],
  filezilla: ['MDTM', 'REST STREAM', 'SIZE', 'MLST type*;size*;modify*;', 'MLSD', 'UTF8', 'CLNT', 'MFMT'],
  /** RhinoSoft Serv-U 6.1: a product this audit does not know; it must stay unknown. */
  servU: ['AUTH TLS', 'SSCN', 'PBSZ', 'PROT', 'CCC', 'CLNT', 'MDTM', 'SIZE', 'REST STREAM'],
};
const PURE_BANNER = [
  '220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------',
  '220-You are user number 1 of 5 allowed.',
  '220-Local time is now 15:32. Server port: 46407.',
  '220-This is a private system - No anonymous login',
  '220 You will be disconnected after 15 minutes of inactivity.',
];

function ftp(banner: string[], syst: string | undefined, feat: string[], over: Partial<FtpFacts> = {}): AuditFacts {
  return { ftp: { banner, ...(syst !== undefined ? { syst } : {}), feat, authTls: true, cccOffered: feat.includes('CCC'), notes: [], ...over } };
}
const sshFacts = (banner: string): AuditFacts => ({
  ssh: { banner, preBannerLines: [], protocolVersion: '2.0', software: banner.replace(/^SSH-[\d.]+-/, ''), supportsSsh1: false, strictKex: false, hostKeys: [], uninspectedHostKeyAlgorithms: [], notes: [] },
});
const idOf = (facts: AuditFacts) => identifyProduct(facts)?.id;

test('each FTP product is told from its own greeting, with the version it announces', () => {
  const cases: Array<[AuditFacts, ProductId, string | undefined, RegExp]> = [
    [ftp(['220 (vsFTPd 3.0.3)'], '530 Please login with USER and PASS.', FEAT.vsftpd), 'vsftpd', '3.0.3', /^banner "220 \(vsFTPd 3\.0\.3\)"$/],
    [ftp(['220 ProFTPD Server (Secure Transfer test) [127.0.0.1]'], '215 UNIX Type: L8', FEAT.proftpd), 'proftpd', undefined, /^banner "220 ProFTPD Server/],
    [ftp(['220 ProFTPD 1.3.5 Server (Debian) [::ffff:10.0.0.5]'], '215 UNIX Type: L8', FEAT.proftpd), 'proftpd', '1.3.5', /ProFTPD 1\.3\.5/],
    [ftp(PURE_BANNER, '215 UNIX Type: L8', FEAT.pure), 'pure-ftpd', undefined, /Welcome to Pure-FTPd/],
    [ftp(['220 Microsoft FTP Service'], '215 Windows_NT', FEAT.iis), 'iis-ftp', undefined, /^banner "220 Microsoft FTP Service"$/],
    [ftp(['220-FileZilla Server 1.8.0', '220 Please visit https://filezilla-project.org/'], '215 UNIX emulated by FileZilla', FEAT.filezilla), 'filezilla-server', '1.8.0', /FileZilla Server 1\.8\.0/],
    [ftp(['220-FileZilla Server version 0.9.60 beta', '220-written by Tim Kosse (tim.kosse@filezilla-project.org)', '220 Please visit https://filezilla-project.org/'], '215 UNIX emulated by FileZilla', FEAT.filezilla), 'filezilla-server', '0.9.60', /version 0\.9\.60/],
  ];
  for (const [facts, id, version, evidence] of cases) {
    const p = identifyProduct(facts);
    assert.equal(p?.id, id, facts.ftp!.banner[0]);
    assert.equal(p?.name, PRODUCT_NAMES[id]);
    assert.equal(p?.version, version, `${id} version`);
    assert.match(p!.evidence, evidence);
  }
});

test('a customised banner is seen through by replies an admin cannot configure away', () => {
  // vsftpd `ftpd_banner=`: its SYST refusal before login gives it away.
  const vs = identifyProduct(ftp(['220 Welcome to the example FTP service.'], '530 Please login with USER and PASS.', FEAT.vsftpd));
  assert.deepEqual(vs, { id: 'vsftpd', name: 'vsftpd', evidence: 'SYST "530 Please login with USER and PASS."' }, 'no version: only a banner tells one');
  // ProFTPD `ServerIdent on "FTP Server ready."`: mod_facts' MFF line.
  assert.equal(idOf(ftp(['220 FTP Server ready.'], '215 UNIX Type: L8', FEAT.proftpd)), 'proftpd');
  // pure-ftpd with a fortune instead of the greeting: its own sizd fact.
  assert.equal(idOf(ftp(['220 Hello'], '215 UNIX Type: L8', FEAT.pure)), 'pure-ftpd');
  assert.equal(idOf(ftp(['220 Hello'], '215 UNIX Type: L8', ['ESTP', 'PASV'])), 'pure-ftpd');
  // IIS with its default banner suppressed: its FEAT shape, and SYST on its own as the weakest sign.
  assert.match(identifyProduct(ftp(['220 Contoso file service'], '215 UNIX Type: L8', FEAT.iis))!.evidence, /^FEAT "AUTH TLS;TLS-C;SSL;TLS-P;"$/);
  assert.equal(idOf(ftp(['220 Contoso file service'], '215 Windows_NT', ['SIZE', 'MDTM'])), 'iis-ftp');
  assert.equal(idOf(ftp(['220 Welcome'], '215 UNIX emulated by FileZilla', FEAT.filezilla)), 'filezilla-server');
});

test('a server none of the signs describe stays unknown (the generic fix is better than the wrong product\'s)', () => {
  assert.equal(idOf(ftp(['220 Serv-U FTP Server v6.1 ready...'.replace('Serv-U', 'Example')], '215 UNIX Type: L8', FEAT.servU)), undefined, 'Serv-U\'s SSCN/CCC are not ProFTPD');
  assert.equal(idOf(ftp(['220 Welcome'], '215 UNIX Type: L8', FEAT.vsftpd)), undefined, 'vsftpd\'s FEAT alone is too common to name it');
  assert.equal(idOf(ftp(['220 Welcome'], undefined, [])), undefined);
  assert.equal(idOf(sshFacts('SSH-2.0-dropbear_2022.83')), undefined);
  assert.equal(idOf({}), undefined);
});

test('SSH software strings: OpenSSH, Win32-OpenSSH and ProFTPD mod_sftp', () => {
  const cases: Array<[string, ProductId, string | undefined]> = [
    ['SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10', 'openssh', '9.2p1'],
    ['SSH-2.0-OpenSSH_for_Windows_8.1', 'win32-openssh', '8.1'],
    ['SSH-2.0-OpenSSH_for_Windows_9.5', 'win32-openssh', '9.5'],
    ['SSH-2.0-mod_sftp', 'proftpd-mod_sftp', undefined],
    ['SSH-2.0-mod_sftp/0.9.8', 'proftpd-mod_sftp', '0.9.8'],
  ];
  for (const [banner, id, version] of cases) {
    const p = identifyProduct(sshFacts(banner));
    assert.equal(p?.id, id, banner);
    assert.equal(p?.version, version, banner);
    assert.equal(p?.evidence, `SSH software "${banner.split(' ')[0]}"`);
  }
  // mod_sftp told to pose as OpenSSH (`ServerIdent on "OpenSSH_5.6p1"`) is OpenSSH to any probe: documented, not guessed around.
  assert.equal(idOf(sshFacts('SSH-2.0-OpenSSH_5.6p1')), 'openssh');
});

test('one detection: the probe\'s facts.ftp.product and the version rules use the same signs', () => {
  assert.deepEqual(ftpProduct(ftp(['220 (vsFTPd 2.3.4)'], undefined, []).ftp!), { name: 'vsftpd', version: '2.3.4' });
  assert.deepEqual(ftpProduct(ftp(['220 Hi'], '215 Windows_NT', FEAT.iis).ftp!), { name: 'iis-ftp' }, 'no version from FEAT or SYST');
  assert.deepEqual(detectProduct('220 ProFTPD 1.3.3c Server'), { name: 'proftpd', version: '1.3.3c' });
  assert.deepEqual(detectProduct('SSH-2.0-OpenSSH_for_Windows_8.1'), { name: 'win32-openssh', version: '8.1' });
  // regreSSHion (8.5–9.7) is a glibc signal-handler race: OpenSSH's rule must not fire for OpenSSH for Windows.
  const affected = (banner: string) => evaluate({ target: SFTP, facts: sshFacts(banner), known: [], now: 0 }).some((f) => f.id === 'version-possibly-affected');
  assert.equal(affected('SSH-2.0-OpenSSH_9.2p1 Debian-2'), true);
  assert.equal(affected('SSH-2.0-OpenSSH_for_Windows_9.5'), false);
  // The banner-version rule still fires on a banner version only.
  const ids = (facts: AuditFacts) => evaluate({ target: FTPES, facts: { ftp: { ...facts.ftp!, product: ftpProduct(facts.ftp!) } }, known: [], now: 0 }).map((f) => f.id);
  assert.ok(ids(ftp(['220 (vsFTPd 3.0.3)'], undefined, [])).includes('ftp-banner-version'));
  assert.ok(!ids(ftp(['220 Microsoft FTP Service'], '215 Windows_NT', FEAT.iis)).includes('ftp-banner-version'));
});

test('evidence is bounded server text', () => {
  const p = identifyProduct(ftp([`220 (vsFTPd 3.0.3) ${'x'.repeat(10_000)}`], undefined, []));
  assert.equal(p?.id, 'vsftpd');
  assert.ok(p!.evidence.length < 200, `${p!.evidence.length}`);
  for (const sign of PRODUCT_SIGNS) assert.ok(sign.note.length > 10, `${sign.product} ${sign.pattern}: say why the sign is trusted`);
});

// ── the remediation table ────────────────────────────────────────────────────────────────────────
const FTP_PRODUCTS: ProductId[] = ['iis-ftp', 'vsftpd', 'proftpd', 'pure-ftpd', 'filezilla-server'];
const SSH_PRODUCTS: ProductId[] = ['openssh', 'win32-openssh', 'proftpd-mod_sftp'];
const MAIN_FTP = ['ftp-no-auth-tls', 'ftp-cleartext-login', 'ftp-prot-c-accepted', 'tls-cert-expired', 'tls-cert-untrusted'];
/** FileZilla Server's documentation shown to this project covers only its FTP over TLS settings. */
const MAIN_FTP_DOCUMENTED = ['ftp-anonymous-login', 'ftp-anonymous-cleartext', 'tls-weak-suite'];
const MAIN_SSH = ['ssh-weak-kex', 'ssh-weak-cipher', 'ssh-weak-mac', 'ssh-dsa-host-key', 'ssh-password-auth', 'login-single-factor'];

test('every row names a rule that exists, applies to its product and cites the product\'s own documentation over https', () => {
  const ruleIds = new Set(RULES.map((r) => r.id));
  const keys = new Set<string>();
  for (const row of REMEDIATIONS) {
    const where = `${row.rule} × ${row.product}`;
    assert.ok(ruleIds.has(row.rule), `${where}: no such rule`);
    assert.ok(!keys.has(`${row.rule}|${row.product}`), `${where}: duplicate row`);
    keys.add(`${row.rule}|${row.product}`);
    const url = new URL(row.source);
    assert.equal(url.protocol, 'https:', `${where}: ${row.source}`);
    assert.ok(PRODUCT_DOC_HOSTS[row.product].some((h) => `${url.host}${url.pathname}`.startsWith(h)), `${where}: ${row.source} is not ${row.product}'s documentation`);
    if (SSH_PRODUCTS.includes(row.product)) assert.ok(/^(ssh-|login-)/.test(row.rule), `${where}: an FTP/TLS rule for an SSH product`);
    else assert.ok(!row.rule.startsWith('ssh-'), `${where}: an SSH rule for an FTP product`);
    assert.ok(row.text.length > 30 && !/[\r\n]/.test(row.text), `${where}: one readable paragraph`);
    // Config fragments such as <ssl … /> must be inline code: the Markdown export would take them for HTML.
    assert.doesNotMatch(row.text.split('`').filter((_, i) => i % 2 === 0).join(''), /[<>]/, `${where}: angle brackets outside inline code`);
    assert.equal(row.text.split('`').length % 2, 1, `${where}: unbalanced backticks`);
  }
  for (const url of Object.values(SOURCES)) assert.ok(REMEDIATIONS.some((r) => r.source === url), `${url} is cited by no row`);
});

test('every product has rows for the main rules of its protocol', () => {
  for (const p of FTP_PRODUCTS) for (const rule of MAIN_FTP) assert.ok(remediationFor(rule, p), `${rule} × ${p}`);
  for (const p of FTP_PRODUCTS.filter((p) => p !== 'filezilla-server')) for (const rule of MAIN_FTP_DOCUMENTED) assert.ok(remediationFor(rule, p), `${rule} × ${p}`);
  for (const p of SSH_PRODUCTS) for (const rule of MAIN_SSH) assert.ok(remediationFor(rule, p), `${rule} × ${p}`);
  assert.equal(remediationFor('ftp-no-auth-tls', undefined), undefined, 'an unknown product keeps the generic text');
});

test('IIS rows speak IIS: FTP SSL Settings, applicationHost.config keys, FTP Authentication, restrictions, Schannel', () => {
  const text = (rule: string) => remediationFor(rule, 'iis-ftp')!.text;
  assert.match(text('ftp-cleartext-login'), /"Require SSL connections"/);
  assert.match(text('ftp-cleartext-login'), /controlChannelPolicy="SslRequire"/);
  assert.match(text('ftp-cleartext-login'), /appcmd\.exe set config -section:system\.applicationHost\/sites/);
  assert.match(text('ftp-prot-c-accepted'), /dataChannelPolicy="SslRequire"/);
  assert.match(text('ftp-no-auth-tls'), /<ftpServer><security><ssl serverCertHash="…" controlChannelPolicy="SslRequire" dataChannelPolicy="SslRequire" \/>/);
  assert.match(text('ftp-anonymous-login'), /"FTP Authentication".*enabled="false"/);
  assert.match(text('login-single-factor'), /"FTP Logon Attempt Restrictions".*denyByFailure.*"FTP IP Address and Domain Restrictions"/);
  assert.match(text('ftp-anonymous-listing'), /allowUnlisted="false"/);
  assert.match(text('tls-legacy-version'), /SCHANNEL\\Protocols\\TLS 1\.0\\Server/);
  assert.match(text('tls-weak-suite'), /"SSL Cipher Suite Order"/);
  assert.doesNotMatch(REMEDIATIONS.filter((r) => r.product === 'iis-ftp').map((r) => r.text).join(' '), /vsftpd|ProFTPD|ssl_enable|TLSRequired/);
});

test('a finding carries its product\'s fix and source; without a product the generic, product-neutral one', () => {
  const facts = ftp(['220 Microsoft FTP Service'], '215 Windows_NT', FEAT.iis, { cleartextUserReply: 331 });
  const iis = evaluate({ target: FTPES, facts, known: [], now: 0 }, 'iis-ftp').find((f) => f.id === 'ftp-cleartext-login')!;
  assert.match(iis.remediation, /controlChannelPolicy="SslRequire"/);
  assert.equal(iis.remediationSource, SOURCES.iisSsl);
  const generic = evaluate({ target: FTPES, facts, known: [], now: 0 }).find((f) => f.id === 'ftp-cleartext-login')!;
  assert.equal(generic.remediationSource, undefined);
  assert.equal(generic.remediation, RULES.find((r) => r.id === 'ftp-cleartext-login')!.remediation);
  for (const r of RULES.filter((r) => /^(ftp|tls)-/.test(r.id))) assert.doesNotMatch(r.remediation, /vsftpd|ProFTPD|pure-ftpd|ssl_enable|TLSRequired|TLSEngine|ssl_ciphers|TLSCipherSuite/, `${r.id}: generic text names a product's option`);
});

test('the login-stage PROT C and CCC rules give the same product fix as their probe-stage rules', () => {
  for (const product of ['vsftpd', 'proftpd', 'iis-ftp'] as const) {
    assert.equal(remediationFor('ftp-login-prot-c', product)?.text, remediationFor('ftp-prot-c-accepted', product)!.text, product);
  }
  assert.equal(remediationFor('ftp-login-ccc', 'proftpd')?.text, remediationFor('ftp-ccc-offered', 'proftpd')!.text);
  assert.equal(remediationFor('ftp-login-prot-c', undefined), undefined);
});
