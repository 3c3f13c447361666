/// <reference types="mocha" />
/** The status-bar item follows the connections: which server, how many, or none. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answerUi, getApi } from './helpers';

describe('status bar', function () {
  this.timeout(60_000);

  it('shows the connected server, then how many, then that none is connected', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    await api.services.connections.disconnectAll();
    assert.equal(api.services.statusBar.text, '$(debug-disconnect) Secure Transfer');
    assert.equal(await vscode.commands.executeCommand('secureTransfer.connect', 'sftp-test'), true, rec.errors.join(' '));
    assert.equal(api.services.statusBar.text, '$(lock) sftp-test');
    assert.equal(api.services.statusBar.tooltip, 'Secure Transfer: connected to sftp-test');
    assert.equal(await vscode.commands.executeCommand('secureTransfer.connect', 'weak-sftp'), true, rec.errors.join(' '));
    assert.equal(api.services.statusBar.text, '$(lock) 2 servers');
    await vscode.commands.executeCommand('secureTransfer.disconnect', 'weak-sftp');
    await vscode.commands.executeCommand('secureTransfer.disconnect', 'sftp-test');
    assert.equal(api.services.statusBar.text, '$(debug-disconnect) Secure Transfer');
    await api.services.audits.idle();
  });
});
