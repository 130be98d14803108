import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterProfileSchema, describeZodError, nodeControlSchema } from '../../../src/cluster/profile';
import { didYouMean } from '../../../src/cluster/suggest';

const problems = (v: unknown) => {
  const r = clusterProfileSchema.safeParse(v);
  return r.success ? '' : describeZodError(r.error, 'cluster');
};

test('cluster profile: an unknown key is rejected with the likely key and every known key (a typo must not turn node control into manual)', () => {
  assert.equal(
    problems({ name: 'c', metaServers: ['a:1'], nodecontrol: { kind: 'manual' } }),
    "cluster: unknown key 'nodecontrol' (did you mean 'nodeControl'?); known keys: name, metaServers, nodeControl, production, zookeeper",
  );
  assert.match(problems({ name: 'c', metaServers: ['a:1'], colour: 'red' }), /^cluster: unknown key 'colour'; known keys:/);
  assert.match(
    problems({ name: 'c', metaServers: ['a:1'], nodeControl: { kind: 'command', stop: ['x'], start: ['y'], restrtMeta: ['z'] } }),
    /cluster\.nodeControl: unknown key 'restrtMeta' \(did you mean 'restartMeta'\?\)/,
  );
  assert.equal(nodeControlSchema.safeParse({ kind: 'manual', control: 'x' }).success, false);
  // Known keys parse as before; credential-looking keys are left to the host to flag and are not kept.
  const ok = clusterProfileSchema.parse({ name: 'c', metaServers: ['a:1'], production: true, password: 'x' });
  assert.deepEqual(ok, { name: 'c', metaServers: ['a:1'], production: true });
});

test('didYouMean: case first, then small edit distance, nothing when far', () => {
  assert.equal(didYouMean('METASERVERS', ['name', 'metaServers']), 'metaServers');
  assert.equal(didYouMean('metaSevers', ['name', 'metaServers']), 'metaServers');
  assert.equal(didYouMean('zookeeper', ['name', 'metaServers']), undefined);
});
