// Bundles the extension and the CLI with esbuild.
// - The CLI is installed with its node_modules (npm `bin`), so its dependencies stay external: ssh2 then
//   finds its native crypto addon (sshcrypto.node), which a bundle would lose (25-35% slower transfers).
// - The extension ships as one file without node_modules; ssh2's optional native pieces (sshcrypto.node,
//   cpu-features) are left out, so it uses ssh2's JS crypto (an Electron ABI addon would not load anyway).
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['vscode', 'cpu-features', '*.node', '@napi-rs/keyring'],
  minify: process.argv.includes('--minify'),
};

const entries = [
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, packages: 'external' },
];
if (existsSync('src/extension/extension.ts')) entries.push({ entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' });

if (watch) {
  for (const e of entries) await (await esbuild.context({ ...common, ...e })).watch();
} else {
  await Promise.all(entries.map((e) => esbuild.build({ ...common, ...e })));
}
