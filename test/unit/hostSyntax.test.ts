import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, hostGlobMatches, parseCidr, parseIp } from '../../src/core/syntax/host';

const inRange = (cidr: string, ip: string) => cidrContains(parseCidr(cidr)!, parseIp(ip)!);

test('CIDR matching, IPv4', () => {
  assert.equal(inRange('10.0.0.0/8', '10.255.1.2'), true);
  assert.equal(inRange('10.0.0.0/8', '11.0.0.1'), false);
  assert.equal(inRange('192.168.1.0/24', '192.168.1.255'), true);
  assert.equal(inRange('192.168.1.0/24', '192.168.2.0'), false);
  assert.equal(inRange('172.16.0.0/12', '172.31.255.255'), true);
  assert.equal(inRange('172.16.0.0/12', '172.32.0.0'), false);
  assert.equal(inRange('192.0.2.7', '192.0.2.7'), true, 'a bare address is a /32');
  assert.equal(inRange('192.0.2.7', '192.0.2.8'), false);
  assert.equal(inRange('0.0.0.0/0', '203.0.113.9'), true);
  assert.equal(inRange('10.0.0.0/8', '::ffff:10.1.2.3'), true, 'IPv4-mapped IPv6 peers match IPv4 ranges');
});

test('CIDR matching, IPv6', () => {
  assert.equal(inRange('::1/128', '::1'), true);
  assert.equal(inRange('::1/128', '::2'), false);
  assert.equal(inRange('fd00::/8', 'fd12:3456::1'), true);
  assert.equal(inRange('fd00::/8', 'fe80::1'), false);
  assert.equal(inRange('2001:db8::/32', '2001:db8:ffff::1'), true);
  assert.equal(inRange('2001:db8::/33', '2001:db8:8000::1'), false);
  assert.equal(inRange('2001:db8::/33', '2001:db8:7fff::1'), true);
  assert.equal(inRange('::ffff:0:0/96', '10.0.0.1'), true, 'the mapped range written in IPv6 form');
  assert.equal(inRange('10.0.0.0/8', '::a00:1'), false, 'families do not mix');
  assert.equal(inRange('fe80::/10', 'fe80::1%eth0'), true, 'a zone id is ignored');
});

test('bad CIDR entries are not ranges', () => {
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0/8', '10.0.0.0/', 'example.com/8', '1.2.3.4/-1']) assert.equal(parseCidr(bad), undefined, bad);
});

test('host globs match one label, case-insensitively', () => {
  assert.equal(hostGlobMatches('*.example.com', 'files.example.com'), true);
  assert.equal(hostGlobMatches('*.example.com', 'FILES.Example.COM.'), true);
  assert.equal(hostGlobMatches('*.example.com', 'a.b.example.com'), false);
  assert.equal(hostGlobMatches('*.example.com', 'example.com'), false);
  assert.equal(hostGlobMatches('*.example.com', 'evil-example.com'), false);
  assert.equal(hostGlobMatches('web-*.example.com', 'web-01.example.com'), true);
});
