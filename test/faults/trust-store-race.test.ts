/**
 * The trust store under concurrent processes (issue 11, item 6): 20 processes remembering 20
 * different identities into one store at the same instant keep all 20, round after round, through
 * the store's API and through the real CLI (`--accept-new` against 20 hostile SSH servers, each with
 * its own new host key); and the state folder, the store and the activity log are tightened to
 * 0700/0600 on use.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { TrustStore } from '../../src/core/trust/trustStore';
import { ActivityLog } from '../../src/core/audit/activityLog';
import { dir as folder, file, startHostileSftpServer, HOSTILE_USER, type HostileSftpServer } from '../hostile/hostileSftpServer';
import { faultTest } from './support';

const STORE_MODULE = path.resolve(__dirname, '../../src/core/trust/trustStore.js');
const CLI = path.resolve(__dirname, '../../src/cli/main.js');
const PROCESSES = 20;
const ROUNDS = 3;

/** One child process: waits for "go" on stdin (so all 20 start together), then remembers one identity. */
const CHILD = `
const { TrustStore } = require(${JSON.stringify(STORE_MODULE)});
const [dir, host] = process.argv.slice(1);
process.stdin.once('data', () => {
  TrustStore.inDir(dir)
    .remember({ kind: 'host-key', protocol: 'sftp', host, port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:' + host.padEnd(43, 'A') })
    .then(() => process.exit(0), (err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
});
process.stdout.write('ready\\n');
`;

async function raceOnce(dir: string, round: number): Promise<void> {
  const children = Array.from({ length: PROCESSES }, (_, i) => spawn(process.execPath, ['-e', CHILD, dir, `r${round}h${i}`], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const exits = children.map(
    (c) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        let stderr = '';
        c.stderr.on('data', (d) => (stderr += d));
        c.on('close', (code) => resolve({ code, stderr }));
      }),
  );
  // Every process has loaded the store module before any of them writes.
  await Promise.all(children.map((c) => new Promise<void>((resolve) => c.stdout.once('data', () => resolve()))));
  for (const c of children) c.stdin.write('go\n');
  for (const { code, stderr } of await Promise.all(exits)) assert.equal(code, 0, stderr);
}

faultTest(`${PROCESSES} processes remembering at once through the API lose no entry (${ROUNDS} rounds)`, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-trust-race-'));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      await raceOnce(dir, round);
      const hosts = new Set((await TrustStore.inDir(dir).all()).map((r) => r.host));
      for (let r = 0; r <= round; r++) {
        for (let i = 0; i < PROCESSES; i++) assert.ok(hosts.has(`r${r}h${i}`), `round ${round}: r${r}h${i} was lost (${hosts.size} entries)`);
      }
      assert.equal(hosts.size, PROCESSES * (round + 1));
    }
    const left = (await fs.readdir(dir)).filter((f) => f !== 'trust.json');
    assert.deepEqual(left, [], 'no lock or temporary file is left behind');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}, { timeout: 180_000 });

faultTest('a loose state folder (0755), trust store and activity log (0644) are tightened to 0700/0600 on use', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'st-perms-'));
  try {
    const state = path.join(root, 'state');
    const activityDir = path.join(state, 'activity');
    await fs.mkdir(activityDir, { recursive: true });
    await fs.chmod(state, 0o755);
    await fs.chmod(activityDir, 0o755);
    await fs.writeFile(path.join(state, 'trust.json'), JSON.stringify({ version: 1, records: [] }), { mode: 0o644 });
    await fs.writeFile(path.join(activityDir, 'activity.jsonl'), '', { mode: 0o644 });
    await fs.chmod(path.join(state, 'trust.json'), 0o644);
    await fs.chmod(path.join(activityDir, 'activity.jsonl'), 0o644);

    await TrustStore.inDir(state).find('host-key', 'example.org', 22); // reading is use
    await new ActivityLog(activityDir).append({ server: 'sftp://example.org:22', action: 'connect', result: 'ok' });

    const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;
    assert.equal(await mode(state), 0o700, 'state folder');
    assert.equal(await mode(activityDir), 0o700, 'activity folder');
    assert.equal(await mode(path.join(state, 'trust.json')), 0o600, 'trust store');
    assert.equal(await mode(path.join(activityDir, 'activity.jsonl')), 0o600, 'activity log');

    // A store written afresh is 0600 too, and the lock left nothing behind.
    await fs.rm(path.join(state, 'trust.json'));
    await TrustStore.inDir(state).remember({ kind: 'certificate', protocol: 'ftpes', host: 'example.org', port: 21, keyType: 'RSA 2048', fingerprint: 'SHA256:' + 'C'.repeat(43) });
    assert.equal(await mode(path.join(state, 'trust.json')), 0o600);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

const servers: HostileSftpServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** The real CLI, `ls --accept-new` with the password on stdin, against one server. */
function acceptNew(stateDir: string, home: string, s: HostileSftpServer): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'ls', `sftp://${HOSTILE_USER.username}@${s.host}:${s.port}/`, '--accept-new', '--password-stdin', '--known-hosts', path.join(home, 'none')], {
    cwd: home,
    env: { PATH: process.env.PATH, HOME: home, SECURE_TRANSFER_STATE_DIR: stateDir },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(s.password);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

faultTest(`${PROCESSES} CLI runs with --accept-new at once, each meeting a new host key, lose no trust decision (2 rounds)`, async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'st-accept-race-'));
  try {
    for (let round = 0; round < 2; round++) {
      const stateDir = path.join(root, `state-${round}`);
      const batch = await Promise.all(Array.from({ length: PROCESSES }, () => startHostileSftpServer({ root: folder([['a.txt', file('a\n')]]) })));
      servers.push(...batch);
      const runs = await Promise.all(batch.map((s) => acceptNew(stateDir, root, s)));
      runs.forEach((r, i) => assert.equal(r.code, 0, `run ${i}: ${r.stderr}`));
      const records = await TrustStore.inDir(stateDir).all();
      for (const s of batch) {
        assert.ok(
          records.some((r) => r.kind === 'host-key' && r.port === s.port && r.fingerprint === s.fingerprint),
          `round ${round}: the decision for port ${s.port} was lost (${records.length} of ${PROCESSES} kept)`,
        );
      }
      assert.equal(records.length, PROCESSES);
    }
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}, { timeout: 300_000 });
