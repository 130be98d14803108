/**
 * The rehearsal twin as the engine sees it: a port that starts a simulated copy of a cluster's
 * shape and hands back what an engine needs to run on it. The engine never builds one itself;
 * whoever wires the engine (CLI, runbook host, extension, tests) passes an implementation
 * (the simulator's is src/simulator/twin.ts).
 */
import type { Clock, ClusterPort, NodeControl } from './ports';

/** Per table name, per partition index: the members by twin node index (the live placement to copy). */
export type PlacementOption = Record<string, { primary: number | null; secondaries: number[] }[]>;

export interface TwinShape {
  readonly version: '2.5' | '2.6';
  readonly seed: number;
  readonly nodes: number;
  readonly tables: readonly { readonly name: string; readonly partitions: number; readonly replicas: number }[];
  readonly livePercentage: number;
  readonly minLiveNodeCount: number;
  readonly replicaSizeMb?: number;
  readonly copyRateMb?: number;
  /** Omitted: the twin places replicas evenly on its own. */
  readonly placement?: PlacementOption;
}

/** Counters of the twin since it started (simulated seconds, copies, seconds without a primary or frozen). */
export interface TwinMetrics {
  readonly replicasCopied: number;
  readonly bytesCopied: number;
  readonly simulatedSeconds: number;
  readonly partitionSecondsWithoutPrimary: number;
  readonly frozenSeconds: number;
}

export interface Twin {
  readonly metaServers: readonly string[];
  readonly cluster: ClusterPort;
  readonly control: NodeControl;
  /** The twin's own (simulated) time: a sleep advances it. */
  readonly clock: Clock;
  metrics(): TwinMetrics;
  close(): Promise<void>;
}

export interface RehearsalTwin {
  start(shape: TwinShape): Promise<Twin>;
}
