/**
 * Manage Trusted Keys…: the identities remembered in the extension's trust store (host keys and
 * certificates chosen "Trust and Remember"), with fingerprint and when each was added; the picked one
 * is forgotten after a question whose default keeps it. Pinned fingerprints in profile files are not
 * in the store: they are edited in the profile.
 */
import { hostPort } from '../../core/profiles/serverAddress';
import type { TrustRecord } from '../../core/trust/types';
import type { Services } from '../services';
import type { Commands } from './types';

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

async function manageTrustedKeys(s: Services): Promise<TrustRecord | undefined> {
  const records = await s.trustStore.all();
  if (records.length === 0) {
    s.ui.info('No server identity is remembered yet: "Trust and Remember" on a connection adds one here.');
    return undefined;
  }
  const users = (r: TrustRecord) => s.profiles.profiles.filter((p) => p.host.toLowerCase() === r.host && p.port === r.port).map((p) => p.name);
  const items = records.map((record) => ({
    label: hostPort(record),
    description: `${record.keyType} ${record.fingerprint}`,
    detail: `${record.kind === 'host-key' ? 'SSH host key' : 'TLS certificate'} · added ${when(record.addedAt)}${users(record).length ? ` · profiles: ${users(record).join(', ')}` : ''}`,
    record,
  }));
  const picked = await s.ui.pick(items, { placeHolder: 'Trusted server identities: pick one to forget it', matchOnDescription: true, matchOnDetail: true });
  if (!picked) return undefined;
  const r = picked.record;
  const what = r.kind === 'host-key' ? 'host key' : 'certificate';
  const answer = await s.ui.confirmSafe(
    `Forget the trusted ${what} of ${hostPort(r)}?`,
    `${r.keyType} ${r.fingerprint}, added ${when(r.addedAt)}. The next connection asks again, showing the fingerprint.`,
    'Keep It',
    'Forget',
  );
  if (answer !== 'Forget') return undefined;
  await s.trustStore.forgetOne(r);
  s.log.warn(`Forgot the remembered ${what} ${r.fingerprint} of ${hostPort(r)} (Manage Trusted Keys).`);
  // A live session keeps its verified key until it ends: end it, so the next use asks again.
  for (const name of users(r)) await s.connections.disconnect(name);
  s.ui.info(`Forgot the ${what} of ${hostPort(r)}.`);
  return r;
}

export const TRUSTED_KEY_COMMANDS: Commands = {
  'secureTransfer.manageTrustedKeys': manageTrustedKeys,
};
