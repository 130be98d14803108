/**
 * The part of the meta client (src/pegasus) that the cluster model and the commands use. Kept as
 * a structural interface so unit tests can pass small fakes; the real `MetaClient` satisfies it.
 */
import type { AppInfo, BalancerRequest, ClusterInfoResponse, NodeInfo, QueryCfgResponse } from '../pegasus/types';
import type { RemoteCommandResult } from '../pegasus/remoteCommand';

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** One remote command's answer, parsed from either dialect (`parseRemoteCommandOutput`). */
export type RemoteCommandOutcome = RemoteCommandResult;

export interface MetaClientLike {
  /** The configured meta servers (host:port). */
  readonly metaServers: readonly string[];
  /** The meta that last answered as leader, when known. */
  readonly leader?: string | undefined;
  listNodes(opts?: CallOptions): Promise<NodeInfo[]>;
  listApps(opts?: CallOptions): Promise<AppInfo[]>;
  /** All partitions of a table (throws a PegasusError with the response's err when not ERR_OK). */
  queryPartitionConfig(appName: string, opts?: CallOptions): Promise<QueryCfgResponse>;
  clusterInfo(opts?: CallOptions): Promise<ClusterInfoResponse>;
  /** Sets the level (or reads it with fl_invalid = 10000); resolves to the old stored level. */
  controlMeta(level: number, opts?: CallOptions): Promise<number>;
  /** Runs a remote command on one server: a meta (any, leader by default) or a replica server. */
  remoteCommand(cmd: string, args: readonly string[], opts?: CallOptions & { address?: string }): Promise<RemoteCommandOutcome>;
  /** Registers (or with `force` sends) a balancer proposal; throws on err ≠ ERR_OK. */
  proposeBalancer(req: BalancerRequest, opts?: CallOptions): Promise<void>;
}
