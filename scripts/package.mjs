// Builds the extension bundle (scripts/extensionBuild.mjs, the same definition scripts/build.mjs uses,
// minified, without source maps) and packs it into a .vsix with @vscode/vsce. The bundle and its
// dist/vendor/ files need no node_modules at run time (ssh2's optional native addons are left out: it
// falls back to JS crypto), so --no-dependencies keeps the package small; .vscodeignore lists what ships.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExtension } from './extensionBuild.mjs';
import { ensureProfileValidator } from './profileValidator.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
ensureProfileValidator();
await buildExtension({ minify: true, sourcemap: false });
const { name, version } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `${name}-${version}.vsix`;
const r = spawnSync('npx', ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '-o', out], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
console.log(`Packed ${out} (${Math.round(statSync(out).size / 1024)} KiB).`);
