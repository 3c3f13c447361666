/// <reference types="mocha" />
/**
 * Import in Restricted Mode: an untrusted workspace's .vscode/sftp.json with a plaintext password
 * brings no offer (the file belongs to a repository nobody vouched for), and Import Profiles… says to
 * trust the workspace first instead of writing profiles that would be ignored.
 */
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { IMPORT_OFFER_STATE, offerSftpJsonImport } from '../../../../src/extension/commands/importProfiles';
import { answerUi, config, getApi } from '../helpers';

describe('Restricted Mode: import', () => {
  const sftpJson = () => path.join(config.workspace, '.vscode', 'sftp.json');
  after(() => rmSync(sftpJson(), { force: true }));

  it('offers nothing for an untrusted sftp.json and refuses the command with the way out', async () => {
    const api = await getApi();
    assert.equal(vscode.workspace.isTrusted, false);
    writeFileSync(sftpJson(), JSON.stringify({ host: 'untrusted.example.com', username: 'u', password: 'planted' }));
    const rec = answerUi(api, { offer: () => 'Import and Move Password' });
    assert.equal(await offerSftpJsonImport(api.services), 'not-offered');
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(rec.offers, []);
    assert.equal(api.services.context.workspaceState.get(IMPORT_OFFER_STATE), undefined, 'nothing remembered: trusting later still offers it');
    await vscode.commands.executeCommand('secureTransfer.importProfiles', sftpJson());
    assert.match(rec.errors[0] ?? '', /^Trust this workspace first/);
    assert.ok(!(await api.services.secrets.keys()).some((k) => k.includes('untrusted.example.com')), 'no planted password reached the keychain');
  });
});
