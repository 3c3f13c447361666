/** Stopping a server the way a crash or restart does: its open connections drop too. */
import { readdirSync, readFileSync } from 'node:fs';
import type { RunningServer } from './server';

/** PIDs of every process descended from `pid` (sshd's per-connection processes run in their own session). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended meanwhile.
    }
  }
  const found: number[] = [];
  for (let i = -1, parent = pid; ; parent = found[++i]) {
    for (const [child, p] of parentOf) if (p === parent) found.push(child);
    if (i + 1 >= found.length) return found;
  }
}

/** A real restart: the server stops AND its open connections drop (sshd's session processes survive a SIGTERM to the listener). */
export async function stopWithConnections(server: RunningServer): Promise<void> {
  const sessions = descendants(server.pid);
  await server.stop();
  for (const pid of sessions) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone with the listener.
    }
  }
}
