import type { ClusterProfile } from '../../cluster/profile';
import type { ClusterSnapshot } from '../../cluster/snapshot';
import type { MetaClient } from '../../pegasus/metaClient';

export interface RegisteredCluster {
  readonly profile: ClusterProfile;
  /** Started by "Start Simulated Cluster" (not from settings); gone when VS Code stops. */
  readonly simulated: boolean;
  /** The cluster's meta client; shared, never close it. */
  readonly client: MetaClient;
}

/** Payload of `onDidRefresh`: a complete snapshot just read from a cluster. */
export interface ClusterRefreshEvent {
  /** The cluster's name (as in `pegasus.clusters`, or "simulated"). */
  readonly name: string;
  /** Complete (`snapshot.complete === true`); treat as read-only, it is shared with the explorer. */
  readonly snapshot: ClusterSnapshot;
}

export interface SimulatedClusterOptions {
  /** Replica servers (default 5). */
  nodes?: number;
  /** `name:partitions:replicas,…` (default: the simulator's). */
  tables?: string;
  pegasusVersion?: '2.5' | '2.6';
  /** Simulated seconds per wall second (default 1: failure detection takes as long as for real). */
  timeScale?: number;
  seed?: number;
  /** Run it inside the extension host (default) or as a `pegasus-ops sim` child process. */
  process?: 'inProcess' | 'child';
}
