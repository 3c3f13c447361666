/**
 * Runs the same extension-host suite in desktop VS Code with @vscode/test-electron (needs to download
 * VS Code, so it does not work on machines without internet; there use scripts/test-vscode.mjs).
 * The servers must be started and SECURE_TRANSFER_TEST_CONFIG set, as scripts/test-vscode.mjs does.
 */
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { CONFIG_ENV, loadTestConfig } from './testConfig';

async function main(): Promise<void> {
  const config = loadTestConfig();
  const root = path.resolve(__dirname, '..', '..', '..');
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(__dirname, 'suite', 'index.js'),
    launchArgs: [config.workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { [CONFIG_ENV]: process.env[CONFIG_ENV] },
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
