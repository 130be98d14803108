/** Hand-made meta answers and a fake meta client for the cluster and command unit tests. */
import type { MetaClientLike, CallOptions } from '../../src/cluster/client';
import { parseRemoteCommandOutput } from '../../src/pegasus/remoteCommand';
import type {
  AppInfo,
  BalancerRequest,
  ClusterInfoResponse,
  NodeInfo,
  PartitionConfiguration,
  QueryCfgResponse,
} from '../../src/pegasus/types';
import { PegasusError } from '../../src/pegasus/errors';

export function node(address: string, alive = true, hp?: string): NodeInfo {
  return { status: alive ? 1 : 2, address, ...(hp ? { hpAddress: hp } : {}) };
}

export function app(appId: number, appName: string, partitionCount: number, extra: Partial<AppInfo> = {}): AppInfo {
  return {
    status: 1,
    appType: 'pegasus',
    appName,
    appId,
    partitionCount,
    envs: {},
    isStateful: true,
    maxReplicaCount: 3,
    expireSecond: 0,
    createSecond: 0,
    dropSecond: 0,
    initPartitionCount: -1,
    ...extra,
  };
}

export function pc(
  appId: number,
  pidx: number,
  primary: string,
  secondaries: string[],
  max = 3,
  extra: Partial<PartitionConfiguration> = {},
): PartitionConfiguration {
  return {
    pid: { appId, partitionIndex: pidx },
    ballot: 3,
    maxReplicaCount: max,
    primary,
    secondaries,
    lastDrops: [],
    lastCommittedDecree: 0,
    partitionFlags: 0,
    ...extra,
  };
}

export function cfg(appId: number, parts: PartitionConfiguration[]): QueryCfgResponse {
  return { err: 'ERR_OK', appId, partitionCount: parts.length, isStateful: true, partitions: parts };
}

export function clusterInfo(entries: Record<string, string>): ClusterInfoResponse {
  return { err: 'ERR_OK', keys: Object.keys(entries), values: Object.values(entries) };
}

export const N1 = '10.0.0.1:34801';
export const N2 = '10.0.0.2:34801';
export const N3 = '10.0.0.3:34801';
export const N4 = '10.0.0.4:34801';

export interface FakeState {
  nodes: NodeInfo[];
  apps: AppInfo[];
  configs: Record<string, QueryCfgResponse>;
  clusterInfo: ClusterInfoResponse;
  storedLevel: number;
  /** Remote command answers of the metas, by `cmd args` or `cmd`. */
  remote: Record<string, string>;
  /** The same for replica servers (any address that is not a meta); they do not know meta commands. */
  replicaRemote?: Record<string, string>;
}

export interface FakeCalls {
  queries: string[];
  maxInFlight: number;
  levels: number[];
  proposals: BalancerRequest[];
  remote: { cmd: string; args: readonly string[]; address?: string }[];
}

/** A small in-memory meta; `delayMs` makes every call wait (for concurrency checks). */
export function fakeClient(
  state: FakeState,
  opts: { delayMs?: number; failTables?: Record<string, string> } = {},
): MetaClientLike & { calls: FakeCalls } {
  const calls: FakeCalls = { queries: [], maxInFlight: 0, levels: [], proposals: [], remote: [] };
  let inFlight = 0;
  const wait = async (o?: CallOptions) => {
    o?.signal?.throwIfAborted();
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    o?.signal?.throwIfAborted();
  };
  return {
    calls,
    metaServers: ['127.0.0.1:34601', '127.0.0.1:34602'],
    leader: '127.0.0.1:34601',
    async listNodes(o) {
      await wait(o);
      return state.nodes;
    },
    async listApps(o) {
      await wait(o);
      return state.apps;
    },
    async queryPartitionConfig(name, o) {
      calls.queries.push(name);
      inFlight++;
      calls.maxInFlight = Math.max(calls.maxInFlight, inFlight);
      try {
        await wait(o);
        const fail = opts.failTables?.[name];
        if (fail) throw new PegasusError(fail, `query ${name}`, { kind: 'app' });
        const r = state.configs[name];
        if (!r) throw new PegasusError('ERR_OBJECT_NOT_FOUND', `no table ${name}`, { kind: 'app' });
        return r;
      } finally {
        inFlight--;
      }
    },
    async clusterInfo(o) {
      await wait(o);
      return state.clusterInfo;
    },
    async controlMeta(level, o) {
      await wait(o);
      calls.levels.push(level);
      const old = state.storedLevel;
      if (level !== 10000) state.storedLevel = level;
      return old;
    },
    async remoteCommand(cmd, args, o) {
      await wait(o);
      calls.remote.push({ cmd, args, ...(o?.address ? { address: o.address } : {}) });
      if (o?.address === 'down:1') throw new PegasusError('ERR_NETWORK_FAILURE', 'connect refused', { kind: 'transport' });
      const key = [cmd, ...args].join(' ');
      const answers = o?.address === undefined || this.metaServers.includes(o.address) ? state.remote : (state.replicaRemote ?? {});
      return parseRemoteCommandOutput(answers[key] ?? answers[cmd] ?? `unknown command '${cmd}'`);
    },
    async proposeBalancer(req, o) {
      await wait(o);
      calls.proposals.push(req);
    },
  };
}

/** 4 nodes (N4 dead), table `temp` (id 2, 4 partitions) with one partition of each kind, table `t1` healthy. */
export function smallCluster(): FakeState {
  return {
    nodes: [node(N1), node(N2), node(N3), node(N4, false)],
    apps: [app(2, 'temp', 4), app(1, 't1', 2), app(3, 'gone', 8, { status: 6, dropSecond: 1_700_000_000, expireSecond: 1_700_604_800 })],
    configs: {
      temp: cfg(2, [
        pc(2, 0, N1, [N2, N3]), // healthy
        pc(2, 1, N2, [N3]), // writable but ill (2 of 3)
        pc(2, 2, '', [N1]), // unreadable (no primary)
        pc(2, 3, N3, []), // unwritable (1 of 3)
      ]),
      t1: cfg(1, [pc(1, 0, N1, [N2, N3]), pc(1, 1, N2, [N1, N3])]),
    },
    clusterInfo: clusterInfo({
      meta_servers: '127.0.0.1:34601,127.0.0.1:34602',
      primary_meta_server: '127.0.0.1:34601',
      zookeeper_hosts: '127.0.0.1:2181',
      zookeeper_root: '/pegasus/onebox',
      meta_function_level: 'steady',
      balance_operation_count: 'move_pri=0,copy_pri=0,copy_sec=0,total=0',
      primary_replica_count_stddev: '0.47',
      total_replica_count_stddev: '0.94',
      cluster_name: 'onebox',
    }),
    storedLevel: 400,
    remote: {
      'meta.live_percentage': '50',
      'meta.lb.assign_secondary_black_list': 'get ok: ',
      'meta.lb.assign_delay_ms': '300000',
      'meta.lb.assign_delay_ms 10': 'OK',
    },
    replicaRemote: { 'server-info': 'Pegasus Server 2.5.0 (fixture) Release, Started at 2026-01-01 00:00:00' },
  };
}
