// `npm start`: the demo. Starts the embedded demo SFTP server (src/demo: fresh host key, demo user,
// a temp folder with a few files) and opens VS Code with the extension loaded on a demo workspace
// whose shared profile (.vscode/secure-transfer.json) points at it, the host key pinned.
//   npm start                  VS Code: desktop `code` when it is on PATH, otherwise code-server in the
//                              browser (URL and passwords printed), until Ctrl-C
//   npm start -- --browser     code-server in the browser even when `code` is on PATH
//   npm start -- --cli         the CLI walk-through: an unknown host key is refused (exit 3), the pinned
//                              one is accepted, a file goes up and comes back; then everything stops
//   npm start -- --serve       only the demo server, printing how to connect, until Ctrl-C
//   npm start -- --weak        (with any of the above) the demo server also offers legacy algorithms, so
//                              the audit on connect and the Security Report have findings to show; without
//                              it the demo offers only modern ones and its report is clean
// Everything lives in a temp folder (served files, workspace, trust state, code-server's data) removed
// at the end; the user's own trust store, ~/.ssh/known_hosts and VS Code settings are never touched.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const REPO = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CLI = path.join(REPO, 'dist', 'cli.js');
const DEMO_SERVER_BUNDLE = path.join(REPO, 'dist', 'demo-server.js');
const LAUNCHER_BUNDLE = path.join(REPO, 'dist', 'code-server-launcher.js');
const MODES = ['--cli', '--serve', '--browser'];
const mode = MODES.find((m) => process.argv.includes(m))?.slice(2) ?? 'vscode';
const serve = mode === 'serve';
const weak = process.argv.includes('--weak');
/** Set while code-server runs, so every way out (Ctrl-C during startup too) stops it. */
let stopCodeServer;

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

/** Bundles one TypeScript entry into `outfile` and loads it, so it runs without a full `tsc` pass over the repo. */
async function bundleAndLoad(entry, outfile, external = []) {
  await esbuild.build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', external });
  return createRequire(import.meta.url)(outfile);
}

/** src/demo as dist/demo-server.js. ssh2 stays in node_modules so it finds its native crypto addon (bundled, it falls back to JS). */
function loadDemoServer() {
  return bundleAndLoad(path.join(REPO, 'src', 'demo', 'sftpServer.ts'), DEMO_SERVER_BUNDLE, ['ssh2']);
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

/** Bundles the extension alone (scripts/extensionBuild.mjs, as scripts/build.mjs does), so a half-edited CLI can't block the demo. */
async function buildExtension() {
  console.log('Building the extension…');
  const shared = await import('./extensionBuild.mjs');
  await shared.buildExtension({ sourcemap: true });
}

const DEMO_SITE = {
  'site/index.html': '<!doctype html>\n<title>Demo site</title>\n<h1>Hello from the demo workspace</h1>\n',
  'site/style.css': 'h1 { font-family: sans-serif; }\n',
};

function demoGuide(server) {
  return `# Secure Transfer demo

The **Secure Transfer** view (shield icon in the activity bar) lists the shared profile **demo** from
\`.vscode/secure-transfer.json\`. Its host key is pinned there (\`${server.hostKeyFingerprint}\`), so no
trust question comes up — change one character of it and see the connection refused.

1. Expand **demo**: you are asked for the password printed in the terminal (or run
   *Secure Transfer: Set Password* first — it goes to the OS keychain / VS Code's secret storage, never to a file).
2. Browse, open \`README.txt\`, edit and save: the save is atomic on the server.
3. Right-click \`site/index.html\` in the Explorer → *Upload to Remote…*, or drag it onto a remote folder.
4. *Secure Transfer: Show Security Report* audits the server; *Show Activity Log* lists what happened.

${weak
    ? `This demo server was started with \`--weak\`: besides modern algorithms it offers legacy ones (SHA-1 key
exchange, CBC ciphers, SHA-1 and MD5 MACs, compression before login), so the audit after connecting raises an
alert and the Security Report names each weak algorithm. Plain \`npm start\` runs a server with a clean report.`
    : `The demo server is an example of a well-configured one: it offers only modern algorithms, so its Security
Report has no finding of medium severity or worse (only a low note that password login is offered). To see
what the report says about a weak server, stop the demo and run \`npm start -- --weak\`.`}
`;
}

/** The folder VS Code opens: a shared profile pointing at the demo server, its host key pinned. */
function makeDemoWorkspace(ws, server) {
  const dir = path.join(ws.base, 'workspace');
  mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  const profile = {
    name: 'demo', protocol: 'sftp', host: server.host, port: server.port, username: server.username,
    remotePath: '/', fingerprints: [server.hostKeyFingerprint], localRoot: 'site',
  };
  writeFileSync(path.join(dir, '.vscode', 'secure-transfer.json'), JSON.stringify({ profiles: [profile] }, null, 2) + '\n');
  for (const [name, text] of Object.entries(DEMO_SITE)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  writeFileSync(path.join(dir, 'DEMO.md'), demoGuide(server));
  // No welcome page over the guide: the extension opens DEMO.md and its view (DEMO_GUIDE_ENV below).
  writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none' }, null, 2) + '\n');
  return dir;
}

/** Tells the extension (src/extension/demoGuide.ts) to open DEMO.md and the Secure Transfer view; only the demo sets it. */
function demoGuideEnv(workspace) {
  return { SECURE_TRANSFER_DEMO_GUIDE: path.join(workspace, 'DEMO.md') };
}

function onPath(command) {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, command)));
}

/**
 * code-server (VS Code in the browser) through the one launcher, scripts/codeServer.ts (bundled here
 * by esbuild, like the demo server), with all its state under `base`. It asks for a random password:
 * on a shared machine any local user could otherwise reach it. Resolves with the workbench URL and a
 * stop() that kills the whole process group (extension hosts too).
 */
async function startCodeServer(base, workspace) {
  const launcher = await bundleAndLoad(path.join(REPO, 'scripts', 'codeServer.ts'), LAUNCHER_BUNDLE);
  launcher.ensureCodeServer();
  const password = randomBytes(12).toString('base64url');
  const server = await launcher.startCodeServer({
    workspace,
    password,
    env: demoGuideEnv(workspace),
    runDir: path.join(base, 'code-server'),
    port: Number(process.env.SECURE_TRANSFER_DEMO_PORT) || undefined,
    onSpawn: (stop) => (stopCodeServer = stop),
  });
  return { url: server.workbenchUrl({ extensionDevelopmentPath: REPO }), password, stop: server.stop };
}

function waitForSignal() {
  return new Promise((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve).once('SIGHUP', resolve));
}

function printDemoServer(server) {
  return `  Demo SFTP server:   sftp://${server.username}@${server.host}:${server.port}/  (host key ${server.hostKeyFingerprint}, pinned in the workspace)
  Demo password:      ${server.password}   (VS Code asks for it when you expand "demo")`;
}

async function openVsCode(server, ws) {
  await buildExtension();
  const workspace = makeDemoWorkspace(ws, server);
  const desktop = mode === 'vscode' && onPath('code');
  if (desktop) {
    const r = spawnSync('code', [`--extensionDevelopmentPath=${REPO}`, '--new-window', workspace], { stdio: 'inherit', env: { ...process.env, ...demoGuideEnv(workspace) } });
    if (r.status !== 0) throw new Error('`code` failed to open the demo workspace; try `npm start -- --browser`');
    console.log(`\nVS Code opened the demo workspace ${workspace} with the extension loaded — press Ctrl-C here to stop the demo server.\n${printDemoServer(server)}\n`);
    await waitForSignal();
    return;
  }
  console.log('Starting VS Code in the browser (code-server)…');
  const vscode = await startCodeServer(ws.base, workspace);
  try {
    console.log(`
Secure Transfer demo running — press Ctrl-C to stop everything.
  Open in your browser: ${vscode.url}
  code-server password: ${vscode.password}   (asked once by the login page)
${printDemoServer(server)}
  Workspace:          ${workspace}   (see DEMO.md there)
`);
    await waitForSignal();
  } finally {
    await vscode.stop();
  }
}

async function main() {
  if (mode === 'cli' || mode === 'serve') {
    if (!buildCli()) {
      if (!serve) fail('the build failed (see the errors above); fix them and run `npm start -- --cli` again.');
      console.log('The CLI did not build; the server still starts, use OpenSSH\'s sftp to try it.');
    }
  }
  const { startDemoServer } = await loadDemoServer();
  const ws = makeWorkspace();
  let server;
  let problem;
  // Ctrl-C while starting must still clean up: the handlers below only resolve waits.
  const interrupted = waitForSignal().then(() => (problem ??= 'interrupted'));
  try {
    server = await startDemoServer({ root: ws.served, weak, log: mode !== 'cli' ? (line) => console.log(`[server] ${line}`) : undefined });
    if (weak) console.log('--weak: the demo server also offers legacy algorithms (SHA-1 key exchange, CBC, SHA-1/MD5 MACs); its audit has findings on purpose.');
    if (mode === 'serve') await waitForCtrlC(server);
    else if (mode === 'cli') problem = await walkThrough(server, ws);
    else await Promise.race([openVsCode(server, ws), interrupted]);
  } finally {
    await stopCodeServer?.();
    await server?.close();
    rmSync(ws.base, { recursive: true, force: true });
  }
  if (problem === 'interrupted' && mode !== 'cli') problem = undefined;
  if (problem) fail(`the demo went wrong: ${problem}`);
  if (mode === 'cli') console.log('\nDemo finished; the server is stopped and its temp folder removed. `npm start -- --serve` keeps it running.');
  else console.log('\nDemo stopped; its temp folder is removed.');
  process.exit(0);
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
