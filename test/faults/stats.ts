/**
 * Counts for the summary table that ends the faults run. Every test file runs in its own process, so
 * each process keeps its counts in a small JSON file of a folder shared by one run (named after the
 * test runner's PID); the last test file adds them up.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface FaultCounts {
  faultsInjected: number;
  transfersVerifiedByHash: number;
  hostileInputsTried: number;
  /** Transfers after which the target kept (or got) the mode it should have. */
  modesKept: number;
  /** Symlinks, folders or foreign files planted at a partial's name that were not followed. */
  symlinkPlantsRefused: number;
  /** Partials from another server (or user) that were not resumed. */
  crossServerResumesRefused: number;
  /** Pieces of hostile server text whose escapes were neutralised before anyone saw them. */
  escapesNeutralised: number;
  /** Requests a silent server never answered that failed at their deadline instead of hanging. */
  deadlinesHit: number;
  /** Files named by a profile or flag refused for not being a regular file under the size cap. */
  boundedInputsRefused: number;
  testsRun: number;
  failures: number;
}

export type CountName = keyof FaultCounts;

const EMPTY: FaultCounts = {
  faultsInjected: 0,
  transfersVerifiedByHash: 0,
  hostileInputsTried: 0,
  modesKept: 0,
  symlinkPlantsRefused: 0,
  crossServerResumesRefused: 0,
  escapesNeutralised: 0,
  deadlinesHit: 0,
  boundedInputsRefused: 0,
  testsRun: 0,
  failures: 0,
};

/** One folder per `node --test` run: the runner is the parent of every test file's process. */
export const STATS_DIR = path.join(os.tmpdir(), `st-faults-stats-${process.env.ST_FAULTS_RUN ?? process.ppid}`);

const mine: FaultCounts = { ...EMPTY };
const myFile = path.join(STATS_DIR, `${process.pid}.json`);
let exitHooked = false;

function save(done: boolean): void {
  mkdirSync(STATS_DIR, { recursive: true });
  writeFileSync(myFile, JSON.stringify({ ...mine, done }));
}

export function count(name: CountName, n = 1): void {
  mine[name] += n;
  save(false);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => save(true));
  }
}

/** How many test processes of this run have counted something, and how many of them have ended. */
export function progress(): { processes: number; finished: number } {
  let files: string[] = [];
  try {
    files = readdirSync(STATS_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return { processes: 0, finished: 0 };
  }
  const finished = files.filter((f) => (JSON.parse(readFileSync(path.join(STATS_DIR, f), 'utf8')) as { done?: boolean }).done).length;
  return { processes: files.length, finished };
}

/** The counts of every test process of this run so far. */
export function totals(): FaultCounts {
  const sum: FaultCounts = { ...EMPTY };
  let files: string[] = [];
  try {
    files = readdirSync(STATS_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return sum;
  }
  for (const f of files) {
    const counts = JSON.parse(readFileSync(path.join(STATS_DIR, f), 'utf8')) as Partial<FaultCounts>;
    for (const key of Object.keys(EMPTY) as CountName[]) sum[key] += counts[key] ?? 0;
  }
  return sum;
}

export function summaryTable(t: FaultCounts): string {
  const rows: Array<[string, number]> = [
    ['faults injected', t.faultsInjected],
    ['transfers verified by hash', t.transfersVerifiedByHash],
    ['hostile inputs tried', t.hostileInputsTried],
    ['modes kept', t.modesKept],
    ['symlink plants refused', t.symlinkPlantsRefused],
    ['cross-server resumes refused', t.crossServerResumesRefused],
    ['escapes neutralised', t.escapesNeutralised],
    ['deadlines hit', t.deadlinesHit],
    ['bounded inputs refused', t.boundedInputsRefused],
    ['fault tests run', t.testsRun],
    ['failures', t.failures],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const line = `+-${'-'.repeat(width)}-+---------+`;
  return [line, `| ${'faults summary'.padEnd(width)} |   count |`, line, ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${String(v).padStart(7)} |`), line].join('\n');
}
