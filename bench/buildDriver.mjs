// Bundles bench/extensionTransfer.ts with the shipped extension's esbuild options
// (scripts/extensionBuild.mjs buildExtension) into a scratch folder: <outdir>/extension.js, its chunks and
// <outdir>/vendor/*.js, as in the .vsix, plus a small stub of the `vscode` module under
// <outdir>/node_modules/vscode (the extension host provides the real one). Usage: node bench/buildDriver.mjs OUTDIR
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExtension } from '../scripts/extensionBuild.mjs';

const outdir = path.resolve(process.argv[2] ?? '');
const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'extensionTransfer.ts');
// The same two-stage split build as the shipped extension: <outdir>/extension.js, its chunks, vendor/.
await buildExtension({ entry, outdir, minify: true, sourcemap: false });

const stub = `// What TransferService uses of the vscode API, doing nothing visible.
class EventEmitter {
  constructor() { this.listeners = new Set(); this.event = (f) => { this.listeners.add(f); return { dispose: () => this.listeners.delete(f) }; }; }
  fire(e) { for (const f of this.listeners) f(e); }
  dispose() { this.listeners.clear(); }
}
const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
module.exports = {
  EventEmitter,
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  window: { withProgress: (options, task) => Promise.resolve(task({ report() {} }, token)), setStatusBarMessage: () => ({ dispose() {} }) },
};
`;
mkdirSync(path.join(outdir, 'node_modules', 'vscode'), { recursive: true });
writeFileSync(path.join(outdir, 'node_modules', 'vscode', 'index.js'), stub);
