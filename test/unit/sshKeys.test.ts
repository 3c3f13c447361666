import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { utils, type ParsedKey } from 'ssh2';
import { chooseAgent, PAGEANT, WINDOWS_OPENSSH_AGENT_PIPE, type AgentChoiceInput } from '../../src/core/session/sshAgent';
import {
  DEFAULT_IDENTITY_NAMES,
  identityFiles,
  KEY_OFFERS_BEFORE_FALLBACK,
  mayOfferAutomaticKey,
  openSshPublicBlob,
  planKeyOffers,
  publicLineBlob,
  type IdentityFileRef,
} from '../../src/core/session/sshKeys';

const agentInput = (over: Partial<AgentChoiceInput>): AgentChoiceInput => ({ env: {}, platform: 'linux', exists: () => false, ...over });

test('the agent is found like OpenSSH: profile, then IdentityAgent, then SSH_AUTH_SOCK', () => {
  const env = { SSH_AUTH_SOCK: '/run/agent.sock', OTHER_SOCK: '/run/other.sock' };
  const cases: Array<[string, Partial<AgentChoiceInput>, string | undefined]> = [
    ['nothing set', {}, undefined],
    ['SSH_AUTH_SOCK', { env }, '/run/agent.sock'],
    ['agent: true is the same search', { env, agent: true }, '/run/agent.sock'],
    ['agent: false turns it off', { env, agent: false }, undefined],
    ['agent: a path', { env, agent: '/custom.sock' }, '/custom.sock'],
    ['IdentityAgent path', { env, identityAgent: '/cfg.sock' }, '/cfg.sock'],
    ['IdentityAgent none', { env, identityAgent: 'none' }, undefined],
    ['IdentityAgent none, but agent: true in the profile', { env, identityAgent: 'none', agent: true }, '/run/agent.sock'],
    ['IdentityAgent SSH_AUTH_SOCK', { env, identityAgent: 'SSH_AUTH_SOCK' }, '/run/agent.sock'],
    ['IdentityAgent $VAR', { env, identityAgent: '$OTHER_SOCK' }, '/run/other.sock'],
    ['IdentityAgent ${VAR}', { env, identityAgent: '${OTHER_SOCK}' }, '/run/other.sock'],
    ['IdentityAgent $UNSET', { env, identityAgent: '$UNSET_SOCK' }, undefined],
    ['agent path beats IdentityAgent', { env, agent: '/p.sock', identityAgent: '/cfg.sock' }, '/p.sock'],
    ['not on Windows: no pipe, no Pageant', { exists: () => true }, undefined],
  ];
  for (const [label, over, socket] of cases) assert.equal(chooseAgent(agentInput(over)).socket, socket, label);
});

test('on Windows: SSH_AUTH_SOCK, else the OpenSSH agent pipe when it exists, else Pageant', () => {
  const win = (over: Partial<AgentChoiceInput>) => chooseAgent(agentInput({ platform: 'win32', ...over }));
  assert.equal(win({ env: { SSH_AUTH_SOCK: 'C:\\cyg\\agent' }, exists: () => true }).socket, 'C:\\cyg\\agent');
  const asked: string[] = [];
  assert.equal(win({ exists: (p) => (asked.push(p), true) }).socket, WINDOWS_OPENSSH_AGENT_PIPE);
  assert.deepEqual(asked, ['\\\\.\\pipe\\openssh-ssh-agent']);
  assert.equal(win({ exists: () => false }).socket, PAGEANT);
  assert.equal(win({ agent: false }).socket, undefined);
  assert.equal(win({ identityAgent: 'none' }).socket, undefined);
  assert.equal(win({ identityAgent: '\\\\.\\pipe\\my-agent' }).socket, '\\\\.\\pipe\\my-agent');
});

test('identity files: the named one first, then the config\'s; the defaults only when none is named', () => {
  const home = '/home/u';
  assert.deepEqual(
    identityFiles({ home }).map((r) => [r.file, r.origin]),
    DEFAULT_IDENTITY_NAMES.map((n) => [`/home/u/.ssh/${n}`, 'default']),
  );
  assert.deepEqual(DEFAULT_IDENTITY_NAMES, ['id_ed25519', 'id_ecdsa', 'id_rsa']);
  const named = identityFiles({ home, identityFile: '/keys/cli', sshConfig: { identityFiles: ['~/.ssh/work', '/keys/cli'], certificateFiles: [] } });
  assert.deepEqual(named.map((r) => [r.file, r.origin]), [['/keys/cli', 'profile'], ['/home/u/.ssh/work', 'config']], 'deduplicated, no defaults');
  const hostile = identityFiles({ home, sshConfig: { identityFiles: ['/keys/a\u001b[31mb'], certificateFiles: [] } })[0];
  assert.equal(hostile.file, '/keys/a\u001b[31mb', 'read as written');
  assert.ok(!hostile.written.includes('\u001b'), 'shown escaped');
});

/** Real keys (ssh-keygen) so blobs and matching are the real thing. */
function makeKeys(n: number): { dir: string; files: string[]; parsed: ParsedKey[]; blobs: Buffer[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-unit-keys-'));
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = path.join(dir, `k${i}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', i === 0 ? 'secret-pass' : '', '-C', `k${i}`, '-f', f]);
    files.push(f);
  }
  const parsed = files.map((f) => utils.parseKey(readFileSync(`${f}.pub`)) as ParsedKey);
  return { dir, files, parsed, blobs: parsed.map((p) => p.getPublicSSH()) };
}

test('public blobs without a passphrase: from the OpenSSH header of an encrypted key, and from a .pub line', () => {
  const { dir, files, blobs } = makeKeys(1);
  try {
    assert.deepEqual(openSshPublicBlob(readFileSync(files[0], 'utf8')), blobs[0], 'encrypted key: the public part is in clear');
    assert.deepEqual(publicLineBlob(readFileSync(`${files[0]}.pub`, 'utf8')), blobs[0]);
    assert.equal(openSshPublicBlob('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----'), undefined, 'malformed');
    const text = readFileSync(files[0], 'utf8');
    // Truncated data: every length is checked, nothing is read past the end.
    const b64 = text.split('\n').slice(1, -2).join('');
    const cut = Buffer.from(b64, 'base64').subarray(0, 40).toString('base64');
    assert.equal(openSshPublicBlob(`-----BEGIN OPENSSH PRIVATE KEY-----\n${cut}\n-----END OPENSSH PRIVATE KEY-----`), undefined);
    assert.equal(publicLineBlob('ssh-ed25519 not*base64'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('offer order: named files (through the agent when it holds them), the agent\'s others, then default files', () => {
  const { dir, parsed, blobs } = makeKeys(5);
  try {
    const ref = (file: string, origin: IdentityFileRef['origin'], blob?: Buffer) => ({ written: file, file, origin, publicBlob: blob });
    const describe = (k: ParsedKey) => `agent ${k.comment}`;
    // Agent holds k1, k2, k3 (in that order); profile names k3 (held) and config names k4 (not held).
    const plan = planKeyOffers({
      files: [ref('/k3', 'profile', blobs[3]), ref('/k4', 'config', blobs[4])],
      agentKeys: [parsed[1], parsed[2], parsed[3]],
      identitiesOnly: false,
      describeAgentKey: describe,
    });
    assert.deepEqual(plan.map((o) => [o.kind, o.label, o.auto]), [
      ['agent', '/k3, from the agent', false],
      ['file', '/k4', false],
      ['agent', 'agent k1', true],
      ['agent', 'agent k2', true],
    ]);
    const only = planKeyOffers({ files: [ref('/k3', 'profile', blobs[3])], agentKeys: [parsed[1], parsed[2], parsed[3]], identitiesOnly: true, describeAgentKey: describe });
    assert.deepEqual(only.map((o) => o.label), ['/k3, from the agent'], 'IdentitiesOnly: no other agent key');

    // No key named: agent keys first (agent order), then default files the agent does not hold.
    const defaults = [ref('/home/.ssh/id_ed25519', 'default', blobs[2]), ref('/home/.ssh/id_ecdsa', 'default', blobs[0]), ref('/home/.ssh/id_rsa', 'default', undefined)];
    const auto = planKeyOffers({ files: defaults, agentKeys: [parsed[1], parsed[2]], identitiesOnly: false, describeAgentKey: describe });
    assert.deepEqual(auto.map((o) => o.label), ['agent k1', 'agent k2', '/home/.ssh/id_ecdsa', '/home/.ssh/id_rsa'], 'id_ed25519 is k2, already offered by the agent');
    const autoOnly = planKeyOffers({ files: defaults, agentKeys: [parsed[1], parsed[2]], identitiesOnly: true, describeAgentKey: describe });
    assert.deepEqual(autoOnly.map((o) => o.label), ['agent k2', '/home/.ssh/id_ecdsa', '/home/.ssh/id_rsa'], 'IdentitiesOnly with the defaults as the identity files');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the cap: automatic keys stop after a few when a password or keyboard-interactive can still follow', () => {
  assert.equal(KEY_OFFERS_BEFORE_FALLBACK, 4);
  assert.equal(mayOfferAutomaticKey(3, ['publickey', 'password']), true);
  assert.equal(mayOfferAutomaticKey(4, ['publickey', 'password']), false);
  assert.equal(mayOfferAutomaticKey(4, ['publickey', 'keyboard-interactive']), false);
  assert.equal(mayOfferAutomaticKey(40, ['publickey']), true, 'keys are all the server takes: no reason to hold any back');
});
