// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// Layers (docs/architecture.md). A wrong-way import fails `npx eslint .` and so `npm test`;
// test/unit/lintLayers.test.ts checks that these rules still catch one.
//
// src/core, bottom first. A module may import its own folder and every layer with a SMALLER number;
// rows with the same number are siblings that never import each other; `never` names lower layers
// a row still may not import. A name is a folder (src/core/<name>/) or a file (src/core/<name>.ts).
// To move a layer, change its row (and docs/architecture.md); don't add eslint-disable comments.
// ---------------------------------------------------------------------------------------------
/** @type {{ name: string; layer: number; file?: boolean; never?: { name: string; why: string }[]; why: string }[]} */
const CORE_LAYERS = [
  { name: 'displayText', layer: 0, file: true, why: 'escaping of hostile server text: pure, imports nothing' },
  { name: 'errors', layer: 1, file: true, why: 'error classes and exit codes, imported from everywhere' },
  { name: 'syntax', layer: 2, why: 'host/IP/CIDR/glob and SHA256 fingerprint syntax: pure parsing for profiles, policy and trust' },
  { name: 'log', layer: 2, file: true, why: 'the Logger interface' },
  { name: 'paths', layer: 2, file: true, why: 'the state folder' },
  { name: 'version', layer: 2, file: true, why: 'the product version, from package.json only' },
  { name: 'fsutil', layer: 2, file: true, why: 'bounded reads of files named by profiles, file locks' },
  { name: 'localPartial', layer: 2, file: true, why: 'local partial files opened without following plants; used by sessions and the engine' },
  { name: 'totp', layer: 2, why: 'TOTP seed syntax and codes (RFC 6238), below secrets and mfa' },
  { name: 'profiles', layer: 3, why: 'the profile file: model, URLs, validation, the written policy shape' },
  { name: 'sshconfig', layer: 3, why: "the user's own ~/.ssh/config, resolved like ssh -G (read-only)" },
  { name: 'policy', layer: 4, why: 'merging and applying the policy a profile file states' },
  { name: 'trust', layer: 5, why: 'host keys and certificates, verified before any credential is asked for' },
  {
    name: 'session', layer: 6, why: 'RemoteFileSystem over ssh2 / basic-ftp, SFTP pipelining',
    // (`secrets` is a sibling anyway; the reason is worth keeping next to the row)
    never: [{ name: 'secrets', why: 'credentials reach a session only through its CredentialProvider, after the identity is verified' }],
  },
  { name: 'secrets', layer: 6, why: 'the SecretStore and what users do with secrets; needs no session' },
  { name: 'mfa', layer: 7, why: 'the CredentialProvider: secrets and one-time codes for a session\'s prompts' },
  {
    name: 'audit', layer: 7, why: 'read-only probes, rule tables, reports, the activity log',
    never: [{ name: 'secrets', why: 'the audit probes send no credentials' }],
  },
  {
    name: 'import', layer: 7, why: "other tools' saved servers (vscode-sftp, SSH FS, FileZilla, WinSCP) → profiles + keychain",
    never: [{ name: 'session', why: 'an import reads files and writes profiles and secrets; it never connects' }],
  },
  { name: 'connect', layer: 8, file: true, why: 'the only way to open a session: policy, audit before connect, trust, transports' },
  { name: 'auditProfile', layer: 9, file: true, why: "a profile's audit target and probe route (ssh config, proxy, ProxyCommand), as connect() would reach it; above connect, whose resolveServer/proxyCommandDial it reuses" },
  { name: 'transfer', layer: 9, why: 'the engine and session pool; opens further sessions through connect()' },
  { name: 'sync', layer: 10, why: 'compare two trees, plan a sync, run it through the transfer engine, remember the last sync' },
];

// Outside core: core is plain Node and the bottom of everything; the CLI and the extension are
// two front ends that never import each other; the demo server is a tool of its own.
/** @type {Record<string, { never: string[]; why: string }>} */
const APPS = {
  core: { never: ['extension', 'cli', 'demo'], why: 'src/core is the bottom: the CLI, the extension and the demo call it, never the reverse' },
  cli: { never: ['extension', 'demo'], why: 'the CLI and the extension are separate front ends over src/core' },
  extension: { never: ['cli', 'demo'], why: 'the extension and the CLI are separate front ends over src/core' },
  demo: { never: ['extension', 'cli'], why: 'the demo server uses src/core only' },
};
const NO_VSCODE = { name: 'vscode', message: 'src/core, src/cli and src/demo run in plain Node; keep VS Code glue in src/extension.' };

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const up = (n) => (n === 0 ? './' : '../'.repeat(n));

/**
 * The ways a file `depth` folders below src/ can name src/<target> in an import: through src/
 * (`../../core/policy`), through the repository root (`../../../src/core/policy`) and, for a core
 * file, through src/core (`../policy`; `./policy` from connect.ts). Anchored, and a path segment must
 * follow or end, so `./policyTypes` or a same-folder `./log` is never mistaken for a layer.
 */
function importRegex(depth, target) {
  const ways = [up(depth) + target, up(depth + 1) + 'src/' + target];
  if (target.startsWith('core/')) ways.push(up(depth - 1) + target.slice('core/'.length));
  return `^(?:${ways.map(esc).join('|')})(?:/|\\.js$|\\.ts$|$)`;
}

/** The same rules for `import()` and `require()`, which no-restricted-imports does not see. */
function dynamicSelectors(patterns) {
  return patterns.flatMap(({ regex, message }) => {
    const re = regex.replace(/\//g, '\\x2F');
    return [
      { selector: `ImportExpression[source.value=/${re}/]`, message },
      { selector: `CallExpression[callee.name="require"][arguments.0.value=/${re}/]`, message },
    ];
  });
}

function restrict(files, patterns, vscodeToo) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { paths: vscodeToo ? [NO_VSCODE] : [], patterns }],
      'no-restricted-syntax': ['error', ...dynamicSelectors(patterns)],
    },
  };
}

const appPatterns = (app, depth) =>
  APPS[app].never.map((other) => ({ regex: importRegex(depth, other), message: `src/${app} may not import src/${other}: ${APPS[app].why}.` }));

/** What a core row may not import: every sibling or higher layer, and its `never` list. */
function coreForbidden(row) {
  const forbidden = CORE_LAYERS.filter((o) => o.name !== row.name && (o.layer >= row.layer || row.never?.some((n) => n.name === o.name)));
  return forbidden.map((o) => {
    const never = row.never?.find((n) => n.name === o.name);
    const why = never
      ? never.why
      : o.layer === row.layer
        ? `they are siblings on layer ${row.layer} and never import each other`
        : `core/${o.name} (layer ${o.layer}) sits above core/${row.name} (layer ${row.layer})`;
    return { name: o.name, message: `core/${row.name} may not import core/${o.name}: ${why}. Move the shared piece down a layer (the order is the table in eslint.config.mjs, docs/architecture.md).` };
  });
}

// Files up to this many folders below a core folder get their own depth-exact patterns.
const MAX_NESTING = 4;

const layerConfigs = [];
for (const row of CORE_LAYERS) {
  const forbidden = coreForbidden(row);
  const depths = row.file ? [{ depth: 1, files: [`src/core/${row.name}.ts`] }] : Array.from({ length: MAX_NESTING }, (_, i) => ({ depth: i + 2, files: [`src/core/${row.name}/${'*/'.repeat(i)}*.ts`] }));
  for (const { depth, files } of depths) {
    const patterns = [...appPatterns('core', depth), ...forbidden.map((f) => ({ regex: importRegex(depth, `core/${f.name}`), message: f.message }))];
    layerConfigs.push(restrict(files, patterns, true));
  }
}
const coreNames = CORE_LAYERS.map((r) => `src/core/${r.name}${r.file ? '.ts' : '/**/*.ts'}`);
for (const app of ['cli', 'extension', 'demo']) {
  for (let depth = 1; depth <= MAX_NESTING; depth++) {
    layerConfigs.push(restrict([`src/${app}/${'*/'.repeat(depth - 1)}*.ts`], appPatterns(app, depth), app !== 'extension'));
  }
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', '.test-artifacts/**', 'media/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Every file under src/core must belong to a row of CORE_LAYERS (a new folder gets a row).
  {
    files: ['src/core/**/*.ts'],
    ignores: coreNames,
    rules: { 'no-restricted-syntax': ['error', { selector: 'Program', message: 'This file of src/core is in no layer: add its folder to CORE_LAYERS in eslint.config.mjs (and docs/architecture.md).' }] },
  },
  ...layerConfigs,
  // test/**, bench/** and scripts/** may import any layer: they test or drive the whole.
);
