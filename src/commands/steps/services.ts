/**
 * What the engine steps need from their host (notebook, `pegasus-ops run`, `pegasus-ops exec`),
 * handed over in `CommandContext.services.steps`, and how a step builds the scale engine from it.
 * Hosts know nothing about the engine: they say where the journal lives and whether to resume.
 */
import { Journal } from '../../engine/journal';
import { createNodeControl } from '../../engine/nodeControl';
import { ScaleEngine, type EngineEvent, type EngineOptions, type RehearsalTwin } from '../../engine/engine';
import type { ClusterPort, ClusterState } from '../../engine/ports';
import { metaClusterPort } from '../../engine/metaPort';
import { zookeeperLease } from '../../cluster/zkLease';
import type { CommandContext } from '../types';

export interface StepServices {
  /** The journal (run log) file; a journal kept in memory when absent (`exec`). */
  readonly journalPath?: string;
  /** Continue the journal's unfinished run of the same operation instead of refusing. */
  readonly resume?: boolean;
  /** user@host recorded in the journal. */
  readonly who?: string;
  readonly engineOptions?: EngineOptions;
  /** Replaces the wire adapter (tests). */
  readonly clusterPort?: ClusterPort;
  /** Told of every engine event, besides the step's own progress. */
  readonly onEngineEvent?: (e: EngineEvent) => void;
  /** Starts the simulated twin `plan --rehearse` runs on (the host wires the simulator's). */
  readonly rehearsalTwin?: RehearsalTwin;
}

declare module '../types' {
  interface CommandServices {
    steps?: StepServices;
  }
}

export interface EngineHandle {
  readonly engine: ScaleEngine;
  readonly port: ClusterPort;
  readonly journal: Journal;
}

/** The engine for one step run, wired to the context's client, profile, journal and progress. */
export function engineFor(
  ctx: CommandContext,
  onEvent: (e: EngineEvent) => void,
  operationNodes: readonly string[] = [],
  fromFlags: EngineOptions = {},
): EngineHandle {
  const s = ctx.services?.steps ?? {};
  // Bytes copied come from the replica servers' learning counters (readReplicaData), never from a simulator's own metrics.
  const port = s.clusterPort ?? metaClusterPort(ctx.client);
  const journal = s.journalPath ? Journal.open(s.journalPath) : Journal.memory();
  // Node control may only touch addresses the cluster lists or the operation names (checked by the engine).
  let known = new Set<string>(operationNodes);
  const control = createNodeControl(ctx.profile.nodeControl, {
    knownNodes: () => known,
    metaServers: ctx.profile.metaServers,
    tellOperator: (message) => onEvent({ kind: 'operator', message }),
  });
  const trackingPort: ClusterPort = {
    readState: async (signal) => {
      const st: ClusterState = await port.readState(signal);
      known = new Set([...known, ...st.nodes.map((n) => n.address)]);
      return st;
    },
    getSetting: (n, sig) => port.getSetting(n, sig),
    setSetting: (n, v, sig) => port.setSetting(n, v, sig),
    propose: (p, sig) => port.propose(p, sig),
    onLeaderChange: (l) => port.onLeaderChange(l),
    // Optional capabilities pass through unchanged: without them the engine would fall back to
    // estimates (bytes), its own HTTP read (min_live) and no background leader check.
    ...(port.readReplicaData
      ? { readReplicaData: (nodes: readonly string[], sig?: AbortSignal) => port.readReplicaData!(nodes, sig) }
      : {}),
    ...(port.replicaCommand
      ? {
          replicaCommand: (node: string, command: string, args: readonly string[], sig?: AbortSignal) =>
            port.replicaCommand!(node, command, args, sig),
        }
      : {}),
    ...(port.readMinLive ? { readMinLive: (leader: string, sig?: AbortSignal) => port.readMinLive!(leader, sig) } : {}),
    ...(port.watchLeader
      ? { watchLeader: (o: { readonly intervalMs: number; readonly signal?: AbortSignal }) => port.watchLeader!(o) }
      : {}),
  };
  const engine = new ScaleEngine({
    cluster: trackingPort,
    control,
    journal,
    clusterName: ctx.profile.name,
    metaServers: ctx.profile.metaServers,
    ...(s.who ? { who: s.who } : {}),
    ...(s.rehearsalTwin ? { twin: s.rehearsalTwin } : {}),
    ...(ctx.profile.zookeeper ? { lease: zookeeperLease(ctx.profile.zookeeper) } : {}),
    onEvent: (e) => {
      onEvent(e);
      s.onEngineEvent?.(e);
    },
    // The cell's own flags (--keep-margin, --replica-size, --copy-rate) win over the host's options.
    ...(s.engineOptions || Object.keys(fromFlags).length ? { options: { ...s.engineOptions, ...fromFlags } } : {}),
  });
  return { engine, port: trackingPort, journal };
}

/** Adds addresses the operation names (new nodes) to what node control may touch. */
export function operationAddresses(spec: {
  nodes?: readonly string[];
  from?: readonly string[];
  to?: readonly string[];
  node?: string;
}): string[] {
  return [...(spec.nodes ?? []), ...(spec.from ?? []), ...(spec.to ?? []), ...(spec.node ? [spec.node] : [])];
}
