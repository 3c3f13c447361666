/**
 * The built CLI (scripts/build.mjs: dist/cli.js and the chunks it loads per command, dist/cli-*.js)
 * bundles our code only: its packages load from node_modules, where ssh2 finds its native crypto
 * addon (a bundled ssh2 silently falls back to JS crypto, 25-35% slower). And a command's code loads
 * when that command runs, so --version and --help parse almost nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const DIST = path.resolve(__dirname, '../../../dist');
const CLI = path.join(DIST, 'cli.js');
/** Runs the built CLI with `args`, recording the module requests that match `watch` (as `request <- requiring file`). */
function runRecording(args: string[], watch: RegExp): { stdout: string; stderr: string; seen: string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-cli-bundle-'));
  try {
    const hook = path.join(dir, 'hook.js');
    const out = path.join(dir, 'seen.json');
    writeFileSync(
      hook,
      `const Module = require('module');
const load = Module._load;
const seen = [];
Module._load = function (request, parent) { if (${watch}.test(request)) seen.push(request + ' <- ' + (parent && parent.filename)); return load.apply(this, arguments); };
process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(seen)));`,
    );
    const r = spawnSync(process.execPath, ['-r', hook, CLI, ...args], { encoding: 'utf8' });
    return { stdout: r.stdout, stderr: r.stderr, seen: JSON.parse(readFileSync(out, 'utf8')) as string[] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cliFiles = (): string[] => readdirSync(DIST).filter((f) => f === 'cli.js' || /^cli-[A-Z0-9]+\.js$/.test(f));

test('no package is bundled into dist/cli.js or its chunks (ssh2 keeps its native addon from node_modules)', (t) => {
  if (!existsSync(CLI)) return t.skip('dist/cli.js is not built (npm run build)');
  const bundled = cliFiles().flatMap((f) =>
    (JSON.parse(readFileSync(path.join(DIST, `${f}.map`), 'utf8')) as { sources: string[] }).sources.filter((s) => s.includes('node_modules/')).map((s) => `${f}: ${s}`),
  );
  assert.deepEqual(bundled, []);
});

test('the built CLI loads ssh2 from node_modules, native addon included, for an sftp:// command', (t) => {
  if (!existsSync(CLI)) return t.skip('dist/cli.js is not built (npm run build)');
  // Port 1 refuses the connection: the command fails after loading the SFTP transport.
  const { seen, stderr } = runRecording(['ls', 'sftp://nobody@127.0.0.1:1/x', '--fingerprint', 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '--ssh-config', 'none', '--proxy', 'none'], /^ssh2$|sshcrypto\.node$/);
  assert.ok(seen.some((s) => /^ssh2 <- .*dist\/cli-[A-Z0-9]+\.js$/.test(s)), `ssh2 not required by a CLI chunk: ${seen.join('; ')} ${stderr}`);
  assert.ok(seen.some((s) => /sshcrypto\.node <- .*node_modules\/ssh2\/lib\/protocol\/crypto\.js$/.test(s)), `addon not loaded from node_modules: ${seen.join('; ')}`);
});

test('--version reads only dist/cli.js, a small file (each command is a chunk loaded when it runs)', (t) => {
  if (!existsSync(CLI)) return t.skip('dist/cli.js is not built (npm run build)');
  const r = runRecording(['--version'], /^\.\/cli-/);
  assert.match(r.stdout, /^secure-transfer \d/);
  assert.deepEqual(r.seen, []);
  assert.ok(statSync(CLI).size < 100 * 1024, `dist/cli.js is ${statSync(CLI).size} bytes`);
});
