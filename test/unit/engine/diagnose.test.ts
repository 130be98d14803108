import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../../src/engine/diagnose';
import { FakeCluster } from '../../support/fakeCluster';

const base = { waitingFor: 'x', excluded: new Set<string>(), pct: 50, minLive: 3, stalledSeconds: 120 };

test('diagnosis: frozen meta names the arithmetic and the largest safe threshold', async () => {
  const f = new FakeCluster({ nodes: 6, tables: [{ name: 't', partitions: 4, replicas: 3 }], pct: 70 });
  for (const a of ['10.0.0.5:34801', '10.0.0.6:34801']) {
    f.nodes.get(a)!.alive = false;
    f.dead.add(a);
  }
  const d = diagnose(await f.readState(), { ...base, pct: 70 });
  assert.match(d.cause, /frozen \(alive 4, dead 2, live_percentage 70/);
  assert.match(d.fix, /at most 66/);
  // No node at all (the meta reports freezed): no percentage can freeze it, so any value up to 100 is safe.
  const empty = diagnose({ ...(await f.readState()), nodes: [], tables: [], effectiveLevel: 'freezed' }, { ...base, pct: 70 });
  assert.match(empty.fix, /at most 100 /);
});

test('diagnosis: no primary, DDD, nowhere to go, slow learning', async () => {
  const f = new FakeCluster({ nodes: 4, tables: [{ name: 't', partitions: 4, replicas: 3 }] });
  f.tables[0]!.partitions[1]!.primary = null;
  let d = diagnose(await f.readState(), base);
  assert.match(d.cause, /1 partition\(s\) have no primary/);
  assert.match(d.partitions[0]!, /^1\.1 \(t\): unreadable/);
  f.tables[0]!.partitions[1]!.secondaries = [];
  d = diagnose(await f.readState(), base);
  assert.match(d.cause, /no alive replica at all \(DDD\)/);
  const g = new FakeCluster({ nodes: 4, tables: [{ name: 't', partitions: 4, replicas: 3 }] });
  d = diagnose(await g.readState(), { ...base, excluded: new Set(['10.0.0.1:34801', '10.0.0.2:34801']), node: '10.0.0.1:34801' });
  assert.match(d.cause, /need a node that is alive, not black-listed and not already a member/);
  const h = new FakeCluster({ nodes: 6, tables: [{ name: 't', partitions: 4, replicas: 3 }] });
  h.tables[0]!.partitions[0]!.secondaries.pop();
  d = diagnose(await h.readState(), base);
  assert.match(d.cause, /under-replicated .* learning is slow/);
});
