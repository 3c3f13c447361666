/**
 * Trust decisions for server identities: SSH host keys and TLS certificates.
 * A server's identity is proven before any credential leaves the machine.
 */
import type { ServerAddress } from '../profiles/types';

export type IdentityKind = 'host-key' | 'certificate';

/** What the user (or a non-interactive caller) is asked about an identity nobody vouches for yet. */
export interface TrustQuestion {
  kind: IdentityKind;
  server: Pick<ServerAddress, 'protocol' | 'host' | 'port'>;
  /** `SHA256:<base64 without padding>`, as OpenSSH prints it (certificates: of the DER). */
  fingerprint: string;
  /** Host key algorithm (`ssh-ed25519`) or certificate key description (`RSA 2048`). */
  keyType: string;
  /** Why nobody vouches for it: unknown host key, self-signed or untrusted chain, hostname mismatch… */
  reason: string;
  /** Certificates: subject, issuer, validity, for display. */
  details?: Record<string, string>;
  /**
   * Set when the server is a jump host, not the server the user asked for: what it is on the route,
   * e.g. "jump host 1 of 2 on the way to sftp://deploy@app:22". Every prompt shows it.
   */
  via?: string;
}

/** `once`: trust for this connection only; `remember`: record in the trust store; `reject`: refuse. */
export type TrustDecision = 'once' | 'remember' | 'reject';

export type TrustDecider = (question: TrustQuestion) => Promise<TrustDecision>;

/** Non-interactive default: refuse anything not already trusted. */
export const refuseUnknown: TrustDecider = async () => 'reject';

/** A recorded identity in the project's own trust store (never the user's known_hosts). */
export interface TrustRecord {
  kind: IdentityKind;
  protocol: string;
  host: string;
  port: number;
  fingerprint: string;
  keyType: string;
  /** ISO time it was recorded. */
  addedAt: string;
}
