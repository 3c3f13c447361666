/// <reference types="mocha" />
/**
 * Test Connection in VS Code, through a jump host: invoked with exactly what the profile row's context
 * menu passes (the tree element), against a bastion sshd and a target sshd started here. The trust
 * questions name the hop, each hop asks for its own password, and the output channel shows one line
 * per step; a refused target key stops at that step with the reason.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { forwardedPorts, startBastion, startSshd, type RunningServer } from '../../harness';
import type { TestConnectionResult } from '../../../src/extension/commands/testConnection';
import { entryKey, menuEntries } from '../../e2e/menuEntries';
import { answerUi, config, getApi } from './helpers';

const P = 'jump-test';
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);

describe('Test Connection through a jump host', function () {
  this.timeout(120_000);
  let bastion: RunningServer;
  let target: RunningServer;
  let before: unknown[];

  const setting = () => vscode.workspace.getConfiguration('secureTransfer');

  this.beforeAll(async () => {
    [bastion, target] = await Promise.all([startBastion(), startSshd()]);
    before = setting().inspect<unknown[]>('profiles')?.globalValue ?? [];
    const profile = { name: P, protocol: 'sftp', host: target.host, port: target.port, username: config.user.name, jump: [`${config.user.name}@${bastion.host}:${bastion.port}`] };
    await setting().update('profiles', [...before, profile], vscode.ConfigurationTarget.Global);
    const api = await getApi();
    await api.services.profiles.reload();
  });

  this.afterAll(async () => {
    await setting().update('profiles', before, vscode.ConfigurationTarget.Global);
    await Promise.all([bastion.stop(), target.stop()]);
  });

  const profileRow = async () => {
    const api = await getApi();
    const node = (await api.services.tree.getChildren()).find((n) => n.kind === 'profile' && n.profile.name === P);
    assert.ok(node, 'the profile row is in the tree');
    return node;
  };

  it('the profile row\'s context menu offers Test Connection (and the palette lists it)', () => {
    const entry = menuEntries().find((e) => e.key === entryKey('view/item/context', 'secureTransfer.testConnection', false));
    assert.ok(entry?.when?.includes('viewItem =~ /^profile\\./'), entry?.when);
  });

  it('every step passes through the bastion: trust questions name the hop, each hop asks its own password', async () => {
    const api = await getApi();
    const rec = answerUi(api, {
      confirm: (_m, actions) => (actions.includes('Trust Once') ? 'Trust Once' : undefined),
      input: () => config.user.password,
    });
    const mark = forwardedPorts(await bastion.readLog()).length;
    const result = await exec<TestConnectionResult>('testConnection', await profileRow());
    assert.ok(result, 'the command returns its lines');
    assert.equal(result.ok, true, result.lines.join('\n'));
    assert.equal(rec.confirms.length, 2, 'two identities: the bastion, then the target');
    assert.match(rec.confirms[0].message, new RegExp(`of 127\\.0\\.0\\.1:${bastion.port} \\(jump host 1 of 1 on the way to sftp://${config.user.name}@127\\.0\\.0\\.1:${target.port}\\) is not trusted yet`));
    assert.doesNotMatch(rec.confirms[1].message, /jump host/);
    assert.equal(rec.inputs.length, 2, 'a password for each server');
    assert.match(String(rec.inputs[0].prompt ?? rec.inputs[0].title), new RegExp(`${bastion.port}`));
    assert.match(String(rec.inputs[1].prompt ?? rec.inputs[1].title), new RegExp(`${target.port}`));
    const lines = result.lines.slice(1);
    assert.ok(lines.every((l) => l.startsWith('✓ ')), lines.join('\n'));
    assert.ok(lines.some((l) => /^✓ Jump host 1 of 1 .*: identity verified \(you accepted it for this connection/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^✓ Logged in to jump host 1 of 1/.test(l)));
    assert.ok(lines.some((l) => /^✓ Listed .*: \d+ entr(y|ies)\.$/.test(l)));
    assert.equal(lines.at(-1), '✓ Closed the connection.');
    assert.deepEqual(forwardedPorts(await bastion.readLog()).slice(mark), [target.port], 'the bastion forwarded to the target');
    assert.ok(rec.infos.some((m) => /passed every step/.test(m)), rec.infos.join('\n'));
  });

  it('a target key the user refuses stops at that step, with the reason, and nothing is listed', async () => {
    const api = await getApi();
    const rec = answerUi(api, {
      confirm: (m, actions) => (m.includes('jump host') && actions.includes('Trust Once') ? 'Trust Once' : undefined),
      input: () => config.user.password,
    });
    const result = await exec<TestConnectionResult>('testConnection', await profileRow());
    assert.ok(result);
    assert.equal(result.ok, false);
    const last = result.lines.at(-1)!;
    assert.match(last, new RegExp(`^✗ Connecting to 127\\.0\\.0\\.1:${target.port} failed: The SSH host key of 127\\.0\\.0\\.1:${target.port} is not trusted yet`));
    assert.ok(!result.lines.some((l) => l.includes('Listed')));
    // The bastion's password typed in the first test is remembered for this window; the target is never asked.
    assert.ok(!rec.inputs.some((i) => String(i.prompt ?? i.title).includes(`:${target.port}`)), 'no password was asked for the refused target');
    assert.ok(result.lines.some((l) => /^✓ Logged in to jump host 1 of 1/.test(l)), 'the bastion step passed before the refusal');
    assert.ok(rec.errors.some((m) => m.startsWith(`Test Connection: ${P} failed — Connecting to`)), rec.errors.join('\n'));
  });
});
