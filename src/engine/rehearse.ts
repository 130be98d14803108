/**
 * Rehearsal: the plan runs first on a simulated twin of the live cluster (same number of alive
 * nodes, the same tables with their partition and replica counts and the live placement, the same
 * threshold, version, replica size and copy rate), through the same engine and node control kind
 * as the real run, on the twin's clock so it takes seconds. Reports the predicted outcome: copies,
 * bytes, simulated duration, partition-seconds without a primary, seconds frozen, settings left.
 *
 * The twin comes through the `RehearsalTwin` port (twin.ts); the twin's placement is compared with
 * the live one and the result reported (`placement`).
 */
import { Journal } from './journal';
import type { ClusterState } from './ports';
import type { PlacementOption, RehearsalTwin } from './twin';
import type { EngineDeps, EngineOptions, OperationResult, OperationSpec } from './types';

export interface RehearsalOptions {
  readonly twin: RehearsalTwin;
  readonly version?: '2.5' | '2.6';
  readonly pct: number;
  readonly minLive?: number;
  readonly replicaSizeMb?: number;
  readonly copyRateMb?: number;
  readonly seed?: number;
  readonly engine?: EngineOptions;
  readonly signal?: AbortSignal;
  /** Start the twin with its own even placement instead of the live one (comparisons, the bench). */
  readonly evenPlacement?: boolean;
}

/** Runs a spec on an engine built from these dependencies (the engine passes itself, so this module needs no engine import). */
export type RunOnTwin = (deps: EngineDeps, spec: OperationSpec, signal?: AbortSignal) => Promise<OperationResult>;

/**
 * The live placement as the twin option: node i is `alive[i]`. Members on nodes the twin does
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
  /** The twin run's error, when it failed. */
  readonly error?: string;
  readonly refusals: OperationResult['refusals'];
  readonly replicasCopied: number;
  readonly bytesCopied: number;
  readonly simulatedSeconds: number;
  readonly partitionSecondsWithoutPrimary: number;
  /** The move_pri role switches of the twin run: each leaves its partition without a primary for a sub-second handover. */
  readonly primarySwitches: number;
  readonly frozenSeconds: number;
  readonly settingsLeft: OperationResult['settingsLeft'];
  /** Live address -> twin address, for reading the twin's numbers. */
  readonly nodeMap: Readonly<Record<string, string>>;
  /** 'live': the twin started with exactly the live members of every partition; 'even': its own placement. */
  readonly placement: 'live' | 'even';
  /** Why 'even': asked for, members on nodes that are not alive (`dropped`), or the twin did not load it exactly. */
  readonly evenBecause?: 'asked' | 'dropped' | 'not-loaded';
  readonly dropped?: number;
  /** The twin's placement before the run, with live addresses (equals the live one when `placement` is 'live'). */
  readonly twinDistribution: Distribution;
  /** What the twin was built with. */
  readonly shape: {
    readonly nodes: number;
    readonly tables: number;
    readonly pct: number;
    readonly minLive: number;
    readonly replicaSizeMb: number;
    readonly copyRateMb: number;
    readonly version: '2.5' | '2.6';
  };
}

type ScaleSpec = Extract<OperationSpec, { op: 'scale-in' | 'scale-out' | 'migrate' }>;

export async function rehearse(live: ClusterState, spec: ScaleSpec, o: RehearsalOptions, runOnTwin: RunOnTwin): Promise<Rehearsal> {
  const alive = live.nodes
    .filter((n) => n.alive)
    .map((n) => n.address)
    .sort();
  const lp = o.evenPlacement ? undefined : livePlacementOption(live, alive);
  const version = o.version ?? '2.6';
  const minLive = o.minLive ?? 3;
  const twin = await o.twin.start({
    version,
    seed: o.seed ?? 1,
    nodes: alive.length,
    tables: live.tables.map((t) => ({ name: t.name, partitions: t.partitions.length, replicas: t.maxReplicaCount })),
    livePercentage: o.pct,
    minLiveNodeCount: minLive,
    ...(o.replicaSizeMb !== undefined ? { replicaSizeMb: o.replicaSizeMb } : {}),
    ...(o.copyRateMb !== undefined ? { copyRateMb: o.copyRateMb } : {}),
    ...(lp ? { placement: lp.placement } : {}),
  });
  try {
    const first = await twin.cluster.readState();
    const twinAddrs = first.nodes.map((n) => n.address).sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1]));
    const nodeMap: Record<string, string> = {};
    alive.forEach((a, i) => (nodeMap[a] = twinAddrs[i]!));
    const map = (xs: readonly string[] | undefined): string[] => (xs ?? []).map((x) => nodeMap[x] ?? x);
    const back = new Map(Object.entries(nodeMap).map(([l, t]) => [t, l]));
    const toLive = (a: string): string => back.get(a) ?? a;
    const twinDistribution = distributionOf(first, toLive);
    const placement: 'live' | 'even' = membersOf(first, toLive) === membersOf(live) ? 'live' : 'even';
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
    const deps: EngineDeps = {
      cluster: twin.cluster,
      control: twin.control,
      journal: Journal.memory(),
      clusterName: 'rehearsal',
      metaServers: twin.metaServers,
      who: 'rehearsal',
      clock: twin.clock,
      options: {
        pollIntervalMs: 2000,
        fdGraceSeconds: version === '2.5' ? 10 : 22,
        ...(o.replicaSizeMb !== undefined ? { replicaSizeBytes: o.replicaSizeMb * 1024 * 1024 } : {}),
        ...(o.copyRateMb !== undefined ? { copyRateMBps: o.copyRateMb } : {}),
        ...o.engine,
      },
    };
    const m0 = twin.metrics();
    const r = await runOnTwin(deps, twinSpec, o.signal);
    const m = twin.metrics();
    const d = (k: keyof typeof m): number => m[k] - m0[k];
    const evenBecause = placement === 'live' ? undefined : o.evenPlacement ? 'asked' : lp && lp.dropped > 0 ? 'dropped' : 'not-loaded';
    return {
      outcome: r.outcome,
      ...(r.error !== undefined ? { error: r.error } : {}),
      refusals: r.refusals,
      replicasCopied: d('replicasCopied'),
      bytesCopied: d('bytesCopied'),
      simulatedSeconds: d('simulatedSeconds'),
      partitionSecondsWithoutPrimary: d('partitionSecondsWithoutPrimary'),
      primarySwitches: r.stats.primariesMoved,
      frozenSeconds: d('frozenSeconds'),
      settingsLeft: r.settingsLeft,
      nodeMap,
      placement,
      ...(evenBecause ? { evenBecause } : {}),
      ...(evenBecause === 'dropped' && lp ? { dropped: lp.dropped } : {}),
      twinDistribution,
      shape: {
        nodes: alive.length,
        tables: live.tables.length,
        pct: o.pct,
        minLive,
        replicaSizeMb: o.replicaSizeMb ?? 1024,
        copyRateMb: o.copyRateMb ?? 100,
        version,
      },
    };
  } finally {
    await twin.close();
  }
}
