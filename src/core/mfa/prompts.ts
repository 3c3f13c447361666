/**
 * What a keyboard-interactive prompt asks for. Rules are data: the first rule that matches wins, and
 * one-time-code rules come first because "One-time password" also says "password".
 */

export type PromptKind = 'otp' | 'password' | 'other';

/** Phrases that mark a prompt for a one-time code (whole words, case-insensitive). Configurable. */
export const DEFAULT_OTP_PATTERNS: readonly string[] = ['Verification code', 'One-time password', 'OTP', 'token', '2FA'];

const PASSWORD_PATTERN = /password/i;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whole-word matching, so "OTP" does not match "fOOTPrint" and "token" does not match "tokenizer". */
function phraseMatcher(phrase: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(phrase.trim())}(?![\\p{L}\\p{N}])`, 'iu');
}

export interface PromptClassifier {
  (prompt: string): PromptKind;
}

export function createPromptClassifier(otpPatterns: readonly string[] = DEFAULT_OTP_PATTERNS): PromptClassifier {
  const rules: { kind: PromptKind; matches: RegExp[] }[] = [
    { kind: 'otp', matches: otpPatterns.filter((p) => p.trim() !== '').map(phraseMatcher) },
    { kind: 'password', matches: [PASSWORD_PATTERN] },
  ];
  return (prompt) => rules.find((r) => r.matches.some((m) => m.test(prompt)))?.kind ?? 'other';
}

export const classifyPrompt: PromptClassifier = createPromptClassifier();
