/**
 * importProfiles end to end on real files in a temporary folder, with an in-memory SecretStore:
 * profiles merged into .vscode/secure-transfer.json (no secret in it), secrets in the store keyed by
 * server, --scrub removing exactly the stored secrets from the source, dry runs writing nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, copyFileSync, rmSync, existsSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importProfiles } from '../../src/core/import';
import { memorySecretStore } from '../../src/core/secrets/memoryStore';
import { secretKey } from '../../src/core/secrets/secretStore';
import { parseProfileFileText } from '../../src/core/profiles/load';
import { readEntries } from '../../src/core/import';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'import');

function workspace(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, '.vscode'));
  return dir;
}

const profileFile = (dir: string) => path.join(dir, '.vscode', 'secure-transfer.json');

test('sftp.json: the profile lands next to it, the password in the keychain and in neither file after --scrub (comments kept)', async (t) => {
  const dir = workspace(t);
  const src = path.join(dir, '.vscode', 'sftp.json');
  copyFileSync(path.join(FIXTURES, 'sftp.json'), src);
  const store = memorySecretStore();
  const report = await importProfiles({ file: src, folder: dir, store, scrub: true });
  assert.equal(report.format, 'vscode-sftp');
  assert.equal(report.target, profileFile(dir));
  assert.deepEqual(report.profiles.map((p) => [p.name, p.url, p.secrets]), [['Production', 'sftp://deploy@files.example.com:2222', ['password']]]);
  assert.equal(report.scrubbed, 1);
  assert.equal(await store.get(secretKey({ protocol: 'sftp', host: 'files.example.com', port: 2222, username: 'deploy' }, 'password')), 's3cret-prod');
  const written = readFileSync(profileFile(dir), 'utf8');
  assert.ok(!written.includes('s3cret-prod'));
  const [p] = parseProfileFileText(written, 'f').profiles;
  assert.equal(p.localRoot, 'public');
  const source = readFileSync(src, 'utf8');
  assert.ok(!source.includes('s3cret-prod'), source);
  assert.ok(!/"password"/.test(source), 'the member is gone, not emptied');
  assert.match(source, /^\/\/ vscode-sftp/, 'comments survive the scrub');
  assert.match(source, /"remotePath": "\/var\/www\/site",/);
  const [again] = await readEntries('vscode-sftp', source, src);
  assert.equal(again.password, undefined);
});

test('without --scrub the source keeps its password (and the report says to scrub); a second import adds nothing', async (t) => {
  const dir = workspace(t);
  const src = path.join(dir, '.vscode', 'sftp.json');
  copyFileSync(path.join(FIXTURES, 'sftp.json'), src);
  const store = memorySecretStore();
  const first = await importProfiles({ file: src, folder: dir, store });
  assert.equal(first.scrubbed, 0);
  assert.match(first.warnings.join('\n'), /still in .*sftp\.json too: run the import again with --scrub/);
  assert.equal(readFileSync(src, 'utf8'), readFileSync(path.join(FIXTURES, 'sftp.json'), 'utf8'));
  const before = readFileSync(profileFile(dir), 'utf8');
  const second = await importProfiles({ file: src, folder: dir, store });
  assert.equal(second.written, false);
  assert.equal(second.profiles[0].alreadyAs, 'Production');
  assert.equal(readFileSync(profileFile(dir), 'utf8'), before, 'an identical profile is not duplicated');
});

test('merging: existing profiles and comments kept untouched, a clashing name becomes "name (2)", the file stays valid', async (t) => {
  const dir = workspace(t);
  const existing = `{
    // the team's servers
    "profiles": [
        { "name": "Production", "protocol": "sftp", "host": "old.example.com", "username": "ops" } // keep me
    ],
    "policy": { "allowedHosts": ["*.example.com"] }
}
`;
  writeFileSync(profileFile(dir), existing);
  const src = path.join(dir, '.vscode', 'sftp.json');
  copyFileSync(path.join(FIXTURES, 'sftp.json'), src);
  const report = await importProfiles({ file: src, folder: dir, store: memorySecretStore() });
  assert.deepEqual(report.profiles.map((p) => p.name), ['Production (2)']);
  const text = readFileSync(profileFile(dir), 'utf8');
  assert.ok(text.startsWith(existing.slice(0, existing.indexOf('// keep me') + '// keep me'.length).replace(' // keep me', '')), text);
  assert.match(text, /\/\/ the team's servers/);
  assert.match(text, /"username": "ops" }, \/\/ keep me\n {8}\{\n {10}"name": "Production \(2\)"/, 'a comma added, the comment kept on its line, the new profile after it');
  assert.match(text, /"allowedHosts": \["\*\.example\.com"\]/);
  const parsed = parseProfileFileText(text, 'f');
  assert.deepEqual(parsed.profiles.map((p) => p.name), ['Production', 'Production (2)']);
  assert.equal(parsed.profiles[0].host, 'old.example.com');
});

test('an invalid existing profile file stops the import before anything is stored or written', async (t) => {
  const dir = workspace(t);
  writeFileSync(profileFile(dir), '{ "profiles": [ { "name": "x", "protocol": "ftp", "host": "h", "username": "u" } ] }');
  const src = path.join(dir, '.vscode', 'sftp.json');
  copyFileSync(path.join(FIXTURES, 'sftp.json'), src);
  const store = memorySecretStore();
  await assert.rejects(importProfiles({ file: src, folder: dir, store, scrub: true }), /plain FTP.*Fix .*secure-transfer\.json first, then import again \(nothing was changed\)/);
  assert.deepEqual(await store.keys(), []);
  assert.equal(readFileSync(src, 'utf8'), readFileSync(path.join(FIXTURES, 'sftp.json'), 'utf8'));
});

test('array: plain FTP becomes ftpes (never ftp), an invalid entry is skipped with its problem and keeps its password in the source', async (t) => {
  const dir = workspace(t);
  const src = path.join(dir, 'array.json');
  copyFileSync(path.join(FIXTURES, 'array.sftp.json'), src);
  const store = memorySecretStore();
  const report = await importProfiles({ file: src, format: 'vscode-sftp', folder: dir, store, scrub: true });
  assert.deepEqual(report.profiles.map((p) => p.name), ['Legacy FTP', 'Implicit', 'Explicit']);
  assert.equal(report.skipped.length, 2);
  assert.match(report.warnings.join('\n'), /config 5 \("Broken"\) was skipped: "host" is a URL — write only the server's name/);
  assert.match(report.warnings.join('\n'), /config 5 \("Broken"\): its password stays in .*array\.json/);
  const written = readFileSync(profileFile(dir), 'utf8');
  assert.ok(!/"protocol": "ftp"/.test(written));
  assert.match(written, /"protocol": "ftpes"/);
  const source = JSON.parse(readFileSync(src, 'utf8')) as Record<string, unknown>[];
  assert.equal(source[0].password, undefined);
  assert.equal(source[1].password, undefined);
  assert.equal(source[4].password, 'never-stored');
  assert.equal(await store.get(secretKey({ protocol: 'ftpes', host: 'ftp.example.com', port: 21, username: 'legacy' }, 'password')), 'ftp-pass');
  assert.equal(await store.get(secretKey({ protocol: 'ftps', host: 'ftps.example.com', port: 990, username: 'imp' }, 'password')), 'imp-pass');
  assert.ok(!(await store.keys()).some((k) => k.includes('bad.example.com')));
});

test('profiles contexts: a base password shared by two profiles, a hop password under the hop\'s own address, the passphrase', async (t) => {
  const dir = workspace(t);
  const src = path.join(dir, '.vscode', 'sftp.json');
  copyFileSync(path.join(FIXTURES, 'profiles.sftp.json'), src);
  const store = memorySecretStore();
  const report = await importProfiles({ file: src, folder: dir, store, scrub: true });
  assert.deepEqual(report.profiles.map((p) => [p.name, p.secrets, p.hopPasswords]), [['Site - dev', ['password'], 0], ['Site - prod', ['password', 'passphrase'], 1]]);
  const prod = { protocol: 'sftp', host: 'prod.example.com', port: 22, username: 'release' } as const;
  assert.equal(await store.get(secretKey(prod, 'password')), 'prod-pass');
  assert.equal(await store.get(secretKey(prod, 'passphrase')), 'key-pass');
  assert.equal(await store.get(secretKey({ protocol: 'sftp', host: 'bastion.example.com', port: 2200, username: 'jump' }, 'password')), 'hop-pass');
  assert.equal(await store.get(secretKey({ protocol: 'sftp', host: 'dev.example.com', port: 22, username: 'web' }, 'password')), 'shared-pass');
  const source = readFileSync(src, 'utf8');
  for (const secret of ['shared-pass', 'prod-pass', 'key-pass', 'hop-pass']) assert.ok(!source.includes(secret), `${secret} left in ${source}`);
  assert.doesNotThrow(() => JSON.parse(source));
});

test('a different password already in the keychain is kept, and that entry\'s password is not scrubbed', async (t) => {
  const dir = workspace(t);
  const src = path.join(dir, '.vscode', 'sftp.json');
  copyFileSync(path.join(FIXTURES, 'sftp.json'), src);
  const store = memorySecretStore();
  const key = secretKey({ protocol: 'sftp', host: 'files.example.com', port: 2222, username: 'deploy' }, 'password');
  await store.set(key, 'newer');
  const report = await importProfiles({ file: src, folder: dir, store, scrub: true });
  assert.equal(await store.get(key), 'newer');
  assert.equal(report.scrubbed, 0);
  assert.match(report.warnings.join('\n'), /a different password is already in the OS keychain for sftp:\/\/deploy@files\.example\.com:2222 — kept that one/);
  assert.match(readFileSync(src, 'utf8'), /s3cret-prod/);
});

test('--dry-run stores nothing and writes nothing', async (t) => {
  const dir = workspace(t);
  const src = path.join(dir, '.vscode', 'sftp.json');
  copyFileSync(path.join(FIXTURES, 'sftp.json'), src);
  const store = memorySecretStore();
  const report = await importProfiles({ file: src, folder: dir, store, scrub: true, dryRun: true });
  assert.equal(report.profiles.length, 1);
  assert.equal(report.written, false);
  assert.ok(!existsSync(profileFile(dir)));
  assert.deepEqual(await store.keys(), []);
  assert.match(readFileSync(src, 'utf8'), /s3cret-prod/);
});

test('FileZilla --scrub removes only the imported sites\' <Pass> (not the S3 one, not the comment), WinSCP only their Password lines', async (t) => {
  const dir = workspace(t);
  const xml = path.join(dir, 'sitemanager.xml');
  copyFileSync(path.join(FIXTURES, 'sitemanager.xml'), xml);
  const store = memorySecretStore();
  const r1 = await importProfiles({ file: xml, folder: dir, store, scrub: true });
  assert.equal(r1.scrubbed, 3);
  const after = readFileSync(xml, 'utf8');
  assert.equal((after.match(/<Pass\b/g) ?? []).length, 3, 'S3, the master-password one and the comment keep theirs');
  assert.match(after, /<!-- <Server><Pass>not a real one<\/Pass><\/Server> -->/);
  assert.ok(!after.includes('plain-text-pass'));
  assert.match(after, /\t\t\t<User>alice<\/User>\n\t\t\t<Logontype>1<\/Logontype>/, 'the whole line went');
  assert.equal(await store.get(secretKey({ protocol: 'ftpes', host: 'ftp.shop.example', port: 21, username: 'shop' }, 'password')), 'shop-päss');

  const ini = path.join(dir, 'WinSCP.ini');
  copyFileSync(path.join(FIXTURES, 'WinSCP.ini'), ini);
  const r2 = await importProfiles({ file: ini, folder: dir, store, scrub: true });
  assert.equal(r2.scrubbed, 2);
  const iniAfter = readFileSync(ini, 'utf8');
  assert.ok(!/^Password=/m.test(iniAfter));
  assert.match(iniAfter, /\r\nPublicKeyFile=C:%5CUsers/, 'CRLF line ends kept');
  assert.equal(await store.get(secretKey({ protocol: 'sftp', host: 'www.example.com', port: 2022, username: 'deploy' }, 'password')), 'winscp-pass');
  const names = parseProfileFileText(readFileSync(profileFile(dir), 'utf8'), 'f').profiles.map((p) => p.name);
  assert.ok(names.includes('Clients - Shop-EU - Shop FTP') && names.includes('Work - Old FTP'), names.join(', '));
  assert.ok(!readFileSync(profileFile(dir), 'utf8').match(/winscp-pass|alice-pass|shop-p/));
  assert.equal(statSync(ini).mode & 0o777, statSync(path.join(FIXTURES, 'WinSCP.ini')).mode & 0o777, 'the mode is kept');
});

test('hostile input: a huge file and a folder are refused in one sentence', async (t) => {
  const dir = workspace(t);
  const big = path.join(dir, 'big.json');
  writeFileSync(big, Buffer.alloc(9 * 1024 * 1024, 0x20));
  await assert.rejects(importProfiles({ file: big, folder: dir, dryRun: true }), /The file to import .*big\.json is larger than 8 MiB/);
  await assert.rejects(importProfiles({ file: dir, folder: dir, dryRun: true }), /is a folder, not a regular file/);
  await assert.rejects(importProfiles({ file: path.join(dir, 'nope.json'), folder: dir, dryRun: true }), /nope\.json does not exist/);
});

test('an entry without a host is skipped naming what is missing, once', async (t) => {
  const dir = workspace(t);
  const src = path.join(dir, 'sftp.json');
  writeFileSync(src, JSON.stringify([{ username: 'u', password: 'p' }, { host: 'ok.example.com', username: 'u' }]));
  const report = await importProfiles({ file: src, format: 'vscode-sftp', folder: dir, dryRun: true });
  assert.deepEqual(report.profiles.map((p) => p.name), ['ok.example.com']);
  const warning = report.warnings.find((w) => w.startsWith('config 1 was skipped'));
  assert.match(warning ?? '', /^config 1 was skipped: "host" is missing — add it/);
  assert.ok(!/"host" "host"/.test(warning!), warning);
});
