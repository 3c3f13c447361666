/// <reference types="mocha" />
/**
 * Profiles and credentials, invoked as VS Code invokes them: the Remote Files title bar's + (Add
 * Profile) and Edit Profiles with what a view/title button passes, pasted URLs in every address box,
 * typed passwords kept for the window's session by server (and forgotten when wrong), the offer to
 * keep one in the keychain, and profile-file problems as diagnostics with a quick fix, a tree row
 * that opens the file at the problem, and a status bar that drops a profile that vanished.
 * Runs after 03/04 (the sshd's host key is trusted; its password is stored, and restored here).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { secretKey } from '../../../src/core/secrets/secretStore';
import { PASSWORD_IN_ADDRESS } from '../../../src/extension/addressInput';
import { NEVER_REMEMBER_STATE } from '../../../src/extension/rememberPassword';
import { PROFILE_FILE_ERROR_TEXT, type RemoteNode } from '../../../src/extension/remoteTree';
import { answerUi, config, getApi, waitFor, type Recorded } from './helpers';

const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);
const sshd = () => ({ protocol: 'sftp' as const, host: config.sftp.host, port: config.sftp.port, username: config.user.name });
const passwordKey = () => secretKey(sshd(), 'password');
const typedPasswords = (rec: Recorded) => rec.inputs.filter((o) => o.password).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What a view/title button passes: VS Code sends `{ $treeViewId, $focusedTreeItem: true, … }` and the
 * extension host turns it into the view's focused element, or undefined when none is focused
 * (code-server 4.100.3, extHostTreeViews' argument processor); a second argument lists the selected
 * elements when several are.
 */
async function focusedRow(): Promise<RemoteNode> {
  const api = await getApi();
  const roots = await api.services.tree.getChildren();
  const row = roots.find((n) => n.kind === 'profile');
  assert.ok(row, 'a profile row to have focused');
  return row;
}

describe('profiles and credentials', function () {
  this.timeout(120_000);

  describe('title-bar buttons get what VS Code passes', () => {
    it('+ (Add Profile) with the focused row asks the questions and adds the profile', async () => {
      const api = await getApi();
      const rec = answerUi(api, {
        pick: (items) => items.find((i) => i.label === 'SFTP') ?? items.find((i) => i.label === 'User settings'),
        input: (o) => (o.prompt === 'Server address' ? 'alice@plus-button.example' : o.prompt === 'Profile name' ? 'from-plus-button' : undefined),
      });
      const row = await focusedRow();
      assert.equal(await exec('addProfile', row, [row]), 'from-plus-button', rec.errors.join(' '));
      assert.deepEqual(rec.errors, []);
      assert.equal(api.services.profiles.find('from-plus-button')?.host, 'plus-button.example');
    });

    it('+ (Add Profile) with nothing focused asks too', async () => {
      const api = await getApi();
      const rec = answerUi(api, {
        pick: (items) => items.find((i) => i.label === 'SFTP') ?? items.find((i) => i.label === 'User settings'),
        input: (o) => (o.prompt === 'Server address' ? 'bob@plus-button-2.example' : o.prompt === 'Profile name' ? 'from-plus-button-2' : undefined),
      });
      assert.equal(await exec('addProfile', undefined), 'from-plus-button-2', rec.errors.join(' '));
      assert.deepEqual(rec.errors, []);
    });

    it('Refresh, Show Log and Clear Transfers take the focused row and run without an error', async () => {
      const api = await getApi();
      const rec = answerUi(api);
      const row = await focusedRow();
      await exec('refresh', row);
      await exec('showLog', row);
      await exec('clearTransfers', undefined);
      assert.deepEqual(rec.errors, []);
    });

    it('Edit Profiles with the focused row asks which profiles, without an error', async () => {
      const api = await getApi();
      const asked: string[] = [];
      const rec = answerUi(api, {
        pick: (items) => {
          asked.push(...items.map((i) => i.label));
          return undefined;
        },
      });
      await exec('editProfiles', await focusedRow());
      assert.deepEqual(asked, ['Workspace (shared)', 'User settings']);
      assert.deepEqual(rec.errors, []);
    });
  });

  describe('pasted URLs', () => {
    const addPasted = async (url: string, name: string) => {
      const api = await getApi();
      const picked: string[][] = [];
      const rec = answerUi(api, {
        pick: (items) => {
          picked.push(items.map((i) => i.label));
          return items.find((i) => i.label === 'User settings');
        },
        input: (o) => (o.prompt === 'Server address' ? url : o.prompt === 'Profile name' ? name : undefined),
      });
      assert.equal(await exec('addProfile'), name, rec.errors.join(' '));
      // The URL named the protocol: the only question left is where to save.
      assert.ok(picked.every((labels) => !labels.includes('SFTP')), `no protocol pick: ${JSON.stringify(picked)}`);
      return { profile: api.services.profiles.find(name)!, rec };
    };

    it('sftp://bob@host:2222/path fills protocol, user, host, port and folder', async () => {
      const { profile } = await addPasted('sftp://bob@pasted.example:2222/srv/www', 'pasted-sftp');
      assert.deepEqual(
        { protocol: profile.protocol, username: profile.username, host: profile.host, port: profile.port, remotePath: profile.remotePath },
        { protocol: 'sftp', username: 'bob', host: 'pasted.example', port: 2222, remotePath: '/srv/www' },
      );
    });

    it('ftpes:// and ftps:// URLs take their protocol and its default port', async () => {
      const explicit = (await addPasted('ftpes://deploy@files.pasted.example/', 'pasted-ftpes')).profile;
      assert.deepEqual([explicit.protocol, explicit.port, explicit.username], ['ftpes', 21, 'deploy']);
      const implicit = (await addPasted('  ftps://deploy@files.pasted.example  ', 'pasted-ftps')).profile;
      assert.deepEqual([implicit.protocol, implicit.port], ['ftps', 990]);
    });

    it('the address box refuses ftp:// with the standard sentence and a password with the editor\'s fix', async () => {
      const api = await getApi();
      const rec = answerUi(api);
      await exec('addProfile');
      const validate = rec.inputs.find((o) => o.prompt === 'Server address')!.validateInput!;
      const ftp = await validate('ftp://bob@old.example/');
      assert.match(String(ftp), /uses plain FTP, which sends passwords and files in cleartext: use ftpes:\/\/ \(FTP with explicit TLS\) or sftp:\/\/ instead\./);
      for (const withPassword of ['sftp://bob:hunter2@pasted.example:2222/x', 'bob:hunter2@pasted.example']) {
        const refused = String(await validate(withPassword));
        assert.equal(refused, PASSWORD_IN_ADDRESS, withPassword);
        assert.ok(!refused.includes('hunter2'), 'the password is never echoed');
        assert.ok(!refused.includes('secure-transfer secret'), 'no CLI command in the editor');
        assert.match(refused, /Secure Transfer: Set Password/);
      }
      assert.equal(await validate('sftp://bob@pasted.example:2222/x'), undefined);
      assert.equal(await validate('bob@pasted.example'), undefined);
    });

    it('a remote path box takes a URL of the same server, and refuses another server\'s', async () => {
      const api = await getApi();
      const own = `sftp://${encodeURIComponent(config.user.name)}@${config.sftp.host}:${config.sftp.port}/srv/some/file.txt`;
      let typed = own;
      const rec = answerUi(api, { input: (o) => (o.prompt?.startsWith('Remote path on') ? typed : undefined) });
      assert.equal(await exec('copyRemotePath', 'sftp-test'), '/srv/some/file.txt', rec.errors.join(' '));
      typed = 'sftp://someone@elsewhere.example/etc/passwd';
      assert.equal(await exec('copyRemotePath', 'sftp-test'), undefined);
      assert.match(rec.errors[0] ?? '', /points at sftp:\/\/someone@elsewhere\.example:22, not at/);
      typed = 'ftp://x@elsewhere.example/';
      await exec('copyRemotePath', 'sftp-test');
      assert.match(rec.errors[1] ?? '', /plain FTP/);
      await api.services.connections.disconnect('sftp-test');
    });
  });

  describe('typed passwords', () => {
    const A = 'same-server-a';
    const B = 'same-server-b';
    let stored: string | undefined;

    before(async () => {
      const api = await getApi();
      answerUi(api);
      stored = await api.services.secrets.get(passwordKey());
      await api.services.connections.disconnectAll();
      for (const name of [A, B]) await exec('addProfile', { name, protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name, target: 'user' });
    });

    beforeEach(async () => {
      const api = await getApi();
      await api.services.secrets.delete(passwordKey());
      api.services.passwords.clear();
      await api.services.connections.disconnectAll();
    });

    after(async () => {
      const api = await getApi();
      api.services.passwords.clear();
      await api.services.context.globalState.update(NEVER_REMEMBER_STATE, undefined);
      if (stored !== undefined) await api.services.secrets.set(passwordKey(), stored);
      await api.services.connections.disconnectAll();
      await api.services.audits.idle();
    });

    it('are asked once: not again on reconnect, nor for another profile of the same server', async () => {
      const api = await getApi();
      const rec = answerUi(api, { input: (o) => (o.password ? config.user.password : undefined), offer: () => 'Not now' });
      assert.equal(await exec('connect', A), true, rec.errors.join(' '));
      assert.equal(typedPasswords(rec), 1);
      await waitFor('the offer to remember', () => rec.offers.length === 1);
      await exec('disconnect', A);
      assert.equal(await exec('connect', A), true, rec.errors.join(' '));
      assert.equal(await exec('connect', B), true, rec.errors.join(' '));
      assert.equal(typedPasswords(rec), 1, 'the reconnect and the second profile were not asked');
      await sleep(300);
      assert.equal(rec.offers.length, 1, 'offered once');
      assert.equal(await api.services.secrets.get(passwordKey()), undefined, '"Not now" stores nothing');
    });

    it('a wrong password is forgotten, so the next try asks again', async () => {
      const api = await getApi();
      let answer = 'certainly-not-the-password';
      const rec = answerUi(api, { input: (o) => (o.password ? answer : undefined) });
      assert.equal(await exec('connect', A), undefined);
      assert.equal(api.services.connections.state(A).status, 'error');
      assert.equal(api.services.passwords.get(sshd()), undefined, 'the rejected password is not kept');
      const asked = typedPasswords(rec);
      assert.ok(asked >= 1);
      answer = config.user.password;
      assert.equal(await exec('connect', A), true, rec.errors.join(' '));
      assert.equal(typedPasswords(rec), asked + 1, 'asked again');
      assert.equal(rec.offers.length, 0, 'no offer for the rejected one');
    });

    it('"Remember" stores the typed password in SecretStorage under the server key', async () => {
      const api = await getApi();
      const rec = answerUi(api, { input: (o) => (o.password ? config.user.password : undefined), offer: (_m, actions) => actions[0] });
      assert.equal(await exec('connect', B), true, rec.errors.join(' '));
      await waitFor('the offer', () => rec.offers.length === 1);
      assert.deepEqual(rec.offers[0].actions, ['Remember', 'Not now', 'Never for this server']);
      assert.ok(rec.offers[0].message.includes(`${config.sftp.host}:${config.sftp.port}`), rec.offers[0].message);
      assert.ok(!rec.offers[0].message.includes(config.user.password));
      await waitFor('the keychain entry', async () => (await api.services.context.secrets.get(`secureTransfer:${passwordKey()}`)) === config.user.password);
      const settings = JSON.stringify(vscode.workspace.getConfiguration('secureTransfer').inspect('profiles'));
      assert.ok(!settings.includes(config.user.password), 'never in settings');
    });

    it('"Never for this server" is remembered: the next typed password is not offered', async () => {
      const api = await getApi();
      const rec = answerUi(api, { input: (o) => (o.password ? config.user.password : undefined), offer: (_m, actions) => actions[2] });
      assert.equal(await exec('connect', A), true, rec.errors.join(' '));
      await waitFor('the offer', () => rec.offers.length === 1);
      await waitFor('"never" in global state', () => (api.services.context.globalState.get<string[]>(NEVER_REMEMBER_STATE) ?? []).includes(passwordKey()));
      assert.ok(!JSON.stringify(api.services.context.globalState.get(NEVER_REMEMBER_STATE)).includes(config.user.password), 'no secret in state');
      await api.services.connections.disconnectAll();
      api.services.passwords.clear();
      assert.equal(await exec('connect', B), true, rec.errors.join(' '));
      assert.equal(typedPasswords(rec), 2, 'a fresh window session asks again');
      await sleep(500);
      assert.equal(rec.offers.length, 1, 'but does not offer to remember it');
      assert.equal(await api.services.secrets.get(passwordKey()), undefined);
    });
  });

  describe('a profile file with a password in it', () => {
    const file = path.join(config.workspace, '.vscode', 'secure-transfer.json');
    const SHARED = 'site';
    const moved = { protocol: 'sftp' as const, host: 'moved.example', port: 2200, username: 'mover' };
    let good: string;
    let bad: string;

    before(async () => {
      const api = await getApi();
      answerUi(api);
      good = readFileSync(file, 'utf8');
      const doc = JSON.parse(good) as { profiles: Record<string, unknown>[] };
      doc.profiles.push({ name: 'with-password', protocol: 'sftp', host: moved.host, port: moved.port, username: moved.username, password: 'hunter2-in-file' });
      bad = JSON.stringify(doc, null, 2) + '\n';
    });

    after(async () => {
      const api = await getApi();
      writeFileSync(file, good);
      await exec('refresh');
      await api.services.secrets.delete(secretKey(moved, 'password'));
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('is an Error diagnostic on the exact member; the tree row opens it there; the status bar drops the profile', async () => {
      const api = await getApi();
      const rec = answerUi(api);
      assert.equal(await exec('connect', SHARED), true, rec.errors.join(' '));
      assert.match(api.services.statusBar.text, new RegExp(SHARED));

      writeFileSync(file, bad);
      await exec('refresh');
      assert.equal(api.services.profiles.find(SHARED), undefined, 'the whole file is refused');
      assert.ok(!api.services.statusBar.text.includes(SHARED), `status bar: ${api.services.statusBar.text}`);
      assert.ok(!String(api.services.statusBar.tooltip).includes(SHARED));
      await waitFor('the vanished profile disconnected', () => api.services.connections.state(SHARED).status === 'disconnected');

      const uri = vscode.Uri.file(file);
      const keyAt = bad.indexOf('"password"');
      const valueEnd = bad.indexOf('"hunter2-in-file"') + '"hunter2-in-file"'.length;
      const lineOf = (offset: number) => bad.slice(0, offset).split('\n').length - 1;
      const columnOf = (offset: number) => offset - (bad.lastIndexOf('\n', offset - 1) + 1);
      const expected = new vscode.Range(lineOf(keyAt), columnOf(keyAt), lineOf(valueEnd), columnOf(valueEnd));
      const diagnostics = await waitFor('our diagnostics', () => {
        const ds = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Secure Transfer');
        return ds.length > 0 && ds;
      });
      const secret = diagnostics.find((d) => d.code === 'secret-in-profile');
      assert.ok(secret, JSON.stringify(diagnostics.map((d) => d.message)));
      assert.equal(secret.severity, vscode.DiagnosticSeverity.Error);
      assert.ok(secret.range.isEqual(expected), `range ${JSON.stringify(secret.range)} != ${JSON.stringify(expected)}`);
      assert.match(secret.message, /keychain/);
      assert.ok(!secret.message.includes('hunter2-in-file'), 'the secret is not quoted');
      assert.ok(!secret.message.startsWith(file), 'no file path in front');

      const row = (await api.services.tree.getChildren()).find((n) => n.kind === 'message' && n.text === PROFILE_FILE_ERROR_TEXT);
      assert.ok(row, 'the tree row');
      const item = api.services.tree.getTreeItem(row);
      assert.equal(item.label, 'Profiles file has an error — open it');
      assert.equal(item.command?.command, 'vscode.open');
      await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
      const editor = await waitFor('the profile file open', () => vscode.window.activeTextEditor?.document.uri.fsPath === file && vscode.window.activeTextEditor);
      assert.ok(editor.selection.start.isEqual(expected.start), `cursor at ${JSON.stringify(editor.selection.start)}`);
    });

    it('the quick fix moves the password to the keychain and saves the file without it', async () => {
      const api = await getApi();
      const rec = answerUi(api);
      const uri = vscode.Uri.file(file);
      const doc = await vscode.workspace.openTextDocument(uri);
      const secret = vscode.languages.getDiagnostics(uri).find((d) => d.code === 'secret-in-profile')!;
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, secret.range, vscode.CodeActionKind.QuickFix.value);
      const fix = actions.find((a) => a.title === 'Move the password to the OS keychain');
      assert.ok(fix?.command, JSON.stringify(actions.map((a) => a.title)));
      assert.equal(fix.kind?.value, vscode.CodeActionKind.QuickFix.value);
      await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
      assert.deepEqual(rec.errors, []);
      assert.equal(await api.services.secrets.get(secretKey(moved, 'password')), 'hunter2-in-file');
      const saved = readFileSync(file, 'utf8');
      assert.ok(!doc.isDirty, 'saved');
      assert.ok(!saved.includes('hunter2'), 'gone from the file');
      assert.deepEqual(JSON.parse(saved), { ...JSON.parse(bad), profiles: (JSON.parse(bad) as { profiles: Record<string, unknown>[] }).profiles.map(({ password: _pw, ...p }) => p) });
      await waitFor('the profiles back', () => api.services.profiles.find(SHARED) && api.services.profiles.find('with-password'));
      await waitFor('the diagnostics cleared', () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Secure Transfer').length === 0);
      assert.ok(rec.infos.some((m) => /keychain/.test(m) && !m.includes('hunter2')));
      assert.ok(!api.services.log.redactor.redact('x hunter2-in-file y').includes('hunter2-in-file'), 'redacted from the log');
    });
  });
});
