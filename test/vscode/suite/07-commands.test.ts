/// <reference types="mocha" />
/** The guided Add Profile flow, Edit Profiles, Refresh, Show Log, Disconnect and plain-FTP refusal. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answerUi, getApi, waitFor } from './helpers';

describe('profile commands', () => {
  it('Add Profile asks protocol, address, name and place, and writes user settings (no secret)', async () => {
    const api = await getApi();
    const rec = answerUi(api, {
      pick: (items) => items.find((i) => i.label === 'FTPS (explicit TLS)') ?? items.find((i) => i.label === 'User settings'),
      input: (o) => (o.prompt === 'Server address' ? 'deploy@files.example.com:2121/var/www' : o.prompt === 'Profile name' ? 'guided' : undefined),
    });
    assert.equal(await vscode.commands.executeCommand('secureTransfer.addProfile'), 'guided', rec.errors.join(' '));
    const p = api.services.profiles.find('guided');
    assert.deepEqual(
      { protocol: p?.protocol, host: p?.host, port: p?.port, username: p?.username, remotePath: p?.remotePath, source: p?.source.kind },
      { protocol: 'ftpes', host: 'files.example.com', port: 2121, username: 'deploy', remotePath: '/var/www', source: 'user' },
    );
    // The address box rejects plain-FTP style input with one sentence, not a stack.
    const validate = rec.inputs.find((o) => o.prompt === 'Server address')!.validateInput!;
    assert.equal(await validate('deploy@files.example.com'), undefined);
    const problem = await validate('files.example.com');
    assert.ok(typeof problem === 'string' && problem.length > 0);
  });

  it('Add Profile refuses a duplicate name with one sentence', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    await vscode.commands.executeCommand('secureTransfer.addProfile', { name: 'guided', protocol: 'sftp', host: 'x.example', username: 'u', target: 'user' });
    assert.equal(rec.errors.length, 1);
    assert.match(rec.errors[0], /already exists/);
  });

  it('Edit Profiles opens the shared profile file', async () => {
    await vscode.commands.executeCommand('secureTransfer.editProfiles', 'workspace');
    const editor = await waitFor('the profile file editor', () => vscode.window.activeTextEditor?.document.uri.path.endsWith('.vscode/secure-transfer.json') && vscode.window.activeTextEditor);
    assert.ok(editor);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Show Log, Refresh and Disconnect run without errors', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    await vscode.commands.executeCommand('secureTransfer.showLog');
    await vscode.commands.executeCommand('secureTransfer.refresh');
    await vscode.commands.executeCommand('secureTransfer.disconnect', 'sftp-test');
    assert.equal(api.services.connections.state('sftp-test').status, 'disconnected');
    assert.deepEqual(rec.errors, []);
  });
});
