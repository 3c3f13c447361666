// UI tests in a real VS Code (code-server) with playwright-core + /usr/bin/chromium against a real sshd.
// Screenshots: .test-artifacts/screenshots/. Usage: node scripts/test-e2e.mjs [--no-build]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
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
try {
  createRequire(import.meta.url)(path.join(ROOT, 'out/scripts/codeServer.js')).ensureCodeServer();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=1', 'out/test/e2e/ui.test.js'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
