/**
 * `secure-transfer test URL`: Test Connection. One line per step on stdout (✓/✗ and one sentence):
 * the resolved server and where it came from, the policy, each jump host (identity, login), the
 * target (identity, login), a listing of the folder, the close. The failing step says why and stops.
 */
import { CONNECTION_OPTIONS, parseCommandArgs } from '../args';
import type { CliCommand } from '../context';
import { connectContext, resolveTarget } from '../connection';
import { stepLine, testConnection } from '../../core/connect';
import { exitCodeFor } from '../../core/errors';

export const testCommand: CliCommand = async (ctx, argv) => {
  const { values, positionals } = parseCommandArgs('test', argv, CONNECTION_OPTIONS, { min: 1, max: 1, usage: 'test <url> [--jump HOPS]' });
  const target = await resolveTarget(ctx, positionals[0], values);
  const context = await connectContext(ctx, target, values);
  const { ok, error } = await testConnection(target.profile, context, target.path === '' ? undefined : target.path, (s) => ctx.stdout.write(stepLine(s) + '\n'));
  return ok ? 0 : exitCodeFor(error);
};
