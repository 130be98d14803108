/**
 * A minimal fixture meta cluster for the protocol tests (loopback, port 0). Each meta decodes
 * request frames with our codec and answers as a leader or a follower (ERR_FORWARD_TO_OTHERS with the leader); tests can override any
 * reply (raw bytes, silence, close mid-frame). Not the simulator: just enough to exercise the client.
 */
import * as net from 'node:net';
import {
  decodeArgs,
  decodeRequest,
  encodeErrorResponse,
  encodeResponse,
  FrameReader,
  RPC,
  RPC_BY_NAME,
  type AppInfo,
  type NodeInfo,
  type PartitionConfiguration,
  type RequestFrame,
  type WireVersion,
} from '../../src/pegasus';

export type Reply =
  | { kind: 'default' }
  | { kind: 'resp'; resp: unknown }
  | { kind: 'raw'; bytes: Buffer; thenClose?: boolean }
  | { kind: 'silent' }
  /** `bytes` a `chunk` at a time, one every `everyMs` (a slow or stalling meta). */
  | { kind: 'drip'; bytes: Buffer; everyMs: number; chunk?: number }
  /** A TCP reset instead of an answer. */
  | { kind: 'reset' }
  | { kind: 'error'; errorName: string };

export interface Incoming {
  meta: number;
  name: string;
  seqid: number;
  args: unknown;
  frame: RequestFrame;
}

export interface ClusterState {
  version: WireVersion;
  leader: number | undefined;
  level: number;
  /** Replies ERR_SERVICE_NOT_ACTIVE this many more times on the leader. */
  notActive: number;
  nodes: NodeInfo[];
  apps: AppInfo[];
  partitions: Map<string, PartitionConfiguration[]>;
  assignDelayMs: number;
  /** Each meta's process start time, as `server-info` reports it (change one to fake a restart). */
  startedAt: string[];
  /** Hook consulted first for every request. */
  override?: (req: Incoming) => Reply | Promise<Reply>;
  received: Incoming[];
}

export interface FixtureCluster {
  addresses: string[];
  state: ClusterState;
  /** Closes every server and every accepted socket. */
  close(): Promise<void>;
  /** Stops one meta (its listener and its connections): later connects are refused. */
  closeMeta(i: number): Promise<void>;
}

export function sampleApp(name: string, appId: number, partitionCount: number, version: WireVersion): AppInfo {
  const a: AppInfo = {
    status: 1,
    appType: 'pegasus',
    appName: name,
    appId,
    partitionCount,
    envs: { 'replica.deny_client_request': 'timeout*write' },
    isStateful: true,
    maxReplicaCount: 3,
    expireSecond: 0,
    createSecond: 1_700_000_000,
    dropSecond: 0,
    duplicating: false,
    initPartitionCount: partitionCount,
    isBulkLoading: false,
  };
  if (version === '2.6') a.atomicIdempotent = false;
  return a;
}

export function samplePartitions(appId: number, count: number, version: WireVersion): PartitionConfiguration[] {
  return Array.from({ length: count }, (_, i) => {
    const p: PartitionConfiguration = {
      pid: { appId, partitionIndex: i },
      ballot: 3 + i,
      maxReplicaCount: 3,
      primary: `10.0.0.${(i % 3) + 1}:34801`,
      secondaries: [`10.0.0.${((i + 1) % 3) + 1}:34801`, `10.0.0.${((i + 2) % 3) + 1}:34801`],
      lastDrops: [],
      lastCommittedDecree: 1000 + i,
      partitionFlags: 0,
    };
    if (version === '2.6') {
      p.hpPrimary = `node${(i % 3) + 1}:34801`;
      p.hpSecondaries = [`node${((i + 1) % 3) + 1}:34801`, `node${((i + 2) % 3) + 1}:34801`];
      p.hpLastDrops = [];
    }
    return p;
  });
}

export async function startFixtureCluster(n: number, version: WireVersion, leader: number | undefined): Promise<FixtureCluster> {
  const state: ClusterState = {
    version,
    leader,
    level: 400,
    notActive: 0,
    nodes: [1, 2, 3].map((i) => {
      const node: NodeInfo = { status: i === 3 ? 2 : 1, address: `10.0.0.${i}:34801` };
      if (version === '2.6') node.hpAddress = `node${i}:34801`;
      return node;
    }),
    apps: [sampleApp('temp', 2, 8, version)],
    partitions: new Map([['temp', samplePartitions(2, 8, version)]]),
    assignDelayMs: 300000,
    startedAt: Array.from({ length: n }, (_, i) => `2026-11-26 10:00:0${i}`),
    received: [],
  };
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const socketMeta = new Map<net.Socket, number>();
  const closedMetas = new Set<number>();
  const addresses: string[] = [];
  for (let i = 0; i < n; i++) {
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socketMeta.set(socket, i);
      socket.on('close', () => {
        sockets.delete(socket);
        socketMeta.delete(socket);
      });
      socket.on('error', () => undefined);
      const reader = new FrameReader('request');
      socket.on('data', (chunk: Buffer) => {
        let frames: Buffer[];
        try {
          frames = reader.push(chunk);
        } catch {
          socket.destroy(); // as the real server: malformed framing closes the connection
          return;
        }
        for (const f of frames) void handle(i, socket, f);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    addresses.push(`127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  }

  async function handle(meta: number, socket: net.Socket, frame: Buffer): Promise<void> {
    const rf = decodeRequest(frame);
    const rpc = RPC_BY_NAME.get(rf.name);
    const args = rpc ? decodeArgs(rpc, rf) : undefined;
    const req: Incoming = { meta, name: rf.name, seqid: rf.seqid, args, frame: rf };
    state.received.push(req);
    const reply: Reply = state.override ? await state.override(req) : { kind: 'default' };
    if (socket.destroyed) return;
    if (reply.kind === 'silent') return;
    if (reply.kind === 'reset') {
      socket.resetAndDestroy();
      return;
    }
    if (reply.kind === 'drip') {
      const step = reply.chunk ?? 1;
      let at = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || at >= reply.bytes.length) return clearInterval(timer);
        socket.write(reply.bytes.subarray(at, at + step));
        at += step;
      }, reply.everyMs);
      socket.once('close', () => clearInterval(timer));
      return;
    }
    if (reply.kind === 'raw') {
      socket.write(reply.bytes);
      if (reply.thenClose) socket.end(() => socket.destroy());
      return;
    }
    if (reply.kind === 'error' || !rpc) {
      socket.write(encodeErrorResponse(rf.name, rf.seqid, reply.kind === 'error' ? reply.errorName : 'ERR_HANDLER_NOT_FOUND'));
      return;
    }
    const resp = reply.kind === 'resp' ? reply.resp : defaultReply(meta, rf.name, args);
    socket.write(encodeResponse(rpc, resp, { seqid: rf.seqid, version: state.version }));
  }

  function defaultReply(meta: number, name: string, args: unknown): unknown {
    const isLeader = state.leader === meta;
    if (name === RPC.remoteCommand.name) return remoteCommand(isLeader, meta, args as { cmd: string; arguments: string[] });
    if (!isLeader) {
      const err = 'ERR_FORWARD_TO_OTHERS';
      switch (name) {
        case RPC.listNodes.name:
        case RPC.listApps.name:
          return { err, infos: [] };
        case RPC.queryConfig.name: {
          const partitions: PartitionConfiguration[] = [];
          if (state.leader !== undefined) {
            const p: PartitionConfiguration = {
              pid: { appId: 0, partitionIndex: 0 },
              ballot: 0,
              maxReplicaCount: 0,
              primary: addresses[state.leader]!,
              secondaries: [],
              lastDrops: [],
              lastCommittedDecree: 0,
              partitionFlags: 0,
            };
            if (state.version === '2.6') p.hpPrimary = addresses[state.leader]!;
            partitions.push(p);
          }
          return { err, appId: 0, partitionCount: 0, isStateful: false, partitions };
        }
        case RPC.clusterInfo.name:
          return { err, keys: [], values: [] };
        case RPC.controlMeta.name:
          return { err, oldLevel: 0 };
        case RPC.proposeBalancer.name:
          // The app lookup comes before the leader check, and a follower holds no apps.
          return { err: state.version === '2.5' ? 'ERR_INVALID_PARAMETERS' : 'ERR_APP_NOT_EXIST' };
      }
    }
    if (state.notActive > 0) {
      state.notActive--;
      const err = 'ERR_SERVICE_NOT_ACTIVE';
      if (name === RPC.queryConfig.name) return { err, appId: 0, partitionCount: 0, isStateful: false, partitions: [] };
      if (name === RPC.controlMeta.name) return { err, oldLevel: 0 };
      if (name === RPC.clusterInfo.name) return { err, keys: [], values: [] };
      return { err, infos: [] };
    }
    switch (name) {
      case RPC.listNodes.name: {
        const status = (args as { status: number }).status;
        return { err: 'ERR_OK', infos: state.nodes.filter((x) => status === 0 || x.status === status) };
      }
      case RPC.listApps.name:
        return { err: 'ERR_OK', infos: state.apps };
      case RPC.queryConfig.name: {
        const q = args as { appName: string; partitionIndices: number[] };
        const app = state.apps.find((a) => a.appName === q.appName);
        const parts = state.partitions.get(q.appName);
        if (!app || !parts) return { err: 'ERR_OBJECT_NOT_FOUND', appId: 0, partitionCount: 0, isStateful: false, partitions: [] };
        const valid = q.partitionIndices.filter((i) => i >= 0 && i < parts.length);
        return {
          err: 'ERR_OK',
          appId: app.appId,
          partitionCount: parts.length,
          isStateful: true,
          partitions: valid.length ? valid.map((i) => parts[i]!) : parts,
        };
      }
      case RPC.clusterInfo.name: {
        const keys = [
          'meta_servers',
          'primary_meta_server',
          'zookeeper_hosts',
          'zookeeper_root',
          'meta_function_level',
          'balance_operation_count',
          'primary_replica_count_stddev',
          'total_replica_count_stddev',
          'cluster_name',
        ];
        const values = [
          addresses.join(','),
          addresses[meta]!,
          'zk1:2181',
          '/pegasus/fixture',
          'steady',
          'move_pri=0,copy_pri=0,copy_sec=0,total=0',
          '0.00',
          '0.00',
          'fixture',
        ];
        return { err: 'ERR_OK', keys, values };
      }
      case RPC.controlMeta.name: {
        const old = state.level;
        const level = (args as { level: number }).level;
        if (level !== 10000) state.level = level;
        return { err: 'ERR_OK', oldLevel: old };
      }
      case RPC.proposeBalancer.name: {
        const q = args as { gpid: { appId: number; partitionIndex: number } };
        const app = state.apps.find((a) => a.appId === q.gpid.appId);
        if (!app) return { err: state.version === '2.5' ? 'ERR_INVALID_PARAMETERS' : 'ERR_APP_NOT_EXIST' };
        return { err: q.gpid.partitionIndex < app.partitionCount ? 'ERR_OK' : 'ERR_INVALID_PARAMETERS' };
      }
    }
    throw new Error(`fixture: no default for ${name}`);
  }

  function remoteCommand(isLeader: boolean, meta: number, c: { cmd: string; arguments: string[] }): string {
    const json = state.version === '2.6';
    if (c.cmd === 'server-info') {
      const started = state.startedAt[meta]!;
      return json
        ? JSON.stringify({ index: String(meta), role: 'meta', start_time: started })
        : `Pegasus Server 2.5.0 (fixture ${meta}) Release, Started at ${started}`;
    }
    if (c.cmd !== 'meta.lb.assign_delay_ms' || !isLeader) return `unknown command '${c.cmd}'`;
    if (c.arguments.length === 0)
      return json
        ? JSON.stringify({ error: 'ok', 'meta.lb.assign_delay_ms': String(state.assignDelayMs) }, null, 2)
        : String(state.assignDelayMs);
    const v = Number(c.arguments[0]);
    if (!Number.isInteger(v) || v <= 0)
      return json ? `{\n  "error": "ERR: invalid argument '${c.arguments[0]}', the value is not acceptable"\n}` : 'ERR: invalid arguments';
    state.assignDelayMs = v;
    return json ? '{\n  "error": "ok"\n}' : 'OK';
  }

  return {
    addresses,
    state,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.filter((_, i) => !closedMetas.has(i)).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
    closeMeta: async (i) => {
      if (closedMetas.has(i)) return;
      closedMetas.add(i);
      for (const [s, m] of socketMeta) if (m === i) s.destroy();
      await new Promise<void>((resolve) => servers[i]!.close(() => resolve()));
    },
  };
}

/** Runs `fn` against a fresh fixture cluster and closes it afterwards, whatever happens. */
export async function withCluster(
  n: number,
  version: WireVersion,
  leader: number | undefined,
  fn: (c: FixtureCluster) => Promise<void>,
): Promise<void> {
  const c = await startFixtureCluster(n, version, leader);
  try {
    await fn(c);
  } finally {
    await c.close();
  }
}

/** A port on loopback that nothing listens on. */
export async function closedPort(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `127.0.0.1:${port}`;
}
