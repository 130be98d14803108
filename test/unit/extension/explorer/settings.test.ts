import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClusterSettings, refreshIntervalMs } from '../../../../src/extension/explorer/settings';

test('valid entries pass through; bad ones are reported by index and name while the rest works', () => {
  const r = parseClusterSettings([
    { name: 'prod', metaServers: ['10.0.0.1:34601', '10.0.0.2:34601'], production: true },
    { name: 'bad', metaServers: ['10.0.0.1'] },
    { metaServers: ['10.0.0.1:34601'] },
    { name: 'prod', metaServers: ['10.0.0.3:34601'] },
    { name: 'sim', metaServers: ['127.0.0.1:34601'], nodeControl: { kind: 'simulator', control: 'http://127.0.0.1:34700' } },
  ]);
  assert.deepEqual(
    r.clusters.map((c) => c.name),
    ['prod', 'sim'],
  );
  assert.equal(r.problems.length, 3);
  assert.match(
    r.problems[0]!.message,
    /pegasus\.clusters\[1\] \("bad"\) is ignored: pegasus\.clusters\[1\]\.metaServers\[0\]: expected host:port/,
  );
  assert.match(r.problems[1]!.message, /pegasus\.clusters\[2\].*name/);
  assert.match(r.problems[2]!.message, /already used by pegasus\.clusters\[0\]/);
});

test('not a list → one problem naming the setting and an example', () => {
  const r = parseClusterSettings({ name: 'x' });
  assert.equal(r.clusters.length, 0);
  assert.match(r.problems[0]!.message, /expected a list of clusters, got an object\. Example/);
  assert.deepEqual(parseClusterSettings(undefined), { clusters: [], problems: [] });
});

test('secrets in settings are flagged', () => {
  const r = parseClusterSettings([{ name: 'a', metaServers: ['h:1'], password: 'x' }]);
  assert.equal(r.clusters.length, 1, 'the cluster still works');
  assert.match(r.problems[0]!.message, /"password" looks like a secret.*SecretStorage/);
});

test('refresh interval: seconds to ms, 0 = off, floor of 1 s, junk → default', () => {
  assert.equal(refreshIntervalMs(5), 5000);
  assert.equal(refreshIntervalMs(0), 0);
  assert.equal(refreshIntervalMs(0.2), 1000);
  assert.equal(refreshIntervalMs(-3), 5000);
  assert.equal(refreshIntervalMs('7'), 5000);
});
