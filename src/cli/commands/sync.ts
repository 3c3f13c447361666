/**
 * `secure-transfer sync <localDir> <url>` (upload) and `sync <url> <localDir>` (download): compare,
 * print the plan, run it (core/sync). Which side is remote is told by the argument itself
 * (`sftp://…`, `ftpes://…`, `ftps://…` or `profile:NAME/…`), as get and put read theirs.
 *
 * Exit codes: 0 in step (or a dry run); SYNC_CONFLICTS_EXIT (5) when the run left conflicts (or rows
 * that changed while it ran) alone, so CI can tell "done, but look" from a failure (1); 1–3 as
 * every other command.
 */
import * as path from 'node:path';
import { CONNECTION_OPTIONS, parseCommandArgs, type OptionSpec } from '../args';
import type { CliCommand } from '../context';
import { activityLog, recorded, remotePathFor, resolveTarget } from '../connection';
import { describeError } from '../../core/errors';
import { withPool } from './files';
import { UsageError } from '../../core/errors';
import { defaultStateDir } from '../../core/paths';
import { serverOrigin, serverUrl } from '../../core/profiles/serverAddress';
import { isRemoteTarget } from '../../core/profiles/url';
import { planSync, runSync, type SyncDirection } from '../../core/sync/sync';
import { FileSyncState } from '../../core/sync/state';
import { formatPlan, formatResult, planJson } from '../../core/sync/format';

/** The exit code of a sync that left conflicts (or rows changed during the run) alone. */
export const SYNC_CONFLICTS_EXIT = 5;

const USAGE = 'sync <localDir> <url> | sync <url> <localDir> [--dry-run] [--delete] [--force] [--checksum] [--json] [-p] [--ignore GLOB]…';

const SYNC_OPTIONS = {
  ...CONNECTION_OPTIONS,
  'dry-run': { type: 'boolean', short: 'n' },
  delete: { type: 'boolean' },
  force: { type: 'boolean' },
  checksum: { type: 'boolean' },
  json: { type: 'boolean' },
  'preserve-times': { type: 'boolean', short: 'p' },
  ignore: { type: 'string', multiple: true },
  'follow-symlinks': { type: 'boolean' },
} as const satisfies OptionSpec;

/** Which argument is which (a URL or a profile reference names the server's side): exactly one must name the server. */
export function syncSides(a: string, b: string): { direction: SyncDirection; local: string; remote: string } {
  const [ra, rb] = [isRemoteTarget(a), isRemoteTarget(b)];
  if (ra === rb) {
    throw new UsageError(
      `sync takes one local folder and one remote folder (sftp://…, ftpes://…, ftps://… or profile:NAME/…), ${ra ? 'not two remote ones' : 'but neither argument names a server'}. Usage: secure-transfer ${USAGE}`,
    );
  }
  return rb ? { direction: 'upload', local: a, remote: b } : { direction: 'download', local: b, remote: a };
}

export const syncCommand: CliCommand = async (ctx, argv) => {
  const { values, positionals } = parseCommandArgs('sync', argv, SYNC_OPTIONS, { min: 2, max: 2, usage: USAGE });
  const sides = syncSides(positionals[0], positionals[1]);
  const target = await resolveTarget(ctx, sides.remote, values);
  const localRoot = path.resolve(ctx.cwd, sides.local);
  return withPool(ctx, target, values, async (pool, first) => {
    const remoteRoot = remotePathFor(first, target.profile, target.path);
    // The record belongs to the server really reached (an ssh-config alias resolved), not to a profile name.
    const server = target.server ?? target.profile;
    const state = new FileSyncState(defaultStateDir(ctx.env), { server: serverOrigin(server), remoteRoot, localRoot }, { warn: (s) => ctx.stderr.write(`warning: ${s}\n`) });
    const opts = {
      checksum: values.checksum,
      delete: values.delete,
      force: values.force,
      ignore: [...(target.profile.ignore ?? []), ...(values.ignore ?? [])],
      preserveTimes: values['preserve-times'] ?? target.profile.preserveTimes,
      followSymlinks: values['follow-symlinks'],
      serverName: serverUrl(server),
    };
    const plan = await planSync(pool, sides.direction, localRoot, remoteRoot, state, opts);
    const shownServer = serverUrl(server);
    if (values['dry-run']) {
      ctx.stdout.write(values.json ? planJson(plan) : formatPlan(plan, { dryRun: true, server: shownServer }));
      return 0;
    }
    if (!values.json) ctx.stdout.write(formatPlan(plan, { server: shownServer }));
    const result = await recorded(ctx, target, sides.direction, remoteRoot, () => runSync(pool, plan, state, opts), (r) => r.transfer.bytes);
    if (sides.direction === 'upload' && result.deleted > 0) {
      // Removing files on the server is a write of its own in the activity log.
      const detail = `${result.deleted} file${result.deleted === 1 ? '' : 's'} and folders missing locally removed by sync --delete`;
      await activityLog(ctx)
        .append({ server: serverOrigin(server), action: 'delete', result: 'ok', path: remoteRoot, detail })
        .catch((err: unknown) => ctx.stderr.write(`warning: the activity log could not be written: ${describeError(err)}\n`));
    }
    if (values.json) ctx.stdout.write(planJson(plan, result));
    else ctx.stdout.write(formatResult(result, plan));
    return result.conflicts.length > 0 || result.changedSincePlan.length > 0 ? SYNC_CONFLICTS_EXIT : 0;
  });
};
