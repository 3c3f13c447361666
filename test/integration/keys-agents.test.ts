/**
 * Keys and agents found like OpenSSH, against a real sshd and a real ssh-agent: SSH_AUTH_SOCK used
 * without being configured, ~/.ssh default keys in a temporary HOME (plain and encrypted), a wrong
 * key before the right one, IdentitiesOnly, an agent key that is only the first step of a login, and
 * many keys against MaxAuthTries. Every test sets the environment and HOME it means (never the runner's).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generate } from 'otplib';
import { clientKeys, startSshd, stopAll, TEST_USER, type RunningServer } from '../harness';
import { run, tempDir } from '../harness/common';
import { connectSftp, type SftpConnectOptions } from '../../src/core/session/sftp';
import type { CredentialProvider, InteractivePrompt } from '../../src/core/session/credentials';
import type { SshHostConfig } from '../../src/core/sshconfig/types';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { SecureTransferError } from '../../src/core/errors';

after(stopAll);

function spyCredentials(answers: { password?: string; passphrase?: string; keyboard?: (p: InteractivePrompt[]) => Promise<string[]> }): CredentialProvider & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    password: async () => (calls.push('password'), answers.password),
    passphrase: async (_s, file) => (calls.push(`passphrase:${file}`), answers.passphrase),
    keyboardInteractive: async (_s, _n, _i, prompts) => (calls.push(`keyboard:${prompts.map((p) => p.prompt.trim()).join('|')}`), answers.keyboard ? await answers.keyboard(prompts) : prompts.map(() => '')),
    onAuthFailure: () => void calls.push('onAuthFailure'),
  };
}

async function options(server: RunningServer, over: Partial<SftpConnectOptions>): Promise<SftpConnectOptions> {
  return {
    server: { protocol: 'sftp', host: server.host, port: server.port, username: TEST_USER.name },
    credentials: spyCredentials({ password: TEST_USER.password }),
    trust: { pinned: server.hostKeys!.map((k) => k.fingerprint), knownHostsFiles: [], trustStore: TrustStore.inDir(await tempDir('keys-trust', 0o700)), decide: refuseUnknown },
    env: {},
    home: await tempDir('keys-empty-home', 0o700),
    ...over,
  };
}

async function login(server: RunningServer, over: Partial<SftpConnectOptions>): Promise<void> {
  const sftp = await connectSftp(await options(server, over));
  await sftp.close();
}

/** The server's log from `from` on, once `done` holds (sshd writes asynchronously). */
async function logAfter(server: RunningServer, from: number, done: (log: string) => boolean): Promise<string> {
  const end = Date.now() + 5000;
  let log = (await server.readLog()).slice(from);
  while (!done(log) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    log = (await server.readLog()).slice(from);
  }
  return log;
}

const logLength = async (server: RunningServer) => (await server.readLog()).length;
const count = (log: string, re: RegExp) => (log.match(new RegExp(re.source, 'g')) ?? []).length;

/** A fresh ed25519 key nobody authorized (a "wrong" key). */
async function freshKey(dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `st-wrong-${name}`, '-f', file]);
  return file;
}

/** A temporary HOME whose ~/.ssh holds copies of `files` (name → source private key, with its .pub). */
async function homeWith(files: Record<string, string>): Promise<string> {
  const home = await tempDir('keys-home', 0o700);
  await fs.mkdir(path.join(home, '.ssh'), { mode: 0o700 });
  for (const [name, source] of Object.entries(files)) {
    await fs.copyFile(source, path.join(home, '.ssh', name));
    await fs.chmod(path.join(home, '.ssh', name), 0o600);
    await fs.copyFile(`${source}.pub`, path.join(home, '.ssh', `${name}.pub`)).catch(() => undefined);
  }
  return home;
}

interface Agent {
  socket: string;
  add(file: string): Promise<void>;
  stop(): void;
}

const agents: ChildProcess[] = [];
after(() => agents.forEach((a) => a.kill()));

/** A real ssh-agent (Debian's) on a private socket. */
async function startAgent(): Promise<Agent> {
  const socket = path.join(await tempDir('agent', 0o700), 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  agents.push(child);
  for (let i = 0; i < 250 && !(await fs.stat(socket).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 20));
  return {
    socket,
    add: (file) =>
      new Promise<void>((resolve, reject) =>
        spawn('ssh-add', ['-q', file], { env: { PATH: process.env.PATH, SSH_AUTH_SOCK: socket }, stdio: 'ignore' }).on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`ssh-add ${file} exited ${code}`)),
        ),
      ),
    stop: () => child.kill(),
  };
}

const hostConfig = (over: Partial<SshHostConfig>): SshHostConfig => ({ host: '127.0.0.1', matched: true, hostName: '127.0.0.1', identityFiles: [], certificateFiles: [], userKnownHostsFiles: [], warnings: [], ...over });

describe('keys and agents found like OpenSSH (real sshd, real ssh-agent)', { timeout: 120_000 }, () => {
  let sshd: RunningServer;
  let keyDir: string;
  let wrong: string[];
  before(async () => {
    sshd = await startSshd();
    keyDir = await tempDir('keys-wrong', 0o700);
    wrong = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => freshKey(keyDir, `wrong${i}`)));
  });

  test('the agent from SSH_AUTH_SOCK is used without being configured; agent: false turns it off', async () => {
    const keys = await clientKeys();
    const agent = await startAgent();
    try {
      await agent.add(keys.ed25519.privateKeyFile);
      const credentials = spyCredentials({ password: TEST_USER.password });
      const from = await logLength(sshd);
      await login(sshd, { credentials, env: { SSH_AUTH_SOCK: agent.socket } });
      assert.deepEqual(credentials.calls, [], 'the agent key was enough');
      assert.match(await logAfter(sshd, from, (l) => /Accepted/.test(l)), /Accepted publickey for sttest/);

      const off = spyCredentials({ password: TEST_USER.password });
      const from2 = await logLength(sshd);
      await login(sshd, { credentials: off, env: { SSH_AUTH_SOCK: agent.socket }, agent: false });
      assert.deepEqual(off.calls, ['password']);
      const log = await logAfter(sshd, from2, (l) => /Accepted/.test(l));
      assert.match(log, /Accepted password/);
      assert.doesNotMatch(log, /publickey/);
    } finally {
      agent.stop();
    }
  });

  test('an agent that cannot be reached is not an error: the login goes on with the password', async () => {
    const credentials = spyCredentials({ password: TEST_USER.password });
    await login(sshd, { credentials, env: { SSH_AUTH_SOCK: path.join(keyDir, 'no-such-agent.sock') } });
    assert.deepEqual(credentials.calls, ['password']);
  });

  test('~/.ssh/id_ed25519 is tried when no key is named', async () => {
    const keys = await clientKeys();
    const credentials = spyCredentials({ password: TEST_USER.password });
    const from = await logLength(sshd);
    await login(sshd, { credentials, home: await homeWith({ id_ed25519: keys.ed25519.privateKeyFile }) });
    assert.deepEqual(credentials.calls, []);
    assert.match(await logAfter(sshd, from, (l) => /Accepted/.test(l)), /Accepted publickey for sttest/);
  });

  test('an encrypted default key takes its passphrase from the credential provider; unknown, it is skipped, not fatal', async () => {
    const keys = await clientKeys();
    const home = await homeWith({ id_ed25519: keys.encrypted.privateKeyFile });
    const withPassphrase = spyCredentials({ passphrase: keys.encrypted.passphrase });
    await login(sshd, { credentials: withPassphrase, home });
    assert.deepEqual(withPassphrase.calls, ['passphrase:~/.ssh/id_ed25519']);

    const unknown = spyCredentials({ password: TEST_USER.password });
    await login(sshd, { credentials: unknown, home });
    assert.deepEqual(unknown.calls, ['passphrase:~/.ssh/id_ed25519', 'password']);
  });

  test('a wrong default key, then the right one (OpenSSH reads ~/.ssh/id_ecdsa whatever its type)', async () => {
    const keys = await clientKeys();
    const credentials = spyCredentials({});
    const from = await logLength(sshd);
    await login(sshd, { credentials, home: await homeWith({ id_ed25519: wrong[0], id_ecdsa: keys.ed25519.privateKeyFile, id_rsa: wrong[1] }) });
    assert.deepEqual(credentials.calls, []);
    const log = await logAfter(sshd, from, (l) => /Accepted/.test(l));
    assert.equal(count(log, /Failed publickey/), 1, log);
    assert.match(log, /Accepted publickey for sttest/);
  });

  test('a default key that is not a key is skipped; a named one is an error', async () => {
    const home = await homeWith({});
    await fs.writeFile(path.join(home, '.ssh', 'id_ed25519'), 'not a key\n', { mode: 0o600 });
    const credentials = spyCredentials({ password: TEST_USER.password });
    await login(sshd, { credentials, home });
    assert.deepEqual(credentials.calls, ['password']);
    await assert.rejects(login(sshd, { home, identityFile: path.join(home, '.ssh', 'id_ed25519') }), (err: unknown) => err instanceof SecureTransferError && err.code === 'bad-identity-file');
  });

  test('several IdentityFile values from ~/.ssh/config, in order: a missing one is skipped, a wrong one fails, the next one works', async () => {
    const keys = await clientKeys();
    const credentials = spyCredentials({});
    const from = await logLength(sshd);
    const identityFiles = [path.join(keyDir, 'does-not-exist'), wrong[2], keys.ed25519.privateKeyFile];
    // With a named key, the default files are not tried: this HOME's id_ed25519 (wrong) must not show up.
    await login(sshd, { credentials, home: await homeWith({ id_ed25519: wrong[3] }), sshConfig: hostConfig({ identityFiles }) });
    assert.deepEqual(credentials.calls, []);
    const log = await logAfter(sshd, from, (l) => /Accepted/.test(l));
    assert.equal(count(log, /Failed publickey/), 1, log);
    assert.match(log, /Accepted publickey for sttest/);
  });

  test('IdentitiesOnly yes: the agent offers only the key of the identity file (here an encrypted one: no passphrase asked)', async () => {
    const keys = await clientKeys();
    // The agent holds a decrypted copy of the encrypted key, plus wrong keys listed first.
    const plain = path.join(await tempDir('keys-plain', 0o700), 'decrypted');
    await fs.copyFile(keys.encrypted.privateKeyFile, plain);
    await fs.chmod(plain, 0o600);
    await run('ssh-keygen', ['-q', '-p', '-P', keys.encrypted.passphrase, '-N', '', '-f', plain]);
    const agent = await startAgent();
    try {
      for (const w of wrong.slice(0, 3)) await agent.add(w);
      await agent.add(plain);
      const credentials = spyCredentials({});
      const from = await logLength(sshd);
      await login(sshd, { credentials, env: { SSH_AUTH_SOCK: agent.socket }, sshConfig: hostConfig({ identityFiles: [keys.encrypted.privateKeyFile], identitiesOnly: true }) });
      assert.deepEqual(credentials.calls, [], 'signed by the agent: no passphrase');
      const log = await logAfter(sshd, from, (l) => /Accepted/.test(l));
      assert.equal(count(log, /Failed publickey/), 0, 'the wrong agent keys were not offered');
      assert.match(log, /Accepted publickey for sttest/);

      // Control: without IdentitiesOnly the named key still comes first, so no wrong key is offered either…
      // …but with only a default-key plan, the agent's keys come first in its order (three wrong ones).
      const from2 = await logLength(sshd);
      await login(sshd, { credentials: spyCredentials({}), env: { SSH_AUTH_SOCK: agent.socket } });
      assert.equal(count(await logAfter(sshd, from2, (l) => /Accepted/.test(l)), /Failed publickey/), 3);
    } finally {
      agent.stop();
    }
  });

  test('an agent key that is only the first step (publickey,keyboard-interactive) continues to the code', async () => {
    const totp = (await startSshd({ pam: 'totp-publickey' })) as RunningServer & { totpSeed?: string };
    const keys = await clientKeys();
    const agent = await startAgent();
    try {
      await agent.add(keys.ed25519.privateKeyFile);
      const credentials = spyCredentials({ keyboard: (prompts) => Promise.all(prompts.map(() => generate({ secret: totp.totpSeed! }))) });
      await login(totp, { credentials, env: { SSH_AUTH_SOCK: agent.socket } });
      assert.deepEqual(credentials.calls, ['keyboard:Verification code:']);
      const log = await logAfter(totp, 0, (l) => /Accepted keyboard-interactive/.test(l));
      assert.match(log, /Partial publickey for sttest/);
      assert.match(log, /Accepted keyboard-interactive\/pam for sttest/);
    } finally {
      agent.stop();
    }
  });
});

describe('many keys and MaxAuthTries', { timeout: 120_000 }, () => {
  test('six wrong agent keys do not lock the user out before the password (MaxAuthTries 5)', async () => {
    const sshd = await startSshd({ extraConfig: 'MaxAuthTries 5' });
    const dir = await tempDir('keys-many', 0o700);
    const agent = await startAgent();
    try {
      for (let i = 0; i < 6; i++) await agent.add(await freshKey(dir, `k${i}`));
      const credentials = spyCredentials({ password: TEST_USER.password });
      await login(sshd, { credentials, env: { SSH_AUTH_SOCK: agent.socket } });
      assert.deepEqual(credentials.calls, ['password']);
      const log = await logAfter(sshd, 0, (l) => /Accepted/.test(l));
      assert.equal(count(log, /Failed publickey/), 4, 'four keys, then the password');
      assert.match(log, /Accepted password for sttest/);
    } finally {
      agent.stop();
    }
  });

  test('a server that takes only keys gets every key: the right one after five wrong ones', async () => {
    const sshd = await startSshd({ extraConfig: 'MaxAuthTries 10\nPasswordAuthentication no\nKbdInteractiveAuthentication no' });
    const keys = await clientKeys();
    const dir = await tempDir('keys-many-only', 0o700);
    const agent = await startAgent();
    try {
      for (let i = 0; i < 5; i++) await agent.add(await freshKey(dir, `k${i}`));
      const credentials = spyCredentials({});
      await login(sshd, { credentials, env: { SSH_AUTH_SOCK: agent.socket }, home: await homeWith({ id_ed25519: keys.ed25519.privateKeyFile }) });
      assert.deepEqual(credentials.calls, []);
      const log = await logAfter(sshd, 0, (l) => /Accepted/.test(l));
      assert.equal(count(log, /Failed publickey/), 5);
      assert.match(log, /Accepted publickey for sttest/);
    } finally {
      agent.stop();
    }
  });

  test('when keys are held back and nothing else works, the error says so and how to name the key', async () => {
    const sshd = await startSshd({ extraConfig: 'MaxAuthTries 10' });
    const dir = await tempDir('keys-held', 0o700);
    const agent = await startAgent();
    try {
      for (let i = 0; i < 6; i++) await agent.add(await freshKey(dir, `k${i}`));
      const err = await connectSftp(await options(sshd, { credentials: spyCredentials({}), env: { SSH_AUTH_SOCK: agent.socket } })).then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof SecureTransferError && err.code === 'auth-failed', String(err));
      assert.match(err.message, /tried 4 agent keys/);
      assert.match(err.message, /2 more key\(s\) were not offered .*MaxAuthTries: name the right one with identityFile/);
    } finally {
      agent.stop();
    }
  });
});

describe('the CLI finds default keys (no --identity)', { timeout: 60_000 }, () => {
  test('secure-transfer ls sftp://user@127.0.0.1:PORT/ logs in with ~/.ssh/id_ed25519 of HOME', async () => {
    const sshd = await startSshd();
    const keys = await clientKeys();
    const home = await homeWith({ id_ed25519: keys.ed25519.privateKeyFile });
    const cli = path.resolve(__dirname, '../../../dist/cli.js');
    const child = spawn(process.execPath, [cli, 'ls', `sftp://${TEST_USER.name}@127.0.0.1:${sshd.port}/`, '--fingerprint', sshd.hostKeys![0].fingerprint], {
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH, HOME: home, SECURE_TRANSFER_STATE_DIR: await tempDir('keys-state', 0o700) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    assert.equal(code, 0, stderr);
    assert.match(stdout, /\S/, 'a listing');
    assert.match(await logAfter(sshd, 0, (l) => /Accepted/.test(l)), /Accepted publickey for sttest/);
  });
});
