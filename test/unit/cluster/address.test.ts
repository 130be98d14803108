import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostPortProblem, isHostPort, isIpPort } from '../../../src/cluster/address';
import { clusterProfileSchema } from '../../../src/cluster/profile';

test('isHostPort: host names and IPv4 with a port; no spaces, schemes or missing ports', () => {
  for (const ok of ['10.0.0.1:34601', 'node-1.example:34801', 'localhost:1']) assert.equal(isHostPort(ok), true, ok);
  for (const bad of ['', '10.0.0.1', 'a b:1', 'http://x:1', 'x:', 'x:123456', ' x:1', 'x:99999', 'x:0'])
    assert.equal(isHostPort(bad), false, bad);
});

test('isIpPort: dotted quad with a port only', () => {
  assert.equal(isIpPort('10.0.0.1:34801'), true);
  assert.equal(isIpPort('node-1:34801'), false);
  assert.equal(isIpPort('10.0.0.1'), false);
});

test('the cluster profile accepts exactly the meta addresses isHostPort accepts', () => {
  for (const a of ['10.0.0.1:34601', 'meta.example:34601', 'x y:1', 'x:', '', '127.0.0.1:99999', 'h:0', 'h:65535']) {
    assert.equal(clusterProfileSchema.safeParse({ name: 'c', metaServers: [a] }).success, isHostPort(a), a);
  }
});

test('a port out of range is named as such', async () => {
  const r = clusterProfileSchema.safeParse({ name: 'c', metaServers: ['127.0.0.1:99999'] });
  assert.equal(r.success, false);
  assert.match(r.error!.issues[0]!.message, /port out of range: a port is 1\.\.65535/);
});

test('isHostPort: no part of the host starts with a dash or a dot (it would read as an option)', () => {
  for (const bad of ['-x:1', '-oProxyCommand=x:22', '.x:1', 'a.-b:1', 'a..b:1', '--:1']) {
    assert.equal(isHostPort(bad), false, bad);
    assert.match(hostPortProblem(bad)!, /cannot start with/, bad);
  }
  for (const ok of ['a-b:1', 'a.b-c:1', '_x:1', 'a_b.c:1']) assert.equal(hostPortProblem(ok), undefined, ok);
  assert.match(hostPortProblem('x:0')!, /port out of range/);
  assert.match(hostPortProblem('x y:1')!, /expected host:port/);
});
