import { PassThrough } from 'node:stream';
import * as os from 'node:os';
import type { CliContext } from '../../src/cli/context';
import { runCli } from '../../src/cli/main';

/** Runs the CLI in-process with captured streams. */
export async function runInProcess(argv: string[], opts: { stdin?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const ctx: CliContext = { stdout, stderr, stdin, env: opts.env ?? { ...process.env, SECURE_TRANSFER_STATE_DIR: os.tmpdir() + '/st-cli-unit' }, cwd: opts.cwd ?? process.cwd(), interactive: false, verbose: argv.includes('--verbose') };
  const code = await runCli(ctx, argv);
  return { code, stdout: out, stderr: err };
}
