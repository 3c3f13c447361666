import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyPrompt, createPromptClassifier } from '../../src/core/mfa/prompts';
import { createCredentialProvider, type Prompter } from '../../src/core/mfa/provider';
import { parseTotpSeed } from '../../src/core/totp/seed';
import { totpCode } from '../../src/core/totp/code';
import { memorySecretStore } from '../../src/core/secrets/memoryStore';
import { setPassword, setTotpSeed } from '../../src/core/secrets/secrets';
import type { ServerAddress } from '../../src/core/profiles/types';
import { SecureTransferError, CancelledError } from '../../src/core/errors';

const SERVER: ServerAddress = { protocol: 'sftp', host: 'files.example.org', port: 22, username: 'alice' };
const SEED = 'JBSWY3DPEHPK3PXP';
const seed = parseTotpSeed(SEED);
const PASSWORD = 'correct horse battery';

test('prompts are classified: one-time codes, passwords, anything else', () => {
  const cases: [string, string][] = [
    ['Verification code: ', 'otp'],
    ['One-time password: ', 'otp'],
    ['Enter OTP:', 'otp'],
    ['YubiKey token: ', 'otp'],
    ['2FA code', 'otp'],
    ['VERIFICATION CODE:', 'otp'],
    ['Password: ', 'password'],
    ["alice@host's password: ", 'password'],
    ['Footprint id: ', 'other'], // "OTP" only as a whole word
    ['Tokenizer: ', 'other'],
    ['Favourite colour? ', 'other'],
  ];
  for (const [prompt, kind] of cases) assert.equal(classifyPrompt(prompt), kind, prompt);
});

test('one-time-code patterns are configurable', () => {
  const classify = createPromptClassifier(['Passcode', 'Duo (x.y)']);
  assert.equal(classify('Enter Passcode:'), 'otp');
  assert.equal(classify('Duo (x.y) please'), 'otp', 'patterns are literal text, not regular expressions');
  assert.equal(classify('Verification code:'), 'other');
  assert.equal(classify('Password:'), 'password');
});

/** A prompter that records questions and answers from a list. */
function recordingPrompter(answers: (string | undefined)[]): Prompter & { asked: { message: string; echo: boolean }[] } {
  const asked: { message: string; echo: boolean }[] = [];
  return {
    asked,
    async ask(q) {
      asked.push({ message: q.message, echo: q.echo });
      return answers.shift();
    },
  };
}

async function storeWith(secrets: { password?: string; seed?: string; server?: ServerAddress }) {
  const store = memorySecretStore();
  if (secrets.password) await setPassword(store, secrets.server ?? SERVER, secrets.password);
  if (secrets.seed) await setTotpSeed(store, secrets.server ?? SERVER, secrets.seed);
  return store;
}

const prompts = (...texts: string[]) => texts.map((prompt) => ({ prompt, echo: false }));

test('keyboard-interactive: password and one-time code come from the keychain, with no question asked', async () => {
  const prompter = recordingPrompter([]);
  const t = 1_000_000_010; // 20 s left in its window
  const provider = createCredentialProvider({ store: await storeWith({ password: PASSWORD, seed: SEED }), server: SERVER, mfa: 'totp', prompter, now: () => t });
  const answers = await provider.keyboardInteractive(SERVER, '', '', prompts('Password: ', 'Verification code: '));
  assert.deepEqual(answers, [PASSWORD, totpCode(seed, t)]);
  assert.equal(prompter.asked.length, 0);
});

test('mfa "prompt" asks for the code every time (echo honoured) and never uses a stored seed', async () => {
  const prompter = recordingPrompter(['111111', '222222']);
  const provider = createCredentialProvider({ store: await storeWith({ password: PASSWORD, seed: SEED }), server: SERVER, mfa: 'prompt', prompter });
  assert.deepEqual(await provider.keyboardInteractive(SERVER, '', '', [{ prompt: 'Verification code: ', echo: true }]), ['111111']);
  assert.deepEqual(await provider.keyboardInteractive(SERVER, '', '', prompts('Verification code: ')), ['222222']);
  assert.deepEqual(prompter.asked, [{ message: 'Verification code: ', echo: true }, { message: 'Verification code: ', echo: false }]);
});

test('other prompts go to the user with the server text and echo as the server asked', async () => {
  const prompter = recordingPrompter(['blue']);
  const provider = createCredentialProvider({ store: await storeWith({ password: PASSWORD }), server: SERVER, mfa: 'totp', prompter });
  assert.deepEqual(await provider.keyboardInteractive(SERVER, '', '', [{ prompt: 'Favourite colour? ', echo: true }]), ['blue']);
  assert.deepEqual(prompter.asked, [{ message: 'Favourite colour? ', echo: true }]);
});

test('without a prompter, a question nobody can answer fails with a clear error naming the prompt', async () => {
  const provider = createCredentialProvider({ store: await storeWith({ password: PASSWORD, seed: SEED }), server: SERVER, mfa: 'totp' });
  await assert.rejects(provider.keyboardInteractive(SERVER, '', '', prompts('Favourite colour? ')), (err: unknown) => {
    assert.ok(err instanceof SecureTransferError);
    assert.match(err.message, /sftp:\/\/alice@files\.example\.org:22 asks for an answer \("Favourite colour\?"\).*no terminal/);
    return true;
  });
  const noSeed = createCredentialProvider({ store: await storeWith({ password: PASSWORD }), server: SERVER, mfa: 'totp' });
  await assert.rejects(noSeed.keyboardInteractive(SERVER, '', '', prompts('Verification code: ')), /no TOTP seed is stored.*set-totp/);
  const promptMode = createCredentialProvider({ store: await storeWith({ password: PASSWORD }), server: SERVER, mfa: 'prompt' });
  await assert.rejects(promptMode.keyboardInteractive(SERVER, '', '', prompts('Verification code: ')), /one-time code \("Verification code:"\)/);
});

test('no mfa planned (mfa "none", URL connections): a code prompt is answered from a seed stored for that server, else asked', async () => {
  const t = 1_000_000_010;
  const seeded = createCredentialProvider({ store: await storeWith({ password: PASSWORD, seed: SEED }), server: SERVER, mfa: 'none', now: () => t });
  assert.deepEqual(await seeded.keyboardInteractive(SERVER, '', '', prompts('Password: ', 'Verification code: ')), [PASSWORD, totpCode(seed, t)], 'no prompter needed');

  const prompter = recordingPrompter(['654321']);
  const asking = createCredentialProvider({ store: await storeWith({ password: PASSWORD }), server: SERVER, mfa: 'none', prompter });
  assert.deepEqual(await asking.keyboardInteractive(SERVER, '', '', prompts('Verification code: ')), ['654321']);
  assert.deepEqual(prompter.asked, [{ message: 'Verification code: ', echo: false }]);

  // A seed stored for another server is never used for this one.
  const other: ServerAddress = { ...SERVER, host: 'other.example.org' };
  const elsewhere = createCredentialProvider({ store: await storeWith({ seed: SEED, server: other }), server: SERVER, mfa: 'none' });
  await assert.rejects(elsewhere.keyboardInteractive(SERVER, '', '', prompts('Verification code: ')), (err: unknown) => {
    assert.ok(err instanceof SecureTransferError);
    assert.equal(err.code, 'no-totp-seed');
    assert.equal(
      err.message,
      'sftp://alice@files.example.org:22 asks for a one-time code ("Verification code:"), but no TOTP secret is stored for it and there is no terminal or window to type the code in: store the secret with `secure-transfer secret set-totp sftp://alice@files.example.org:22` or run interactively.',
    );
    return true;
  });
});

test('with no mfa planned, FTPS passwords get no code appended even with a stored seed (appendTotpToPassword needs mfa)', async () => {
  const ftps: ServerAddress = { protocol: 'ftpes', host: 'ftp.example.org', port: 21, username: 'alice' };
  const provider = createCredentialProvider({ store: await storeWith({ password: PASSWORD, seed: SEED, server: ftps }), server: ftps, mfa: 'none', appendTotpToPassword: true });
  assert.equal(await provider.password(ftps), PASSWORD);
});

test('a cancelled question cancels authentication', async () => {
  const provider = createCredentialProvider({ store: memorySecretStore(), server: SERVER, mfa: 'prompt', prompter: recordingPrompter([undefined]) });
  await assert.rejects(provider.keyboardInteractive(SERVER, '', '', prompts('Verification code: ')), CancelledError);
});

test('password(): override first, then the keychain, then the user, else undefined', async () => {
  const store = await storeWith({ password: PASSWORD });
  assert.equal(await createCredentialProvider({ store, server: SERVER, mfa: 'none', passwordOverride: 'from-stdin' }).password(SERVER), 'from-stdin');
  assert.equal(await createCredentialProvider({ store, server: SERVER, mfa: 'none' }).password(SERVER), PASSWORD);
  const empty = memorySecretStore();
  const prompter = recordingPrompter(['typed']);
  const asking = createCredentialProvider({ store: empty, server: SERVER, mfa: 'none', prompter });
  assert.equal(await asking.password(SERVER), 'typed');
  assert.deepEqual(await asking.keyboardInteractive(SERVER, '', '', prompts('Password: ')), ['typed'], 'a typed password is not asked twice');
  assert.equal(prompter.asked.length, 1);
  assert.equal(prompter.asked[0].echo, false);
  assert.equal(await createCredentialProvider({ store: empty, server: SERVER, mfa: 'none' }).password(SERVER), undefined);
});

test('secrets are keyed by the server: a profile pointing at another host, port, user or protocol gets nothing', async () => {
  const store = await storeWith({ password: PASSWORD, seed: SEED });
  const others: ServerAddress[] = [
    { ...SERVER, host: 'evil.example.net' },
    { ...SERVER, port: 2222 },
    { ...SERVER, username: 'bob' },
    { ...SERVER, protocol: 'ftps', port: 22 },
  ];
  for (const other of others) {
    const provider = createCredentialProvider({ store, server: other, mfa: 'totp' });
    assert.equal(await provider.password(other), undefined, JSON.stringify(other));
    await assert.rejects(provider.keyboardInteractive(other, '', '', prompts('Verification code: ')), /no TOTP seed/);
  }
  // Host names are case-insensitive: the same server in other letters still gets its password.
  const upper = { ...SERVER, host: 'FILES.example.ORG' };
  assert.equal(await createCredentialProvider({ store, server: upper, mfa: 'none' }).password(upper), PASSWORD);
});

test('a --password-stdin override is given only to the server it was meant for', async () => {
  const provider = createCredentialProvider({ store: memorySecretStore(), server: SERVER, mfa: 'none', passwordOverride: 'override' });
  assert.equal(await provider.password({ ...SERVER, host: 'jump.example.org' }), undefined);
});

test('a code rejected near the end of its window is retried once, with the next code', async () => {
  const store = await storeWith({ password: PASSWORD, seed: SEED });
  const t = 1_000_000_017; // 3 s left in the window
  const provider = createCredentialProvider({ store, server: SERVER, mfa: 'totp', now: () => t });
  const [, first] = await provider.keyboardInteractive(SERVER, '', '', prompts('Password: ', 'Verification code: '));
  assert.equal(first, totpCode(seed, t));
  assert.equal(provider.retryKeyboardInteractive?.(SERVER), true);
  const [, second] = await provider.keyboardInteractive(SERVER, '', '', prompts('Password: ', 'Verification code: '));
  assert.equal(second, totpCode(seed, t + 30), 'the next window, even though the clock has not moved');
  assert.notEqual(second, first);
  assert.equal(provider.retryKeyboardInteractive?.(SERVER), false, 'only once');
});

test('a code rejected with time to spare is not retried (it was simply wrong)', async () => {
  const provider = createCredentialProvider({ store: await storeWith({ seed: SEED }), server: SERVER, mfa: 'totp', now: () => 1_000_000_005 });
  await provider.keyboardInteractive(SERVER, '', '', prompts('Verification code: '));
  assert.equal(provider.retryKeyboardInteractive?.(SERVER), false);
  const typed = createCredentialProvider({ store: memorySecretStore(), server: SERVER, mfa: 'prompt', prompter: recordingPrompter(['1']) });
  await typed.keyboardInteractive(SERVER, '', '', prompts('Verification code: '));
  assert.equal(typed.retryKeyboardInteractive?.(SERVER), false, 'a typed code is not retried automatically');
});

test('FTPS appendTotpToPassword: password() is the password followed by the current code', async () => {
  const ftps: ServerAddress = { protocol: 'ftpes', host: 'ftp.example.org', port: 21, username: 'alice' };
  const t = 1_000_000_000;
  const store = await storeWith({ password: PASSWORD, seed: SEED, server: ftps });
  const provider = createCredentialProvider({ store, server: ftps, mfa: 'totp', appendTotpToPassword: true, now: () => t });
  assert.equal(await provider.password(ftps), PASSWORD + totpCode(seed, t));
  const plain = createCredentialProvider({ store, server: ftps, mfa: 'totp', now: () => t });
  assert.equal(await plain.password(ftps), PASSWORD, 'off by default');
});

test('key passphrases come from the keychain, else the user', async () => {
  const store = memorySecretStore();
  await store.set('passphrase:sftp://alice@files.example.org:22', 'pp-secret');
  assert.equal(await createCredentialProvider({ store, server: SERVER, mfa: 'none' }).passphrase(SERVER, '/k'), 'pp-secret');
  const prompter = recordingPrompter(['typed-pp']);
  const other = { ...SERVER, username: 'bob' };
  assert.equal(await createCredentialProvider({ store, server: other, mfa: 'none', prompter }).passphrase(other, '/home/bob/.ssh/id'), 'typed-pp');
  assert.deepEqual(prompter.asked, [{ message: 'Passphrase for /home/bob/.ssh/id: ', echo: false }]);
});
