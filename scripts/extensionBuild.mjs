// The one esbuild definition of the extension bundle: scripts/build.mjs, package.mjs, test-vscode.mjs,
// start.mjs and the activation tests all build through here, so the tested and the packaged bundles
// can't drift.
//
// Heavy third-party packages that are only needed after activation (transports, one-time codes) go
// into their own files under dist/vendor/: V8 then neither reads nor parses them when the extension
// starts, only when the first connection or code needs them. They share no classes with our code
// (errors are ours), so splitting them off can't break an `instanceof`. The .vsix still ships
// without node_modules.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** package.json's version written into a bundle (src/core/version.ts): the one place it is set. */
export function versionDefine() {
  const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return { __SECURE_TRANSFER_VERSION__: JSON.stringify(version) };
}

/**
 * Vendor bundles: file name under vendor/ → the bare specifiers our code imports from that package.
 * One file per package family, so a subpath (ssh2's constants) shares the package's module state.
 */
export const VENDOR_BUNDLES = {
  ssh2: ['ssh2', 'ssh2/lib/protocol/constants'],
  'basic-ftp': ['basic-ftp'],
  otplib: ['otplib', '@otplib/uri'],
};

/** ssh2's optional native pieces stay out: it uses its JS crypto in the extension host (an addon built for Node's ABI would not load in Electron). */
const NATIVE_EXTERNALS = ['cpu-features', '*.node'];
const EXTERNAL = ['vscode', ...NATIVE_EXTERNALS, '@napi-rs/keyring'];
const VENDOR_NAMESPACE = 'secure-transfer-vendor';
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const vendorFileOf = new Map(Object.entries(VENDOR_BUNDLES).flatMap(([file, specifiers]) => specifiers.map((s) => [s, file])));
const vendorRequest = (file) => `./vendor/${file}.js`;

/**
 * In the extension bundle, `import … from 'ssh2'` becomes a stub module that requires ./vendor/ssh2.js
 * (external, next to dist/extension.js). The stub is an ordinary bundled module, so it runs only when
 * the module importing it runs: lazily, inside esbuild's init wrapper of a dynamically imported file.
 */
const vendorPlugin = {
  name: 'vendor-bundles',
  setup(build) {
    const specifiers = [...vendorFileOf.keys()].map(escapeRegExp).join('|');
    build.onResolve({ filter: new RegExp(`^(${specifiers})$`) }, (args) => ({ path: args.path, namespace: VENDOR_NAMESPACE }));
    build.onResolve({ filter: /^\.\/vendor\/[^/]+\.js$/, namespace: VENDOR_NAMESPACE }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: VENDOR_NAMESPACE }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(vendorRequest(vendorFileOf.get(args.path)))})(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/** A vendor file's entry: one loader per specifier, so a subpath doesn't run the whole package. */
function vendorEntry(specifiers) {
  const loaders = specifiers.map((s) => `  ${JSON.stringify(s)}: () => require(${JSON.stringify(s)}),`).join('\n');
  return `const load = {\n${loaders}\n};\nmodule.exports = (specifier) => load[specifier]();\n`;
}

/**
 * esbuild options of the extension bundle and of each vendor bundle.
 * @param {{ outdir?: string, entry?: string, minify?: boolean, sourcemap?: boolean }} options
 */
export function extensionBuildOptions({ outdir = path.join(ROOT, 'dist'), entry = path.join(ROOT, 'src/extension/extension.ts'), minify = false, sourcemap = true } = {}) {
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify, sourcemap, logLevel: 'warning', absWorkingDir: ROOT, define: versionDefine() };
  return {
    extension: { ...common, entryPoints: [entry], outfile: path.join(outdir, 'extension.js'), external: EXTERNAL, plugins: [vendorPlugin] },
    vendor: Object.entries(VENDOR_BUNDLES).map(([file, specifiers]) => ({
      ...common,
      stdin: { contents: vendorEntry(specifiers), resolveDir: ROOT, sourcefile: `vendor/${file}.js`, loader: 'js' },
      outfile: path.join(outdir, 'vendor', `${file}.js`),
      external: NATIVE_EXTERNALS,
    })),
  };
}

/**
 * Builds dist/extension.js and dist/vendor/*.js. With `watch`, the extension is rebuilt on change
 * (the vendor files only change with node_modules).
 * @param {{ outdir?: string, entry?: string, minify?: boolean, sourcemap?: boolean, watch?: boolean }} options
 */
export async function buildExtension(options = {}) {
  const { extension, vendor } = extensionBuildOptions(options);
  await Promise.all(vendor.map((v) => esbuild.build(v)));
  if (options.watch) await (await esbuild.context(extension)).watch();
  else await esbuild.build(extension);
}
