/** Profiles: the schema-backed file format, URLs and profile references. */
export * from './types';
export { hostPort, serverUrl, serverOrigin, serverLabel, sameOrigin } from './serverAddress';
export { PROFILE_FILE_PATH, profileFileIn } from './profileFile';
export { parseUrl, parseTarget, parseProfileRef, formatUrl, formatProfileRef, redactUrl, isRemoteTarget, type RemoteUrl, type Target } from './url';
export {
  checkProfileFile,
  validateProfileFile,
  checkUserProfiles,
  validateUserProfiles,
  validateUserPolicy,
  ProfileValidationError,
  PROFILE_SCHEMA,
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_REQUEST_TIMEOUT,
  type ProfileProblem,
  type ProblemCode,
  type ProfileFile,
  type ProfileFileCheck,
  type ValidateOptions,
} from './validate';
export { loadProfileFile, parseProfileFileText, checkProfileFileText } from './load';
export { parseJsonc, formatJsonPath, JsoncSyntaxError, type JsoncDocument, type SourcePosition } from './jsonc';
