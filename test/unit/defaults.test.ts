/**
 * One home for defaults (core/profiles/defaults.ts): what the validator fills in, what the schema
 * and VS Code's settings (package.json) tell editors, and the CLI's help all say the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_PORTS, DEFAULT_REQUEST_TIMEOUT } from '../../src/core/profiles/defaults';
import { DEFAULT_PORTS as PORTS_FROM_TYPES } from '../../src/core/profiles/types';
import { validateUserProfiles } from '../../src/core/profiles/validate';
import { effectivePolicy } from '../../src/core/policy/merge';
import { runInProcess } from './cli-helpers';

const root = path.resolve(__dirname, '../../..');
type Props = Record<string, { default?: unknown; description?: string }>;
const schema = JSON.parse(readFileSync(path.join(root, 'schemas/profile.schema.json'), 'utf8')) as { definitions: { profile: { properties: Props }; policy: { properties: Props } } };
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { configuration: unknown } };

/** The `secureTransfer.profiles` setting's item properties, wherever package.json's configuration keeps them. */
function settingsProfileProps(): Props {
  const sections = ([] as Array<{ properties: Record<string, { items?: { properties: Props } }> }>).concat(pkg.contributes.configuration as never);
  for (const s of sections) {
    const items = s.properties['secureTransfer.profiles']?.items;
    if (items) return items.properties;
  }
  throw new Error('package.json has no secureTransfer.profiles setting');
}

test('the profile defaults the validator fills in are the schema\'s and the settings\' defaults', () => {
  const [loaded] = validateUserProfiles([{ name: 'p', protocol: 'sftp', host: 'h', username: 'u' }]);
  const props = schema.definitions.profile.properties;
  const settings = settingsProfileProps();
  const withDefault = Object.keys(props).filter((k) => props[k].default !== undefined && k !== 'protocol' && k !== 'minTlsVersion');
  assert.ok(withDefault.includes('connectTimeout') && withDefault.includes('requestTimeout'));
  for (const key of withDefault) {
    const applied = (loaded as unknown as Record<string, unknown>)[key];
    // appendTotpToPassword is read as `=== true`, so its absence is its default (false).
    assert.deepEqual(applied ?? false, props[key].default, `profile ${key}: the validator gives ${JSON.stringify(applied)}, the schema says ${JSON.stringify(props[key].default)}`);
    assert.deepEqual(settings[key].default, props[key].default, `package.json's secureTransfer.profiles ${key}`);
  }
  assert.equal(props.connectTimeout.default, DEFAULT_CONNECT_TIMEOUT);
  assert.equal(props.requestTimeout.default, DEFAULT_REQUEST_TIMEOUT);
});

test('default ports: one table, the one the schema and the validator describe', () => {
  assert.equal(PORTS_FROM_TYPES, DEFAULT_PORTS, 'types.ts re-exports the same object');
  const text = `Default: ${DEFAULT_PORTS.sftp} for sftp, ${DEFAULT_PORTS.ftpes} for ftpes, ${DEFAULT_PORTS.ftps} for ftps.`;
  assert.ok(schema.definitions.profile.properties.port.description?.includes(text), schema.definitions.profile.properties.port.description);
  assert.ok(settingsProfileProps().port.description?.includes(text));
  for (const protocol of ['sftp', 'ftpes', 'ftps'] as const) {
    const [p] = validateUserProfiles([{ name: 'p', protocol, host: 'h', username: 'u' }]);
    assert.equal(p.port, DEFAULT_PORTS[protocol]);
  }
});

test('the policy defaults (no restriction) are the schema\'s', () => {
  const props = schema.definitions.policy.properties;
  const none = effectivePolicy(undefined) as unknown as Record<string, unknown>;
  for (const key of Object.keys(props).filter((k) => props[k].default !== undefined)) {
    assert.deepEqual(none[key], props[key].default, `policy ${key}`);
  }
});

test('the CLI help names the defaults from defaults.ts', async () => {
  const { stdout, stderr } = await runInProcess(['--help']);
  const help = stdout + stderr;
  assert.match(help, new RegExp(`--request-timeout SECS .*\\(default ${DEFAULT_REQUEST_TIMEOUT}\\)`));
  assert.match(help, /\(default \.vscode\/secure-transfer\.json\)/);
});
