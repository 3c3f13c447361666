// npm run test:stress [-- --runs N] [-- --only faults,vscode,e2e]
// Runs the fault suite and the two VS Code suites (extension host, browser UI) N times in a row
// (default 5, or $STRESS_RUNS) against the real servers, and reports EVERY failure of every round:
// a test that fails one run in five blocks every landing, so one green run proves little.
// Builds once; each suite's output goes to .test-artifacts/stress/<round>-<suite>.log.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);

const args = process.argv.slice(2);
const valueOf = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(valueOf('--runs') ?? process.env.STRESS_RUNS ?? 5);
if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
  console.error(`--runs must be a whole number from 1 to 100 (got ${valueOf('--runs') ?? process.env.STRESS_RUNS}).`);
  process.exit(2);
}

/** name → the command of one round, and how its output names a failed test. */
const SUITES = {
  faults: { cmd: ['node', 'scripts/run-tests.mjs', 'out/test/faults'], failure: nodeTestFailures },
  vscode: { cmd: ['node', 'scripts/test-vscode.mjs', '--no-build'], failure: mochaFailures },
  e2e: { cmd: ['node', 'scripts/test-e2e.mjs', '--no-build'], failure: nodeTestFailures },
};
const only = (valueOf('--only') ?? Object.keys(SUITES).join(',')).split(',').filter(Boolean);
for (const name of only) {
  if (!SUITES[name]) {
    console.error(`--only knows ${Object.keys(SUITES).join(', ')} (got "${name}").`);
    process.exit(2);
  }
}

/** Node's test runner (spec reporter): failed tests are listed after "✖ failing tests:". */
function nodeTestFailures(text) {
  const names = new Set();
  for (const m of text.matchAll(/^\s*✖ (.+?)(?: \(\d+(?:\.\d+)?ms\))?$/gm)) {
    if (!/^failing tests:?$/.test(m[1].trim())) names.add(m[1].trim());
  }
  for (const m of text.matchAll(/^\s*not ok \d+ - (.+)$/gm)) names.add(m[1].trim());
  return [...names];
}

/** Mocha's spec reporter: "  1) suite title" lines under "N failing". */
function mochaFailures(text) {
  const at = text.search(/^\s*\d+ failing/m);
  if (at < 0) return [];
  const names = new Set();
  for (const m of text.slice(at).matchAll(/^\s{2}\d+\) (.+)$/gm)) names.add(m[1].trim());
  return [...names];
}

function run(cmd, log) {
  return new Promise((resolve) => {
    const out = createWriteStream(log);
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('close', (code, signal) => out.end(() => resolve(code ?? (signal ? 128 : 1))));
  });
}

const dir = path.join(ROOT, '.test-artifacts', 'stress');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

console.log('== build (once)');
for (const step of [['npm', ['run', '--silent', 'build']], ['npx', ['tsc', '-p', '.']]]) {
  const r = spawnSync(step[0], step[1], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${step[0]} ${step[1].join(' ')} failed (exit ${r.status}): fix the build first.`);
    process.exit(1);
  }
}

const failures = []; // { round, suite, code, tests, log }
const started = Date.now();
for (let round = 1; round <= runs; round++) {
  for (const name of only) {
    const log = path.join(dir, `${String(round).padStart(2, '0')}-${name}.log`);
    const t0 = Date.now();
    const code = await run(SUITES[name].cmd, log);
    const seconds = Math.round((Date.now() - t0) / 1000);
    const tests = code === 0 ? [] : SUITES[name].failure(readFileSync(log, 'utf8'));
    console.log(`round ${round}/${runs} ${name.padEnd(6)} ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds} s${tests.length ? `: ${tests.join('; ')}` : ''}`);
    if (code !== 0) failures.push({ round, suite: name, code, tests, log: path.relative(ROOT, log) });
  }
}

const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(`\n== stress: ${runs} round(s) of ${only.join(', ')} in ${minutes} min`);
if (failures.length === 0) {
  console.log(`${runs * only.length} passed, 0 failed`);
  process.exit(0);
}
for (const f of failures) {
  console.log(`round ${f.round} ${f.suite}: exit ${f.code}${f.tests.length ? ` — ${f.tests.join('; ')}` : ' (no test named: see the log)'} (${f.log})`);
}
console.log(`${runs * only.length - failures.length} passed, ${failures.length} failed`);
process.exit(1);
