/// <reference types="mocha" />
/**
 * A profile whose host is a ~/.ssh/config alias (no user, no port of its own): its secrets belong to
 * the server the alias resolves to (HostName, Port, User) — the one connect() asks the keychain
 * about. Set Password and Forget Secrets key by it, and the "Remember" offer after a typed password
 * appears and stores under it.
 */
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { secretKey } from '../../../src/core/secrets/secretStore';
import { NEVER_REMEMBER_STATE } from '../../../src/extension/rememberPassword';
import { answerUi, config, getApi, waitFor } from './helpers';

const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);
const NAME = 'alias-secrets';
const ALIAS = 'st-secrets-alias';
const resolvedKey = () => secretKey({ protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name }, 'password');

describe('secrets of an ~/.ssh/config alias profile', function () {
  this.timeout(60_000);
  let dir: string;
  let stored: string | undefined;

  before(async () => {
    const api = await getApi();
    answerUi(api);
    dir = mkdtempSync(path.join(os.tmpdir(), 'st-vscode-alias-secrets-'));
    const file = path.join(dir, 'config');
    writeFileSync(file, [`Host ${ALIAS}`, `  HostName ${config.sftp.host}`, `  Port ${config.sftp.port}`, `  User ${config.user.name}`, ''].join('\n'), { mode: 0o600 });
    api.services.sshConfig.file = file;
    // The suites share this server's stored password: put it back afterwards.
    stored = await api.services.secrets.get(resolvedKey());
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    const current = settings.inspect<Array<{ name: string }>>('profiles')?.globalValue ?? [];
    await settings.update('profiles', [...current.filter((p) => p.name !== NAME), { name: NAME, protocol: 'sftp', host: ALIAS, fingerprints: [config.sftp.fingerprint] }], vscode.ConfigurationTarget.Global);
    await waitFor('the alias profile', () => api.services.profiles.find(NAME) !== undefined);
  });

  after(async () => {
    const api = await getApi();
    await api.services.connections.disconnect(NAME);
    api.services.passwords.clear();
    await api.services.context.globalState.update(NEVER_REMEMBER_STATE, undefined);
    if (stored !== undefined) await api.services.secrets.set(resolvedKey(), stored);
    else await api.services.secrets.delete(resolvedKey());
    api.services.sshConfig.file = false;
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    const current = settings.inspect<Array<{ name: string }>>('profiles')?.globalValue ?? [];
    await settings.update('profiles', current.filter((p) => p.name !== NAME), vscode.ConfigurationTarget.Global);
    await api.services.audits.idle();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Set Password and Forget Secrets key the resolved server, not the alias', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    assert.equal(await exec('setPassword', NAME, 'alias-set-pw'), true, rec.errors.join(' '));
    assert.equal(await api.services.secrets.get(resolvedKey()), 'alias-set-pw');
    assert.ok(rec.infos.some((m) => m.includes(`${config.user.name}@${config.sftp.host}:${config.sftp.port}`)), rec.infos.join(' | '));
    assert.ok(!(await api.services.secrets.keys()).some((k) => k.includes(ALIAS)), 'nothing under the alias');
    assert.deepEqual(await exec('forgetSecrets', NAME, { confirmed: true }), ['password']);
    assert.equal(await api.services.secrets.get(resolvedKey()), undefined);
  });

  it('a typed password is offered for the keychain after the login, and "Remember" stores it under the resolved server', async () => {
    const api = await getApi();
    await api.services.secrets.delete(resolvedKey());
    api.services.passwords.clear();
    await api.services.context.globalState.update(NEVER_REMEMBER_STATE, undefined);
    const rec = answerUi(api, { input: (o) => (o.password ? config.user.password : undefined), offer: (_m, actions) => actions[0] });
    assert.equal(await exec('connect', NAME), true, rec.errors.join(' '));
    await waitFor('the offer to remember', () => rec.offers.length === 1);
    assert.ok(rec.offers[0].message.includes(`${config.sftp.host}:${config.sftp.port}`), rec.offers[0].message);
    await waitFor('the keychain entry', async () => (await api.services.secrets.get(resolvedKey())) === config.user.password);
  });
});
