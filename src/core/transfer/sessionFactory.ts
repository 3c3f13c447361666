/**
 * Opens more sessions to a server that the first one already vetted. Trust is decided once: the
 * first connection may ask (the user, the CLI's --accept-new); later connections accept exactly
 * the identities that were accepted then and refuse anything else, so a server whose key or
 * certificate changes in the middle of a transfer is refused, not asked about again.
 */
import { connect, type ConnectContext } from '../connect';
import type { Profile } from '../profiles/types';
import type { RemoteFileSystem } from '../session/remoteFileSystem';
import type { TrustDecider, TrustQuestion } from '../trust/types';
import type { SessionFactory } from './sessionPool';

const identity = (q: TrustQuestion): string => `${q.kind} ${q.fingerprint}`;

export function trustOnceFactory(decide: TrustDecider, open: (decide: TrustDecider) => Promise<RemoteFileSystem>): SessionFactory {
  const accepted = new Set<string>();
  let first = true;
  const asking: TrustDecider = async (q) => {
    const answer = await decide(q);
    if (answer !== 'reject') accepted.add(identity(q));
    return answer;
  };
  const reusing: TrustDecider = async (q) => (accepted.has(identity(q)) ? 'once' : 'reject');
  return () => {
    const decider = first ? asking : reusing;
    first = false;
    return open(decider);
  };
}

/** Sessions to `profile` through core's connect(): the first may ask, the rest reuse its answer. */
export function sessionFactory(profile: Profile, ctx: ConnectContext): SessionFactory {
  return trustOnceFactory(ctx.decide, (decide) => connect(profile, { ...ctx, decide }));
}
