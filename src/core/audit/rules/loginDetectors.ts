/**
 * When each login-stage rule fires (ruleTable.ts rows with `stage: 'login'`), from a session's
 * LoginFacts. One detector per rule id, like detectors.ts for the probes.
 *
 * SKELETON: filled in by the a-login branch (login-single-factor, home-world-writable) and the a-anon
 * branch (ftp-data-no-session-reuse, ftp-site-commands, and the login forms of ftp-prot-c-accepted /
 * ftp-ccc-offered).
 */
import type { LoginFacts } from '../types';
import type { FolderFact } from '../../session/loginFacts';
import { formatFileMode, permissionLetters } from '../../syntax/fileMode';
import type { Hit } from './detectors';

export interface LoginDetectorInput {
  facts: LoginFacts;
  expectMfa: boolean;
}

type LoginDetector = (input: LoginDetectorInput) => Hit[];

/** Methods that prove something the user knows (a password typed into either SSH method). */
const KNOWLEDGE = new Set(['password', 'keyboard-interactive']);

/**
 * Whether the login took two factors: a one-time code answered and accepted, or a key AND a
 * password (OpenSSH `AuthenticationMethods publickey,password`: something held and something known,
 * which NIST SP 800-63B counts as multi-factor). Two passwords, or two keys, are still one factor.
 */
export function secondFactorCompleted(facts: LoginFacts): boolean {
  const methods = facts.authMethods ?? [];
  return facts.secondFactorAnswered === true || (methods.includes('publickey') && methods.some((m) => KNOWLEDGE.has(m)));
}

const METHOD_WORDS: Readonly<Record<string, string>> = {
  publickey: 'a key',
  password: 'a password',
  'keyboard-interactive': 'keyboard-interactive (no one-time code asked)',
  otp: 'a one-time code',
};

/** "a key then a password": the methods that let the user in, in order, in words. */
function methodWords(methods: readonly string[]): string {
  return methods.map((m) => METHOD_WORDS[m] ?? m).join(' then ');
}

function singleFactor({ facts, expectMfa }: LoginDetectorInput): Hit[] {
  // Unknown (a session that does not tell) is no evidence either way.
  if (!expectMfa || facts.authMethods === undefined || secondFactorCompleted(facts)) return [];
  const methods = facts.authMethods;
  return [
    {
      evidence: methods.length
        ? `The server let the user in with ${methodWords(methods)} alone; no second factor was asked for.`
        : 'The server let the user in without asking for any secret.',
      ...(methods.length === 0 ? { severity: 'critical' as const } : {}),
    },
  ];
}

/** `drwxrwxrwx (0777)`: how a folder's mode is shown in evidence (ls -ld and octal). */
export function folderMode(permissions: number): string {
  return `d${permissionLetters(permissions)} (${formatFileMode(permissions)})`;
}

function worldWritable({ facts }: LoginDetectorInput): Hit[] {
  const folders: Array<[string, FolderFact | undefined]> = [
    ['login folder', facts.home],
    ['start folder (the profile\'s remotePath)', facts.startFolder],
  ];
  return folders.flatMap(([what, f]) =>
    f?.permissions !== undefined && (f.permissions & 0o002) !== 0
      ? [{ evidence: `The ${what} ${f.path} is ${folderMode(f.permissions)}: every account on the server can write there.`, subject: f.path }]
      : [],
  );
}

export const LOGIN_DETECTORS: Readonly<Record<string, LoginDetector>> = {
  'login-single-factor': singleFactor,
  'home-world-writable': worldWritable,
  'ftp-data-no-session-reuse': () => [],
  'ftp-site-commands': () => [],
};
