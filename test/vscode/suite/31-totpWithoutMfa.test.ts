/// <reference types="mocha" />
/**
 * The extension's rule for one-time codes matches the CLI's: a profile that plans no second factor
 * (no "mfa") still logs in without a question when its server asks for a code and a TOTP secret is
 * stored for it ("Set TOTP Secret"); with none stored, the code is asked in an input box.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startSshd, type RunningServer } from '../../harness';
import { answerUi, config, getApi } from './helpers';

/** Trusts the test server's key when asked (the first connection). */
const trust = (_m: string, actions: string[]) => (actions.includes('Trust and Remember') ? 'Trust and Remember' : undefined);
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);

describe('One-time codes for a profile without mfa', function () {
  this.timeout(120_000);
  let sshd: RunningServer & { totpSeed?: string };
  const P = 'totp-no-mfa';

  before(async () => {
    sshd = await startSshd({ pam: 'totp-password' });
    const api = await getApi();
    answerUi(api);
    await exec('addProfile', { name: P, protocol: 'sftp', host: sshd.host, port: sshd.port, username: config.user.name, target: 'user' });
    await exec('setPassword', P, config.user.password);
  });

  after(async () => {
    await exec('disconnect', P);
    await exec('forgetSecrets', P, { confirmed: true });
    await sshd.stop();
  });

  it('without a stored secret the code is asked in an input box', async () => {
    const api = await getApi();
    const rec = answerUi(api, { input: () => undefined, confirm: trust });
    assert.equal(await exec('connect', P), undefined, 'cancelling the question cancels the connection');
    assert.ok(rec.inputs.some((o) => /Verification code/.test(o.prompt ?? '')), JSON.stringify(rec.inputs));
  });

  it('with a stored secret the code is filled in: no question at all', async () => {
    const api = await getApi();
    answerUi(api);
    await exec('setTotpSecret', P, sshd.totpSeed);
    const rec = answerUi(api, { confirm: trust });
    assert.equal(await exec('connect', P), true, JSON.stringify(rec));
    assert.deepEqual(rec.inputs, []);
    assert.match(await sshd.readLog(), /Accepted keyboard-interactive\/pam for /);
  });
});
