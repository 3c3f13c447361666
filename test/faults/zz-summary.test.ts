/**
 * The last file of the faults run (files run in name order): waits for the other fault test files
 * of this run to end, then prints the summary table (faults injected, transfers verified by hash,
 * hostile inputs tried, failures) from the counts they left in the temp dir.
 */
import { after, test } from 'node:test';
import { readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { STATS_DIR, progress, summaryTable, totals } from './stats';

/** The other fault test files next to this one. */
const others = readdirSync(__dirname).filter((f) => f.endsWith('.test.js') && f !== path.basename(__filename)).length;

test('every fault test file of this run has reported its counts', { timeout: 10 * 60_000 }, async (t) => {
  // With several files running at once, some may still be busy: wait for those (bounded).
  const busy = () => progress().processes > progress().finished;
  for (let waited = 0; busy() && waited < 5 * 60_000; waited += 500) await delay(500);
  const { processes, finished } = progress();
  t.diagnostic(`${finished} of ${others} fault test files reported (${processes} started)`);
});

after(() => {
  const table = summaryTable(totals());
  // Printed as-is, and as diagnostics so the TAP/spec reporter shows it too.
  process.stdout.write(`\n${table}\n`);
  rmSync(STATS_DIR, { recursive: true, force: true });
});
