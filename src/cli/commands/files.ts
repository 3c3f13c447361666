/** ls, get, put, mkdir, rm, mv, chmod: thin wrappers over core's RemoteFileSystem and transfer functions. */
import * as path from 'node:path';
import { CONNECTION_OPTIONS, parseCommandArgs, type OptionSpec } from '../args';
import type { CliCommand, CliContext } from '../context';
import { connectContext, openSession, recorded, remotePathFor, resolveTarget, type ConnectionArgs, type Target } from '../connection';
import type { RemoteEntry, RemoteFileSystem } from '../../core/session/remoteFileSystem';
import { download, upload, type SkippedEntry } from '../../core/transfer/engine';
import { SessionPool } from '../../core/transfer/sessionPool';
import { sessionFactory } from '../../core/transfer/sessionFactory';
import { sharedReuseFacts, whyOneSession } from '../../core/transfer/sessionReuse';
import { resolveServer } from '../../core/connect';
import { cliSecretStore } from '../credentials';
import { FileRemoteState } from '../../core/transfer/remoteState';
import { defaultStateDir } from '../../core/paths';
import { SecureTransferError, UsageError } from '../../core/errors';
import { parseFileMode, permissionLetters, type FileModeChange } from '../../core/syntax/fileMode';
import { escapeControlChars, terminalSafeJson } from '../../core/displayText';
import { compareEntries } from '../../core/session/listingWindow';

async function withSession<T>(ctx: CliContext, target: Target, args: ConnectionArgs, fn: (rfs: RemoteFileSystem) => Promise<T>): Promise<T> {
  const rfs = await openSession(ctx, target, args);
  try {
    return await fn(rfs);
  } finally {
    await rfs.close().catch(() => undefined);
  }
}

/**
 * A pool of sessions for get/put: the first connection asks any trust question, the others reuse
 * its answer. `fn` gets the pool and the first session (to resolve paths against its home folder).
 */
export async function withPool<T>(ctx: CliContext, target: Target, args: ConnectionArgs, fn: (pool: SessionPool, first: RemoteFileSystem, state: FileRemoteState) => Promise<T>): Promise<T> {
  const context = await connectContext(ctx, target, args);
  const factory = sessionFactory(target.profile, context);
  const first = await factory();
  // Extra sessions only when their logins ask nothing again (core's one table: a code typed at every login does).
  const why = whyOneSession(target.profile, await sharedReuseFacts(target.profile, await cliSecretStore(ctx), context.sshConfig));
  if (why) context.log?.debug(`One session to ${target.profile.name}: ${why}.`);
  const pool = new SessionPool({ seed: first, factory, shape: why ? { sessions: 1 } : undefined });
  try {
    // Versions are remembered per server really reached (an ssh-config alias resolved), as the keychain.
    const { server } = await resolveServer(target.profile, context.sshConfig);
    return await fn(pool, first, FileRemoteState.inDir(defaultStateDir(ctx.env), server));
  } finally {
    await pool.close();
    await first.close().catch(() => undefined);
  }
}

const TYPE_CHAR: Record<RemoteEntry['type'], string> = { directory: 'd', file: '-', symlink: 'l', other: '?' };

function mode(e: RemoteEntry): string {
  return TYPE_CHAR[e.type] + (e.permissions === undefined ? '?????????' : permissionLetters(e.permissions));
}

/** Names come from the server: shown with control characters escaped, as in the extension's tree. */
export const printableName = escapeControlChars;

/** One `ls` line per entry, the size column as wide as the widest size. */
export function formatEntries(entries: RemoteEntry[]): string {
  return [...formatEntryChunks(entries, Infinity)].join('');
}

/**
 * The `ls` lines in chunks of `perChunk` entries, so a 200,000-entry folder is written piece by
 * piece instead of as one string next to 200,000 line strings.
 */
export function* formatEntryChunks(entries: RemoteEntry[], perChunk = 2000): Generator<string> {
  // Not Math.max(...sizes): spreading 200,000 arguments overflows the call stack.
  const width = entries.reduce((w, e) => Math.max(w, String(e.size).length), 1);
  const when = minuteText();
  for (let i = 0; i < entries.length; i += perChunk) {
    let chunk = '';
    for (let j = i, end = Math.min(entries.length, i + perChunk); j < end; j++) {
      const e = entries[j];
      const link = e.target ? ` -> ${printableName(e.target)}` : '';
      chunk += `${mode(e)} ${String(e.size).padStart(width)} ${when(e.mtime)} ${printableName(e.name)}${link}\n`;
    }
    yield chunk;
  }
}

/**
 * "YYYY-MM-DD HH:MM" (UTC) of a time in ms, blank for none. Entries of one folder share few
 * minutes: each minute's text is made once (a bounded cache, emptied when it fills).
 */
function minuteText(): (ms: number) => string {
  const cache = new Map<number, string>();
  return (ms) => {
    if (!ms) return '                ';
    const minute = Math.floor(ms / 60_000);
    let text = cache.get(minute);
    if (text === undefined) {
      if (cache.size >= 4096) cache.clear();
      text = new Date(minute * 60_000).toISOString().slice(0, 16).replace('T', ' ');
      cache.set(minute, text);
    }
    return text;
  };
}

/** `--json`: the same array JSON.stringify(entries, null, 2) gives, written in chunks. */
export function* jsonChunks(entries: RemoteEntry[], perChunk = 2000): Generator<string> {
  if (entries.length === 0) return yield '[]\n';
  for (let i = 0; i < entries.length; i += perChunk) {
    const body = entries
      .slice(i, i + perChunk)
      .map((e) => '  ' + JSON.stringify(e, null, 2).replace(/\n/g, '\n  '))
      .join(',\n');
    yield (i === 0 ? '[\n' : ',\n') + body + (i + perChunk >= entries.length ? '\n]\n' : '');
  }
}

/** Writes chunk by chunk, waiting whenever the stream's buffer is full (a slow pipe holds no backlog). */
function* mapChunks(chunks: Iterable<string>, fn: (chunk: string) => string): Generator<string> {
  for (const chunk of chunks) yield fn(chunk);
}

async function writeChunks(out: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
  }
}

/** Sorted in place (list() returns a fresh array): the tree's order, folders first, then by name. */
function sortEntries(entries: RemoteEntry[]): RemoteEntry[] {
  return entries.sort(compareEntries);
}

export const lsCommand: CliCommand = async (ctx, argv) => {
  const { values, positionals } = parseCommandArgs('ls', argv, { ...CONNECTION_OPTIONS, json: { type: 'boolean' } } satisfies OptionSpec, { min: 1, max: 1, usage: 'ls <url> [--json]' });
  const target = await resolveTarget(ctx, positionals[0], values);
  return withSession(ctx, target, values, async (rfs) => {
    const p = remotePathFor(rfs, target.profile, target.path);
    const st = await rfs.stat(p);
    const entries = st.type === 'directory' ? sortEntries(await rfs.list(p)) : [{ ...st, name: path.posix.basename(p) }];
    // JSON escapes only what JSON must: C1 controls and bidi marks are made terminal-safe too.
    await writeChunks(ctx.stdout, values.json ? mapChunks(jsonChunks(entries), terminalSafeJson) : formatEntryChunks(entries));
    return 0;
  });
};

const RECURSIVE = { recursive: { type: 'boolean', short: 'r' }, 'follow-symlinks': { type: 'boolean' } } as const satisfies OptionSpec;
/** get/put `-p`: the copy gets its source's modification time (as scp -p); a profile's preserveTimes too. */
const PRESERVE = { 'preserve-times': { type: 'boolean', short: 'p' } } as const satisfies OptionSpec;

function report(ctx: CliContext, verb: string, r: { files: number; bytes: number; skipped: SkippedEntry[]; notes?: string[] }, ms: number): void {
  const rate = ms > 0 ? ` (${((r.bytes / 1e6) / (ms / 1000)).toFixed(1)} MB/s)` : '';
  ctx.stderr.write(`${verb} ${r.files} file${r.files === 1 ? '' : 's'}, ${r.bytes} bytes${rate}.\n`);
  // Paths and link targets may come from the server: escaped like every name.
  for (const s of r.skipped) ctx.stderr.write(`skipped ${printableName(s.path)}: ${printableName(s.reason)}\n`);
  for (const n of r.notes ?? []) ctx.stderr.write(`note: ${printableName(n)}\n`);
}

export const getCommand: CliCommand = async (ctx, argv) => {
  const { values, positionals } = parseCommandArgs('get', argv, { ...CONNECTION_OPTIONS, ...RECURSIVE, ...PRESERVE }, { min: 2, max: 2, usage: 'get <url> <local> [-r] [-p] [--follow-symlinks]' });
  const target = await resolveTarget(ctx, positionals[0], values);
  const local = path.resolve(ctx.cwd, positionals[1]);
  return withPool(ctx, target, values, async (pool, rfs, remoteState) => {
    const t0 = Date.now();
    const from = remotePathFor(rfs, target.profile, target.path);
    const r = await recorded(ctx, target, 'download', from, () => download(pool, from, { cp: local }, { recursive: values.recursive, followSymlinks: values['follow-symlinks'], preserveTimes: values['preserve-times'] || target.profile.preserveTimes, remoteState }), (x) => x.bytes);
    report(ctx, 'Downloaded', r, Date.now() - t0);
    return 0;
  });
};

export const putCommand: CliCommand = async (ctx, argv) => {
  const { values, positionals } = parseCommandArgs('put', argv, { ...CONNECTION_OPTIONS, ...RECURSIVE, ...PRESERVE, force: { type: 'boolean' } }, { min: 2, max: 2, usage: 'put <local> <url> [-r] [-p] [--follow-symlinks] [--force]' });
  const local = path.resolve(ctx.cwd, positionals[0]);
  const target = await resolveTarget(ctx, positionals[1], values);
  return withPool(ctx, target, values, async (pool, rfs, remoteState) => {
    const t0 = Date.now();
    const to = remotePathFor(rfs, target.profile, target.path);
    const r = await recorded(ctx, target, 'upload', to, () => upload(pool, local, { cp: to }, { recursive: values.recursive, followSymlinks: values['follow-symlinks'], ignore: target.profile.ignore, force: values.force, preserveTimes: values['preserve-times'] || target.profile.preserveTimes, remoteState }), (x) => x.bytes);
    report(ctx, 'Uploaded', r, Date.now() - t0);
    return 0;
  });
};

export const mkdirCommand: CliCommand = async (ctx, argv) => {
  const { values, positionals } = parseCommandArgs('mkdir', argv, CONNECTION_OPTIONS, { min: 1, max: 1, usage: 'mkdir <url>' });
  const target = await resolveTarget(ctx, positionals[0], values);
  return withSession(ctx, target, values, async (rfs) => {
    const p = remotePathFor(rfs, target.profile, target.path);
    await recorded(ctx, target, 'mkdir', p, () => rfs.mkdir(p));
    return 0;
  });
};

export const rmCommand: CliCommand = async (ctx, argv) => {
  const { values, positionals } = parseCommandArgs('rm', argv, { ...CONNECTION_OPTIONS, ...RECURSIVE }, { min: 1, max: 1, usage: 'rm <url> [-r]' });
  const target = await resolveTarget(ctx, positionals[0], values);
  return withSession(ctx, target, values, async (rfs) => {
    const p = remotePathFor(rfs, target.profile, target.path);
    if (p === '/' || p === rfs.homeDir) throw new UsageError(`Refusing to remove ${p}: name a path inside it.`);
    const st = await rfs.stat(p);
    if (st.type === 'directory' && !values.recursive) throw new UsageError(`${p} is a folder: add -r to remove it with everything inside.`);
    await recorded(ctx, target, 'delete', p, () => (st.type === 'directory' ? rfs.rmdir(p, { recursive: true }) : rfs.delete(p)));
    return 0;
  });
};

export const mvCommand: CliCommand = async (ctx, argv) => {
  const { values, positionals } = parseCommandArgs('mv', argv, CONNECTION_OPTIONS, { min: 2, max: 2, usage: 'mv <url> <newpath>' });
  const target = await resolveTarget(ctx, positionals[0], values);
  return withSession(ctx, target, values, async (rfs) => {
    const from = remotePathFor(rfs, target.profile, target.path);
    const written = positionals[1];
    // A relative new path is taken relative to the source's folder, like a rename in a file manager.
    const to = written.startsWith('/') || written.startsWith('~') ? remotePathFor(rfs, target.profile, written) : path.posix.join(path.posix.dirname(from), written);
    await recorded(ctx, target, 'rename', from, () => rfs.rename(from, to), undefined, to);
    return 0;
  });
};

/**
 * `chmod MODE <url> [-R]`: MODE octal (644, 0755) or symbolic (u+x,go-w; needs the current mode, so
 * the file is inspected first). -R: everything below a folder too; symbolic links met on the way
 * are left alone (as chmod -R), the named path itself is followed (as chmod).
 */
export const chmodCommand: CliCommand = async (ctx, argv) => {
  const usage = 'chmod <mode> <url> [-R]';
  const { values, positionals } = parseCommandArgs('chmod', argv, { ...CONNECTION_OPTIONS, recursive: { type: 'boolean', short: 'R' } }, { min: 2, max: 2, usage });
  // A bad mode is said before anything connects.
  const change = parseFileMode(positionals[0]);
  const target = await resolveTarget(ctx, positionals[1], values);
  return withSession(ctx, target, values, async (rfs) => {
    const p = remotePathFor(rfs, target.profile, target.path);
    const chmod = rfs.chmod?.bind(rfs);
    if (!chmod) throw new SecureTransferError(`Changing permissions is not possible over ${rfs.protocol}.`, 'failure', 'unsupported');
    const detail = `mode ${change.text}${values.recursive ? ', recursive' : ''}`;
    await recorded(ctx, target, 'chmod', p, async () => {
      const st = change.absolute === undefined || values.recursive ? await rfs.stat(p) : undefined;
      await chmod(p, st ? newMode(change, st, p) : change.absolute!);
      if (values.recursive && st?.type === 'directory') await chmodTree(rfs, chmod, change, p);
    }, undefined, undefined, detail);
    return 0;
  });
};

/** The mode `change` gives `entry` (symbolic: from its current bits, which the server must tell). */
function newMode(change: FileModeChange, entry: RemoteEntry, p: string): number {
  if (change.absolute !== undefined) return change.absolute;
  if (entry.permissions === undefined) {
    throw new UsageError(`The server does not tell the permissions of ${printableName(p)}, so "${printableName(change.text)}" cannot be applied to them: give the whole mode in octal (for example 644).`);
  }
  return change.apply(entry.permissions | (entry.specialBits ?? 0), entry.type === 'directory');
}

async function chmodTree(rfs: RemoteFileSystem, chmod: NonNullable<RemoteFileSystem['chmod']>, change: FileModeChange, dir: string): Promise<void> {
  for (const e of await rfs.list(dir)) {
    if (e.type !== 'file' && e.type !== 'directory') continue;
    const child = path.posix.join(dir, e.name);
    await chmod(child, newMode(change, e, child));
    if (e.type === 'directory') await chmodTree(rfs, chmod, change, child);
  }
}
