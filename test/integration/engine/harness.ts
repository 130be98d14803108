/**
 * The engine against the simulated cluster over real loopback sockets: the wire client
 * (MetaClient), the engine's meta port, simulator node control, and a clock whose sleeps advance
 * the simulator's manual clock (deterministic, fast).
 */
import { MetaClient } from '../../../src/pegasus';
import { startSimulatedCluster, type SimulatedCluster, type StartOptions } from '../../../src/simulator';
import { ScaleEngine, type EngineEvent, type EngineOptions } from '../../../src/engine/engine';
import { Journal } from '../../../src/engine/journal';
import { metaClusterPort } from '../../../src/engine/metaPort';
import { createNodeControl } from '../../../src/engine/nodeControl';
import { abortError, type Clock, type ClusterPort } from '../../../src/engine/ports';

export interface Harness {
  sim: SimulatedCluster;
  client: MetaClient;
  port: ClusterPort;
  engine: ScaleEngine;
  events: EngineEvent[];
  journal: Journal;
  clock: Clock;
  /** Called after every simulated sleep (fault injection at a point of the run; awaited, so it may wait for the client). */
  onSleep?: () => void | Promise<void>;
  metrics(): Record<string, number>;
  close(): Promise<void>;
}

export async function harness(sim: StartOptions, opts: { journal?: Journal; engine?: EngineOptions } = {}): Promise<Harness> {
  const s = await startSimulatedCluster({ seed: 7, replicaSizeMb: 64, copyRateMb: 64, ...sim });
  const client = new MetaClient({ metaServers: s.metaServers, timeoutMs: 3000, attemptTimeoutMs: 1500, retryDelayMs: 20, maxRetryDelayMs: 50 });
  const port = metaClusterPort(client, { simulatorControl: s.controlUrl });
  const events: EngineEvent[] = [];
  const journal = opts.journal ?? Journal.memory();
  const h = {} as Harness;
  const clock: Clock = {
    now: () => s.model.now,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw abortError(signal);
      s.advance(ms / 1000);
      await h.onSleep?.();
      // Let socket I/O run between simulated steps.
      await new Promise((r) => setImmediate(r));
      if (signal?.aborted) throw abortError(signal);
    },
  };
  let known = new Set<string>();
  const trackingPort: ClusterPort = {
    ...port,
    readState: async (signal) => {
      const st = await port.readState(signal);
      known = new Set([...known, ...st.nodes.map((n) => n.address)]);
      return st;
    },
    getSetting: port.getSetting,
    setSetting: port.setSetting,
    propose: port.propose,
    onLeaderChange: port.onLeaderChange,
  };
  const control = createNodeControl({ kind: 'simulator', control: s.controlUrl }, { knownNodes: () => known, metaServers: s.metaServers, tellOperator: () => undefined });
  const engine = new ScaleEngine({
    cluster: trackingPort,
    control: {
      ...control,
      addNode: async (signal) => {
        const a = await control.addNode!(signal);
        known.add(a);
        return a;
      },
    },
    journal,
    clusterName: 'sim',
    metaServers: s.metaServers,
    who: 'test@ci',
    clock,
    onEvent: (e) => events.push(e),
    options: {
      pollIntervalMs: 1000,
      lbIntervalSeconds: 10,
      replicaSizeBytes: 64 * 1024 * 1024,
      copyRateMBps: 64,
      fdGraceSeconds: sim.version === '2.5' ? 10 : 22,
      ...opts.engine,
    },
  });
  Object.assign(h, {
    sim: s,
    client,
    port: trackingPort,
    engine,
    events,
    journal,
    clock,
    metrics: () => s.metrics() as Record<string, number>,
    close: async () => {
      client.close();
      await s.close();
    },
  });
  await trackingPort.readState();
  return h;
}

/** Replicas each node hosts, from the simulator's ground truth. */
export function hostedOn(h: Harness, nodes: readonly string[]): number {
  const st = h.sim.state({ partitions: false }) as { nodes: { address: string; replicas: number }[] };
  return st.nodes.filter((n) => nodes.includes(n.address)).reduce((a, n) => a + n.replicas, 0);
}
