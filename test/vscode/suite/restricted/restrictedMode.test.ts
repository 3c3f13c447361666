/// <reference types="mocha" />
/**
 * Restricted Mode (Workspace Trust on, folder not trusted): the shared profile file is ignored (it
 * could point anywhere), the view says why, and the user's own profiles still work.
 * Runs in its own VS Code (scripts/test-vscode.mjs starts it without --disable-workspace-trust).
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RESTRICTED_MESSAGE } from '../../../../src/extension/remoteTree';
import { answerUi, config, EXTENSION_ID, getApi } from '../helpers';

describe('Restricted Mode', () => {
  it('ignores .vscode/secure-transfer.json of an untrusted workspace and shows why', async () => {
    const api = await getApi();
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is untrusted');
    assert.ok(existsSync(path.join(config.workspace, '.vscode', 'secure-transfer.json')), 'the shared file is there');
    assert.equal(api.services.profiles.restricted, true);
    assert.deepEqual(api.services.profiles.profiles, [], 'none of its profiles is loaded');
    // With no profile at all, the welcome view for untrusted workspaces explains it.
    assert.deepEqual(await api.services.tree.getChildren(), []);
    const welcome = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.viewsWelcome as { when: string; contents: string }[])
      .find((w) => w.when.includes('!isWorkspaceTrusted'));
    assert.match(welcome?.contents ?? '', /Restricted Mode/);
  });

  it('keeps the user\'s own profiles, with the reason shown above them; nothing is written to the workspace', async () => {
    const api = await getApi();
    const sharedFile = path.join(config.workspace, '.vscode', 'secure-transfer.json');
    const sharedBefore = readFileSync(sharedFile, 'utf8');
    const rec = answerUi(api, { pick: (items) => items[0], input: (o) => (o.prompt === 'Server address' ? `someone@${config.sftp.host}:${config.sftp.port}` : o.prompt === 'Profile name' ? 'mine' : undefined) });
    assert.equal(await vscode.commands.executeCommand('secureTransfer.addProfile'), 'mine', rec.errors.join(' '));
    assert.equal(api.services.profiles.find('mine')?.source.kind, 'user', 'only user settings are offered');
    const roots = await api.services.tree.getChildren();
    assert.equal(roots[0].kind === 'message' && roots[0].text, RESTRICTED_MESSAGE);
    assert.deepEqual(roots.slice(1).map((n) => n.kind === 'profile' && n.profile.name), ['mine']);
    const refused = answerUi(api);
    await vscode.commands.executeCommand('secureTransfer.connect', 'shared-in-untrusted');
    assert.match(refused.errors[0] ?? '', /no Secure Transfer profile named "shared-in-untrusted"/);
    assert.equal(readFileSync(sharedFile, 'utf8'), sharedBefore);
  });
});
