/** Time-based one-time codes (RFC 6238) over otplib, accepting the 80-bit seeds many providers issue. */
import type * as Otplib from 'otplib';
import { decodeBase32, MIN_SEED_BYTES, type TotpSeed } from './seed';

let otplib: { generateSync: typeof Otplib.generateSync; guardrails: ReturnType<typeof Otplib.createGuardrails> } | undefined;

/** otplib and its hash libraries load with the first code: the extension imports this at activation. */
function lib(): NonNullable<typeof otplib> {
  if (!otplib) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createGuardrails, generateSync } = require('otplib') as typeof Otplib;
    otplib = { generateSync, guardrails: createGuardrails({ MIN_SECRET_BYTES: MIN_SEED_BYTES }) };
  }
  return otplib;
}

/** The window (time step) a moment falls in. */
export function totpStep(seed: TotpSeed, epochSeconds: number): number {
  return Math.floor(epochSeconds / seed.period);
}

/** Seconds until the code valid at `epochSeconds` expires. */
export function totpSecondsLeft(seed: TotpSeed, epochSeconds: number): number {
  return seed.period - (epochSeconds % seed.period);
}

/** The code for one time step. */
export function totpCodeForStep(seed: TotpSeed, step: number): string {
  const { generateSync, guardrails } = lib();
  return generateSync({
    secret: decodeBase32(seed.secret),
    algorithm: seed.algorithm,
    digits: seed.digits,
    period: seed.period,
    epoch: step * seed.period,
    guardrails,
  });
}

/** The code valid at a moment (seconds since the epoch; default now). */
export function totpCode(seed: TotpSeed, epochSeconds = Date.now() / 1000): string {
  return totpCodeForStep(seed, totpStep(seed, epochSeconds));
}

/** "123 456" — how authenticator apps show a code, so users can compare at a glance. */
export function formatCode(code: string): string {
  const half = Math.ceil(code.length / 2);
  return `${code.slice(0, half)} ${code.slice(half)}`;
}
