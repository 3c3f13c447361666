/**
 * After real flows — the CLI storing secrets in a real keychain, then a real TOTP login that takes
 * everything from that keychain, then a failing login — no file the flows wrote (state dir, HOME,
 * the keyring's own files, the server's log, our session log) and no output holds the password or
 * the seed in clear text.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { startSshd, stopAll, TEST_USER } from '../harness';
import { createKeychainHome, nodeSnippetArgv, runInKeychain, secretCliArgv, type KeychainHome, type ProcessResult } from '../harness/keyring';

after(stopAll);

/** Logs in over SFTP with credentials only from the keychain, logging every step to a file. */
const LOGIN_SNIPPET = `
const fs = require('node:fs');
const { KeyringSecretStore } = require(out + '/src/cli/keyringStore.js');
const { createCredentialProvider } = require(out + '/src/core/mfa/provider.js');
const { connectSftp } = require(out + '/src/core/session/sftp.js');
const { TrustStore } = require(out + '/src/core/trust/trustStore.js');
const { describeError } = require(out + '/src/core/errors.js');
const [host, port, username, fingerprint, stateDir] = args;
const logFile = fs.createWriteStream(stateDir + '/session.log', { flags: 'a' });
const line = (level) => (m) => logFile.write(level + ' ' + m + '\\n');
const log = { trace: line('trace'), debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
(async () => {
  const server = { protocol: 'sftp', host, port: Number(port), username };
  const credentials = createCredentialProvider({ store: new KeyringSecretStore(), server, mfa: 'totp' });
  const rfs = await connectSftp({ server, credentials, log, trust: { pinned: [fingerprint], trustStore: TrustStore.inDir(stateDir), decide: async () => 'reject' } });
  const names = (await rfs.list(rfs.homeDir)).map((e) => e.name);
  log.info('listed ' + names.length + ' entries');
  process.stdout.write('logged in to ' + rfs.homeDir + '\\n');
  await rfs.close();
})().catch((err) => { log.error(describeError(err)); process.stderr.write(describeError(err) + '\\n'); process.exitCode = 1; }).finally(() => logFile.end());
`;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  }
  return out;
}

let kc: KeychainHome;
let sshd: Awaited<ReturnType<typeof startSshd>>;
const outputs: ProcessResult[] = [];
const WRONG_PASSWORD = 'Leak-Canary-Wrong-Pw-93';

before(async () => {
  kc = await createKeychainHome();
  sshd = await startSshd({ pam: 'totp-password' });
});

const stateDir = () => path.join(kc.home, 'state');
const env = () => ({ SECURE_TRANSFER_STATE_DIR: stateDir() });
const url = () => `sftp://${TEST_USER.name}@${sshd.host}:${sshd.port}`;
const runCli = async (args: string[], stdin?: string) => {
  const r = await runInKeychain(kc, secretCliArgv(args), { stdin, env: env() });
  outputs.push(r);
  return r;
};
const runLogin = async () => {
  const r = await runInKeychain(
    kc,
    nodeSnippetArgv(`require('node:fs').mkdirSync(args[4], { recursive: true, mode: 0o700 });\n${LOGIN_SNIPPET}`, [sshd.host, String(sshd.port), TEST_USER.name, sshd.hostKeys![0].fingerprint, stateDir()]),
    { env: env() },
  );
  outputs.push(r);
  return r;
};

test('a stored password and seed log in with no prompt and no --password-stdin', async () => {
  assert.equal((await runCli(['set-password', url()], TEST_USER.password)).code, 0);
  const totp = await runCli(['set-totp', url()], sshd.totpSeed!.toLowerCase().replace(/(.{4})/g, '$1 '));
  assert.equal(totp.code, 0, totp.stderr);
  assert.equal((await runCli(['list'])).code, 0);
  const login = await runLogin();
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, new RegExp(`logged in to ${TEST_USER.home}`));
});

test('a failing login with a wrong stored password reports without the password', async () => {
  assert.equal((await runCli(['set-password', url()], WRONG_PASSWORD)).code, 0);
  const login = await runLogin();
  assert.equal(login.code, 1);
  assert.match(login.stderr, /Authentication as .* failed/);
  assert.equal((await runCli(['forget', url()])).code, 0);
});

test('no file written and no output holds the password or the seed', async () => {
  const seed = sshd.totpSeed!;
  const needles = [TEST_USER.password, WRONG_PASSWORD, seed, seed.toLowerCase()];
  const files = [...(await filesUnder(kc.home)), ...(await filesUnder(kc.runtimeDir)), sshd.logFile];
  assert.ok(files.some((f) => f.endsWith('session.log')), 'the session log was written');
  assert.ok(files.some((f) => f.includes('keyrings')), 'the keyring files were written under HOME');
  for (const file of files) {
    const text = (await readFile(file)).toString('latin1');
    for (const needle of needles) assert.ok(!text.includes(needle), `${file} contains a secret`);
  }
  assert.ok(outputs.length >= 7);
  for (const { stdout, stderr } of outputs) {
    for (const needle of needles) assert.ok(!stdout.includes(needle) && !stderr.includes(needle), 'output contains a secret');
  }
});
