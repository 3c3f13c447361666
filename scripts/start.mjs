// `npm start`: builds the CLI, starts the embedded demo SFTP server on 127.0.0.1 with a few files, and
// runs the real CLI against it as a user would, printing each command and what it printed:
// an unknown host key is refused (exit 3), the pinned one is accepted, a file goes up and comes back.
//   npm start                  the walk-through above, then stops the server
//   npm start -- --serve       keeps the server running and prints how to connect, until Ctrl-C
// Everything lives in a temp folder (served files, trust state, known_hosts) removed at the end;
// the user's own trust store and ~/.ssh/known_hosts are never read or written.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const REPO = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CLI = path.join(REPO, 'dist', 'cli.js');
const DEMO_SERVER_BUNDLE = path.join(REPO, 'dist', 'demo-server.js');
const serve = process.argv.includes('--serve');

const DEMO_FILES = {
  'README.txt': 'Welcome to the Secure Transfer demo server.\nEverything here lives in a temporary folder on your machine.\n',
  'docs/notes.md': '# Notes\n\n- The host key is new on every start: compare its fingerprint before trusting it.\n',
  'docs/data.csv': 'id,name\n1,alpha\n2,beta\n',
};

/** Stops with one sentence on stderr (never a stack trace). */
function fail(message) {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

/** `npm run build`; returns false when it failed (its errors are already on the terminal). */
function buildCli() {
  console.log('Building the CLI (npm run build)…');
  return spawnSync(process.execPath, [path.join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: 'inherit' }).status === 0;
}

/** Bundles src/demo into dist/demo-server.js so it runs without a full `tsc` pass over the repo. */
async function loadDemoServer() {
  await esbuild.build({
    entryPoints: [path.join(REPO, 'src', 'demo', 'sftpServer.ts')],
    outfile: DEMO_SERVER_BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    // ssh2 stays in node_modules so it finds its native crypto addon (bundled, it falls back to JS).
    external: ['ssh2'],
  });
  return createRequire(import.meta.url)(DEMO_SERVER_BUNDLE);
}

function makeWorkspace() {
  const base = mkdtempSync(path.join(os.tmpdir(), 'secure-transfer-demo-'));
  const dirs = { base, served: path.join(base, 'server-files'), local: path.join(base, 'my-computer'), state: path.join(base, 'state') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  for (const [name, text] of Object.entries(DEMO_FILES)) {
    mkdirSync(path.dirname(path.join(dirs.served, name)), { recursive: true });
    writeFileSync(path.join(dirs.served, name), text);
  }
  const knownHosts = path.join(base, 'known_hosts');
  writeFileSync(knownHosts, '', { mode: 0o600 });
  const upload = path.join(dirs.local, 'report.bin');
  writeFileSync(upload, randomBytes(256 * 1024));
  return { ...dirs, knownHosts, upload, download: path.join(dirs.local, 'report-downloaded.bin') };
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const indent = (text) => text.replace(/\n$/, '').replace(/^/gm, '    ');

/** Runs the CLI with the password on stdin; prints the command line and its output. */
function runCli(args, { password, env }) {
  console.log(`\n$ secure-transfer ${args.join(' ')} --password-stdin`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args, '--password-stdin'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.stdin.end(password + '\n');
    child.on('close', (code) => {
      if (out) console.log(indent(out));
      console.log(`    (exit ${code})`);
      resolve({ code, out });
    });
  });
}

async function walkThrough(server, ws) {
  const env = { ...process.env, SECURE_TRANSFER_STATE_DIR: ws.state };
  const url = `sftp://${server.username}@${server.host}:${server.port}`;
  const trustNothing = ['--known-hosts', ws.knownHosts];
  const pinned = [...trustNothing, '--fingerprint', server.hostKeyFingerprint];
  const cli = (args) => runCli(args, { password: server.password, env });

  console.log(`\nThe demo server's host key fingerprint is ${server.hostKeyFingerprint}.`);
  console.log('First, connect without trusting it: the CLI must refuse before sending the password.');
  const steps = [
    { args: ['ls', `${url}/`, ...trustNothing], exit: 3, mustShow: server.hostKeyFingerprint },
    { say: 'Now pin the fingerprint (as if the server administrator had told it to you):' },
    { args: ['ls', `${url}/`, ...pinned], exit: 0, mustShow: 'README.txt' },
    { args: ['mkdir', `${url}/uploads`, ...pinned], exit: 0 },
    { args: ['put', ws.upload, `${url}/uploads/report.bin`, ...pinned], exit: 0 },
    { args: ['ls', `${url}/uploads/`, ...pinned], exit: 0, mustShow: 'report.bin' },
    { args: ['get', `${url}/uploads/report.bin`, ws.download, ...pinned], exit: 0 },
  ];
  for (const step of steps) {
    if (step.say) {
      console.log(`\n${step.say}`);
      continue;
    }
    const { code, out } = await cli(step.args);
    if (code !== step.exit) return `\`secure-transfer ${step.args[0]}\` exited with ${code}, expected ${step.exit}.`;
    if (step.mustShow && !out.includes(step.mustShow)) return `\`secure-transfer ${step.args[0]}\` did not show "${step.mustShow}".`;
  }
  const [sent, received] = [sha256(ws.upload), sha256(ws.download)];
  console.log(`\nSHA-256 of the uploaded file:   ${sent}\nSHA-256 of the downloaded file: ${received}`);
  if (sent !== received) return 'the downloaded file differs from the uploaded one.';
  console.log('Equal: the file made the round trip intact.');
  return undefined;
}

function waitForCtrlC(server) {
  const url = `sftp://${server.username}@${server.host}:${server.port}/`;
  console.log(`
Demo SFTP server running — press Ctrl-C to stop it.
  URL:          ${url}
  Host key:     ${server.hostKeyFingerprint}
  Password:     ${server.password}
  Try:          node dist/cli.js ls ${url} --fingerprint ${server.hostKeyFingerprint}
  Or OpenSSH:   sftp -P ${server.port} ${server.username}@${server.host}   (compare the fingerprint it shows)
`);
  return new Promise((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
}

async function main() {
  if (!buildCli()) {
    if (!serve) fail('the build failed (see the errors above); fix them and run `npm start` again.');
    console.log('The CLI did not build; the server still starts, use OpenSSH\'s sftp to try it.');
  }
  const { startDemoServer } = await loadDemoServer();
  const ws = makeWorkspace();
  let server;
  let problem;
  try {
    server = await startDemoServer({ root: ws.served, log: serve ? (line) => console.log(`[server] ${line}`) : undefined });
    if (serve) await waitForCtrlC(server);
    else problem = await walkThrough(server, ws);
  } finally {
    await server?.close();
    rmSync(ws.base, { recursive: true, force: true });
  }
  if (problem) fail(`the demo went wrong: ${problem}`);
  if (!serve) console.log('\nDemo finished; the server is stopped and its temp folder removed. `npm start -- --serve` keeps it running.');
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
