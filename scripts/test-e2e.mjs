// UI tests in a real VS Code (code-server) with playwright-core + /usr/bin/chromium against a real sshd.
// Screenshots: .test-artifacts/screenshots/. Usage: node scripts/test-e2e.mjs [--no-build]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
if (!process.argv.includes('--no-build')) {
  // The same bundle as shipped (transports in dist/vendor/), from the one shared build definition.
  const { buildExtension } = await import('./extensionBuild.mjs');
  await buildExtension({ sourcemap: true });
  const tsc = spawnSync('npx', ['tsc', '-p', '.'], { encoding: 'utf8' });
  if (tsc.status !== 0) console.warn('tsc reported errors (continuing; it still emits).');
}
if (!existsSync('.cache/code-server/node_modules/code-server/out/node/entry.js')) {
  const r = spawnSync('bash', ['scripts/setup-code-server.sh'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=1', 'out/test/e2e/ui.test.js'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
