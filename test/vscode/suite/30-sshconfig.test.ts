/// <reference types="mocha" />
/**
 * ~/.ssh/config in VS Code: "Add Profile…" offers the config's concrete Host entries first (a
 * pattern never), and picking one saves an SFTP profile whose host is the alias with no user or
 * port of its own; the Remote Files row's tooltip (resolved on hover) shows the server it really
 * reaches, `user@host:port`, from the config.
 */
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { TYPE_ADDRESS_LABEL } from '../../../src/extension/commands/profiles';
import { answerUi, config, getApi } from './helpers';

const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);
const NAME = 'ssh-config-alias';

describe('~/.ssh/config', function () {
  this.timeout(60_000);
  let dir: string;

  before(async () => {
    const api = await getApi();
    dir = mkdtempSync(path.join(os.tmpdir(), 'st-vscode-sshcfg-'));
    const file = path.join(dir, 'config');
    writeFileSync(file, ['Host *.wild', '  User nobody', 'Host st-alias other-alias', '  HostName 127.0.0.1', `  Port ${config.sftp.port}`, `  User ${config.user.name}`, ''].join('\n'), { mode: 0o600 });
    api.services.sshConfig.file = file;
  });

  after(async () => {
    const api = await getApi();
    api.services.sshConfig.file = false;
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    const current = settings.inspect<Array<{ name: string }>>('profiles')?.globalValue ?? [];
    await settings.update('profiles', current.filter((p) => p.name !== NAME), vscode.ConfigurationTarget.Global);
    rmSync(dir, { recursive: true, force: true });
  });

  it('Add Profile offers the Host entries (not patterns) and saves the alias without user or port', async () => {
    const api = await getApi();
    let offered: string[] = [];
    const rec = answerUi(api, {
      pick: (items) => {
        if (items.some((i) => i.label === TYPE_ADDRESS_LABEL)) {
          offered = items.map((i) => i.label);
          return items.find((i) => i.label === 'st-alias');
        }
        return items.find((i) => i.label === 'User settings');
      },
      input: (o) => (o.prompt === 'Profile name' ? NAME : undefined),
    });
    assert.equal(await exec('addProfile'), NAME, rec.errors.join(' '));
    assert.deepEqual(offered, [TYPE_ADDRESS_LABEL, 'st-alias', 'other-alias']);
    const saved = vscode.workspace.getConfiguration('secureTransfer').inspect<Array<Record<string, unknown>>>('profiles')?.globalValue?.find((p) => p.name === NAME);
    assert.deepEqual(saved, { name: NAME, protocol: 'sftp', host: 'st-alias' });
  });

  it('the profile row\'s tooltip (resolved on hover) shows user@host:port from the config', async () => {
    const api = await getApi();
    const node = (await api.services.tree.getChildren()).find((n) => n.kind === 'profile' && n.profile.name === NAME);
    assert.ok(node, 'the new profile has a row');
    const item = api.services.tree.getTreeItem(node);
    assert.equal(item.tooltip, undefined, 'left for resolveTreeItem, so the config is read only on hover');
    const resolved = await api.services.tree.resolveTreeItem(item, node);
    // appendText escapes Markdown punctuation (`-`, `_`…) and spaces (&nbsp;): compare the text as shown.
    const text = (resolved.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
    assert.ok(text.includes(`Connects to: ${config.user.name}@127.0.0.1:${config.sftp.port} (from ~/.ssh/config)`), text);
  });
});
