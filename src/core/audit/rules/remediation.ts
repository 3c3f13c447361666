/**
 * Each finding's fix in the detected product's own terms, as data: one row per (rule, product) with
 * the documentation the text was checked against. A rule without a row for the product (or an unknown
 * product) keeps the rule's generic remediation (ruleTable.ts).
 *
 * SKELETON: the rows are filled in by the a-product branch.
 */
import type { ProductId } from '../types';

export interface Remediation {
  rule: string;
  product: ProductId;
  text: string;
  /** Where the text was checked: the product's own documentation. */
  source: string;
}

export const REMEDIATIONS: readonly Remediation[] = [];

const BY_KEY = new Map(REMEDIATIONS.map((r) => [`${r.rule}\u0000${r.product}`, r]));

export function remediationFor(rule: string, product: ProductId | undefined): Remediation | undefined {
  return product ? BY_KEY.get(`${rule}\u0000${product}`) : undefined;
}
