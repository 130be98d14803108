/**
 * The engine driven against the in-process simulator (the rehearsal twin, the bench, the
 * integration harness): a clock whose sleeps advance the simulator's manual clock, and a port and
 * node control that know every node the simulator has listed.
 */
import type { SimulatedCluster } from '../simulator';
import { createNodeControl } from './nodeControl';
import { abortError, type Clock, type ClusterPort, type NodeControl } from './ports';

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
