/**
 * A deterministic fake cluster for the explorer tests and bench: nodes, tables and partition
 * configurations as the meta would answer them, served by a MetaClientLike fake.
 */
import type { CallOptions, MetaClientLike, RemoteCommandOutcome } from '../../src/cluster/client';
import { parseRemoteCommandOutput } from '../../src/pegasus/remoteCommand';
import type { AppInfo, ClusterInfoResponse, NodeInfo, PartitionConfiguration, QueryCfgResponse } from '../../src/pegasus/types';

export interface FakeClusterSpec {
  nodes: number;
  tables: { name: string; partitions: number; replicas: number }[];
  /** Addresses (index) of nodes the meta lists UNALIVE; their replicas are dropped from configs. */
  unalive?: number[];
  level?: string;
  storedLevel?: number;
  livePercentage?: number;
  blackList?: number[];
}

export const addr = (i: number): string => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}:34801`;

export interface FakeCluster {
  nodes: NodeInfo[];
  apps: AppInfo[];
  configs: Map<string, QueryCfgResponse>;
  clusterInfo: ClusterInfoResponse;
  spec: FakeClusterSpec;
}

export function makeCluster(spec: FakeClusterSpec): FakeCluster {
  const dead = new Set(spec.unalive ?? []);
  const nodes: NodeInfo[] = [];
  for (let i = 0; i < spec.nodes; i++) nodes.push({ status: dead.has(i) ? 2 : 1, address: addr(i) });
  const apps: AppInfo[] = [];
  const configs = new Map<string, QueryCfgResponse>();
  let k = 0;
  spec.tables.forEach((t, ti) => {
    const appId = ti + 1;
    apps.push({
      status: 1,
      appType: 'pegasus',
      appName: t.name,
      appId,
      partitionCount: t.partitions,
      envs: {},
      isStateful: true,
      maxReplicaCount: t.replicas,
      expireSecond: 0,
      createSecond: 0,
      dropSecond: 0,
      initPartitionCount: t.partitions,
    });
    const partitions: PartitionConfiguration[] = [];
    for (let p = 0; p < t.partitions; p++) {
      const members: number[] = [];
      for (let r = 0; r < t.replicas; r++) members.push((k + r) % spec.nodes);
      k++;
      const live = members.filter((m) => !dead.has(m));
      partitions.push({
        pid: { appId, partitionIndex: p },
        ballot: 3 + (p % 5),
        maxReplicaCount: t.replicas,
        primary: live.length > 0 ? addr(live[0]!) : '',
        secondaries: live.slice(1).map(addr),
        lastDrops: [],
        lastCommittedDecree: 100,
        partitionFlags: 0,
      });
    }
    configs.set(t.name, { err: 'ERR_OK', appId, partitionCount: t.partitions, isStateful: true, partitions });
  });
  const clusterInfo: ClusterInfoResponse = {
    err: 'ERR_OK',
    keys: [
      'meta_servers',
      'primary_meta_server',
      'zookeeper_hosts',
      'zookeeper_root',
      'meta_function_level',
      'balance_operation_count',
      'primary_replica_count_stddev',
      'total_replica_count_stddev',
      'cluster_name',
    ],
    values: [
      '127.0.0.1:34601,127.0.0.1:34602',
      '127.0.0.1:34601',
      'zk:2181',
      '/pegasus/onebox',
      spec.level ?? 'steady',
      'move_pri=0,copy_pri=0,copy_sec=0,total=0',
      '0.00',
      '0.00',
      'onebox',
    ],
  };
  return { nodes, apps, configs, clusterInfo, spec };
}

/** Serves a FakeCluster like a meta leader; `fail` makes every call reject (unreachable cluster). */
export class FakeClient implements MetaClientLike {
  readonly metaServers = ['127.0.0.1:34601', '127.0.0.1:34602'];
  fail: Error | undefined;
  calls = 0;
  constructor(
    public cluster: FakeCluster,
    private readonly delay: (o?: CallOptions) => Promise<void> = async () => {},
  ) {}
  private async gate(o?: CallOptions): Promise<void> {
    this.calls++;
    await this.delay(o);
    o?.signal?.throwIfAborted();
    if (this.fail) throw this.fail;
  }
  async listNodes(o?: CallOptions): Promise<NodeInfo[]> {
    await this.gate(o);
    return this.cluster.nodes;
  }
  async listApps(o?: CallOptions): Promise<AppInfo[]> {
    await this.gate(o);
    return this.cluster.apps;
  }
  async queryPartitionConfig(name: string, o?: CallOptions): Promise<QueryCfgResponse> {
    await this.gate(o);
    const r = this.cluster.configs.get(name);
    if (!r) throw Object.assign(new Error('no such table'), { code: 'ERR_OBJECT_NOT_FOUND' });
    return r;
  }
  async clusterInfo(o?: CallOptions): Promise<ClusterInfoResponse> {
    await this.gate(o);
    return this.cluster.clusterInfo;
  }
  async controlMeta(_level: number, o?: CallOptions): Promise<number> {
    await this.gate(o);
    return this.cluster.spec.storedLevel ?? 400;
  }
  async remoteCommand(cmd: string, _args: readonly string[], o?: CallOptions): Promise<RemoteCommandOutcome> {
    await this.gate(o);
    if (cmd === 'meta.live_percentage')
      return parseRemoteCommandOutput(
        JSON.stringify({ error: 'ok', 'meta.live_percentage': String(this.cluster.spec.livePercentage ?? 65) }),
      );
    if (cmd === 'meta.lb.assign_secondary_black_list')
      return parseRemoteCommandOutput(`get ok: ${(this.cluster.spec.blackList ?? []).map(addr).join(',')}`);
    return parseRemoteCommandOutput(`unknown command '${cmd}'`);
  }
  async proposeBalancer(): Promise<void> {
    throw new Error('not in this fake');
  }
}
