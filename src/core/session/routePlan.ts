/**
 * Which way a connection goes: the jump hosts (profile `jump` / CLI `--jump`, else the ssh config's
 * ProxyJump) and the user's own ProxyCommand. Pure planning: nothing is sent; connect() checks the
 * policy on every hop of the plan before the first packet leaves.
 *
 * Precedence (written down because OpenSSH's own rule, "whichever of ProxyJump/ProxyCommand comes
 * first in the config", needs the file's order):
 *  1. An explicit hop list (profile `jump`, `--jump`; `[]` or `--jump none` = direct) wins over the
 *     ssh config's ProxyJump AND ProxyCommand, as `ssh -J` does.
 *  2. Otherwise the target's ProxyJump, or its ProxyCommand. If the resolved config holds both, the
 *     connection is refused with a sentence rather than guessing a route the user did not pick.
 *  3. A hop's own ProxyCommand applies only to the FIRST hop (it is how the first packet leaves);
 *     a hop's own ProxyJump is not followed (write the whole route in the target's ProxyJump).
 */
import { UsageError } from '../errors';
import { jumpSpecProblem, parseJumpSpec } from '../profiles/jump';
import { hostPort, serverUrl } from '../profiles/serverAddress';
import type { Profile, ServerAddress } from '../profiles/types';
import { resolveSshHost } from '../sshconfig/resolve';
import type { SshConfigOptions, SshHostConfig } from '../sshconfig/types';

/** Like the schema's maxItems: a longer route is a mistake (or a loop). */
export const MAX_JUMP_HOSTS = 8;

export interface PlannedHop {
  /** As written (`admin@bastion:2222`, `bastion`). */
  written: string;
  server: ServerAddress;
  sshConfig: SshHostConfig;
  /** "jump host 1 of 2 (bastion.example.com:22)". */
  label: string;
  /** The trust question's `via`: "jump host 1 of 2 on the way to sftp://deploy@app:22". */
  via: string;
}

export interface RoutePlan {
  hops: PlannedHop[];
  /** The user's ProxyCommand for the first element of the route (first hop, else the target). */
  proxyCommand?: string;
  /** Where the hops came from, for Test Connection and logs. */
  source: 'profile' | 'ssh-config' | 'none';
}

export interface PlanOptions {
  sshConfig?: SshConfigOptions;
  /** The local user, OpenSSH's default for a hop without User (default: the OS's). */
  localUser: string;
}

export async function planRoute(profile: Profile, target: SshHostConfig, opts: PlanOptions): Promise<RoutePlan> {
  if (profile.protocol !== 'sftp') return { hops: [], source: 'none' };
  let written: string[];
  let source: RoutePlan['source'];
  let proxyCommand: string | undefined;
  if (profile.jump !== undefined) {
    written = profile.jump;
    source = written.length ? 'profile' : 'none';
  } else if (target.proxyJump?.length && target.proxyCommand) {
    throw new UsageError(
      `Your ssh config gives ${profile.host} both ProxyJump and ProxyCommand, and which one OpenSSH uses depends on their order: keep one of them for this host (or set the profile's "jump").`,
    );
  } else if (target.proxyJump?.length) {
    written = target.proxyJump;
    source = 'ssh-config';
  } else {
    written = [];
    source = 'none';
    proxyCommand = target.proxyCommand;
  }
  if (written.length > MAX_JUMP_HOSTS) throw new UsageError(`The route to ${profile.host} has ${written.length} jump hosts; at most ${MAX_JUMP_HOSTS} are supported.`);
  const where = source === 'ssh-config' ? `ProxyJump of ${profile.host} in your ssh config:` : 'The jump host';
  const specs = written.map((w) => parseJumpSpec(w) ?? fail(jumpSpecProblem(w, where)));
  const targetUrl = serverUrl(profile);
  const hops: PlannedHop[] = [];
  for (const [i, spec] of specs.entries()) {
    const cfg = await resolveSshHost(spec.host, opts.sshConfig);
    const server: ServerAddress = { protocol: 'sftp', host: cfg.hostName || spec.host, port: spec.port ?? cfg.port ?? 22, username: spec.username ?? cfg.user ?? opts.localUser };
    const place = `jump host ${i + 1} of ${specs.length}`;
    hops.push({ written: spec.text, server, sshConfig: cfg, label: `${place} (${hostPort(server)})`, via: `${place} on the way to ${targetUrl}` });
  }
  if (hops.length > 0) proxyCommand = hops[0].sshConfig.proxyCommand;
  return { hops, ...(proxyCommand ? { proxyCommand } : {}), source };
}

function fail(sentence: string): never {
  throw new UsageError(`${sentence}.`);
}
