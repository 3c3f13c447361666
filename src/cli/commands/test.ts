/**
 * `secure-transfer test URL`: Test Connection. One line per step on stdout (✓/✗ and one sentence):
 * the resolved server and where it came from, the policy, each jump host (identity, login), the
 * target (identity, login), a listing of the folder, the close. The failing step says why and stops.
 *
 * Then what the login showed (the audit's login stage on the same session, never an extra login):
 * nothing when it found nothing, else one line per finding (severity, title, evidence, fix). The exit
 * code stays the connection's: scripts use `test` to ask "can I connect?", and a finding is about the
 * server, not the connection (it is also in the activity log; `audit --fail-on` is the CI gate for
 * the probes).
 */
import { CONNECTION_OPTIONS, parseCommandArgs } from '../args';
import type { CliCommand } from '../context';
import { connectContext, resolveTarget } from '../connection';
import { stepLine, testConnection } from '../../core/connect';
import { exitCodeFor } from '../../core/errors';
import { loginFindingLines } from '../../core/audit/auditLogin';

export const testCommand: CliCommand = async (ctx, argv) => {
  const { values, positionals } = parseCommandArgs('test', argv, CONNECTION_OPTIONS, { min: 1, max: 1, usage: 'test <url> [--jump HOPS]' });
  const target = await resolveTarget(ctx, positionals[0], values);
  const context = await connectContext(ctx, target, values);
  const { ok, error, login } = await testConnection(target.profile, context, target.path === '' ? undefined : target.path, (s) => ctx.stdout.write(stepLine(s) + '\n'));
  const lines = login ? loginFindingLines(login) : [];
  if (lines.length) ctx.stdout.write(lines.join('\n') + '\n');
  return ok ? 0 : exitCodeFor(error);
};

