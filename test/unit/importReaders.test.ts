/**
 * The import readers (issue 14, migration) against fixtures in each tool's real format
 * (test/fixtures/import): what each entry maps to, what is skipped, and the one-sentence warnings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readEntries } from '../../src/core/import';
import { detectFormat } from '../../src/core/import/detect';
import { decodeSafePath } from '../../src/core/import/filezilla';
import { decodeWinscpPassword, encodeWinscpPassword } from '../../src/core/import/winscpPassword';
import type { ImportedEntry, ImportFormat } from '../../src/core/import/types';
import { UsageError } from '../../src/core/errors';
import { hasTerminalControls } from '../../src/core/displayText';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'import');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const read = (format: ImportFormat, name: string) => readEntries(format, fixture(name), name);
const byName = (entries: ImportedEntry[], name: string) => {
  const e = entries.find((x) => x.profile?.name === name);
  assert.ok(e, `no entry named ${name}: ${entries.map((x) => x.profile?.name).join(', ')}`);
  return e;
};

test('vscode-sftp: one commented config maps field by field; connectTimeout ms → s; algorithms are not imported', async () => {
  const [e] = await read('vscode-sftp', 'sftp.json');
  assert.deepEqual(e.profile, {
    name: 'Production', protocol: 'sftp', host: 'files.example.com', username: 'deploy', port: 2222,
    remotePath: '/var/www/site', localRoot: 'public', uploadOnSave: true, ignore: ['.vscode', '.git', '.DS_Store'], connectTimeout: 15,
  });
  assert.equal(e.password, 's3cret-prod');
  assert.deepEqual(e.scrub, { kind: 'json', paths: [['password']] });
  assert.match(e.warnings.join('\n'), /"algorithms" was not imported/);
});

test('vscode-sftp: each profiles context is merged over the base config; a base without host is no entry; hop → jump + its own secret', async () => {
  const entries = await read('vscode-sftp', 'profiles.sftp.json');
  assert.deepEqual(entries.map((e) => e.profile?.name), ['Site - dev', 'Site - prod']);
  const dev = byName(entries, 'Site - dev');
  assert.equal(dev.profile?.host, 'dev.example.com');
  assert.equal(dev.profile?.username, 'web');
  assert.equal(dev.profile?.remotePath, '/srv/dev');
  assert.equal(dev.password, 'shared-pass', 'the base password applies to the profile');
  assert.deepEqual(dev.scrub, { kind: 'json', paths: [['password']] }, 'it sits in the base config');
  const prod = byName(entries, 'Site - prod');
  assert.equal(prod.password, 'prod-pass');
  assert.equal(prod.passphrase, 'key-pass');
  assert.equal(prod.profile?.identityFile, '~/.ssh/id_ed25519');
  assert.equal(prod.profile?.remotePath, '/srv/app', 'inherited from the base');
  assert.deepEqual(prod.profile?.jump, ['jump@bastion.example.com:2200']);
  assert.deepEqual(prod.hopSecrets, [{ host: 'bastion.example.com', port: 2200, username: 'jump', password: 'hop-pass' }]);
});

test('vscode-sftp: an array; plain ftp → ftpes with the warning, secure "implicit" → ftps, secure true → ftpes, local skipped', async () => {
  const entries = await read('vscode-sftp', 'array.sftp.json');
  const legacy = byName(entries, 'Legacy FTP');
  assert.equal(legacy.profile?.protocol, 'ftpes');
  assert.equal(legacy.plainFtp, true);
  assert.match(legacy.warnings.join(' '), /was plain FTP; Secure Transfer only speaks FTP over TLS — make sure the server offers explicit TLS/);
  assert.equal(byName(entries, 'Implicit').profile?.protocol, 'ftps');
  assert.match(byName(entries, 'Implicit').warnings.join(' '), /"secureOptions" was not imported: certificates are always verified/);
  const explicit = byName(entries, 'Explicit');
  assert.equal(explicit.profile?.protocol, 'ftpes');
  assert.equal(explicit.plainFtp, undefined);
  const local = entries.find((e) => e.label.includes('Local mirror'));
  assert.equal(local?.profile, undefined);
  assert.match(local!.warnings[0], /protocol "local" is a local folder, not a server — skipped/);
  assert.ok(entries.every((e) => e.profile?.protocol !== ('ftp' as never)), 'never ftp');
});

test('vscode-sftp: broken JSON is one sentence naming the file and line', async () => {
  await assert.rejects(readEntries('vscode-sftp', '{ "host": "a", }x', 'sftp.json'), (err: Error) => err instanceof UsageError && /^sftp\.json is not valid JSON \(line 1/.test(err.message));
  await assert.rejects(readEntries('vscode-sftp', '42', 'sftp.json'), /neither a vscode-sftp config object nor a list/);
});

test('SSH FS: sshfs.configs of a settings.json; hop → jump, extend merges, proxy → URL, password true is no secret, $USERNAME skipped', async () => {
  const entries = await read('sshfs', 'settings.json');
  assert.deepEqual(byName(entries, 'bastion').profile?.agent, true);
  const app = byName(entries, 'app-server');
  assert.deepEqual(app.profile, { name: 'app-server', protocol: 'sftp', host: '10.0.0.5', username: 'app', remotePath: '/opt/app', jump: ['jump@bastion.example.com:2200'] });
  assert.equal(app.password, 'app-pass');
  const key = byName(entries, 'with-key');
  assert.equal(key.profile?.username, 'app', 'extend brings the username');
  assert.equal(key.password, undefined, 'password: true means "ask", nothing to store');
  assert.equal(key.passphrase, 'rsa-pass');
  assert.equal(key.profile?.proxy, 'socks5://127.0.0.1:1080');
  const sudo = entries.find((e) => e.label.includes('sudo-box'))!;
  assert.equal(sudo.profile?.username, undefined);
  assert.match(sudo.warnings.join('\n'), /"\$USERNAME" means "my local user name"/);
  assert.match(sudo.warnings.join('\n'), /"sftpSudo" was not imported: Secure Transfer never runs sudo/);
  await assert.rejects(readEntries('sshfs', '{"editor.fontSize": 3}', 'settings.json'), /has no "sshfs\.configs" list/);
});

test('FileZilla: folders become a name prefix, base64 and plain passwords, protocols by FileZilla\'s numbers, RemoteDir decoded', async () => {
  const entries = await read('filezilla', 'sitemanager.xml');
  assert.deepEqual(entries.map((e) => (e.scrub as { server: number }).server), [0, 1, 2, 3, 4, 5, 6], 'document order, the comment not counted');
  const top = byName(entries, 'Top SFTP');
  assert.deepEqual(top.profile, { name: 'Top SFTP', protocol: 'sftp', host: 'sftp.example.com', username: 'alice', port: 22, remotePath: '/home/alice/my files' });
  assert.equal(top.password, 'alice-pass');
  const shop = byName(entries, 'Clients - Shop-EU - Shop FTP');
  assert.equal(shop.profile?.protocol, 'ftpes', 'Protocol 0 (TLS only if offered) → ftpes');
  assert.equal(shop.plainFtp, true);
  assert.equal(shop.password, 'shop-päss');
  assert.equal(byName(entries, 'Clients - Implicit').profile?.protocol, 'ftps');
  assert.equal(byName(entries, 'Clients - Implicit').password, undefined, 'Logontype 2 (ask): no password');
  assert.equal(byName(entries, 'Clients - Key login').profile?.identityFile, '/home/me/.ssh/deploy_ed25519');
  const insecure = byName(entries, 'Insecure');
  assert.equal(insecure.profile?.protocol, 'ftpes');
  assert.equal(insecure.password, 'plain-text-pass');
  const s3 = entries.find((e) => e.label.includes('S3'))!;
  assert.equal(s3.profile, undefined);
  assert.match(s3.warnings[0], /its protocol \(Amazon S3\) is not SFTP or FTP — skipped/);
  const locked = byName(entries, 'Master protected');
  assert.equal(locked.password, undefined);
  assert.match(locked.warnings[0], /master password and cannot be read/);
});

test('FileZilla: RemoteDir "safe paths" decode like CServerPath::SetSafePath; other path types are refused', () => {
  assert.equal(decodeSafePath('1 0 4 home 3 www'), '/home/www');
  assert.equal(decodeSafePath('1 0'), '/');
  assert.equal(decodeSafePath('0 0 8 my files 1 a'), '/my files/a');
  assert.equal(decodeSafePath('1 0 2 a '), '/a ', 'a length counts a trailing space');
  assert.equal(decodeSafePath('1 0 12 two words'), undefined, 'length beyond the text');
  assert.equal(decodeSafePath('3 0 2 C: 4 data'), undefined, 'DOS paths are not written as /paths');
  assert.equal(decodeSafePath('1 0 2 ..'), undefined);
  assert.equal(decodeSafePath('1 3 abc 1 x'), undefined, 'a prefix (VMS, MVS) is not a Unix path');
  assert.equal(decodeSafePath('garbage'), undefined);
});

test('FileZilla: a DTD (entity expansion) and broken XML are refused in one sentence', async () => {
  await assert.rejects(readEntries('filezilla', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><FileZilla3/>', 'sitemanager.xml'), /declares a DTD, which FileZilla never writes/);
  await assert.rejects(readEntries('filezilla', '<FileZilla3><Servers></FileZilla3>', 'sitemanager.xml'), /is not valid XML \(line 1/);
  await assert.rejects(readEntries('filezilla', '<Other/>', 'x.xml'), /has no <FileZilla3><Servers>/);
});

test('WinSCP: sessions with folders and %-encoded names, FSProtocol and Ftps, the password decoded with the real algorithm', async () => {
  const entries = await read('winscp', 'WinSCP.ini');
  assert.deepEqual(entries.map((e) => e.label), ['session "Work/deploy@www.example.com"', 'session "Work/Old FTP"', 'session "Explicit TLS"', 'session "Only SCP"', 'session "Dav"'], 'file order; Default Settings is no site');
  const deploy = byName(entries, 'Work - deploy@www.example.com');
  assert.deepEqual(deploy.profile, { name: 'Work - deploy@www.example.com', protocol: 'sftp', host: 'www.example.com', username: 'deploy', port: 2022, remotePath: '/var/www/html', identityFile: 'C:\\Users\\me\\.ssh\\deploy.ppk' });
  assert.equal(deploy.password, 'winscp-pass');
  const ftp = byName(entries, 'Work - Old FTP');
  assert.equal(ftp.profile?.protocol, 'ftpes');
  assert.equal(ftp.plainFtp, true);
  assert.equal(ftp.password, 'ftp-secret-ü');
  assert.equal(byName(entries, 'Explicit TLS').profile?.protocol, 'ftpes');
  assert.equal(byName(entries, 'Explicit TLS').plainFtp, undefined);
  for (const [label, proto] of [['Only SCP', 'SCP'], ['Dav', 'WebDAV']]) {
    const e = entries.find((x) => x.label.includes(label))!;
    assert.equal(e.profile, undefined);
    assert.match(e.warnings[0], new RegExp(`its protocol \\(${proto}\\) is not SFTP or FTP — skipped`));
  }
});

test('WinSCP: with a master password nothing is decoded (one warning per session); a key for another user/host decodes to nothing', async () => {
  const text = fixture('WinSCP.ini') + '[Configuration\\Security]\r\nUseMasterPassword=1\r\n';
  const entries = await readEntries('winscp', text, 'WinSCP.ini');
  assert.ok(entries.every((e) => e.password === undefined));
  assert.match(entries[0].warnings.join(' '), /encrypted with WinSCP's master password and cannot be read/);
  const enc = encodeWinscpPassword('pw', 'u', 'h', (n) => Math.floor(Math.random() * n));
  assert.equal(decodeWinscpPassword(enc, 'u', 'h'), 'pw');
  assert.equal(decodeWinscpPassword(enc, 'u', 'other'), undefined);
  assert.equal(decodeWinscpPassword('not hex', 'u', 'h'), undefined);
  assert.equal(decodeWinscpPassword('A3', 'u', 'h'), undefined);
});

test('format detection: by name, then by content; an unknown file is one sentence', () => {
  assert.equal(detectFormat('/p/.vscode/sftp.json', '{}'), 'vscode-sftp');
  assert.equal(detectFormat('sitemanager.xml', ''), 'filezilla');
  assert.equal(detectFormat('WinSCP.ini', ''), 'winscp');
  assert.equal(detectFormat('settings.json', '{}'), 'sshfs');
  assert.equal(detectFormat('export', '<?xml version="1.0"?><FileZilla3/>'), 'filezilla');
  assert.equal(detectFormat('export', '[Sessions\\a]\nHostName=x'), 'winscp');
  assert.equal(detectFormat('conf.json', '{ "sshfs.configs": [] }'), 'sshfs');
  assert.equal(detectFormat('conf.json', '[{ "host": "x" }]'), 'vscode-sftp');
  assert.throws(() => detectFormat('notes.txt', 'hello'), /looks like none of the formats/);
});

test('hostile names: control characters and bidi overrides are escaped in labels and never reach a profile name', async () => {
  const evil = JSON.stringify({ name: 'evil\u001b[31m\u202e/name', host: 'h.example.com', username: 'u' });
  const [e] = await readEntries('vscode-sftp', evil, 'sftp.json');
  assert.ok(!hasTerminalControls(e.label), e.label);
  assert.equal(e.profile?.name, 'evil [31m -name');
  const xml = '<FileZilla3><Servers><Folder>\u001b]0;x\u0007<Server><Host>h</Host><Protocol>1</Protocol><User>u</User><Name>n\u202e</Name></Server></Folder></Servers></FileZilla3>';
  const [f] = await readEntries('filezilla', xml, 'sitemanager.xml');
  assert.ok(!hasTerminalControls(f.label), f.label);
  // eslint-disable-next-line no-control-regex -- control characters are what must not be there
  assert.ok(!/[\u0000-\u001f\u202e]/.test(String(f.profile?.name)), String(f.profile?.name));
});

test('scrubJson: the member and its comma go, whatever its place; comments and the rest stay', async () => {
  const { scrubJson } = await import('../../src/core/import/scrub');
  const { parseJsonc } = await import('../../src/core/profiles/jsonc');
  const cases: [string, (string | number)[][], unknown][] = [
    ['{\n  "a": 1,\n  "password": "x", // secret\n  "b": 2\n}', [['password']], { a: 1, b: 2 }],
    ['{\n  "a": 1,\n  "password": "x"\n}', [['password']], { a: 1 }],
    ['{ "password": "x" }', [['password']], {}],
    ['{"password":"x","passphrase":"y","a":[1]}', [['password'], ['passphrase']], { a: [1] }],
    ['[{ "a": 1, "password": "x", }, { "password": "z" }]', [[0, 'password'], [1, 'password']], [{ a: 1 }, {}]],
    ['{ "p": { "dev": { "password": "x" /* c */ } } }', [['p', 'dev', 'password']], { p: { dev: {} } }],
  ];
  for (const [text, paths, expected] of cases) {
    const out = scrubJson(text, paths);
    assert.deepEqual(parseJsonc(out).value, expected, `${text}\n→\n${out}`);
  }
  assert.match(scrubJson('{\n  "a": 1,\n  "password": "x", // secret\n  "b": 2\n}', [['password']]), /^\{\n {2}"a": 1,\n {2}\/\/ secret\n {2}"b": 2\n\}$/);
});
