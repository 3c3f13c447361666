// UI tests in a real VS Code (code-server) with playwright-core + /usr/bin/chromium against a real sshd.
// Every out/test/e2e/*.test.js runs, one after the other (each starts its own code-server; 2 cores).
// Screenshots: .test-artifacts/screenshots/.
// Usage: node scripts/test-e2e.mjs [--no-build] [--update-screenshots] [name…]   (name: a file's stem, e.g. menus)
//   --update-screenshots  copies the screenshots README.md shows to docs/screenshots/ (test/e2e/workbench.ts)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const args = process.argv.slice(2);
if (!args.includes('--no-build')) {
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
const DIR = 'out/test/e2e';
const wanted = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.test.js'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.test\.js$/, '')))
  .sort()
  .map((f) => path.join(DIR, f));
if (files.length === 0) {
  console.error(`No e2e test file matches ${wanted.join(', ')} in ${DIR}.`);
  process.exit(1);
}
const env = { ...process.env, ...(args.includes('--update-screenshots') ? { SECURE_TRANSFER_UPDATE_SCREENSHOTS: '1' } : {}) };
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
