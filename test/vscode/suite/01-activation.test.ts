/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, getApi } from './helpers';

describe('activation', () => {
  it('activates and registers every command package.json contributes', async () => {
    await getApi();
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = (ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
    assert.ok(contributed.length >= 20);
  });

  it('declares limited support for untrusted workspaces', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('shows nothing but the welcome view while there are no profiles', async () => {
    const api = await getApi();
    if (api.services.profiles.profiles.length === 0 && api.services.profiles.problems.length === 0) {
      assert.deepEqual(await api.services.tree.getChildren(), []);
    }
  });
});
