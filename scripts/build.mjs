// Bundles the extension and the CLI with esbuild.
// - The CLI is installed with its node_modules (npm `bin`), so its dependencies stay external: ssh2 then
//   finds its native crypto addon (sshcrypto.node), which a bundle would lose (25-35% slower transfers).
// - The extension ships without node_modules: scripts/extensionBuild.mjs (shared with package.mjs)
//   bundles it, with the transports in dist/vendor/ so activation doesn't parse them.
import { existsSync } from 'node:fs';
import { buildExtension, buildSplit, versionDefine } from './extensionBuild.mjs';
import { ensureProfileValidator } from './profileValidator.mjs';

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');
const CLI_EXTERNAL = ['vscode', 'cpu-features', '*.node', '@napi-rs/keyring'];
const cli = {
  entryPoints: { cli: 'src/cli/main.ts' }, packages: 'external', bundle: true, platform: 'node', target: 'node20', logLevel: 'warning',
  external: CLI_EXTERNAL, define: versionDefine(),
};

ensureProfileValidator();
// Split like the extension: each command loads only the code it runs (dist/cli-<hash>.js on demand).
const builds = [buildSplit(cli, { name: 'cli', chunkPrefix: 'cli', outdir: 'dist', minify, sourcemap: true, external: CLI_EXTERNAL, banner: { js: '#!/usr/bin/env node' }, watch })];
if (existsSync('src/extension/extension.ts')) builds.push(buildExtension({ minify, sourcemap: true, watch }));
await Promise.all(builds);
