/**
 * src/core/profiles/profileSchema.generated.ts is ajv's standalone code for schemas/profile.schema.json,
 * committed so tsc-built code and the bundles share it without a build step. It must match the schema
 * (and the installed ajv): scripts/profileValidator.mjs --check compares it with a fresh generation.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as generated from '../../src/core/profiles/profileSchema.generated';

const REPO = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(REPO, 'scripts', 'profileValidator.mjs');
const check = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, '--check', ...args], { encoding: 'utf8' });

test('the generated profile validator matches schemas/profile.schema.json (run `node scripts/profileValidator.mjs` when this fails)', () => {
  const r = check();
  assert.equal(r.status, 0, r.stderr);
});

test('the check notices a schema change (a stale validator would otherwise pass unnoticed)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-schema-'));
  try {
    const schema = JSON.parse(readFileSync(path.join(REPO, 'schemas', 'profile.schema.json'), 'utf8')) as { definitions: { profile: { properties: { port: { maximum: number } } } } };
    schema.definitions.profile.properties.port.maximum = 1024;
    const changed = path.join(dir, 'schema.json');
    writeFileSync(changed, JSON.stringify(schema));
    const r = check('--schema', changed);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /does not match the profile schema: run `node scripts\/profileValidator\.mjs`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the generated module validates without ajv at run time beyond its tiny runtime helpers', () => {
  const source = readFileSync(path.join(REPO, 'src', 'core', 'profiles', 'profileSchema.generated.ts'), 'utf8');
  const requires = [...source.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
  assert.ok(requires.every((r) => r.startsWith('ajv/dist/runtime/')), `requires: ${requires.join(', ')}`);
  const { profiles } = generated as unknown as { profiles: ((data: unknown) => boolean) & { errors?: Array<{ keyword: string }> } };
  assert.equal(profiles([{ name: 'a', protocol: 'sftp', host: 'h', username: 'u' }]), true);
  assert.equal(profiles([{ name: 'a', protocol: 'sftp', host: 'h', username: 'u', port: 70000 }]), false);
  assert.deepEqual(profiles.errors?.map((e) => e.keyword), ['maximum']);
});
