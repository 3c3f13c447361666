/**
 * Which server product answered, from what the probes saw: an FTP banner, SYST and FEAT, an SSH
 * software string, hints in a TLS certificate. Patterns are data (PRODUCT_SIGNS); the first sign that
 * matches wins, strongest signs first.
 *
 * SKELETON: filled in by the a-product branch.
 */
import type { AuditFacts, ProductFact } from '../types';

export function identifyProduct(facts: AuditFacts): ProductFact | undefined {
  void facts;
  return undefined;
}
