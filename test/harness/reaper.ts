/**
 * Clean-up after test processes that died without running their exit hooks (SIGKILL, crash): their
 * temp dirs, scratch dirs and PAM services carry the dead PID, and every server they started names
 * its temp dir on its command line (config path), which is how orphaned servers are found.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isAlive } from './common';

const HARNESS_DIR = /^st-harness-(\d+)-/;
const PAM_SERVICE = /^sshd-st-(\d+)-\d+$/;
const SCRATCH = /-(\d+)-[A-Za-z0-9]{6}$/; // scratchDir: <label>-<pid>-XXXXXX
const SCRATCH_PARENT = '/home/sttest/scratch';

export function reapOrphans(): void {
  const isOrphan = (owner: string) => Number(owner) !== process.pid && !isAlive(Number(owner));
  let table: Array<{ pid: number; cmdline: string }> | undefined;
  for (const name of safeReaddir(os.tmpdir())) {
    const owner = HARNESS_DIR.exec(name);
    if (!owner || !isOrphan(owner[1])) continue;
    const dir = path.join(os.tmpdir(), name);
    killServersOf(dir, (table ??= processTable()));
    rmSync(dir, { recursive: true, force: true });
  }
  for (const name of safeReaddir(SCRATCH_PARENT)) {
    const owner = SCRATCH.exec(name);
    if (owner && isOrphan(owner[1])) rmSync(path.join(SCRATCH_PARENT, name), { recursive: true, force: true });
  }
  for (const name of safeReaddir('/etc/pam.d')) {
    const owner = PAM_SERVICE.exec(name);
    if (owner && isOrphan(owner[1])) rmSync(path.join('/etc/pam.d', name), { force: true });
  }
}

/** Command lines of all processes, read once per reap. */
function processTable(): Array<{ pid: number; cmdline: string }> {
  return safeReaddir('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map((n) => {
      try {
        return { pid: Number(n), cmdline: readFileSync(`/proc/${n}/cmdline`, 'utf8') };
      } catch {
        return { pid: Number(n), cmdline: '' };
      }
    });
}

function killServersOf(dir: string, table: Array<{ pid: number; cmdline: string }>): void {
  for (const { pid, cmdline } of table) {
    if (!cmdline.includes(`${dir}/`)) continue;
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or gone already
      }
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
