/**
 * When each login-stage rule fires (ruleTable.ts rows with `stage: 'login'`), from a session's
 * LoginFacts. One detector per rule id, like detectors.ts for the probes.
 *
 * SKELETON: filled in by the a-login branch (login-single-factor, home-world-writable) and the a-anon
 * branch (ftp-data-no-session-reuse, ftp-site-commands, and the login forms of ftp-prot-c-accepted /
 * ftp-ccc-offered).
 */
import type { LoginFacts } from '../types';
import type { Hit } from './detectors';

export interface LoginDetectorInput {
  facts: LoginFacts;
  expectMfa: boolean;
}

type LoginDetector = (input: LoginDetectorInput) => Hit[];

export const LOGIN_DETECTORS: Readonly<Record<string, LoginDetector>> = {
  'login-single-factor': () => [],
  'home-world-writable': () => [],
  'ftp-data-no-session-reuse': () => [],
  'ftp-site-commands': () => [],
};
