/**
 * Rehearsal: the plan runs first on a simulated twin of the live cluster (same number of alive
 * nodes, the same tables with their partition and replica counts, the same threshold, version,
 * replica size and copy rate), through the same engine, wire client and node control kind as the
 * real run, on a manual clock so it takes seconds. Reports the predicted outcome: copies, bytes,
 * simulated duration, partition-seconds without a primary, seconds frozen, settings left.
 *
 * The twin gets the live placement (alive node i in address order = twin node i) through the
 * simulator's `placement` option. The twin's placement is compared with the live one and the result
 * reported (`placement`): replicas on dead nodes cannot be placed, so the twin may differ.
 */
import { MetaClient } from '../pegasus';
import { startSimulatedCluster, type StartOptions } from '../simulator';
import { ScaleEngine, type EngineOptions, type OperationResult, type OperationSpec } from './engine';
import { Journal } from './journal';
import { metaClusterPort } from './metaPort';
import type { ClusterState } from './ports';
import { simulatorClock, trackKnownNodes } from './simulated';

export interface RehearsalOptions {
  readonly version?: '2.5' | '2.6';
  readonly pct: number;
  readonly minLive?: number;
  /** Where min_live came from (read from the meta, or assumed and why), repeated in the assumptions. */
  readonly minLiveNote?: string;
  readonly replicaSizeMb?: number;
  readonly copyRateMb?: number;
  readonly seed?: number;
  readonly engine?: EngineOptions;
  readonly signal?: AbortSignal;
  /** Tests: wraps the simulator start (to see the options the twin gets). */
  readonly start?: typeof startSimulatedCluster;
}

/** The simulator's `placement` option as the engine fills it: per table, per partition, members by node index. */
export type PlacementOption = Record<string, { primary: number | null; secondaries: number[] }[]>;

/**
 * The live placement as the simulator option: node i is `alive[i]`. Members on nodes the twin does
 * not have (dead ones) are left out; the second value counts them.
 */
export function livePlacementOption(live: ClusterState, alive: readonly string[]): { placement: PlacementOption; dropped: number } {
  const idx = new Map(alive.map((a, i) => [a, i]));
  let dropped = 0;
  const placement: PlacementOption = {};
  for (const t of live.tables) {
    placement[t.name] = [...t.partitions]
      .sort((a, b) => a.pidx - b.pidx)
      .map((p) => {
        const primary = p.primary !== null && idx.has(p.primary) ? idx.get(p.primary)! : null;
        if (p.primary !== null && primary === null) dropped++;
        const secondaries: number[] = [];
        for (const s of p.secondaries) {
          const i = idx.get(s);
          if (i === undefined) dropped++;
          else secondaries.push(i);
        }
        return { primary, secondaries };
      });
  }
  return { placement, dropped };
}

/** Per node (by live address) and table: primaries and replicas — what "the same placement" means. */
export type Distribution = Record<string, Record<string, { primaries: number; replicas: number }>>;

export function distributionOf(s: ClusterState, rename: (address: string) => string = (a) => a): Distribution {
  const out: Distribution = {};
  for (const t of s.tables) {
    for (const p of t.partitions) {
      const members = [...(p.primary ? [p.primary] : []), ...p.secondaries];
      for (const m of members) {
        const node = (out[rename(m)] ??= {});
        const c = (node[t.name] ??= { primaries: 0, replicas: 0 });
        c.replicas++;
        if (m === p.primary) c.primaries++;
      }
    }
  }
  return out;
}

/** Exact member sets per partition (primary first), with twin addresses renamed to live ones. */
function membersOf(s: ClusterState, rename: (address: string) => string = (a) => a): string {
  return JSON.stringify(
    [...s.tables]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => [
        t.name,
        [...t.partitions]
          .sort((a, b) => a.pidx - b.pidx)
          .map((p) => [p.primary ? rename(p.primary) : null, [...p.secondaries].map(rename).sort()]),
      ]),
  );
}

export interface Rehearsal {
  readonly outcome: OperationResult['outcome'];
  readonly message: string;
  readonly replicasCopied: number;
  readonly bytesCopied: number;
  readonly simulatedSeconds: number;
  readonly partitionSecondsWithoutPrimary: number;
  /** Where those seconds come from, in words (move_pri role switches, normally). */
  readonly noPrimaryExplained: string;
  readonly frozenSeconds: number;
  readonly settingsLeft: OperationResult['settingsLeft'];
  /** Live address -> twin address, for reading the twin's numbers. */
  readonly nodeMap: Readonly<Record<string, string>>;
  readonly assumptions: readonly string[];
  readonly summary: string;
  /** 'live': the twin started with exactly the live members of every partition; 'even': the simulator's own placement. */
  readonly placement: 'live' | 'even';
  /** The twin's placement before the run, with live addresses (equals the live one when `placement` is 'live'). */
  readonly twinDistribution: Distribution;
}

type ScaleSpec = Extract<OperationSpec, { op: 'scale-in' | 'scale-out' | 'migrate' }>;

export async function rehearse(live: ClusterState, spec: ScaleSpec, o: RehearsalOptions): Promise<Rehearsal> {
  const alive = live.nodes
    .filter((n) => n.alive)
    .map((n) => n.address)
    .sort();
  const lp = livePlacementOption(live, alive);
  const startOpts: StartOptions = {
    version: o.version ?? '2.6',
    seed: o.seed ?? 1,
    nodes: alive.length,
    tables: live.tables.map((t) => ({ name: t.name, partitions: t.partitions.length, replicas: t.maxReplicaCount })),
    livePercentage: o.pct,
    minLiveNodeCount: o.minLive ?? 3,
    ...(o.replicaSizeMb !== undefined ? { replicaSizeMb: o.replicaSizeMb } : {}),
    ...(o.copyRateMb !== undefined ? { copyRateMb: o.copyRateMb } : {}),
    placement: lp.placement,
  };
  const sim = await (o.start ?? startSimulatedCluster)(startOpts);
  const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000, retryDelayMs: 20, maxRetryDelayMs: 100 });
  try {
    const base = metaClusterPort(client, { simulatorControl: sim.controlUrl });
    const twin = await base.readState();
    const twinAddrs = twin.nodes.map((n) => n.address).sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1]));
    const nodeMap: Record<string, string> = {};
    alive.forEach((a, i) => (nodeMap[a] = twinAddrs[i]!));
    const map = (xs: readonly string[] | undefined): string[] => (xs ?? []).map((x) => nodeMap[x] ?? x);
    const back = new Map(Object.entries(nodeMap).map(([l, t]) => [t, l]));
    const toLive = (a: string): string => back.get(a) ?? a;
    const twinDistribution = distributionOf(twin, toLive);
    const placement: 'live' | 'even' = membersOf(twin, toLive) === membersOf(live) ? 'live' : 'even';
    const twinSpec: OperationSpec =
      spec.op === 'scale-in'
        ? { op: 'scale-in', nodes: map(spec.nodes) }
        : spec.op === 'scale-out'
          ? {
              op: 'scale-out',
              count: (spec.nodes?.length ?? 0) + (spec.count ?? 0),
              ...(spec.rebalance !== undefined ? { rebalance: spec.rebalance } : {}),
            }
          : { op: 'migrate', from: map(spec.from), count: (spec.to?.length ?? 0) + (spec.count ?? 0) };
    const { cluster, control } = trackKnownNodes(sim, base, twinAddrs);
    const engine = new ScaleEngine({
      cluster,
      control,
      journal: Journal.memory(),
      clusterName: 'rehearsal',
      metaServers: sim.metaServers,
      who: 'rehearsal',
      clock: simulatorClock(sim),
      options: {
        pollIntervalMs: 2000,
        fdGraceSeconds: (o.version ?? '2.6') === '2.5' ? 10 : 22,
        ...(o.replicaSizeMb !== undefined ? { replicaSizeBytes: o.replicaSizeMb * 1024 * 1024 } : {}),
        ...(o.copyRateMb !== undefined ? { copyRateMBps: o.copyRateMb } : {}),
        ...o.engine,
      },
    });
    const m0 = sim.metrics() as Record<string, number>;
    const r = await engine.run(twinSpec, o.signal ? { signal: o.signal } : {});
    const m = sim.metrics() as Record<string, number>;
    const d = (k: string): number => (m[k] ?? 0) - (m0[k] ?? 0);
    const noPri = d('partitionSecondsWithoutPrimary');
    const switches = r.stats.primariesMoved;
    // Each move_pri is a role switch: its partition has no primary for a sub-second handover. Say
    // so, or an operator reads "seconds without a primary" as "the tool drops primaries".
    const noPrimaryExplained =
      noPri <= 0
        ? 'no partition was ever without a primary'
        : switches > 0 && noPri / switches < 2
          ? `${noPri.toFixed(1)} partition-second(s) without a primary come from the ${switches} move_pri role switch(es) (about ${(noPri / switches).toFixed(2)} s each: the old primary steps down, the secondary takes over); no primary was lost`
          : `${noPri.toFixed(1)} partition-second(s) without a primary, more than ${switches} move_pri role switch(es) explain: check the rehearsal's log for a primary lost with a stopped node`;
    const out = {
      noPrimaryExplained,
      outcome: r.outcome,
      message: r.message,
      replicasCopied: d('replicasCopied'),
      bytesCopied: d('bytesCopied'),
      simulatedSeconds: d('simulatedSeconds'),
      partitionSecondsWithoutPrimary: d('partitionSecondsWithoutPrimary'),
      frozenSeconds: d('frozenSeconds'),
      settingsLeft: r.settingsLeft,
      nodeMap,
      assumptions: [
        placement === 'live'
          ? `twin: ${alive.length} nodes, ${live.tables.length} table(s) with the live placement (every partition's primary and secondaries as they are now)`
          : `twin: ${alive.length} nodes, ${live.tables.length} table(s) with the live partition and replica counts, placed evenly by the simulator (not the live placement: ${
              lp.dropped > 0 ? `${lp.dropped} replica(s) sit on nodes that are not alive` : 'the simulator did not load it exactly'
            })`,
        noPrimaryExplained,
        ...(o.minLiveNote ? [o.minLiveNote] : []),
        `pct ${o.pct}, min_live ${o.minLive ?? 3}, replica size ${o.replicaSizeMb ?? 1024} MB, copy rate ${o.copyRateMb ?? 100} MB/s, version ${o.version ?? '2.6'}`,
      ],
    };
    return {
      ...out,
      placement,
      twinDistribution,
      summary:
        `rehearsal ${r.outcome}: ${out.replicasCopied} replicas copied (${Math.round(out.bytesCopied / 1024 / 1024)} MB) in ${Math.round(out.simulatedSeconds)} simulated s; ` +
        `partition-seconds without primary ${out.partitionSecondsWithoutPrimary.toFixed(1)} (${noPrimaryExplained}); frozen ${out.frozenSeconds.toFixed(1)} s` +
        (r.settingsLeft.length
          ? `; left changed: ${r.settingsLeft.map((s) => `${s.name}=${s.value}`).join(', ')}`
          : '; no setting left changed') +
        (placement === 'live' ? '; twin with the live placement' : '; twin placed evenly (not the live placement)'),
    };
  } finally {
    client.close();
    await sim.close();
  }
}
