/**
 * A rehearsal twin loaded with an exact topology shows that topology over the real protocol:
 * GET /state on the control API, and `nodes -d` / `app NAME -d` through the real meta client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulatedCluster, type SimulatedCluster, type SimOptionsInput } from '../../../src/simulator';
import { MetaClient } from '../../../src/pegasus';
import { createRegistry, runCommandLine, type CommandContext } from '../../../src/commands';

const reg = createRegistry();

type Entry = { primary: string | null; secondaries: string[] };

const nodes = ['10.0.0.2:34801', '10.0.0.1:34801', '10.0.0.3:34801', '10.0.0.1:34802'];
const temp: Entry[] = [
  { primary: '10.0.0.1:34801', secondaries: ['10.0.0.2:34801', '10.0.0.3:34801'] },
  { primary: '10.0.0.1:34802', secondaries: ['10.0.0.1:34801', '10.0.0.2:34801'] },
  { primary: '10.0.0.1:34801', secondaries: ['10.0.0.3:34801', '10.0.0.1:34802'] },
  { primary: '10.0.0.2:34801', secondaries: ['10.0.0.1:34801'] },
];
const usertable: Entry[] = [
  { primary: '10.0.0.3:34801', secondaries: ['10.0.0.1:34802'] },
  { primary: '10.0.0.3:34801', secondaries: ['10.0.0.2:34801'] },
];
const topology: SimOptionsInput = {
  nodeAddresses: nodes,
  tables: [
    { name: 'temp', id: 3, partitions: 4, replicas: 3 },
    { name: 'usertable', id: 7, partitions: 2, replicas: 2, replicaSizeMb: 5 },
  ],
  placement: { temp, usertable },
  livePercentage: 40,
  minLiveNodeCount: 2,
  levelOnStart: 'freezed',
  assignDelayMs: 1000,
  blackList: ['10.0.0.3:34801'],
};

async function withTwin(version: '2.5' | '2.6', fn: (sim: SimulatedCluster, ctx: CommandContext) => Promise<void>): Promise<void> {
  const sim = await startSimulatedCluster({ version, ...topology });
  const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000 });
  const ctx: CommandContext = {
    client,
    profile: { name: 'twin', metaServers: sim.metaServers },
    signal: new AbortController().signal,
    progress: () => undefined,
    confirm: async () => true,
  };
  try {
    await fn(sim, ctx);
  } finally {
    client.close();
    await sim.close();
  }
}

/** Per node: [replicas, primaries] over the given tables. */
function counts(...tables: Entry[][]): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>(nodes.map((n) => [n, [0, 0]]));
  for (const t of tables) {
    for (const e of t) {
      if (e.primary) {
        m.get(e.primary)![0]++;
        m.get(e.primary)![1]++;
      }
      for (const s of e.secondaries) m.get(s)![0]++;
    }
  }
  return m;
}

for (const version of ['2.5', '2.6'] as const) {
  test(`${version}: GET /state of the twin equals the given topology`, async () => {
    await withTwin(version, async (sim) => {
      const st = (await (await fetch(`${sim.controlUrl}/state`)).json()) as {
        nodes: { address: string; primaries: number; replicas: number }[];
        tables: {
          id: number;
          name: string;
          partitionCount: number;
          replicas: number;
          partitions: { pidx: number; primary: string | null; secondaries: string[] }[];
        }[];
        level: { stored: string };
        freeze: { pct: number; minLive: number };
        settings: { assignDelayMs: number; assignSecondaryBlackList: string[] };
      };
      assert.deepEqual(
        st.nodes.map((n) => n.address),
        nodes,
      );
      const want = counts(temp, usertable);
      for (const n of st.nodes) assert.deepEqual([n.replicas, n.primaries], want.get(n.address), n.address);
      assert.deepEqual(
        st.tables.map((t) => ({ id: t.id, name: t.name, partitionCount: t.partitionCount, replicas: t.replicas })),
        [
          { id: 3, name: 'temp', partitionCount: 4, replicas: 3 },
          { id: 7, name: 'usertable', partitionCount: 2, replicas: 2 },
        ],
      );
      assert.deepEqual(
        st.tables[0]!.partitions.map((p) => ({ primary: p.primary, secondaries: p.secondaries })),
        temp,
      );
      assert.deepEqual(
        st.tables[1]!.partitions.map((p) => ({ primary: p.primary, secondaries: p.secondaries })),
        usertable,
      );
      assert.equal(st.level.stored, 'freezed');
      assert.deepEqual([st.freeze.pct, st.freeze.minLive], [40, 2]);
      assert.equal(st.settings.assignDelayMs, 1000);
      assert.deepEqual(st.settings.assignSecondaryBlackList, ['10.0.0.3:34801']);
    });
  });

  test(`${version}: nodes -d and app -d through the real client show the given topology`, async () => {
    await withTwin(version, async (_sim, ctx) => {
      const nd = await runCommandLine(reg, ctx, 'nodes -d');
      const want = counts(temp, usertable);
      const rows = nd.tables[0]!.rows;
      // The meta lists nodes in rpc_address order (IP as a number, then port).
      assert.deepEqual(
        rows.map((r) => r[0]),
        ['10.0.0.1:34801', '10.0.0.1:34802', '10.0.0.2:34801', '10.0.0.3:34801'],
      );
      for (const r of rows) {
        assert.equal(r[1], 'ALIVE');
        assert.deepEqual([Number(r[2]), Number(r[3])], want.get(String(r[0])), String(r[0]));
      }
      for (const [name, entries, id] of [
        ['temp', temp, 3],
        ['usertable', usertable, 7],
      ] as const) {
        const app = await runCommandLine(reg, ctx, `app ${name} -d`);
        assert.match(app.text, new RegExp(`app_id +: ${id}\\n`));
        const details = app.tables.find((t) => t.title === 'replicas')!.rows;
        assert.deepEqual(
          details.map((r) => ({
            primary: r[3] === '-' ? null : r[3],
            secondaries: String(r[4])
              .replace(/^\[|\]$/g, '')
              .split(',')
              .filter((s) => s.length > 0),
          })),
          entries,
        );
        const perNode = counts(entries);
        // The last [nodes] row is the total, with an empty label.
        for (const r of app.tables.find((t) => t.title === 'nodes')!.rows.filter((x) => x[0] !== ''))
          assert.deepEqual([Number(r[3]), Number(r[1])], perNode.get(String(r[0])), `${name} on ${String(r[0])}`);
      }
      const lvl = await runCommandLine(reg, ctx, 'get_meta_level');
      assert.match(lvl.text, /freezed/);
    });
  });
}

test('a bad topology fails to start with the path, the value and the fix', async () => {
  await assert.rejects(
    startSimulatedCluster({
      ...topology,
      placement: { temp: [...temp.slice(0, 3), { primary: '10.0.0.9:34801', secondaries: [] }], usertable },
    }),
    /placement\.temp\[3\]\.primary: partition temp\.3: node "10\.0\.0\.9:34801" is not a replica server; valid: 0\.\.3 or 10\.0\.0\.2:34801 … 10\.0\.0\.1:34802/,
  );
});

test('deadNodes: nodes -d through the real client lists them UNALIVE; GET /state says so too', async () => {
  const sim = await startSimulatedCluster({
    version: '2.5',
    nodeAddresses: nodes,
    deadNodes: ['10.0.0.3:34801'],
    tables: [{ name: 'temp', partitions: 4, replicas: 3 }],
    livePercentage: 0,
  });
  const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000 });
  const ctx: CommandContext = {
    client,
    profile: { name: 'twin', metaServers: sim.metaServers },
    signal: new AbortController().signal,
    progress: () => undefined,
    confirm: async () => true,
  };
  try {
    const nd = await runCommandLine(reg, ctx, 'nodes -d');
    assert.deepEqual(
      nd.tables[0]!.rows.map((r) => [r[0], r[1]]),
      [
        ['10.0.0.1:34801', 'ALIVE'],
        ['10.0.0.1:34802', 'ALIVE'],
        ['10.0.0.2:34801', 'ALIVE'],
        ['10.0.0.3:34801', 'UNALIVE'],
      ],
    );
    const st = (await (await fetch(`${sim.controlUrl}/state`)).json()) as {
      nodes: { address: string; running: boolean; metaStatus: string }[];
      freeze: { alive: number; dead: number };
    };
    assert.deepEqual(
      st.nodes.find((n) => n.address === '10.0.0.3:34801'),
      { ...st.nodes.find((n) => n.address === '10.0.0.3:34801')!, running: false, metaStatus: 'UNALIVE' },
    );
    assert.deepEqual([st.freeze.alive, st.freeze.dead], [3, 1]);
  } finally {
    client.close();
    await sim.close();
  }
});
