// Bundles the extension and the CLI with esbuild.
// - The CLI is installed with its node_modules (npm `bin`), so its dependencies stay external: ssh2 then
//   finds its native crypto addon (sshcrypto.node), which a bundle would lose (25-35% slower transfers).
// - The extension ships without node_modules: scripts/extensionBuild.mjs (shared with package.mjs)
//   bundles it, with the transports in dist/vendor/ so activation doesn't parse them.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { buildExtension, versionDefine } from './extensionBuild.mjs';
import { ensureProfileValidator } from './profileValidator.mjs';

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');
const cli = {
  entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, packages: 'external',
  bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning', minify,
  external: ['vscode', 'cpu-features', '*.node', '@napi-rs/keyring'], define: versionDefine(),
};

ensureProfileValidator();
const builds = [watch ? esbuild.context(cli).then((c) => c.watch()) : esbuild.build(cli)];
if (existsSync('src/extension/extension.ts')) builds.push(buildExtension({ minify, sourcemap: true, watch }));
await Promise.all(builds);
