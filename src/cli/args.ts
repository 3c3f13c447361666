/** Command-line parsing shared by every command, with usage errors as one clear sentence. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command that connects to a server understands. */
export const CONNECTION_OPTIONS = {
  config: { type: 'string' },
  'known-hosts': { type: 'string', multiple: true },
  fingerprint: { type: 'string', multiple: true },
  ca: { type: 'string' },
  identity: { type: 'string' },
  'request-timeout': { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'accept-new': { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
} as const satisfies OptionSpec;

export function parseCommandArgs<T extends OptionSpec>(command: string, argv: string[], options: T, positionals: { min: number; max: number; usage: string }) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${command}: ${msg}. Usage: secure-transfer ${positionals.usage}`);
  }
  const n = parsed.positionals.length;
  if (n < positionals.min || n > positionals.max) {
    throw new UsageError(`${command} takes ${positionals.min === positionals.max ? positionals.min : `${positionals.min} to ${positionals.max}`} argument${positionals.max === 1 ? '' : 's'}, got ${n}. Usage: secure-transfer ${positionals.usage}`);
  }
  return parsed;
}
