/**
 * Trust questions as modal dialogs. Unknown identity: Trust Once / Trust and Remember / Cancel, with a
 * refusing "Don't Trust" as the default button (VS Code focuses the first button; Enter must not trust). A changed identity is never a question: the core refuses it and this shows both
 * fingerprints, pointing at the explicit "Replace Pinned Key…" command as the only way on.
 */
import type { TrustDecider, TrustDecision, TrustQuestion } from '../core/trust/types';
import { hasErrorCode, SecurityRefusal, type ErrorCode } from '../core/errors';
import { hostPort } from '../core/profiles/serverAddress';
import type { Ui } from './ui';

export const TRUST_ONCE = 'Trust Once';
export const TRUST_REMEMBER = 'Trust and Remember';
/** The default button (Enter): refuses, like Cancel. */
export const DONT_TRUST = "Don't Trust";

const DECISIONS: Readonly<Record<string, TrustDecision>> = { [TRUST_ONCE]: 'once', [TRUST_REMEMBER]: 'remember' };
const WHAT: Readonly<Record<TrustQuestion['kind'], string>> = { 'host-key': 'SSH host key', certificate: 'TLS certificate' };

export function trustQuestionText(q: TrustQuestion): { message: string; detail: string } {
  const details = Object.entries(q.details ?? {}).map(([k, v]) => `${k}: ${v}`);
  return {
    message: `The ${WHAT[q.kind]} of ${hostPort(q.server)}${q.via ? ` (${q.via})` : ''} is not trusted yet.`,
    detail: [
      `Reason: ${q.reason}`,
      `Key type: ${q.keyType}`,
      `Fingerprint: ${q.fingerprint}`,
      ...details,
      '',
      'Compare the fingerprint with one from the server\'s administrator before trusting it. Nothing has been sent to the server yet.',
    ].join('\n'),
  };
}

export function createTrustDecider(ui: Ui): TrustDecider {
  return async (q) => {
    const { message, detail } = trustQuestionText(q);
    const choice = await ui.confirmSafe(message, detail, DONT_TRUST, TRUST_ONCE, TRUST_REMEMBER);
    return (choice && DECISIONS[choice]) || 'reject';
  };
}

/** Codes the core uses when a pinned identity no longer matches. */
const IDENTITY_CHANGED = ['host-key-changed', 'certificate-changed'] as const satisfies readonly ErrorCode[];
export const IDENTITY_CHANGED_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(IDENTITY_CHANGED);

export function isIdentityChanged(err: unknown): err is SecurityRefusal {
  return err instanceof SecurityRefusal && hasErrorCode(err, ...IDENTITY_CHANGED);
}

export async function showIdentityChanged(ui: Ui, err: SecurityRefusal, profileName: string): Promise<void> {
  const change = hasErrorCode(err, ...IDENTITY_CHANGED) ? err.details : undefined;
  await ui.modalError(
    `The identity of "${profileName}" has CHANGED. Secure Transfer refused to connect; nothing was sent.`,
    [
      err.message,
      ...(change ? ['', ...change.expected.map((f) => `Expected: ${f}`), `Presented: ${change.presented}`] : []),
      '',
      'This can mean someone is intercepting the connection. If the server administrator confirms the key was replaced, run "Secure Transfer: Replace Pinned Key…".',
    ].join('\n'),
  );
}
