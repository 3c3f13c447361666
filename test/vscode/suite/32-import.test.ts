/// <reference types="mocha" />
/**
 * Import Profiles (issue 14, migration) as users meet it: a workspace's vscode-sftp .vscode/sftp.json
 * with a plaintext password brings ONE offer to import it (the file watcher notices it appear), and
 * accepting moves the password to the keychain (SecretStorage) and out of both files; the palette
 * command imports a FileZilla sitemanager.xml picked in the file dialog.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { secretKey } from '../../../src/core/secrets/secretStore';
import { COPY, IMPORT_AND_MOVE, IMPORT_OFFER_STATE, MOVE } from '../../../src/extension/commands/importProfiles';
import { answerUi, config, getApi, waitFor } from './helpers';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'import');
const PASSWORD = 'vscode-sftp-Plaintext-9';
const SERVER = { protocol: 'sftp' as const, host: 'import-offer.example.com', port: 2201, username: 'offered' };

describe('import profiles', function () {
  this.timeout(120_000);
  const profileFile = () => path.join(config.workspace, '.vscode', 'secure-transfer.json');
  const sftpJson = () => path.join(config.workspace, '.vscode', 'sftp.json');
  let savedProfiles: string | undefined;
  const keys: string[] = [];

  before(async () => {
    savedProfiles = existsSync(profileFile()) ? readFileSync(profileFile(), 'utf8') : undefined;
    const api = await getApi();
    await api.services.context.workspaceState.update(IMPORT_OFFER_STATE, undefined);
  });

  after(async () => {
    const api = await getApi();
    rmSync(sftpJson(), { force: true });
    if (savedProfiles === undefined) rmSync(profileFile(), { force: true });
    else writeFileSync(profileFile(), savedProfiles);
    for (const k of keys) await api.services.secrets.delete(k);
    await api.services.profiles.reload();
  });

  it('a .vscode/sftp.json with a plaintext password brings one offer; accepting moves the password to the keychain and out of both files', async () => {
    const api = await getApi();
    const rec = answerUi(api, { offer: (_m, actions) => (actions.includes(IMPORT_AND_MOVE) ? IMPORT_AND_MOVE : undefined) });
    writeFileSync(
      sftpJson(),
      `{
  // vscode-sftp
  "name": "offered",
  "host": "${SERVER.host}",
  "port": ${SERVER.port},
  "username": "${SERVER.username}",
  "password": "${PASSWORD}",
  "remotePath": "/srv/offered"
}
`,
    );
    keys.push(secretKey(SERVER, 'password'));
    const offer = await waitFor('the import offer', () => rec.offers.find((o) => /sftp\.json \(vscode-sftp\) holds a plaintext password/.test(o.message)));
    assert.deepEqual(offer.actions, [IMPORT_AND_MOVE, 'Not Now']);
    await waitFor('the imported profile', () => api.services.profiles.find('offered'));
    assert.equal(await api.services.secrets.get(secretKey(SERVER, 'password')), PASSWORD, 'the password is in SecretStorage');
    const profiles = readFileSync(profileFile(), 'utf8');
    assert.ok(!profiles.includes(PASSWORD), profiles);
    const source = readFileSync(sftpJson(), 'utf8');
    assert.ok(!source.includes(PASSWORD) && !source.includes('"password"'), source);
    assert.match(source, /\/\/ vscode-sftp/, 'the rest of sftp.json is kept');
    assert.ok(rec.infos.some((m) => /Imported 1 profile into \.vscode\/secure-transfer\.json; 1 secret is in the OS keychain and no longer in \.vscode\/sftp\.json\./.test(m)), rec.infos.join('\n'));
    assert.equal(api.services.context.workspaceState.get(IMPORT_OFFER_STATE), true);

    // One notification per workspace: another password written there brings no second offer.
    writeFileSync(sftpJson(), JSON.stringify({ host: 'again.example.com', username: 'u', password: 'again' }));
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(rec.offers.length, 1, rec.offers.map((o) => o.message).join('\n'));
  });

  it('Import Profiles… imports a FileZilla sitemanager.xml picked in the dialog, moving its passwords', async () => {
    const api = await getApi();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'st-import-fz-'));
    const xml = path.join(dir, 'sitemanager.xml');
    copyFileSync(path.join(FIXTURES, 'sitemanager.xml'), xml);
    const alice = { protocol: 'sftp' as const, host: 'sftp.example.com', port: 22, username: 'alice' };
    keys.push(secretKey(alice, 'password'), secretKey({ protocol: 'ftpes', host: 'ftp.shop.example', port: 21, username: 'shop' }, 'password'), secretKey({ protocol: 'ftpes', host: 'plain.example.com', port: 21, username: 'old' }, 'password'));
    const picks: string[] = [];
    const rec = answerUi(api, {
      openDialog: () => [vscode.Uri.file(xml)],
      pick: (items) => {
        picks.push(...items.map((i) => i.label));
        return items.find((i) => i.label === MOVE);
      },
    });
    const added = await vscode.commands.executeCommand<number>('secureTransfer.importProfiles');
    assert.equal(added, 6, rec.errors.join('\n'));
    assert.deepEqual(picks, [MOVE, COPY]);
    assert.equal(await api.services.secrets.get(secretKey(alice, 'password')), 'alice-pass');
    assert.ok(api.services.profiles.find('Clients - Shop-EU - Shop FTP'), 'folders became a name prefix');
    assert.equal(api.services.profiles.find('Insecure')?.protocol, 'ftpes', 'plain FTP became ftpes');
    const profiles = readFileSync(profileFile(), 'utf8');
    assert.ok(!/alice-pass|shop-p|plain-text-pass/.test(profiles));
    assert.ok(!readFileSync(xml, 'utf8').includes('plain-text-pass'), 'the passwords left the source file');
    assert.ok(rec.infos.some((m) => /Imported 6 profiles into .*; 3 secrets are in the OS keychain and no longer in .*sitemanager\.xml\. \d+ notes? in the Secure Transfer log/.test(m)), rec.infos.join('\n'));
    rmSync(dir, { recursive: true, force: true });
  });
});
