export * from './types';
export { mergePolicies, effectivePolicy, isEffectivePolicy } from './merge';
export {
  checkHostAllowed,
  checkProfileAgainstPolicy,
  enforcePolicy,
  effectiveMinTlsVersion,
  forbiddenAlgorithmEntry,
  blocksAtSeverity,
} from './check';
