/**
 * A folder of 200,000 entries on real servers: the CLI's `ls` (its own process, as a user runs it)
 * lists every entry, exits 0 and stays under 300 MB of peak memory (measured by /usr/bin/time -v).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chownSync, closeSync, createReadStream, linkSync, openSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { scratchDir, startSshd, startVsftpd, stopAll, TEST_USER, type RunningServer } from '../harness';

after(stopAll);

const ENTRIES = 200_000;
const MAX_RSS_KB = 300 * 1024;
const CLI = path.resolve(__dirname, '../../src/cli/main.js');

let work: string;
let folder: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'st-big-listing-'));
  folder = path.join((await scratchDir('big-listing')).remote, 'many');
  await fs.mkdir(folder);
  const st = await fs.stat(path.dirname(folder));
  chownSync(folder, st.uid, st.gid);
  // Hard links to a few empty files: 200,000 names in seconds (ext4 allows 65,000 links per inode).
  let base = '';
  for (let i = 0; i < ENTRIES; i++) {
    const name = path.join(folder, `entry-${String(i).padStart(6, '0')}.txt`);
    if (i % 60_000 === 0) {
      closeSync(openSync(name, 'w'));
      chownSync(name, st.uid, st.gid);
      base = name;
    } else {
      linkSync(base, name);
    }
  }
});

interface Run {
  code: number;
  stderr: string;
  maxRssKb: number;
  /** Lines of stdout that name an entry, and how many distinct ones. */
  listed: number;
}

/** Runs the CLI under /usr/bin/time -v with stdout to a file (a pipe would measure the test, not the CLI). */
async function ls(url: string, pin: string): Promise<Run> {
  const out = path.join(work, `ls-${Date.now()}.txt`);
  const fd = openSync(out, 'w');
  const child = spawn('/usr/bin/time', ['-v', process.execPath, CLI, 'ls', url, '--password-stdin', '--fingerprint', pin], {
    cwd: work,
    env: { PATH: process.env.PATH, HOME: work, SECURE_TRANSFER_STATE_DIR: path.join(work, 'state') },
    stdio: ['pipe', fd, 'pipe'],
  });
  closeSync(fd);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end(TEST_USER.password);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  assert.ok(rss, `no measurement from /usr/bin/time: ${stderr}`);
  const names = new Set<string>();
  for await (const line of createInterface({ input: createReadStream(out) })) {
    const m = /(entry-\d{6}\.txt)$/.exec(line);
    if (m) names.add(m[1]);
  }
  return { code, stderr: stderr.replace(/\n\tCommand being timed[\s\S]*$/, '').replace(/^\s*Command exited with non-zero status \d+\s*$/m, ''), maxRssKb: Number(rss[1]), listed: names.size };
}

describe(`ls of a ${ENTRIES.toLocaleString('en')}-entry folder`, () => {
  let sshd: RunningServer;
  let vsftpd: RunningServer;
  before(async () => {
    [sshd, vsftpd] = await Promise.all([startSshd(), startVsftpd({ mode: 'explicit' })]);
  });

  test('SFTP (OpenSSH): every entry listed, exit 0, peak memory under 300 MB', { timeout: 300_000 }, async (t) => {
    const r = await ls(`sftp://${TEST_USER.name}@127.0.0.1:${sshd.port}${folder}`, sshd.hostKeys![0].fingerprint);
    t.diagnostic(`peak RSS ${Math.round(r.maxRssKb / 1024)} MB, ${r.listed} entries listed`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.listed, ENTRIES);
    assert.ok(r.maxRssKb < MAX_RSS_KB, `peak RSS ${Math.round(r.maxRssKb / 1024)} MB`);
  });

  test('FTPS (vsftpd): every entry listed, exit 0, peak memory under 300 MB', { timeout: 300_000 }, async (t) => {
    const r = await ls(`ftpes://${TEST_USER.name}@127.0.0.1:${vsftpd.port}${folder}`, vsftpd.cert!.fingerprint);
    t.diagnostic(`peak RSS ${Math.round(r.maxRssKb / 1024)} MB, ${r.listed} entries listed`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.listed, ENTRIES);
    assert.ok(r.maxRssKb < MAX_RSS_KB, `peak RSS ${Math.round(r.maxRssKb / 1024)} MB`);
  });
});
