/**
 * The engine grounded in what the replica servers report, over real sockets in both dialects
 * (2.6 `/metrics` over HTTP, 2.5 perf counters through remote commands), with node control that is
 * not the simulator's: a `command` node control whose argv posts to the control API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from '../../support/engineHarness';
import { refusalWords } from '../../../src/commands/steps/words';

const TABLES = [
  { name: 'temp', partitions: 8, replicas: 3 },
  { name: 'user', partitions: 4, replicas: 3 },
];

/** The simulator's ground truth over its control API (`GET /metrics`), not the in-process model. */
async function bytesCopiedTruth(h: Harness): Promise<number> {
  const r = await fetch(`${h.sim.controlUrl}/metrics`);
  const m = (await r.json()) as { bytesCopied: number };
  return m.bytesCopied;
}

async function firstNodes(h: Harness, n: number): Promise<string[]> {
  const st = await h.port.readState();
  return st.nodes
    .map((x) => x.address)
    .sort()
    .slice(0, n);
}

for (const version of ['2.5', '2.6'] as const) {
  test(`[${version}] skewed sizes, command node control: the plan predicts the bytes the run copies (1%), the run reports them (2%)`, async () => {
    const h = await harness(
      { version, nodes: 6, replicaBasePort: 0, sizeSkew: 0.6, replicaSizeMb: 64, diskGb: 20, tables: TABLES },
      { control: 'command', engine: { replicaSizeBytes: undefined } },
    );
    try {
      assert.equal(h.control.kind, 'command');
      const leaving = await firstNodes(h, 2);
      const plan = await h.engine.plan({ op: 'scale-in', nodes: leaving });
      assert.equal(plan.sizesFrom, version === '2.6' ? 'metrics' : 'perf-counters');
      assert.ok(!plan.assumptions.some((a) => /sizes unknown|did not report/.test(a)), plan.assumptions.join('; '));
      const sizes = new Set(plan.moves.filter((m) => m.bytes > 0).map((m) => m.bytes));
      assert.ok(sizes.size > 3, `skewed sizes move their own bytes (${[...sizes].join(', ')})`);
      assert.ok(plan.disks && plan.disks.length === 6, 'every node reported its disk');

      const before = await bytesCopiedTruth(h);
      const r = await h.engine.run({ op: 'scale-in', nodes: leaving });
      assert.equal(r.outcome, 'done', JSON.stringify(r));
      const truth = (await bytesCopiedTruth(h)) - before;
      assert.ok(truth > 0);
      assert.ok(Math.abs(plan.bytes - truth) <= truth * 0.01, `planned ${plan.bytes} vs copied ${truth}`);
      assert.ok(Math.abs(r.stats.bytesCopied - truth) <= truth * 0.02, `reported ${r.stats.bytesCopied} vs copied ${truth}`);
    } finally {
      await h.close();
    }
  });

  test(`[${version}] a scale-in that overfills the staying nodes is refused with disk-headroom naming the node and the fix; bigger disks pass`, async () => {
    // 36 replicas of ~64 MB on 6 nodes: ~384 MB each; on the 4 that stay ~576 MB, over 85% of a 600 MB disk.
    const refused = async (diskGb: number) => {
      const h = await harness(
        { version, nodes: 6, replicaBasePort: 0, sizeSkew: 0.6, replicaSizeMb: 64, diskGb, tables: TABLES },
        { control: 'command', engine: { replicaSizeBytes: undefined } },
      );
      try {
        const leaving = await firstNodes(h, 2);
        return { leaving, refusals: await h.engine.preflight({ op: 'scale-in', nodes: leaving }) };
      } finally {
        await h.close();
      }
    };
    const small = await refused(0.6);
    const r = small.refusals.find((x) => x.code === 'disk-headroom');
    assert.ok(r && r.code === 'disk-headroom', JSON.stringify(small.refusals));
    assert.ok(r.nodes.length > 0 && r.nodes.every((n) => !small.leaving.includes(n.node) && n.pctAfter > r.limitPct));
    const w = refusalWords(r);
    assert.ok(w.reason.includes(r.nodes[0]!.node), w.reason);
    assert.match(w.fix, /add nodes first.*remove fewer.*migrate/);
    const big = await refused(20);
    assert.ok(!big.refusals.some((x) => x.code === 'disk-headroom'), JSON.stringify(big.refusals));
  });
}

for (const version of ['2.5', '2.6'] as const) {
  test(`[${version}] --copy-rate-mb over real sockets: both NFS limits set for the run, given back where the server takes the value back`, async () => {
    const h = await harness(
      { version, nodes: 4, replicaBasePort: 0, replicaSizeMb: 64, tables: [{ name: 't', partitions: 4, replicas: 3 }] },
      { control: 'command', engine: { copyThrottleMb: 20 } },
    );
    try {
      const [leaving] = await firstNodes(h, 1);
      const seen = new Set<number>();
      h.onSleep = () => {
        for (const n of h.sim.model.nodes) if (n.running) seen.add(n.nfsCopyRateMb);
      };
      const r = await h.engine.run({ op: 'scale-in', nodes: [leaving!] });
      assert.equal(r.outcome, 'done', JSON.stringify(r));
      assert.ok(seen.has(20), 'throttled during the run');
      assert.equal(r.plan!.copyRateMBps, 20);
      const staying = h.sim.model.nodes.filter((n) => n.running);
      if (version === '2.6') {
        // master takes 0 (unlimited) back at run time.
        for (const n of staying) assert.deepEqual([n.nfsCopyRateMb, n.nfsSendRateMb], [0, 0], n.address);
        assert.ok(!r.notes.some((n) => n.code === 'throttle-kept'));
      } else {
        // 2.5 refuses 0 at run time (v2.5.0 src/nfs/nfs_client_impl.cpp): kept, and said.
        assert.equal(r.notes.filter((n) => n.code === 'throttle-kept').length, staying.length * 2, JSON.stringify(r.notes));
      }
      assert.deepEqual(h.journal.openNodeSettings(), []);
    } finally {
      await h.close();
    }
  });
}
