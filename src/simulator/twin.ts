/**
 * The engine driven against the in-process simulator: the rehearsal twin the engine's
 * `RehearsalTwin` port asks for, a clock whose sleeps advance the simulator's manual clock, and a
 * port and node control that know every node the simulator has listed (also used by the bench and
 * the integration harness).
 */
import { MetaClient } from '../pegasus';
import { metaClusterPort } from '../engine/metaPort';
import { createNodeControl } from '../engine/nodeControl';
import { ScaleEngine } from '../engine/engine';
import { abortError, type Clock, type ClusterPort, type ClusterState, type NodeControl } from '../engine/ports';
import { rehearse, type Rehearsal, type RehearsalOptions } from '../engine/rehearse';
import type { RehearsalTwin, Twin, TwinMetrics, TwinShape } from '../engine/twin';
import { startSimulatedCluster, type SimulatedCluster, type StartOptions } from './index';

/**
 * Simulated time: `now` is the simulator's, a sleep advances it. `afterAdvance` runs after every
 * advance (fault injection at a point of a run; awaited).
 */
export function simulatorClock(sim: Pick<SimulatedCluster, 'model' | 'advance'>, afterAdvance?: () => void | Promise<void>): Clock {
  return {
    now: () => sim.model.now,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw abortError(signal);
      sim.advance(ms / 1000);
      await afterAdvance?.();
      // Let socket I/O run between simulated steps.
      await new Promise((r) => setImmediate(r));
      if (signal?.aborted) throw abortError(signal);
    },
  };
}

/**
 * `port` with simulator node control. The control acts only on known nodes (it refuses any other
 * address): those in `initial`, every node a state read has listed, and every node it added.
 */
export function trackKnownNodes(
  sim: Pick<SimulatedCluster, 'controlUrl' | 'metaServers'>,
  port: ClusterPort,
  initial: Iterable<string> = [],
): { cluster: ClusterPort; control: NodeControl } {
  const known = new Set(initial);
  const cluster: ClusterPort = {
    ...port,
    readState: async (signal) => {
      const st = await port.readState(signal);
      for (const n of st.nodes) known.add(n.address);
      return st;
    },
  };
  const ctl = createNodeControl(
    { kind: 'simulator', control: sim.controlUrl },
    { knownNodes: () => known, metaServers: sim.metaServers, tellOperator: () => undefined },
  );
  const control: NodeControl = {
    ...ctl,
    addNode: async (signal) => {
      const a = await ctl.addNode!(signal);
      known.add(a);
      return a;
    },
  };
  return { cluster, control };
}

const METRICS: readonly (keyof TwinMetrics)[] = [
  'replicasCopied',
  'bytesCopied',
  'simulatedSeconds',
  'partitionSecondsWithoutPrimary',
  'frozenSeconds',
];

/** The rehearsal twin on the in-process simulator (manual clock: a rehearsal takes seconds). `start` wraps the simulator start (tests). */
export function simulatorTwin(o: { start?: (opts: StartOptions) => Promise<SimulatedCluster> } = {}): RehearsalTwin {
  return {
    async start(shape: TwinShape): Promise<Twin> {
      const sim = await (o.start ?? startSimulatedCluster)({
        version: shape.version,
        seed: shape.seed,
        nodes: shape.nodes,
        tables: shape.tables.map((t) => ({ ...t })),
        livePercentage: shape.livePercentage,
        minLiveNodeCount: shape.minLiveNodeCount,
        ...(shape.replicaSizeMb !== undefined ? { replicaSizeMb: shape.replicaSizeMb } : {}),
        ...(shape.copyRateMb !== undefined ? { copyRateMb: shape.copyRateMb } : {}),
        ...(shape.placement ? { placement: shape.placement } : {}),
      });
      const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000, retryDelayMs: 20, maxRetryDelayMs: 100 });
      const base = metaClusterPort(client);
      const first = await base.readState();
      const { cluster, control } = trackKnownNodes(
        sim,
        base,
        first.nodes.map((n) => n.address),
      );
      return {
        metaServers: sim.metaServers,
        cluster,
        control,
        clock: simulatorClock(sim),
        metrics: () => {
          const m = sim.metrics() as Record<string, number>;
          return Object.fromEntries(METRICS.map((k) => [k, m[k] ?? 0])) as unknown as TwinMetrics;
        },
        close: async () => {
          client.close();
          await sim.close();
        },
      };
    },
  };
}

/** A rehearsal of `spec` on a simulator twin of `live`, through a scale engine (the bench and tests, which hold a state, not an engine). */
export function rehearseOnSimulator(
  live: ClusterState,
  spec: Parameters<typeof rehearse>[1],
  o: Omit<RehearsalOptions, 'twin'> & { start?: (opts: StartOptions) => Promise<SimulatedCluster> },
): Promise<Rehearsal> {
  const { start, ...rest } = o;
  return rehearse(live, spec, { ...rest, twin: simulatorTwin(start ? { start } : {}) }, (deps, twinSpec, signal) =>
    new ScaleEngine(deps).run(twinSpec, signal ? { signal } : {}),
  );
}
