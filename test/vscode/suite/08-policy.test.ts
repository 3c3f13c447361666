/// <reference types="mocha" />
/**
 * Policy in the extension: the user setting `secureTransfer.policy`, merged with the shared file's
 * `policy` block (the stricter wins), is passed to connect(); a refusal names the rule in the tree.
 * Runs after 03/04 (the sshd's key is trusted and the password stored).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { TestApi } from '../../../src/extension/extension';
import type { RemoteNode } from '../../../src/extension/remoteTree';
import { answerUi, config, getApi } from './helpers';

const USER_PROFILE = 'sftp-test';
const SHARED_PROFILE = 'guarded';
const profileFile = path.join(config.workspace, '.vscode', 'secure-transfer.json');
const authAttempts = () => readFileSync(config.sftp.logFile, 'utf8').split('\n').filter((l) => /Accepted|Failed|Invalid user/.test(l)).length;

async function setUserPolicy(api: TestApi, policy: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('secureTransfer').update('policy', policy, vscode.ConfigurationTarget.Global);
  // The registry also reloads on its own (config event, file watcher); this makes the new value certain now.
  await api.services.profiles.reload();
}

async function childOf(api: TestApi, name: string): Promise<RemoteNode> {
  const node = (await api.services.tree.getChildren()).find((n) => n.kind === 'profile' && n.profile.name === name)!;
  const [child] = await api.services.tree.getChildren(node);
  return child;
}

describe('policy (user setting merged with the shared file)', function () {
  this.timeout(60_000);
  let originalFile: string | undefined;

  before(async () => {
    const api = await getApi();
    answerUi(api);
    originalFile = existsSync(profileFile) ? readFileSync(profileFile, 'utf8') : undefined;
    writeFileSync(profileFile, JSON.stringify({
      profiles: [{ name: SHARED_PROFILE, protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name }],
      policy: { allowedHosts: ['127.0.0.1'] },
    }, null, 2));
    await vscode.commands.executeCommand('secureTransfer.refresh');
    assert.ok(api.services.profiles.find(SHARED_PROFILE));
    await vscode.commands.executeCommand('secureTransfer.disconnect', USER_PROFILE);
  });

  after(async () => {
    const api = await getApi();
    await setUserPolicy(api, undefined);
    if (originalFile !== undefined) writeFileSync(profileFile, originalFile);
    await vscode.commands.executeCommand('secureTransfer.refresh');
    await api.services.connections.disconnectAll();
  });

  it('a user policy whose allowedHosts excludes 127.0.0.1 refuses before connecting, naming policy.allowedHosts in the tree', async () => {
    const api = await getApi();
    await setUserPolicy(api, { allowedHosts: ['files.example.com'] });
    const rec = answerUi(api);
    const before = authAttempts();
    assert.equal(await vscode.commands.executeCommand('secureTransfer.connect', USER_PROFILE), undefined);
    const state = api.services.connections.state(USER_PROFILE);
    assert.equal(state.status === 'error' && state.code, 'policy-violation');
    assert.equal(rec.errors.length, 1);
    assert.match(rec.errors[0], /policy\.allowedHosts/);
    assert.equal(authAttempts(), before, 'the server saw no login');
    const child = await childOf(api, USER_PROFILE);
    assert.ok(child.kind === 'message' && child.text.includes('policy.allowedHosts'), 'the rule is shown in place');
    assert.equal(child.kind === 'message' && child.contextValue, 'message.policy');
  });

  it('the stricter of workspace and user policy wins: both allowedHosts lists must allow the host', async () => {
    const api = await getApi();
    await setUserPolicy(api, { allowedHosts: ['10.0.0.0/8'] });
    const rec = answerUi(api);
    assert.equal(await vscode.commands.executeCommand('secureTransfer.connect', SHARED_PROFILE), undefined);
    assert.match(rec.errors[0] ?? '', /policy\.allowedHosts \(allowed: 10\.0\.0\.0\/8\)/);

    // Without the user's list, the shared file's own policy (127.0.0.1) lets the connection through.
    await setUserPolicy(api, undefined);
    const ok = answerUi(api);
    assert.equal(await vscode.commands.executeCommand('secureTransfer.connect', SHARED_PROFILE), true, ok.errors.join(' '));
    assert.equal(api.services.connections.state(SHARED_PROFILE).status, 'connected');
    await vscode.commands.executeCommand('secureTransfer.disconnect', SHARED_PROFILE);
  });

  it('blockOnSeverity refuses a server whose audit reaches it, and an invalid policy refuses everything', async () => {
    const api = await getApi();
    // The loopback sshd offers password authentication (a low finding): "low" blocks it.
    await setUserPolicy(api, { blockOnSeverity: 'low' });
    let rec = answerUi(api);
    assert.equal(await vscode.commands.executeCommand('secureTransfer.connect', USER_PROFILE), undefined);
    assert.match(rec.errors[0] ?? '', /policy\.blockOnSeverity/);

    await setUserPolicy(api, { allowedHosts: 'everything' });
    rec = answerUi(api);
    assert.equal(await vscode.commands.executeCommand('secureTransfer.connect', USER_PROFILE), undefined);
    assert.match(rec.errors[0] ?? '', /secureTransfer\.policy/);
    assert.ok(api.services.profiles.problems.some((p) => p.source === 'secureTransfer.policy'), 'the broken setting is listed in the tree');
  });
});
