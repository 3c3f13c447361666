/**
 * The layer rules of eslint.config.mjs (docs/architecture.md) must keep catching wrong-way imports:
 * each fixture below is linted as if it were a file at `file` (nothing is written) by ESLint's Node
 * API with the repository's own config, so a rule that rots (a pattern that no longer matches, a row
 * dropped from the table) fails here instead of letting the layers blur silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

// out/test/unit/lintLayers.test.js → the repository root, where eslint.config.mjs is.
const ROOT = path.resolve(__dirname, '..', '..', '..');
const LAYER_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

let eslint: ESLint | undefined;

async function layerMessages(file: string, code: string): Promise<string[]> {
  eslint ??= new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  assert.equal(result.fatalErrorCount, 0, `${file} parses: ${JSON.stringify(result.messages)}`);
  return result.messages.filter((m) => m.ruleId !== null && LAYER_RULES.has(m.ruleId)).map((m) => m.message);
}

interface Case {
  file: string;
  code: string;
  /** Part of the message that must explain the refusal. */
  says?: RegExp;
}

const WRONG_WAY: Record<string, Case> = {
  'profiles → policy': { file: 'src/core/profiles/fixture.ts', code: "import { mergePolicies } from '../policy/merge';\nexport const m = mergePolicies;\n", says: /core\/profiles may not import core\/policy/ },
  'profiles → policy (index, type only)': { file: 'src/core/profiles/fixture.ts', code: "import type { Policy } from '../policy';\nexport type P = Policy;\n" },
  'profiles → policy (re-export)': { file: 'src/core/profiles/fixture.ts', code: "export * from '../policy/types';\n" },
  'profiles → policy (through the repository root)': { file: 'src/core/profiles/fixture.ts', code: "import { SEVERITIES } from '../../../src/core/policy/types';\nexport const s = SEVERITIES;\n" },
  'profiles → trust': { file: 'src/core/profiles/fixture.ts', code: "import { sha256Fingerprint } from '../trust/fingerprint';\nexport const f = sha256Fingerprint;\n" },
  'profiles → secrets': { file: 'src/core/profiles/fixture.ts', code: "import type { SecretKind } from '../secrets/secretStore';\nexport type K = SecretKind;\n" },
  'syntax → profiles': { file: 'src/core/syntax/fixture.ts', code: "import type { Profile } from '../profiles/types';\nexport type P = Profile;\n" },
  'core → vscode': { file: 'src/core/session/fixture.ts', code: "import * as vscode from 'vscode';\nexport const v = vscode;\n", says: /plain Node/ },
  'core → extension': { file: 'src/core/transfer/fixture.ts', code: "import { createServices } from '../../extension/services';\nexport const s = createServices;\n", says: /src\/core may not import src\/extension/ },
  'core → extension (nested folder)': { file: 'src/core/audit/probes/fixture.ts', code: "import { something } from '../../../extension/log';\nexport const s = something;\n" },
  'core → cli': { file: 'src/core/connect.ts', code: "import { main } from '../cli/main';\nexport const m = main;\n" },
  'session → transfer': { file: 'src/core/session/fixture.ts', code: "import { download } from '../transfer/engine';\nexport const d = download;\n", says: /core\/transfer \(layer \d+\) sits above core\/session/ },
  'session → secrets': { file: 'src/core/session/fixture.ts', code: "import { getSecret } from '../secrets/secrets';\nexport const g = getSecret;\n", says: /CredentialProvider/ },
  'session → transfer (require)': { file: 'src/core/session/fixture.ts', code: "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const engine = require('../transfer/engine');\n" },
  'policy → session (dynamic import)': { file: 'src/core/policy/fixture.ts', code: "export async function load() {\n  return import('../session/sftp');\n}\n" },
  'secrets → mfa': { file: 'src/core/secrets/fixture.ts', code: "import { createCredentialProvider } from '../mfa/provider';\nexport const c = createCredentialProvider;\n" },
  'audit → secrets': { file: 'src/core/audit/probes/fixture.ts', code: "import { getSecret } from '../../secrets/secrets';\nexport const g = getSecret;\n", says: /no credentials/ },
  'connect.ts → transfer': { file: 'src/core/connect.ts', code: "import { SessionPool } from './transfer/sessionPool';\nexport const p = SessionPool;\n" },
  'errors → profiles': { file: 'src/core/errors.ts', code: "import type { Profile } from './profiles/types';\nexport type P = Profile;\n" },
  'extension → cli': { file: 'src/extension/fixture.ts', code: "import { main } from '../cli/main';\nexport const m = main;\n", says: /src\/extension may not import src\/cli/ },
  'extension → cli (a commands/ file)': { file: 'src/extension/commands/fixture.ts', code: "import { main } from '../../cli/main';\nexport const m = main;\n" },
  'cli → extension': { file: 'src/cli/commands/fixture.ts', code: "import { activate } from '../../extension/extension';\nexport const a = activate;\n" },
  'cli → vscode': { file: 'src/cli/fixture.ts', code: "import * as vscode from 'vscode';\nexport const v = vscode;\n" },
  'session → import': { file: 'src/core/session/fixture.ts', code: "import { importProfiles } from '../import';\nexport const i = importProfiles;\n", says: /core\/import \(layer \d+\) sits above core\/session/ },
  'import → session': { file: 'src/core/import/fixture.ts', code: "import { connectSftp } from '../session/sftp';\nexport const c = connectSftp;\n", says: /it never connects/ },
  'import → mfa (siblings)': { file: 'src/core/import/fixture.ts', code: "import { createCredentialProvider } from '../mfa/provider';\nexport const c = createCredentialProvider;\n", says: /siblings on layer 7/ },
  'a core folder in no layer': { file: 'src/core/newLayer/fixture.ts', code: 'export const x = 1;\n', says: /in no layer/ },
};

for (const [name, c] of Object.entries(WRONG_WAY)) {
  test(`lint refuses a wrong-way import: ${name}`, async () => {
    const messages = await layerMessages(c.file, c.code);
    assert.ok(messages.length > 0, `${c.file} importing the wrong way passed lint`);
    if (c.says) assert.ok(messages.some((m) => c.says!.test(m)), messages.join('\n'));
  });
}

const RIGHT_WAY: Record<string, Case> = {
  'profiles → own folder, errors, syntax, fsutil': {
    file: 'src/core/profiles/fixture.ts',
    code: "import type { Profile } from './types';\nimport type { Policy } from './policyTypes';\nimport { UsageError } from '../errors';\nimport { isFingerprint } from '../syntax/fingerprint';\nimport { parseIp } from '../syntax/host';\nimport { readBoundedFile } from '../fsutil';\nexport const all = [UsageError, isFingerprint, parseIp, readBoundedFile];\nexport type T = Profile | Policy;\n",
  },
  'policy → profiles, syntax': { file: 'src/core/policy/fixture.ts', code: "import type { Profile } from '../profiles/types';\nimport { parseCidr } from '../syntax/host';\nexport type P = Profile;\nexport const c = parseCidr;\n" },
  'trust → profiles, policy': { file: 'src/core/trust/fixture.ts', code: "import type { ServerAddress } from '../profiles/types';\nimport type { Policy } from '../policy/types';\nexport type T = ServerAddress | Policy;\n" },
  'session → trust, local partials, displayText': { file: 'src/core/session/fixture.ts', code: "import type { TrustDecider } from '../trust/types';\nimport { openLocalPartial } from '../localPartial';\nimport { serverText } from '../displayText';\nexport type D = TrustDecider;\nexport const all = [openLocalPartial, serverText];\n" },
  'secrets → totp, profiles': { file: 'src/core/secrets/fixture.ts', code: "import { parseTotpSeed } from '../totp/seed';\nimport type { ServerAddress } from '../profiles/types';\nexport type S = ServerAddress;\nexport const p = parseTotpSeed;\n" },
  'mfa → secrets, session': { file: 'src/core/mfa/fixture.ts', code: "import { getSecret } from '../secrets/secrets';\nimport type { CredentialProvider } from '../session/credentials';\nexport type C = CredentialProvider;\nexport const g = getSecret;\n" },
  'import → profiles, secrets, fsutil, displayText': {
    file: 'src/core/import/fixture.ts',
    code: "import { checkProfileFile } from '../profiles/validate';\nimport { secretKey } from '../secrets/secretStore';\nimport { readBoundedFile } from '../fsutil';\nimport { serverText } from '../displayText';\nexport const all = [checkProfileFile, secretKey, readBoundedFile, serverText];\n",
  },
  'audit (nested) → errors, trust, session': { file: 'src/core/audit/probes/fixture.ts', code: "import { SecureTransferError } from '../../errors';\nimport { sha256Fingerprint } from '../../trust/fingerprint';\nimport type { RemoteFileSystem } from '../../session/remoteFileSystem';\nimport { probeSsh } from './sshProbe';\nimport type { AuditTarget } from '../types';\nexport type T = RemoteFileSystem | AuditTarget;\nexport const all = [SecureTransferError, sha256Fingerprint, probeSsh];\n" },
  'connect.ts → session (dynamic), audit, policy': { file: 'src/core/connect.ts', code: "import { effectivePolicy } from './policy';\nimport type { AuditReport } from './audit/types';\nexport type A = AuditReport;\nexport const e = effectivePolicy;\nexport async function sftp() {\n  return (await import('./session/sftp')).connectSftp;\n}\n" },
  'transfer → connect, session, mfa, secrets': { file: 'src/core/transfer/fixture.ts', code: "import { connect } from '../connect';\nimport type { RemoteFileSystem } from '../session/remoteFileSystem';\nimport { createCredentialProvider } from '../mfa/provider';\nimport { getSecret } from '../secrets/secrets';\nexport type R = RemoteFileSystem;\nexport const all = [connect, createCredentialProvider, getSecret];\n" },
  'extension (commands/) → core and vscode': { file: 'src/extension/commands/fixture.ts', code: "import * as vscode from 'vscode';\nimport { download } from '../../core/transfer/engine';\nimport { UsageError } from '../../core/errors';\nimport { registerX } from './other';\nexport const all = [vscode, download, UsageError, registerX];\n" },
  'cli → core': { file: 'src/cli/commands/fixture.ts', code: "import { connect } from '../../core/connect';\nimport { parseTarget } from '../../core/profiles/url';\nimport { cliCredentials } from '../credentials';\nexport const all = [connect, parseTarget, cliCredentials];\n" },
  'demo → core': { file: 'src/demo/fixture.ts', code: "import { sha256Fingerprint } from '../core/trust/fingerprint';\nexport const f = sha256Fingerprint;\n" },
  'tests → anything': { file: 'test/unit/fixture.test.ts', code: "import { activate } from '../../src/extension/extension';\nimport { main } from '../../src/cli/main';\nimport { download } from '../../src/core/transfer/engine';\nexport const all = [activate, main, download];\n" },
};

for (const [name, c] of Object.entries(RIGHT_WAY)) {
  test(`lint accepts a right-way import: ${name}`, async () => {
    assert.deepEqual(await layerMessages(c.file, c.code), []);
  });
}
