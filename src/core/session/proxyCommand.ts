/**
 * OpenSSH's ProxyCommand: a program whose stdin/stdout carry the SSH connection. Only ever run from the
 * user's OWN ~/.ssh/config (SshHostConfig.proxyCommand): no profile field or setting can name one
 * (profiles/forbidden.ts PROGRAM_KEYS refuses such keys), because a repository can ship those.
 *
 * Run like OpenSSH does on Unix: `/bin/sh -c COMMAND` (with `exec` so killing it kills the program).
 * Windows has no /bin/sh and OpenSSH for Windows parses the line itself; rather than guess a second
 * quoting language, a ProxyCommand is refused there with a sentence (use ProxyJump instead).
 * stderr is kept (bounded, escaped) for the log; the process is killed when the stream is destroyed.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { Duplex, type Readable, type Writable } from 'node:stream';
import { UsageError, SecureTransferError } from '../errors';
import { serverText } from '../displayText';
import type { Logger } from '../log';

/** Bytes of the command's stderr kept for the log and error messages. */
export const PROXY_COMMAND_STDERR_LIMIT = 4096;

export interface ProxyCommandOptions {
  log?: Logger;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
}

/** A Duplex over a child's stdout (read) and stdin (write); destroying it kills the child. */
export class ProxyCommandStream extends Duplex {
  private stderrText = '';
  private exited?: { code: number | null; signal: NodeJS.Signals | null };

  constructor(
    readonly command: string,
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    private readonly log?: Logger,
  ) {
    super({ allowHalfOpen: false });
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stdout.on('end', () => this.push(null));
    child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderrText.length < PROXY_COMMAND_STDERR_LIMIT) this.stderrText += chunk.toString('utf8').slice(0, PROXY_COMMAND_STDERR_LIMIT - this.stderrText.length);
    });
    child.stdin.on('error', () => undefined); // EPIPE after the program exited: 'exit' reports it
    child.on('error', (err) => this.destroy(new UsageError(`The ProxyCommand from your ssh config could not be started (${serverText((err as NodeJS.ErrnoException).code ?? err.message)}): check the command.`)));
    child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      const stderr = this.stderr();
      if (stderr) this.log?.info(`ProxyCommand stderr: ${stderr}`);
      this.log?.debug(`ProxyCommand exited (${code ?? signal})`);
    });
  }

  /** What the command wrote to stderr (bounded, escaped, one line). */
  stderr(): string {
    return serverText(this.stderrText.trim().replace(/\s*\n\s*/g, ' | '));
  }

  /** A sentence about why the stream ended, when the program exited on its own. */
  exitText(): string | undefined {
    if (!this.exited) return undefined;
    const how = this.exited.code !== null ? `exited with status ${this.exited.code}` : `was killed (${this.exited.signal})`;
    const stderr = this.stderr();
    return `the ProxyCommand ${how}${stderr ? ` and said "${stderr}"` : ''}`;
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.child.stdin.destroyed) return cb(new SecureTransferError(`The connection through the ProxyCommand is closed: ${this.exitText() ?? 'its input closed'}.`, 'failure', 'connection-closed'));
    this.child.stdin.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.exited) this.child.kill('SIGTERM');
    // A program that ignores SIGTERM must not outlive the connection.
    const t = setTimeout(() => !this.exited && this.child.kill('SIGKILL'), 2000);
    t.unref();
    cb(err);
  }
}

/** Throws the one sentence for a platform a ProxyCommand can't run on (Windows), before anything is started. */
export function checkProxyCommandPlatform(platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') {
    throw new UsageError('ProxyCommand from your ssh config is not supported on Windows (there is no /bin/sh to run it with): use ProxyJump, or a SOCKS/HTTP proxy.');
  }
}

/** Starts the user's ProxyCommand (already token-expanded by the ssh config resolver). */
export function spawnProxyCommand(command: string, opts: ProxyCommandOptions = {}): ProxyCommandStream {
  checkProxyCommandPlatform(opts.platform);
  // `exec` replaces the shell, so the process we kill is the program itself (OpenSSH does the same).
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, detached: false });
  return new ProxyCommandStream(command, child, opts.log);
}

/** The command as the activity log and messages show it: escaped, bounded. */
export function proxyCommandText(command: string): string {
  return serverText(command);
}
