/** Command-line parsing shared by every command, with usage errors as one clear sentence. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors';
import { escapeControlChars } from '../core/displayText';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command that connects to a server understands. */
export const CONNECTION_OPTIONS = {
  config: { type: 'string' },
  'known-hosts': { type: 'string', multiple: true },
  fingerprint: { type: 'string', multiple: true },
  ca: { type: 'string' },
  identity: { type: 'string' },
  proxy: { type: 'string' },
  jump: { type: 'string' },
  'ssh-config': { type: 'string' },
  'request-timeout': { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'accept-new': { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
} as const satisfies OptionSpec;

/**
 * What strict parsing refuses, said from parseArgs' tokens (Node's own message is multi-line and
 * written for developers): an unknown option, a value missing or given where none is taken.
 */
function argumentProblem(argv: string[], options: OptionSpec): string {
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const name = `'${escapeControlChars(t.rawName)}'`;
    const spec = Object.hasOwn(options, t.name) ? options[t.name] : undefined;
    if (!spec) return `Unknown option ${name}`;
    if (spec.type === 'string' && t.value === undefined) return `Option ${name} needs a value`;
    if (spec.type === 'string' && !t.inlineValue && t.value?.startsWith('-')) return `Option ${name} needs a value (write ${escapeControlChars(t.rawName)}=VALUE for one starting with "-")`;
    if (spec.type === 'boolean' && t.value !== undefined) return `Option ${name} takes no value`;
  }
  return 'The arguments could not be read';
}

export function parseCommandArgs<T extends OptionSpec>(command: string, argv: string[], options: T, positionals: { min: number; max: number; usage: string }) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch {
    throw new UsageError(`${command}: ${argumentProblem(argv, options)}. Usage: secure-transfer ${positionals.usage}`);
  }
  const n = parsed.positionals.length;
  if (n < positionals.min || n > positionals.max) {
    throw new UsageError(`${command} takes ${positionals.min === positionals.max ? positionals.min : `${positionals.min} to ${positionals.max}`} argument${positionals.max === 1 ? '' : 's'}, got ${n}. Usage: secure-transfer ${positionals.usage}`);
  }
  return parsed;
}
