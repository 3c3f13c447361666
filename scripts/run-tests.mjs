// Runs every *.test.js under the given folders with Node's test runner (Node 20 has no glob in --test).
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const dirs = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const files = [];
const walk = (d) => {
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
};
for (const d of dirs) if (existsSync(d)) walk(d);
if (files.length === 0) {
  console.error(`No tests found under ${dirs.join(', ')}: run \`npm run compile\` first.`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', ...flags, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
