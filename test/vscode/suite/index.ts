/**
 * The standard mocha entry point VS Code calls in the extension host (`extensionTestsPath`): the same
 * file serves code-server (scripts/test-vscode.mjs) and @vscode/test-electron (test/vscode/runElectron.ts).
 * `SECURE_TRANSFER_TEST_SUITE=restricted` runs only restricted/ (a VS Code with Workspace Trust on and
 * the folder untrusted); otherwise everything else runs.
 */
import * as path from 'node:path';
import Mocha from 'mocha';
import { glob } from 'glob';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const restricted = process.env.SECURE_TRANSFER_TEST_SUITE === 'restricted';
  const files = (await glob(restricted ? 'restricted/**/*.test.js' : '**/*.test.js', { cwd: __dirname, ignore: restricted ? [] : ['restricted/**'] })).sort();
  const grep = process.env.SECURE_TRANSFER_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const f of files) mocha.addFile(path.resolve(__dirname, f));
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed.`)) : resolve()));
  });
}
