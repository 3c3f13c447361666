// VS Code does not resolve a $ref to a file from `contributes.configuration`, so the schemas of the
// `secureTransfer.profiles` and `secureTransfer.policy` settings are generated from
// schemas/profile.schema.json (the one source) into package.json. `--check` fails when package.json
// is out of date (tests and CI run it).
import { readFileSync, writeFileSync } from 'node:fs';

const SCHEMA = 'schemas/profile.schema.json';
const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));

/** Replaces every local `#/definitions/x` reference with the definition itself (the schema has no cycles). */
function inline(node, seen = []) {
  if (Array.isArray(node)) return node.map((n) => inline(n, seen));
  if (!node || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const name = node.$ref.replace(/^#\/definitions\//, '');
    if (name === node.$ref || !(name in schema.definitions)) throw new Error(`${SCHEMA}: unsupported $ref ${node.$ref}`);
    if (seen.includes(name)) throw new Error(`${SCHEMA}: $ref cycle through ${name}`);
    const { $ref: _drop, ...rest } = node;
    return { ...inline(schema.definitions[name], [...seen, name]), ...inline(rest, seen) };
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v, seen)]));
}

export function settingsItems() {
  return inline(schema.definitions.profile);
}

/** The whole `secureTransfer.policy` setting: the schema's policy plus what only a setting has. */
export function policySetting() {
  return {
    ...inline(schema.definitions.policy),
    scope: 'application',
    default: {},
    markdownDescription:
      'Your own policy for every connection (user settings only). Where a workspace\'s `.vscode/secure-transfer.json` also has a `policy`, the stricter of the two wins for every rule. With a policy set, each server is audited before connecting.',
  };
}

/** Which part of package.json each generated schema goes to, and how to compare it. */
const TARGETS = [
  { key: 'secureTransfer.profiles', get: (s) => s.items, set: (s, v) => (s.items = v), wanted: settingsItems },
  { key: 'secureTransfer.policy', get: (s) => s, set: (s, v) => Object.assign(s, v), wanted: policySetting },
];

const pkgText = readFileSync('package.json', 'utf8');
const pkg = JSON.parse(pkgText);
const properties = pkg.contributes?.configuration?.properties;
let stale = false;
for (const t of TARGETS) {
  const setting = properties?.[t.key];
  if (!setting) {
    console.error(`package.json has no contributes.configuration.properties["${t.key}"].`);
    process.exit(1);
  }
  const wanted = t.wanted();
  if (JSON.stringify(t.get(setting)) === JSON.stringify(wanted)) continue;
  stale = true;
  if (process.argv.includes('--check')) console.error(`package.json's ${t.key} schema differs from ${SCHEMA}: run node scripts/inline-settings-schema.mjs.`);
  else if (t.key === 'secureTransfer.policy') properties[t.key] = wanted;
  else t.set(setting, wanted);
}
if (process.argv.includes('--check')) {
  if (stale) process.exit(1);
  console.log('secureTransfer.profiles and secureTransfer.policy schemas are up to date.');
} else {
  writeFileSync('package.json', JSON.stringify(pkg, null, 2) + '\n');
  console.log(`Inlined ${SCHEMA}#/definitions/profile and #/definitions/policy into package.json.`);
}
