/**
 * The engine against the simulated cluster over real loopback sockets: the wire client
 * (MetaClient), the engine's meta port, simulator node control, and a clock whose sleeps advance
 * the simulator's manual clock (deterministic, fast).
 */
import { MetaClient } from '../../src/pegasus';
import { startSimulatedCluster, type SimulatedCluster, type StartOptions } from '../../src/simulator';
import { ScaleEngine, type EngineEvent, type EngineOptions } from '../../src/engine/engine';
import { Journal } from '../../src/engine/journal';
import { metaClusterPort } from '../../src/engine/metaPort';
import type { Clock, ClusterPort, NodeControl } from '../../src/engine/ports';
import { createNodeControl } from '../../src/engine/nodeControl';
import { simulatorClock, trackKnownNodes } from '../../src/simulator/twin';

export interface Harness {
  sim: SimulatedCluster;
  client: MetaClient;
  port: ClusterPort;
  engine: ScaleEngine;
  events: EngineEvent[];
  journal: Journal;
  clock: Clock;
  /** The node control the engine was given (the simulator's, or a command one). */
  control: NodeControl;
  /** Called after every simulated sleep (fault injection at a point of the run; awaited, so it may wait for the client). */
  onSleep?: () => void | Promise<void>;
  metrics(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * Node control that is not the simulator's: the `command` kind, whose argv (run without a shell)
 * posts to the simulator's control API from a child process, as an operator's own script would.
 */
export function commandControl(controlUrl: string, known: () => ReadonlySet<string>, metaServers: readonly string[]): NodeControl {
  const script =
    "fetch(process.argv[1] + '/nodes/' + encodeURIComponent(process.argv[2]) + '/' + process.argv[3], { method: 'POST' })" +
    '.then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(2))';
  const argv = (what: string) => [process.execPath, '-e', script, controlUrl, '{address}', what];
  return createNodeControl(
    { kind: 'command', stop: argv('stop'), start: argv('start') },
    { knownNodes: known, metaServers, tellOperator: () => {} },
  );
}

export async function harness(
  sim: StartOptions,
  opts: { journal?: Journal; engine?: EngineOptions; control?: 'simulator' | 'command' } = {},
): Promise<Harness> {
  const s = await startSimulatedCluster({ seed: 7, replicaSizeMb: 64, copyRateMb: 64, ...sim });
  const client = new MetaClient({
    metaServers: s.metaServers,
    timeoutMs: 3000,
    attemptTimeoutMs: 1500,
    retryDelayMs: 20,
    maxRetryDelayMs: 50,
  });
  const port = metaClusterPort(client);
  const events: EngineEvent[] = [];
  const journal = opts.journal ?? Journal.memory();
  const h = {} as Harness;
  const clock = simulatorClock(s, () => h.onSleep?.());
  // The nodes become known with the first state read (below).
  const { cluster: tracked, control: simControl } = trackKnownNodes(s, port);
  const known = new Set<string>();
  const trackingPort: ClusterPort = {
    ...tracked,
    readState: async (signal) => {
      const st = await tracked.readState(signal);
      for (const n of st.nodes) known.add(n.address);
      return st;
    },
  };
  const control = opts.control === 'command' ? commandControl(s.controlUrl, () => known, s.metaServers) : simControl;
  const engine = new ScaleEngine({
    cluster: trackingPort,
    control,
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
    control,
    metrics: () => s.metrics() as Record<string, number>,
    close: async () => {
      client.close();
      await s.close();
    },
  });
  await trackingPort.readState();
  return h;
}

/** Has the engine reported `step` (e.g. `127.0.0.1:34801:replicas`) as started? */
export function stepStarted(h: Harness, step: string): boolean {
  return h.events.some((e) => e.kind === 'step' && e.step === step && e.status === 'started');
}

/**
 * Kill the meta leader once, at the first simulated sleep after `step` started (a fault at a known
 * point of the run). Returns when it happened, in simulated seconds (-1: not yet).
 */
export function killLeaderWhenStarted(h: Harness, step: string): () => number {
  let killedAt = -1;
  h.onSleep = () => {
    if (killedAt >= 0 || !stepStarted(h, step)) return;
    killedAt = h.sim.model.now / 1000;
    h.sim.model.killLeader();
  };
  return () => killedAt;
}

/** Replicas each node hosts, from the simulator's ground truth. */
export function hostedOn(h: Harness, nodes: readonly string[]): number {
  const st = h.sim.state({ partitions: false }) as { nodes: { address: string; replicas: number }[] };
  return st.nodes.filter((n) => nodes.includes(n.address)).reduce((a, n) => a + n.replicas, 0);
}
