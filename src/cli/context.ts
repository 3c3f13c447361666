/**
 * What every CLI command gets: its streams and environment, so commands are testable in-process.
 * A command returns its exit code (0 ok, 1 failure, 2 usage, 3 refused for security, 4 audit threshold)
 * or throws a SecureTransferError, which main.ts turns into one sentence on stderr and its exit code.
 */
import type { Readable, Writable } from 'node:stream';
import { UsageError } from '../core/errors';
import { formatLimit, INPUT_FILE_LIMITS } from '../core/fsutil';

export interface CliContext {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** True when stdin and stderr are terminals, so the user can be asked questions. */
  interactive: boolean;
  verbose: boolean;
}

export type CliCommand = (ctx: CliContext, argv: string[]) => Promise<number>;

/** Reads all of stdin as text without the trailing newline (for --password-stdin and `secret set-*`). */
export async function readStdin(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of stdin) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(String(c));
    total += b.length;
    // `--password-stdin < /dev/zero` would otherwise grow without limit.
    if (total > INPUT_FILE_LIMITS.stdin) {
      stdin.destroy();
      throw new UsageError(`Standard input is longer than ${formatLimit(INPUT_FILE_LIMITS.stdin)}: pipe in only the password, passphrase or TOTP seed.`, 'stdin-too-long');
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
