/**
 * Explorer refresh at scale: a simulated cluster with 1,000 nodes, 100 tables and 100,000
 * partitions on loopback. Side by side in one run:
 *  - floor: the same RPCs with the same concurrency, decoded, nothing built;
 *  - refresh: fetchSnapshot (the model, built once) as the explorer runs it;
 *  - first paint: time until the top level (cluster, meta, nodes, tables items) can be drawn;
 *  - lazy children: expanding the nodes folder, one node's replicas, one table's partitions;
 *  - retained memory of the floor's responses vs the snapshot.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fetchSnapshot } from '../src/cluster/fetch';
import type { ClusterSnapshot } from '../src/cluster/snapshot';
import { ExplorerController } from '../src/extension/explorer/controller';
import { childrenOf, itemOf, type ClusterViewState, type TreeContext } from '../src/extension/explorer/treeModel';
import { MetaClient } from '../src/pegasus/metaClient';
import { MetaFunctionLevel } from '../src/pegasus/types';
import { startSimulatedCluster } from '../src/simulator';
import { measure, report, type Measurement } from './harness';

const NODES = 1000;
const TABLES = 100;
const PARTITIONS_PER_TABLE = 1000;
const CONCURRENCY = 16;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** The floor: every RPC a refresh issues, same concurrency, responses decoded and kept, no model. */
async function fetchOnly(client: MetaClient): Promise<unknown[]> {
  const keep: unknown[] = [];
  const side = Promise.all([
    client.clusterInfo(),
    client.controlMeta(MetaFunctionLevel.fl_invalid),
    client.remoteCommand('meta.live_percentage', []),
    client.remoteCommand('meta.lb.assign_secondary_black_list', []),
  ]);
  const [nodes, apps] = await Promise.all([client.listNodes(), client.listApps()]);
  keep.push(nodes, apps);
  await pool(
    apps.filter((a) => a.status === 1).map((a) => a.appName),
    CONCURRENCY,
    async (name) => {
      keep.push(await client.queryPartitionConfig(name));
    },
  );
  keep.push(await side);
  return keep;
}

function view(snapshot: ClusterSnapshot): TreeContext {
  const c: ClusterViewState = {
    name: 'bench',
    metaServers: [],
    production: false,
    simulated: true,
    active: true,
    status: { kind: 'ok' },
    snapshot,
    leaving: new Set(),
  };
  return { clusters: [c], settingsProblems: [] };
}

/** Renders the items VS Code would draw for an element's children. */
function render(ctx: TreeContext, e: Parameters<typeof childrenOf>[1]): number {
  let n = 0;
  for (const c of childrenOf(ctx, e)) {
    itemOf(ctx, c);
    n++;
  }
  return n;
}

async function retained(fn: () => Promise<unknown>): Promise<{ bytes: number; value: unknown }> {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const value = await fn();
  gc();
  gc();
  return { bytes: process.memoryUsage().heapUsed - before, value };
}

export async function run(): Promise<void> {
  const tables = Array.from({ length: TABLES }, (_, i) => ({
    name: `table_${String(i).padStart(3, '0')}`,
    partitions: PARTITIONS_PER_TABLE,
    replicas: 3,
  }));
  const t0 = performance.now();
  const sim = await startSimulatedCluster({ nodes: NODES, tables, timeScale: 0 });
  console.log(
    `  simulated cluster: ${NODES} nodes, ${TABLES} tables, ${(TABLES * PARTITIONS_PER_TABLE).toLocaleString('en-US')} partitions (started in ${(performance.now() - t0).toFixed(0)} ms); concurrency ${CONCURRENCY}`,
  );
  const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 60_000 });
  try {
    // The three are interleaved round by round so a load change on the shared machine hits all alike.
    const ROUNDS = 7;
    const times: Record<'floor' | 'refresh' | 'controller' | 'paint', number[]> = { floor: [], refresh: [], controller: [], paint: [] };
    const controllerRefresh = async (): Promise<void> => {
      const start = performance.now();
      let painted = 0;
      const ctl: ExplorerController = new ExplorerController({
        intervalMs: 0,
        concurrency: CONCURRENCY,
        onChange: (name) => {
          if (!name || painted) return;
          const ctx = ctl.context([]);
          if (!ctx.clusters[0]?.snapshot) return;
          render(ctx, undefined);
          render(ctx, { kind: 'cluster', cluster: 'bench' });
          painted = performance.now() - start;
        },
      });
      ctl.setClusters([{ name: 'bench', metaServers: sim.metaServers, production: false, simulated: true, client }], 'bench');
      await ctl.idle();
      ctl.dispose();
      times.controller.push(performance.now() - start);
      times.paint.push(painted);
    };
    await fetchOnly(client); // warm-up
    await fetchSnapshot(client, { concurrency: CONCURRENCY });
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      await fetchOnly(client);
      times.floor.push(performance.now() - t);
      t = performance.now();
      await fetchSnapshot(client, { concurrency: CONCURRENCY });
      times.refresh.push(performance.now() - t);
      await controllerRefresh();
    }
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const m = (name: string, xs: number[]): Measurement => ({ name, medianMs: med(xs), runs: xs.length });
    const floor = m('floor: same RPCs, decoded, nothing built', times.floor);
    const refresh = m('refresh: fetchSnapshot (model built once)', times.refresh);
    const ctlM = m('explorer refresh (controller, first paint, rendering)', times.controller);
    const paintMs = m('first paint (top level drawn, partitions still loading)', times.paint);
    report([floor, refresh, ctlM, paintMs]);
    console.log(
      `  refresh / floor = ${(refresh.medianMs / floor.medianMs).toFixed(2)}x, explorer refresh / floor = ${(ctlM.medianMs / floor.medianMs).toFixed(2)}x (aim ≤ 1.5x); first paint after ${paintMs.medianMs.toFixed(0)} ms of a ${ctlM.medianMs.toFixed(0)} ms refresh`,
    );

    // Lazy children, on the complete model.
    const snap = await fetchSnapshot(client, { concurrency: CONCURRENCY });
    const ctx = view(snap);
    const node = snap.nodes[0]!;
    const lazy: Measurement[] = [
      measure(
        'render the top level (cluster, meta, nodes, tables)',
        () => render(ctx, undefined) + render(ctx, { kind: 'cluster', cluster: 'bench' }),
      ),
      measure(`expand Nodes (${NODES} node items)`, () => render(ctx, { kind: 'nodes', cluster: 'bench' })),
      measure(`expand Tables (${TABLES} table items)`, () => render(ctx, { kind: 'tables', cluster: 'bench' })),
      measure(`expand one table (health groups)`, () => render(ctx, { kind: 'table', cluster: 'bench', table: tables[0]!.name })),
      measure(`expand its healthy group (${PARTITIONS_PER_TABLE} partition items)`, () =>
        render(ctx, { kind: 'healthGroup', cluster: 'bench', table: tables[0]!.name, health: 0 }),
      ),
    ];
    const fresh = await fetchSnapshot(client, { concurrency: CONCURRENCY });
    const t1 = performance.now();
    const firstReplicas = render(view(fresh), { kind: 'node', cluster: 'bench', address: fresh.nodes[0]!.address });
    const firstNodeMs = performance.now() - t1;
    lazy.push(
      measure(`expand one node (${node.replicaCount} replica items, index built)`, () =>
        render(ctx, { kind: 'node', cluster: 'bench', address: node.address }),
      ),
    );
    for (const m of lazy) console.log(`  ${m.name.padEnd(60)} ${m.medianMs.toFixed(3).padStart(9)} ms  (${m.runs} runs)`);
    console.log(
      `  first expansion of a node (builds the node → replica index once): ${firstNodeMs.toFixed(1)} ms for ${firstReplicas} items`,
    );

    // Retained memory: the floor keeps the decoded responses; the refresh keeps the snapshot.
    const memFloor = await retained(() => fetchOnly(client));
    const memSnap = await retained(() => fetchSnapshot(client, { concurrency: CONCURRENCY }));
    const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
    console.log(
      `  retained heap: floor (decoded responses) ${mb(memFloor.bytes)}, snapshot ${mb(memSnap.bytes)} → ${(memSnap.bytes / memFloor.bytes).toFixed(2)}x`,
    );
    void memFloor.value;
    void memSnap.value;
  } finally {
    client.close();
    await sim.close();
  }
}
