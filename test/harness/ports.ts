/**
 * Free ports for servers. Several test processes run in parallel, and the kernel may hand the same
 * just-released port to two of them, so each chosen port is also reserved in a shared folder
 * (one file per port, created exclusively, holding the owner's PID; stale ones are taken over).
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { isAlive, onExit } from './common';

const RESERVATIONS = path.join(os.tmpdir(), 'st-harness-ports');

function tryReserve(port: number): boolean {
  mkdirSync(RESERVATIONS, { recursive: true, mode: 0o1777 });
  const file = path.join(RESERVATIONS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      onExit(() => release(port));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && isAlive(owner)) return false;
      try {
        unlinkSync(file); // the owner died without cleaning up
      } catch {
        // another process took it over first
      }
    }
  }
  return false;
}

/** Drops our reservation (only ours: the file may meanwhile belong to another process). */
function release(port: number): void {
  const file = path.join(RESERVATIONS, String(port));
  try {
    if (Number(readFileSync(file, 'utf8')) === process.pid) unlinkSync(file);
  } catch {
    // already gone
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A port on 127.0.0.1 that is free now and that no other harness process will pick. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await ephemeralPort();
    if (tryReserve(port)) return port;
  }
  throw new Error('freePort: no free port found on 127.0.0.1 after 50 attempts');
}

/**
 * A block of `count` consecutive free ports (a passive-mode range), taken below the kernel's
 * ephemeral range so it does not collide with ports handed out by freePort.
 */
export async function freePortRange(count: number): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const min = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - count));
    const ports = Array.from({ length: count }, (_, i) => min + i);
    if (!(await Promise.all(ports.map(canBind))).every(Boolean)) continue;
    const reserved: number[] = [];
    for (const port of ports) {
      if (!tryReserve(port)) break;
      reserved.push(port);
    }
    if (reserved.length === count) return { min, max: min + count - 1 };
    for (const port of reserved) release(port); // another process holds part of the block
  }
  throw new Error(`freePortRange: no ${count} consecutive free ports found on 127.0.0.1`);
}
