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
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/**
 * `import * as vscode from 'vscode'` in each of our modules would copy the whole API object again
 * (esbuild's __toESM), ~40 times at activation. Through one re-exporting module, it is copied once.
 */
const SHARED_NAMESPACE = 'secure-transfer-vscode';
const sharedImports = {
  name: 'shared-vscode-import',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === SHARED_NAMESPACE ? { path: args.path, external: true } : { path: args.path, namespace: SHARED_NAMESPACE },
    );
    build.onLoad({ filter: /.*/, namespace: SHARED_NAMESPACE }, (args) => ({ contents: `export * from ${JSON.stringify(args.path)};`, loader: 'js' }));
  },
};

/**
 * Node modules that cost milliseconds to load (node:crypto ~5 ms) and that activation itself doesn't
 * call: our modules import them at the top, so each is a module object whose members load it on
 * first use. A member used at a module's top level just loads it then.
 */
const LAZY_BUILTINS = ['node:crypto', 'node:dns/promises', 'node:timers/promises'];
const LAZY_BUILTIN_NAMESPACE = 'secure-transfer-lazy-builtin';
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    const require = createRequire(import.meta.url);
    build.onResolve({ filter: new RegExp(`^(${LAZY_BUILTINS.map(escapeRegExp).join('|')})$`) }, (args) =>
      args.namespace === LAZY_BUILTIN_NAMESPACE ? { path: args.path, external: true } : { path: args.path, namespace: LAZY_BUILTIN_NAMESPACE },
    );
    build.onLoad({ filter: /.*/, namespace: LAZY_BUILTIN_NAMESPACE }, (args) => ({
      contents: [
        `let loaded;`,
        `const load = () => (loaded ??= require(${JSON.stringify(args.path)}));`,
        `for (const name of ${JSON.stringify(Object.keys(require(args.path)))}) Object.defineProperty(exports, name, { get: () => load()[name], enumerable: true });`,
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * ajv's generated profile validator (~90 KiB with its schema) is needed only once there is a profile
 * to check: it is a file of its own, dist/profile-validator.js, required on first use. It holds
 * plain functions (no classes of ours), so a separate copy can't break an `instanceof`.
 */
const PROFILE_VALIDATOR = { source: 'src/core/profiles/profileSchema.generated.ts', file: 'profile-validator.js' };
const LAZY_LOCAL_NAMESPACE = 'secure-transfer-lazy-local';
const lazyProfileValidator = {
  name: 'lazy-profile-validator',
  setup(build) {
    build.onResolve({ filter: /\/profileSchema\.generated$/ }, () => ({ path: PROFILE_VALIDATOR.file, namespace: LAZY_LOCAL_NAMESPACE }));
    build.onLoad({ filter: /.*/, namespace: LAZY_LOCAL_NAMESPACE }, () => {
      const names = [...readFileSync(path.join(ROOT, PROFILE_VALIDATOR.source), 'utf8').matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
      return {
        contents: [
          'let loaded;',
          `const load = () => (loaded ??= require(${JSON.stringify(`./${PROFILE_VALIDATOR.file}`)}));`,
          `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { get: () => load()[name], enumerable: true });`,
        ].join('\n'),
        loader: 'js',
      };
    });
    build.onResolve({ filter: new RegExp(`^\\./${escapeRegExp(PROFILE_VALIDATOR.file)}$`), namespace: LAZY_LOCAL_NAMESPACE }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * esbuild's code splitting turns `await import('some-commonjs-package')` into a chunk that exports only
 * `default`, so `const { lock } = await import('proper-lockfile')` would find nothing. A package
 * imported dynamically goes through a module that exports its names (read from the package at build
 * time): the chunk exports those.
 */
const DYNAMIC_PACKAGE_NAMESPACE = 'secure-transfer-dynamic-package';
const dynamicPackageImports = {
  name: 'dynamic-package-imports',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.kind === 'dynamic-import' && !args.path.startsWith('node:') && args.namespace === 'file'
        ? { path: args.path, namespace: DYNAMIC_PACKAGE_NAMESPACE, pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: DYNAMIC_PACKAGE_NAMESPACE }, (args) => {
      const { resolveDir } = args.pluginData;
      const spec = JSON.stringify(args.path);
      let names;
      try {
        names = Object.keys(createRequire(path.join(resolveDir, 'x.js'))(args.path)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
      } catch {
        return { contents: `export * from ${spec};`, loader: 'js', resolveDir }; // an ESM-only package: its names are static
      }
      return { contents: `import * as m from ${spec};\nexport const { ${names.join(', ')} } = m;`, loader: 'js', resolveDir };
    });
  },
};

/** A vendor file's entry: one loader per specifier, so a subpath doesn't run the whole package. */
function vendorEntry(specifiers) {
  const loaders = specifiers.map((s) => `  ${JSON.stringify(s)}: () => require(${JSON.stringify(s)}),`).join('\n');
  return `const load = {\n${loaders}\n};\nmodule.exports = (specifier) => load[specifier]();\n`;
}

/**
 * esbuild options of the extension bundle and of each vendor bundle. The extension's options are
 * those of the first stage (buildSplit makes it ESM with code splitting, then CommonJS).
 * @param {{ outdir?: string, entry?: string, minify?: boolean, sourcemap?: boolean }} options
 */
export function extensionBuildOptions({ outdir = path.join(ROOT, 'dist'), entry = path.join(ROOT, 'src/extension/extension.ts'), minify = false, sourcemap = true } = {}) {
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify, sourcemap, logLevel: 'warning', absWorkingDir: ROOT, define: versionDefine() };
  return {
    extension: {
      bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', absWorkingDir: ROOT, define: versionDefine(),
      entryPoints: { extension: entry }, external: EXTERNAL, plugins: [dynamicPackageImports, sharedImports, lazyBuiltins, lazyProfileValidator, vendorPlugin],
    },
    vendor: [
      ...Object.entries(VENDOR_BUNDLES).map(([file, specifiers]) => ({
        ...common,
        stdin: { contents: vendorEntry(specifiers), resolveDir: ROOT, sourcefile: `vendor/${file}.js`, loader: 'js' },
        outfile: path.join(outdir, 'vendor', `${file}.js`),
        external: NATIVE_EXTERNALS,
      })),
      { ...common, entryPoints: [path.join(ROOT, PROFILE_VALIDATOR.source)], outfile: path.join(outdir, PROFILE_VALIDATOR.file) },
    ],
  };
}

const STAGE1 = 'secure-transfer-stage1';
/** The entry's export through which later chunks reach the chunks bundled into it. */
const STATIC_CHUNKS = '__secureTransferChunks';

/**
 * The second stage: the first (ESM, code-split) stage's files become CommonJS, as VS Code's extension
 * host and Node load it. The entry (extension.js, cli.js) takes in every chunk it imports statically
 * (one file to read, not ~25); each chunk it doesn't import statically (what only a command, a
 * connection or an audit uses) stays a file of its own, <prefix>-<hash>.js, required on first use (a
 * dynamic `import()` becomes a `require` in a promise), so V8 neither reads nor parses it at start.
 * Such a chunk reaches the code it shares with the entry through the entry (one instance of every
 * module and class). Source maps chain through the first stage's inline maps back to src/.
 */
async function commonJsStage(stage1, { name, chunkPrefix, outdir, minify, sourcemap, external, banner }) {
  const CHUNK = new RegExp(`^${chunkPrefix}-[A-Z0-9]+\\.js$`);
  const entryFile = `${name}.js`;
  const files = new Map(stage1.outputFiles.filter((f) => f.path.endsWith('.js')).map((f) => [path.basename(f.path), f.text]));
  // The chunks the entry imports statically, directly or through one another.
  const outputs = new Map(Object.entries(stage1.metafile.outputs).map(([file, meta]) => [path.basename(file), meta]));
  const inEntry = new Set();
  for (const stack = [entryFile]; stack.length; ) {
    for (const { path: imported, kind, external: outside } of outputs.get(stack.pop())?.imports ?? []) {
      const chunk = path.basename(imported);
      if (outside || kind !== 'import-statement' || !CHUNK.test(chunk) || inEntry.has(chunk)) continue;
      inEntry.add(chunk);
      stack.push(chunk);
    }
  }
  const fromStage1 = (bundlingEntry) => ({
    name: 'stage1-files',
    setup(build) {
      build.onResolve({ filter: /^stage1:/ }, (args) => ({ path: args.path.slice('stage1:'.length), namespace: STAGE1 }));
      build.onResolve({ filter: new RegExp(`^\\./${chunkPrefix}-[A-Z0-9]+\\.js$`), namespace: STAGE1 }, (args) => {
        const chunk = args.path.slice(2);
        if (!inEntry.has(chunk)) return { path: args.path, external: true }; // a file of its own, next to this one
        return bundlingEntry ? { path: chunk, namespace: STAGE1 } : { path: chunk, namespace: `${STAGE1}-via-entry` };
      });
      // Everything else the first stage left outside (packages, Node's modules, vendor files) stays outside:
      // the CLI's packages keep loading from node_modules (ssh2 with its native addon).
      build.onResolve({ filter: /.*/, namespace: STAGE1 }, (args) => ({ path: args.path, external: true }));
      build.onResolve({ filter: /^\.\/[\w-]+\.js$/, namespace: `${STAGE1}-via-entry` }, (args) => ({ path: args.path, external: true }));
      // ESM output calls require() through esbuild's `__require` shim; a vendor request is a plain require() again.
      build.onLoad({ filter: /.*/, namespace: STAGE1 }, (args) => ({ contents: files.get(args.path).replace(/\b__require\((?="\.\/vendor\/)/g, 'require('), loader: 'js', resolveDir: ROOT }));
      build.onLoad({ filter: /.*/, namespace: `${STAGE1}-via-entry` }, (args) => ({ contents: `module.exports = require(${JSON.stringify(`./${entryFile}`)}).${STATIC_CHUNKS}[${JSON.stringify(args.path)}];`, loader: 'js' }));
      build.onResolve({ filter: /^entry$/ }, () => ({ path: 'entry', namespace: `${STAGE1}-entry` }));
      build.onLoad({ filter: /^entry$/, namespace: `${STAGE1}-entry` }, () => ({
        contents: [
          `export * from ${JSON.stringify(`stage1:${entryFile}`)};`,
          ...[...inEntry].map((chunk, i) => `import * as chunk${i} from ${JSON.stringify(`stage1:${chunk}`)};`),
          `export const ${STATIC_CHUNKS} = { ${[...inEntry].map((chunk, i) => `${JSON.stringify(chunk)}: chunk${i}`).join(', ')} };`,
        ].join('\n'),
        loader: 'js',
        resolveDir: ROOT,
      }));
    },
  });
  const common = { outdir, bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify, sourcemap, logLevel: 'warning', absWorkingDir: ROOT, external, supported: { 'dynamic-import': false } };
  const lazy = [...files.keys()].filter((file) => file !== entryFile && !inEntry.has(file));
  await Promise.all([
    esbuild.build({ ...common, entryPoints: { [name]: 'entry' }, plugins: [fromStage1(true)], ...(banner ? { banner } : {}) }),
    lazy.length && esbuild.build({ ...common, entryPoints: Object.fromEntries(lazy.map((file) => [file.replace(/\.js$/, ''), `stage1:${file}`])), plugins: [fromStage1(false)] }),
  ]);
  // Chunks of earlier builds (their names are content hashes) would otherwise pile up and ship.
  for (const stale of readdirSync(outdir).filter((f) => CHUNK.test(f.replace(/\.map$/, '')) && !lazy.includes(f.replace(/\.map$/, '')))) rmSync(path.join(outdir, stale), { force: true });
}

/**
 * Builds `stage1` (esbuild options with one entry, `name`) as CommonJS split into `name`.js and
 * on-demand chunks `chunkPrefix`-<hash>.js in `outdir` (see commonJsStage).
 */
export async function buildSplit(stage1, { name, chunkPrefix, outdir, minify = false, sourcemap = true, external = [], banner, watch = false }) {
  const second = { name: 'commonjs-stage', setup: (build) => build.onEnd((result) => (result.errors.length ? undefined : commonJsStage(result, { name, chunkPrefix, outdir, minify, sourcemap, external, banner }))) };
  const options = {
    ...stage1, format: 'esm', splitting: true, minify: false, sourcemap: sourcemap ? 'inline' : false, write: false, metafile: true,
    outdir, chunkNames: `${chunkPrefix}-[hash]`, plugins: [...(stage1.plugins ?? []), second],
  };
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
}

/**
 * Builds dist/extension.js, its chunks dist/chunk-*.js and dist/vendor/*.js. With `watch`, the
 * extension is rebuilt on change (the vendor files only change with node_modules).
 * @param {{ outdir?: string, entry?: string, minify?: boolean, sourcemap?: boolean, watch?: boolean }} options
 */
export async function buildExtension(options = {}) {
  const { extension, vendor } = extensionBuildOptions(options);
  const { outdir = path.join(ROOT, 'dist'), minify = false, sourcemap = true, watch = false } = options;
  await Promise.all(vendor.map((v) => esbuild.build(v)));
  await buildSplit(extension, { name: 'extension', chunkPrefix: 'chunk', outdir, minify, sourcemap, external: EXTERNAL, watch });
}
