/**
 * Scale engine outcome benchmark on the simulated cluster (manual clock, real sockets):
 * 20 nodes, 3 tables x 64 partitions x 3 replicas, scale in 4 nodes, side by side:
 *   (a) the documented manual procedure (pegasus.apache.org administration/scale-in-out) as written: steady, black list, assign delay 10, then
 *       kill the processes one by one, waiting for every partition to be healthy in between
 *       (the threshold is not touched: the listed commands do not change it);
 *   (b) the same without the black list;
 *   (c) the engine.
 * Then 10 nodes at pct 65 removing 5: (a) freezes, the engine does not.
 * Then rehearsal faithfulness on a skewed cluster: the twin with the live placement vs the even
 * twin vs the real run.
 * Also times the planner against a floor measured in the same run.
 */
import { MetaClient } from '../src/pegasus';
import { startSimulatedCluster, type SimulatedCluster, type StartOptions } from '../src/simulator';
import type { PlacementOption } from '../src/engine/twin';
import { ScaleEngine } from '../src/engine/engine';
import { Journal } from '../src/engine/journal';
import { metaClusterPort } from '../src/engine/metaPort';
import { nodeLoads, unhealthyPartitions } from '../src/engine/model';
import { planScaleIn } from '../src/engine/plan';
import type { Clock, ClusterPort, SettingName } from '../src/engine/ports';
import { rehearseOnSimulator as rehearse, simulatorClock, trackKnownNodes } from '../src/simulator/twin';
import { measure, report } from './harness';

const REPLICA_MB = 256;
const COPY_MB = 100;
const POLL_S = 2;
/** Give up on a manual run that cannot heal (frozen) after this much simulated time per node. */
const STUCK_LIMIT_S = 1800;

interface Row {
  name: string;
  finished: string;
  copiedRatio: number;
  copied: number;
  hosted: number;
  noPrimary: number;
  frozen: number;
  left: string;
  duration: number;
  /** The engine's plan: predicted copies and seconds. */
  predicted?: string;
}

interface Env {
  sim: SimulatedCluster;
  client: MetaClient;
  port: ClusterPort;
  clock: Clock;
  close(): Promise<void>;
}

async function env(nodes: number, pct: number, tables: number, partitions: number, placement?: PlacementOption): Promise<Env> {
  // Typed optional: `placement` exists only in simulators that load an exact placement.
  const opts: StartOptions & { placement?: PlacementOption } = {
    version: '2.6',
    seed: 11,
    nodes,
    livePercentage: pct,
    replicaSizeMb: REPLICA_MB,
    copyRateMb: COPY_MB,
    tables: Array.from({ length: tables }, (_, i) => ({ name: `t${i + 1}`, partitions, replicas: 3 })),
    ...(placement ? { placement } : {}),
  };
  const sim = await startSimulatedCluster(opts);
  const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000, retryDelayMs: 10, maxRetryDelayMs: 50 });
  const port = metaClusterPort(client);
  return {
    sim,
    client,
    port,
    clock: simulatorClock(sim),
    close: async () => {
      client.close();
      await sim.close();
    },
  };
}

/** The engine on the simulated cluster, as an operator would run it (simulator node control). */
function engineOn(e: Env, nodes: Iterable<string>): ScaleEngine {
  const { cluster, control } = trackKnownNodes(e.sim, e.port, nodes);
  return new ScaleEngine({
    cluster,
    control,
    journal: Journal.memory(),
    clusterName: 'bench',
    metaServers: e.sim.metaServers,
    who: 'bench',
    clock: e.clock,
    options: { pollIntervalMs: POLL_S * 1000, replicaSizeBytes: REPLICA_MB * 1024 * 1024, copyRateMBps: COPY_MB, fdGraceSeconds: 22 },
  });
}

const SETTINGS: SettingName[] = ['meta_level', 'meta.lb.assign_secondary_black_list', 'meta.lb.assign_delay_ms', 'meta.live_percentage'];

async function readSettings(p: ClusterPort): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const s of SETTINGS) out[s] = await p.getSetting(s);
  return out;
}

function diff(a: Record<string, string>, b: Record<string, string>): string {
  const d = SETTINGS.filter((k) => a[k] !== b[k]).map((k) => `${k.replace('meta.lb.', '').replace('meta.', '')}=${b[k] || "''"}`);
  return d.length ? d.join(' ') : 'none';
}

function metrics(e: Env): Record<string, number> {
  return e.sim.metrics() as Record<string, number>;
}

/** (a) and (b): the listed commands, then kill one by one and poll ls -d until healthy. */
async function manual(e: Env, leaving: string[], blackList: boolean): Promise<{ finished: string }> {
  await e.port.setSetting('meta_level', 'steady');
  if (blackList) await e.port.setSetting('meta.lb.assign_secondary_black_list', leaving.join(','));
  await e.port.setSetting('meta.lb.assign_delay_ms', '10');
  for (const [i, node] of leaving.entries()) {
    const idx = e.sim.model.nodes.findIndex((n) => n.address === node);
    e.sim.model.stopNode(idx);
    // Wait a little for the meta to notice, then until every partition is healthy.
    let waited = 0;
    for (;;) {
      await e.clock.sleep(POLL_S * 1000);
      waited += POLL_S;
      const s = await e.port.readState();
      const gone = !s.nodes.find((n) => n.address === node)?.alive;
      if (gone && unhealthyPartitions(s).length === 0) break;
      if (waited > STUCK_LIMIT_S)
        return { finished: `no: stuck after node ${i + 1} (${unhealthyPartitions(s).length} unhealthy, level ${s.effectiveLevel})` };
    }
  }
  return { finished: 'yes' };
}

async function scenario(
  name: string,
  nodes: number,
  pct: number,
  tables: number,
  partitions: number,
  remove: number,
  how: 'a' | 'b' | 'c',
): Promise<Row> {
  const e = await env(nodes, pct, tables, partitions);
  try {
    const s0 = await e.port.readState();
    const leaving = s0.nodes.slice(0, remove).map((n) => n.address);
    const loads = nodeLoads(s0);
    const hosted = leaving.reduce((a, n) => a + (loads.get(n)?.replicas ?? 0), 0);
    const before = await readSettings(e.port);
    const m0 = metrics(e);
    let finished: string;
    let predicted: string | undefined;
    if (how === 'c') {
      const engine = engineOn(
        e,
        s0.nodes.map((n) => n.address),
      );
      const r = await engine.run({ op: 'scale-in', nodes: leaving });
      finished = r.outcome === 'done' ? 'yes' : `no: ${r.outcome}`;
      if (r.plan) predicted = `${r.plan.copies} copies, ${Math.round(r.plan.seconds)} s`;
    } else {
      finished = (await manual(e, leaving, how === 'a')).finished;
    }
    const m = metrics(e);
    const after = await readSettings(e.port);
    const copied = (m.replicasCopied ?? 0) - (m0.replicasCopied ?? 0);
    return {
      name,
      finished,
      copied,
      hosted,
      copiedRatio: hosted ? copied / hosted : 0,
      noPrimary: (m.partitionSecondsWithoutPrimary ?? 0) - (m0.partitionSecondsWithoutPrimary ?? 0),
      frozen: (m.frozenSeconds ?? 0) - (m0.frozenSeconds ?? 0),
      left: diff(before, after),
      duration: (m.simulatedSeconds ?? 0) - (m0.simulatedSeconds ?? 0),
      ...(predicted ? { predicted } : {}),
    };
  } finally {
    await e.close();
  }
}

function table(title: string, rows: Row[]): void {
  console.log(`\n  ${title}`);
  const head = [
    'scenario',
    'finished',
    'copied/hosted',
    'no-primary part-s',
    'frozen s',
    'simulated s',
    'plan predicted',
    'settings left changed',
  ];
  const cells = rows.map((r) => [
    r.name,
    r.finished,
    `${r.copiedRatio.toFixed(2)} (${r.copied}/${r.hosted})`,
    r.noPrimary.toFixed(1),
    r.frozen.toFixed(1),
    r.duration.toFixed(0),
    r.predicted ?? '-',
    r.left,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => '  ' + c.map((x, i) => x.padEnd(w[i]!)).join('  ');
  console.log(line(head));
  for (const c of cells) console.log(line(c));
}

/**
 * A skewed cluster (nodes 0 and 1 hold a replica of every partition, the rest share the others):
 * how close does each rehearsal come to the real scale-in of nodes 0 and 1?
 */
async function rehearsalFaithfulness(): Promise<void> {
  const parts = 64;
  const placement: PlacementOption = {
    t1: Array.from({ length: parts }, (_, i) => ({ primary: i % 2, secondaries: [2 + (i % 4), 6 + (i % 4)] })),
  };
  const e = await env(10, 65, 1, parts, placement);
  try {
    const live = await e.port.readState();
    const leaving = ['127.0.0.1:34801', '127.0.0.1:34802'];
    const hosted = leaving.reduce((a, n) => a + (nodeLoads(live).get(n)?.replicas ?? 0), 0);
    const ro = {
      version: '2.6' as const,
      pct: 65,
      replicaSizeMb: REPLICA_MB,
      copyRateMb: COPY_MB,
      engine: { pollIntervalMs: POLL_S * 1000 },
    };
    const asLive = await rehearse(live, { op: 'scale-in', nodes: leaving }, ro);
    const even = await rehearse(live, { op: 'scale-in', nodes: leaving }, { ...ro, evenPlacement: true });
    const engine = engineOn(
      e,
      live.nodes.map((n) => n.address),
    );
    const m0 = metrics(e);
    const r = await engine.run({ op: 'scale-in', nodes: leaving });
    const m = metrics(e);
    const realCopies = (m.replicasCopied ?? 0) - (m0.replicasCopied ?? 0);
    const realSeconds = (m.simulatedSeconds ?? 0) - (m0.simulatedSeconds ?? 0);
    console.log(
      `\n  rehearsal faithfulness: 10 nodes, 1 table x ${parts} x 3, nodes 0 and 1 hold ${hosted} replicas (even share: ${Math.round((parts * 3 * 2) / 10)}); scale in both`,
    );
    const rows = [
      [
        'twin with the live placement',
        asLive.placement,
        String(asLive.replicasCopied),
        asLive.simulatedSeconds.toFixed(0),
        `${(asLive.replicasCopied / realCopies).toFixed(2)}x copies, ${(asLive.simulatedSeconds / realSeconds).toFixed(2)}x time`,
      ],
      [
        'twin placed evenly',
        even.placement,
        String(even.replicasCopied),
        even.simulatedSeconds.toFixed(0),
        `${(even.replicasCopied / realCopies).toFixed(2)}x copies, ${(even.simulatedSeconds / realSeconds).toFixed(2)}x time`,
      ],
      [`real run (${r.outcome})`, '-', String(realCopies), realSeconds.toFixed(0), '1.00x'],
    ];
    const head = ['prediction', 'placement', 'copies', 'simulated s', 'vs real'];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((c) => c[i]!.length)));
    const line = (c: string[]) => '  ' + c.map((x, i) => x.padEnd(w[i]!)).join('  ');
    console.log(line(head));
    for (const c of rows) console.log(line(c));
  } finally {
    await e.close();
  }
}

export async function run(): Promise<void> {
  const t0 = Date.now();
  const rows: Row[] = [];
  rows.push(await scenario('(a) documented procedure as written', 20, 65, 3, 64, 4, 'a'));
  rows.push(await scenario('(b) same, no black list', 20, 65, 3, 64, 4, 'b'));
  rows.push(await scenario('(c) engine', 20, 65, 3, 64, 4, 'c'));
  table(`20 nodes, 3 tables x 64 partitions x 3 replicas, ${REPLICA_MB} MB replicas, ${COPY_MB} MB/s copy rate: scale in 4 nodes`, rows);
  const frz: Row[] = [];
  frz.push(await scenario('(a) documented procedure as written', 10, 65, 1, 64, 5, 'a'));
  frz.push(await scenario('(c) engine', 10, 65, 1, 64, 5, 'c'));
  table('10 nodes at node_live_percentage 65, 1 table x 64 x 3: scale in 5 nodes', frz);
  console.log(
    `  (c) leaves meta.live_percentage lowered on purpose: restoring 65 with 5 dead nodes counted would freeze the meta; restart-meta clears it.`,
  );
  console.log(`  wall time for the five scenarios: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await rehearsalFaithfulness();

  // Planner speed against a floor in the same run.
  const e = await env(20, 65, 3, 64);
  try {
    const s = await e.port.readState();
    const leaving = s.nodes.slice(0, 4).map((n) => n.address);
    const floor = measure('floor: count replicas per node (nodeLoads)', () => nodeLoads(s));
    const plan = measure('planScaleIn 4 of 20 nodes, 576 replicas', () =>
      planScaleIn(s, leaving, { pct: 65, replicaSizeBytes: REPLICA_MB << 20, copyRateMBps: COPY_MB }),
    );
    console.log('');
    report([floor, plan]);
  } finally {
    await e.close();
  }
}
