/** How the CLI answers "do you trust this server?": --accept-new, a TTY question, or refuse. */
import type { TrustDecider, TrustQuestion } from '../core/trust/types';
import { hostPort } from '../core/profiles/serverAddress';
import type { CliContext } from './context';
import { askLine } from './tty';

function describe(q: TrustQuestion): string {
  const what = q.kind === 'host-key' ? 'host key' : 'TLS certificate';
  const details = Object.entries(q.details ?? {}).map(([k, v]) => `  ${k}: ${v}\n`).join('');
  return `The ${what} of ${hostPort(q.server)}${q.via ? `, ${q.via},` : ''} is not trusted yet (${q.reason}).\n  ${q.keyType} ${q.fingerprint}\n${details}`;
}

export function cliTrustDecider(ctx: CliContext, acceptNew: boolean): TrustDecider {
  return async (q) => {
    if (acceptNew) {
      ctx.stderr.write(`${describe(q)}Trusting it because of --accept-new; it is recorded in the trust store.\n`);
      return 'remember';
    }
    if (!ctx.interactive) return 'reject';
    ctx.stderr.write(describe(q));
    const answer = (await askLine(ctx, 'Compare the fingerprint with one from the server\'s administrator. Trust it? [y = always, o = once, N = no] '))?.trim().toLowerCase();
    if (answer === 'y' || answer === 'yes') return 'remember';
    if (answer === 'o' || answer === 'once') return 'once';
    return 'reject';
  };
}
