/**
 * The unprivileged account every test server logs in as, and per-test scratch folders in its home.
 * No server chroots it: a remote path is the same absolute path as on this machine.
 */
import { chown, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onExit, run, tempDir } from './common';

export const TEST_USER = { name: 'sttest', password: 'St-test-Pa55-word!', home: '/home/sttest' } as const satisfies {
  name: 'sttest';
  password: string;
  home: string;
};

let ensured: Promise<typeof TEST_USER> | undefined;

/**
 * Creates the user if missing and (re)sets its password. flock serialises the passwd/shadow edits of
 * test processes running in parallel (useradd and chpasswd fail if another one holds the lock).
 */
export function ensureTestUser(): Promise<typeof TEST_USER> {
  ensured ??= (async () => {
    const { name, home } = TEST_USER;
    const script = `id -u ${name} >/dev/null 2>&1 || useradd -m -d ${home} -s /bin/bash ${name}; chpasswd`;
    await run('flock', [path.join(os.tmpdir(), 'st-harness-user.lock'), 'sh', '-c', script], {
      input: `${name}:${TEST_USER.password}\n`,
    });
    return TEST_USER;
  })();
  ensured.catch(() => (ensured = undefined)); // let a later call retry
  return ensured;
}

export async function testUserIds(): Promise<{ uid: number; gid: number }> {
  await ensureTestUser();
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${TEST_USER.name}:`));
  if (!line) throw new Error(`test harness: ${TEST_USER.name} is missing from /etc/passwd after useradd`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A fresh folder in the test user's home (owned by the user; `remote` is its absolute path, which is
 * also what every server shows) and a fresh local temp dir. Both are removed at process exit.
 */
export async function scratchDir(label: string): Promise<{ local: string; remote: string }> {
  const { uid, gid } = await testUserIds();
  const safe = label.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'scratch';
  const parent = path.join(TEST_USER.home, 'scratch');
  await mkdir(parent, { recursive: true });
  await chown(parent, uid, gid);
  const remote = await mkdtemp(path.join(parent, `${safe}-${process.pid}-`));
  await chown(remote, uid, gid);
  onExit(() => rmSync(remote, { recursive: true, force: true }));
  const local = await tempDir(`local-${safe}`, 0o700);
  return { local, remote };
}
