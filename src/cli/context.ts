/**
 * What every CLI command gets: its streams and environment, so commands are testable in-process.
 * A command returns its exit code (0 ok, 1 failure, 2 usage, 3 refused for security, 4 audit threshold)
 * or throws a SecureTransferError, which main.ts turns into one sentence on stderr and its exit code.
 */
import type { Readable, Writable } from 'node:stream';

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
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
