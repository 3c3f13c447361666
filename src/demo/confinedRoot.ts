/**
 * Maps the SFTP client's paths onto one local folder, which the client sees as "/", and refuses
 * every path that would leave it: ".." above "/", and symlinks whose real target lies outside.
 * Checks use realpath, so a link inside the folder cannot be used to reach the rest of the disk.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A path that would reach outside the served folder (or, for changes, the folder itself). */
export class OutsideRootError extends Error {
  constructor(readonly clientPath: string, reason = 'is outside the served folder') {
    super(`"${clientPath}" ${reason}`);
    this.name = 'OutsideRootError';
  }
}

export class ConfinedRoot {
  private constructor(readonly realRoot: string) {}

  static async open(root: string): Promise<ConfinedRoot> {
    const realRoot = await fs.realpath(root).catch(() => undefined);
    if (!realRoot || !(await fs.stat(realRoot)).isDirectory()) {
      throw new Error(`The folder to serve, ${root}, does not exist or is not a folder: create it or pass another one.`);
    }
    return new ConfinedRoot(realRoot);
  }

  /** The client-visible absolute form ("/a/b") of a client path; relative paths start at "/". */
  normalize(clientPath: string): string {
    const segments: string[] = [];
    for (const part of clientPath.split('/')) {
      if (part === '' || part === '.') continue;
      if (part !== '..') segments.push(part);
      else if (segments.pop() === undefined) throw new OutsideRootError(clientPath, 'climbs above the served folder');
    }
    return '/' + segments.join('/');
  }

  /**
   * The real path for operations that follow symlinks (open, stat, opendir, setstat). A missing
   * last component is allowed (open with create): its parent must then exist inside the root.
   */
  async resolve(clientPath: string): Promise<string> {
    const local = this.toLocal(this.normalize(clientPath));
    try {
      return this.assertInside(clientPath, await fs.realpath(local));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return this.resolveEntry(clientPath);
    }
  }

  /**
   * The real path of the entry itself, without following a symlink in the last component
   * (lstat, remove, rename, mkdir, readlink). Its parent folder must resolve inside the root.
   */
  async resolveEntry(clientPath: string): Promise<string> {
    const virtual = this.normalize(clientPath);
    if (virtual === '/') return this.realRoot;
    const parent = this.assertInside(clientPath, await fs.realpath(this.toLocal(path.posix.dirname(virtual))));
    return path.join(parent, path.posix.basename(virtual));
  }

  /** Like resolveEntry, for changes that must never hit the served folder itself (remove, rename). */
  async resolveChangeable(clientPath: string): Promise<string> {
    const real = await this.resolveEntry(clientPath);
    if (real === this.realRoot) throw new OutsideRootError(clientPath, 'is the served folder itself and cannot be removed or renamed');
    return real;
  }

  /** The client-visible path of a real path inside the root. */
  toVirtual(realPath: string): string {
    return '/' + path.relative(this.realRoot, realPath).split(path.sep).filter(Boolean).join('/');
  }

  isInside(realPath: string): boolean {
    const rel = path.relative(this.realRoot, realPath);
    return rel === '' || (!path.isAbsolute(rel) && rel !== '..' && !rel.startsWith('..' + path.sep));
  }

  private toLocal(virtual: string): string {
    return path.join(this.realRoot, ...virtual.split('/').filter(Boolean));
  }

  private assertInside(clientPath: string, realPath: string): string {
    if (!this.isInside(realPath)) throw new OutsideRootError(clientPath);
    return realPath;
  }
}
