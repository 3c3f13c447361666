// VS Code does not resolve a $ref to a file from `contributes.configuration`, so the profile schema of
// the `secureTransfer.profiles` setting is generated from schemas/profile.schema.json (the one source)
// into package.json. `--check` fails when package.json is out of date (tests and CI run it).
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

const pkgText = readFileSync('package.json', 'utf8');
const pkg = JSON.parse(pkgText);
const setting = pkg.contributes?.configuration?.properties?.['secureTransfer.profiles'];
if (!setting) {
  console.error('package.json has no contributes.configuration.properties["secureTransfer.profiles"].');
  process.exit(1);
}
const wanted = settingsItems();
if (process.argv.includes('--check')) {
  if (JSON.stringify(setting.items) !== JSON.stringify(wanted)) {
    console.error(`package.json's secureTransfer.profiles schema differs from ${SCHEMA}: run node scripts/inline-settings-schema.mjs.`);
    process.exit(1);
  }
  console.log('secureTransfer.profiles schema is up to date.');
} else {
  setting.items = wanted;
  writeFileSync('package.json', JSON.stringify(pkg, null, 2) + '\n');
  console.log(`Inlined ${SCHEMA}#/definitions/profile into package.json.`);
}
