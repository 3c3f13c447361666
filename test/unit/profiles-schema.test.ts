import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkProfileFile, validateUserProfiles } from '../../src/core/profiles';

// The file VS Code's jsonValidation reads, straight from disk (not the compiled copy).
const schema = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'schemas', 'profile.schema.json'), 'utf8')) as SchemaNode;

interface SchemaNode {
  $schema?: string;
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  definitions?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: boolean | SchemaNode;
  description?: string;
  not?: object;
  errorMessage?: string;
}

function* objectSchemas(node: SchemaNode, where: string): Generator<[string, SchemaNode]> {
  if (node.properties) yield [where, node];
  for (const [k, v] of Object.entries(node.properties ?? {})) yield* objectSchemas(v, `${where}.${k}`);
  for (const [k, v] of Object.entries(node.definitions ?? {})) yield* objectSchemas(v, `#/definitions/${k}`);
  if (node.items) yield* objectSchemas(node.items, `${where}[]`);
}

const isForbidden = (p: SchemaNode) => /#\/definitions\/forbidden/.test(p.$ref ?? '');

test('the schema is draft-07, so VS Code\'s jsonValidation understands it', () => {
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
});

test('every object in the schema refuses unknown keys and every setting has hover help', () => {
  for (const [where, node] of objectSchemas(schema, '#')) {
    assert.equal(node.additionalProperties, false, `${where} must set additionalProperties: false`);
    for (const [key, prop] of Object.entries(node.properties ?? {})) {
      if (isForbidden(prop) || key === '$schema' || (prop.$ref && !prop.description && ['policy', 'protocol'].includes(key))) continue;
      assert.ok(prop.description, `${where}.${key} needs a description`);
    }
  }
});

test('the Profile definition is reusable for the secureTransfer.profiles setting', () => {
  assert.ok(schema.definitions?.profile?.properties?.host);
  assert.equal(schema.properties?.profiles?.items?.$ref, '#/definitions/profile');
  assert.equal(schema.properties?.policy?.$ref, '#/definitions/policy');
});

test('every key the schema marks as forbidden (for VS Code) is refused by the validator with the specific message', () => {
  const forbidden = Object.entries(schema.definitions!.profile.properties!).filter(([, p]) => isForbidden(p));
  assert.ok(forbidden.length >= 10);
  const codesFor = (key: string, value: unknown) =>
    checkProfileFile({ profiles: [{ name: 'a', protocol: 'sftp', host: 'h', username: 'u', [key]: value }] }, 'f.json').problems.map((p) => p.code);
  for (const [key, prop] of forbidden) {
    if (prop.$ref!.endsWith('VerificationSwitch')) {
      // `insecure: true` and `rejectUnauthorized: false` turn verification off; the other value is still not a setting.
      const both = [...codesFor(key, true), ...codesFor(key, false)].sort();
      assert.deepEqual(both, ['unknown-key', 'verification-disabled'], key);
    } else {
      assert.deepEqual(codesFor(key, 'sekret-value'), ['secret-in-profile'], key);
    }
  }
});

test('the schema and the Profile type agree on the settings', () => {
  const keys = Object.entries(schema.definitions!.profile.properties!).filter(([, p]) => !isForbidden(p)).map(([k]) => k).sort();
  // Keep in step with src/core/profiles/types.ts `Profile`.
  const typed: string[] = ['name', 'protocol', 'host', 'port', 'username', 'remotePath', 'fingerprints', 'identityFile', 'agent', 'jump', 'proxy', 'caFile', 'tlsServerName', 'minTlsVersion', 'mfa', 'appendTotpToPassword', 'localRoot', 'uploadOnSave', 'preserveTimes', 'confirmOverwrite', 'ignore', 'connectTimeout', 'requestTimeout'];
  assert.deepEqual(keys, typed.sort());
  assert.deepEqual(validateUserProfiles([{ name: 'a', protocol: 'sftp', host: 'h', username: 'u' }]).length, 1);
});
