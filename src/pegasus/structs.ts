/**
 * Hand-written encoders/decoders for every meta struct (both directions, so the simulator's server
 * and our client share them). Dispatch is on (struct, field id): placeholder-typed fields (gpid,
 * rpc_address, host_port, error_code) are decoded by their real payload whatever the type byte
 * says; ordinary fields with an unexpected type byte are skipped like any thrift reader does.
 */
import { type CountBound, ThriftReader, ThriftWriter, TType } from './thrift';
import type {
  AppInfo,
  BalancerRequest,
  BalancerResponse,
  ClusterInfoRequest,
  ClusterInfoResponse,
  ControlMetaRequest,
  ControlMetaResponse,
  ListAppsRequest,
  ListAppsResponse,
  ListNodesRequest,
  ListNodesResponse,
  NodeInfo,
  PartitionConfiguration,
  ProposalAction,
  QueryCfgRequest,
  QueryCfgResponse,
  RemoteCommandRequest,
  RequestMetaV1,
} from './types';

/** Which server generation's field set to emit. '2.5' drops master-only fields; '2.6' (master) writes every field that is present. */
export type WireVersion = '2.5' | '2.6';
export interface EncodeOptions {
  version?: WireVersion;
}
const masterFields = (o: EncodeOptions | undefined): boolean => o?.version !== '2.5';

const { BOOL, I32, I64, STRING, STRUCT, MAP, LIST } = TType;

// ---------- decode bounds ----------
// Every announced count is checked against the bytes left for its elements' minimum real size and
// against a plausible maximum, before anything is allocated (see ThriftReader.checkCount). The
// maxima sit one to two orders of magnitude above the largest real clusters, so only a reply that
// is not from a Pegasus meta (or is corrupted) reaches them.

/** Replica servers in one cluster: the largest deployments run a few hundred. */
const MAX_NODES = 10_000;
/** Tables in list_apps (dropped ones kept until expiry included): real clusters hold hundreds to a few thousand. */
const MAX_TABLES = 100_000;
/** Partitions of one table: real tables have up to a few thousand (a split doubles the count). */
const MAX_PARTITIONS = 65_536;
/** Addresses in one partition's secondaries or last_drops: max_replica_count is 3 to 5 in practice. */
const MAX_REPLICA_ADDRESSES = 1_024;
/** Envs of one table, cluster_info entries, remote command arguments: tens in practice. */
const MAX_KEYED_ENTRIES = 10_000;
/** Actions of one balancer proposal: a handful in practice. */
const MAX_ACTIONS = 1_024;

// Minimum wire sizes: field header 3 bytes, i32 4, i64 / rpc_address / gpid 8, empty string 4,
// invalid host_port 7 (empty host, port, type), STOP 1. Each struct counts only the fields every
// server generation writes, so a lower bound holds for all of them.
const RPC_ADDRESS_BYTES = 8;
const HOST_PORT_MIN_BYTES = 7;
const STRING_MIN_BYTES = 4;
/** node_info: status (i32) and address (rpc_address), STOP. */
const NODE_INFO_MIN_BYTES = 3 + 4 + 3 + 8 + 1;
/** partition_configuration: pid (gpid) and ballot (i64), STOP. */
const PARTITION_MIN_BYTES = 3 + 8 + 3 + 8 + 1;
/** app_info: app_name (string), app_id and partition_count (i32), STOP. */
const APP_INFO_MIN_BYTES = 3 + 4 + 3 + 4 + 3 + 4 + 1;
/** configuration_proposal_action: target and node (rpc_address), type (i32), STOP. */
const PROPOSAL_ACTION_MIN_BYTES = 3 + 8 + 3 + 8 + 3 + 4 + 1;

const bound = (field: string, minElemBytes: number, max: number): CountBound => ({ field, minElemBytes, max });
const NODES = bound('list_nodes.infos', NODE_INFO_MIN_BYTES, MAX_NODES);
const TABLES = bound('list_apps.infos', APP_INFO_MIN_BYTES, MAX_TABLES);
const PARTITIONS = bound('query_cfg.partitions', PARTITION_MIN_BYTES, MAX_PARTITIONS);
const PARTITION_INDICES = bound('query_cfg.partition_indices', 4, MAX_PARTITIONS);
const SECONDARIES = bound('partition_configuration.secondaries', RPC_ADDRESS_BYTES, MAX_REPLICA_ADDRESSES);
const LAST_DROPS = bound('partition_configuration.last_drops', RPC_ADDRESS_BYTES, MAX_REPLICA_ADDRESSES);
const HP_SECONDARIES = bound('partition_configuration.hp_secondaries', HOST_PORT_MIN_BYTES, MAX_REPLICA_ADDRESSES);
const HP_LAST_DROPS = bound('partition_configuration.hp_last_drops', HOST_PORT_MIN_BYTES, MAX_REPLICA_ADDRESSES);
const ENVS = bound('app_info.envs', 2 * STRING_MIN_BYTES, MAX_KEYED_ENTRIES);
const INFO_KEYS = bound('cluster_info.keys', STRING_MIN_BYTES, MAX_KEYED_ENTRIES);
const INFO_VALUES = bound('cluster_info.values', STRING_MIN_BYTES, MAX_KEYED_ENTRIES);
const COMMAND_ARGS = bound('command.arguments', STRING_MIN_BYTES, MAX_KEYED_ENTRIES);
const ACTIONS = bound('balancer_request.action_list', PROPOSAL_ACTION_MIN_BYTES, MAX_ACTIONS);

// ---------- small helpers ----------

function readAddrList(r: ThriftReader, b: CountBound): string[] {
  const n = r.listCount(b);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = r.rpcAddress();
  return out;
}
function readHostPortList(r: ThriftReader, b: CountBound): string[] {
  const n = r.listCount(b);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = r.hostPort();
  return out;
}
function readStringList(r: ThriftReader, t: number, b: CountBound): string[] {
  if (t !== LIST) {
    r.skip(t);
    return [];
  }
  const { elemType, count } = r.listBegin(b);
  if (elemType !== STRING) r.fail(`list<string> with element type ${elemType}`);
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = r.string();
  return out;
}
function writeAddrList(w: ThriftWriter, id: number, list: readonly string[]): void {
  w.field(LIST, id);
  w.list(STRUCT, list.length);
  for (const a of list) w.rpcAddress(a);
}
function writeHostPortList(w: ThriftWriter, id: number, list: readonly string[]): void {
  w.field(LIST, id);
  w.list(STRUCT, list.length);
  for (const a of list) w.hostPort(a);
}
function writeStringList(w: ThriftWriter, id: number, list: readonly string[]): void {
  w.field(LIST, id);
  w.list(STRING, list.length);
  for (const s of list) w.string(s);
}
function writeErr(w: ThriftWriter, err: string): void {
  w.field(STRUCT, 1);
  w.errorCode(err);
}
const i32Or = (r: ThriftReader, t: number, d: number): number => (t === I32 ? r.i32() : (r.skip(t), d));
const i64Or = (r: ThriftReader, t: number, d: number): number => (t === I64 ? r.i64() : (r.skip(t), d));
const boolOr = (r: ThriftReader, t: number, d: boolean): boolean => (t === BOOL ? r.bool() : (r.skip(t), d));
const strOr = (r: ThriftReader, t: number, d: string): string => (t === STRING ? r.string() : (r.skip(t), d));

/** Reads a list<STRUCT> field with a per-element reader (count checked against `b`); other types are skipped. */
function readStructList<T>(r: ThriftReader, t: number, b: CountBound, read: (r: ThriftReader) => T): T[] {
  if (t !== LIST) {
    r.skip(t);
    return [];
  }
  const n = r.listCount(b);
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = read(r);
  return out;
}

// ---------- partition_configuration ----------

export function readPartitionConfiguration(r: ThriftReader): PartitionConfiguration {
  let pid = { appId: 0, partitionIndex: 0 };
  let ballot = 0;
  let maxReplicaCount = 0;
  let primary = '';
  let secondaries: string[] = [];
  let lastDrops: string[] = [];
  let lastCommittedDecree = 0;
  let partitionFlags = 0;
  let hpPrimary: string | undefined;
  let hpSecondaries: string[] | undefined;
  let hpLastDrops: string[] | undefined;
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        pid = r.gpid();
        break;
      case 2:
        ballot = i64Or(r, t, 0);
        break;
      case 3:
        maxReplicaCount = i32Or(r, t, 0);
        break;
      case 4:
        primary = r.rpcAddress();
        break;
      case 5:
        secondaries = readAddrList(r, SECONDARIES);
        break;
      case 6:
        lastDrops = readAddrList(r, LAST_DROPS);
        break;
      case 7:
        lastCommittedDecree = i64Or(r, t, 0);
        break;
      case 8:
        partitionFlags = i32Or(r, t, 0);
        break;
      case 9:
        hpPrimary = r.hostPort();
        break;
      case 10:
        hpSecondaries = readHostPortList(r, HP_SECONDARIES);
        break;
      case 11:
        hpLastDrops = readHostPortList(r, HP_LAST_DROPS);
        break;
      default:
        r.skip(t);
    }
  }
  const pc: PartitionConfiguration = { pid, ballot, maxReplicaCount, primary, secondaries, lastDrops, lastCommittedDecree, partitionFlags };
  if (hpPrimary !== undefined) pc.hpPrimary = hpPrimary;
  if (hpSecondaries !== undefined) pc.hpSecondaries = hpSecondaries;
  if (hpLastDrops !== undefined) pc.hpLastDrops = hpLastDrops;
  return pc;
}

export function writePartitionConfiguration(w: ThriftWriter, pc: PartitionConfiguration, o?: EncodeOptions): void {
  w.field(STRUCT, 1);
  w.gpid(pc.pid.appId, pc.pid.partitionIndex);
  w.field(I64, 2);
  w.i64(pc.ballot);
  w.field(I32, 3);
  w.i32(pc.maxReplicaCount);
  w.field(STRUCT, 4);
  w.rpcAddress(pc.primary);
  writeAddrList(w, 5, pc.secondaries);
  writeAddrList(w, 6, pc.lastDrops);
  w.field(I64, 7);
  w.i64(pc.lastCommittedDecree);
  w.field(I32, 8);
  w.i32(pc.partitionFlags);
  if (masterFields(o)) {
    if (pc.hpPrimary !== undefined) {
      w.field(STRUCT, 9);
      w.hostPort(pc.hpPrimary);
    }
    if (pc.hpSecondaries !== undefined) writeHostPortList(w, 10, pc.hpSecondaries);
    if (pc.hpLastDrops !== undefined) writeHostPortList(w, 11, pc.hpLastDrops);
  }
  w.stop();
}

// ---------- node_info ----------

export function readNodeInfo(r: ThriftReader): NodeInfo {
  let status = 0;
  let address = '';
  let hpAddress: string | undefined;
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        status = i32Or(r, t, 0);
        break;
      case 2:
        address = r.rpcAddress();
        break;
      case 3:
        hpAddress = r.hostPort();
        break;
      default:
        r.skip(t);
    }
  }
  return hpAddress === undefined ? { status, address } : { status, address, hpAddress };
}

export function writeNodeInfo(w: ThriftWriter, n: NodeInfo, o?: EncodeOptions): void {
  w.field(I32, 1);
  w.i32(n.status);
  w.field(STRUCT, 2);
  w.rpcAddress(n.address);
  if (masterFields(o) && n.hpAddress !== undefined) {
    w.field(STRUCT, 3);
    w.hostPort(n.hpAddress);
  }
  w.stop();
}

// ---------- app_info ----------

export function readAppInfo(r: ThriftReader): AppInfo {
  const a: AppInfo = {
    status: 0,
    appType: '',
    appName: '',
    appId: 0,
    partitionCount: 0,
    envs: {},
    isStateful: false,
    maxReplicaCount: 0,
    expireSecond: 0,
    createSecond: 0,
    dropSecond: 0,
    initPartitionCount: -1,
  };
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        a.status = i32Or(r, t, 0);
        break;
      case 2:
        a.appType = strOr(r, t, '');
        break;
      case 3:
        a.appName = strOr(r, t, '');
        break;
      case 4:
        a.appId = i32Or(r, t, 0);
        break;
      case 5:
        a.partitionCount = i32Or(r, t, 0);
        break;
      case 6: {
        if (t !== MAP) {
          r.skip(t);
          break;
        }
        const { keyType, valueType, count } = r.mapBegin(ENVS);
        if (keyType !== STRING || valueType !== STRING) r.fail(`envs map<${keyType},${valueType}> is not map<string,string>`);
        const envs: Record<string, string> = {};
        for (let i = 0; i < count; i++) {
          const k = r.string();
          const v = r.string();
          // Env keys are arbitrary text: "__proto__" must become a key, not the prototype.
          if (k === '__proto__') Object.defineProperty(envs, k, { value: v, enumerable: true, writable: true, configurable: true });
          else envs[k] = v;
        }
        a.envs = envs;
        break;
      }
      case 7:
        a.isStateful = boolOr(r, t, false);
        break;
      case 8:
        a.maxReplicaCount = i32Or(r, t, 0);
        break;
      case 9:
        a.expireSecond = i64Or(r, t, 0);
        break;
      case 10:
        a.createSecond = i64Or(r, t, 0);
        break;
      case 11:
        a.dropSecond = i64Or(r, t, 0);
        break;
      case 12:
        if (t === BOOL) a.duplicating = r.bool();
        else r.skip(t);
        break;
      case 13:
        a.initPartitionCount = i32Or(r, t, -1);
        break;
      case 14:
        if (t === BOOL) a.isBulkLoading = r.bool();
        else r.skip(t);
        break;
      case 15:
        if (t === BOOL) a.atomicIdempotent = r.bool();
        else r.skip(t);
        break;
      default:
        r.skip(t);
    }
  }
  return a;
}

export function writeAppInfo(w: ThriftWriter, a: AppInfo, o?: EncodeOptions): void {
  w.field(I32, 1);
  w.i32(a.status);
  w.field(STRING, 2);
  w.string(a.appType);
  w.field(STRING, 3);
  w.string(a.appName);
  w.field(I32, 4);
  w.i32(a.appId);
  w.field(I32, 5);
  w.i32(a.partitionCount);
  const keys = Object.keys(a.envs);
  w.field(MAP, 6);
  w.map(STRING, STRING, keys.length);
  for (const k of keys) {
    w.string(k);
    w.string(a.envs[k]!);
  }
  w.field(BOOL, 7);
  w.bool(a.isStateful);
  w.field(I32, 8);
  w.i32(a.maxReplicaCount);
  w.field(I64, 9);
  w.i64(a.expireSecond);
  w.field(I64, 10);
  w.i64(a.createSecond);
  w.field(I64, 11);
  w.i64(a.dropSecond);
  if (a.duplicating !== undefined) {
    w.field(BOOL, 12);
    w.bool(a.duplicating);
  }
  w.field(I32, 13);
  w.i32(a.initPartitionCount);
  if (a.isBulkLoading !== undefined) {
    w.field(BOOL, 14);
    w.bool(a.isBulkLoading);
  }
  if (masterFields(o) && a.atomicIdempotent !== undefined) {
    w.field(BOOL, 15);
    w.bool(a.atomicIdempotent);
  }
  w.stop();
}

// ---------- list_nodes ----------

export function readListNodesRequest(r: ThriftReader): ListNodesRequest {
  let status = 0;
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    if (r.fieldId === 1) status = i32Or(r, t, 0);
    else r.skip(t);
  }
  return { status };
}
export function writeListNodesRequest(w: ThriftWriter, q: ListNodesRequest): void {
  w.field(I32, 1);
  w.i32(q.status);
  w.stop();
}
export function readListNodesResponse(r: ThriftReader): ListNodesResponse {
  let err = '';
  let infos: NodeInfo[] = [];
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        err = r.errorCode();
        break;
      case 2:
        infos = readStructList(r, t, NODES, readNodeInfo);
        break;
      default:
        r.skip(t);
    }
  }
  return { err, infos };
}
export function writeListNodesResponse(w: ThriftWriter, s: ListNodesResponse, o?: EncodeOptions): void {
  writeErr(w, s.err);
  w.field(LIST, 2);
  w.list(STRUCT, s.infos.length);
  for (const n of s.infos) writeNodeInfo(w, n, o);
  w.stop();
}

// ---------- list_apps ----------

export function readListAppsRequest(r: ThriftReader): ListAppsRequest {
  const q: ListAppsRequest = { status: 0 };
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        q.status = i32Or(r, t, 0);
        break;
      case 2:
        if (t === STRING) q.appNamePattern = r.string();
        else r.skip(t);
        break;
      case 3:
        if (t === I32) q.matchType = r.i32();
        else r.skip(t);
        break;
      default:
        r.skip(t);
    }
  }
  return q;
}
export function writeListAppsRequest(w: ThriftWriter, q: ListAppsRequest, o?: EncodeOptions): void {
  w.field(I32, 1);
  w.i32(q.status);
  if (masterFields(o)) {
    if (q.appNamePattern !== undefined) {
      w.field(STRING, 2);
      w.string(q.appNamePattern);
    }
    if (q.matchType !== undefined) {
      w.field(I32, 3);
      w.i32(q.matchType);
    }
  }
  w.stop();
}
export function readListAppsResponse(r: ThriftReader): ListAppsResponse {
  let err = '';
  let infos: AppInfo[] = [];
  let hintMessage: string | undefined;
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        err = r.errorCode();
        break;
      case 2:
        infos = readStructList(r, t, TABLES, readAppInfo);
        break;
      case 3:
        if (t === STRING) hintMessage = r.string();
        else r.skip(t);
        break;
      default:
        r.skip(t);
    }
  }
  return hintMessage === undefined ? { err, infos } : { err, infos, hintMessage };
}
export function writeListAppsResponse(w: ThriftWriter, s: ListAppsResponse, o?: EncodeOptions): void {
  writeErr(w, s.err);
  w.field(LIST, 2);
  w.list(STRUCT, s.infos.length);
  for (const a of s.infos) writeAppInfo(w, a, o);
  if (masterFields(o) && s.hintMessage !== undefined) {
    w.field(STRING, 3);
    w.string(s.hintMessage);
  }
  w.stop();
}

// ---------- query_cfg ----------

export function readQueryCfgRequest(r: ThriftReader): QueryCfgRequest {
  let appName = '';
  let partitionIndices: number[] = [];
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        appName = strOr(r, t, '');
        break;
      case 2: {
        if (t !== LIST) {
          r.skip(t);
          break;
        }
        const { elemType, count } = r.listBegin(PARTITION_INDICES);
        if (elemType !== I32) r.fail(`partition_indices with element type ${elemType}`);
        partitionIndices = new Array<number>(count);
        for (let i = 0; i < count; i++) partitionIndices[i] = r.i32();
        break;
      }
      default:
        r.skip(t);
    }
  }
  return { appName, partitionIndices };
}
export function writeQueryCfgRequest(w: ThriftWriter, q: QueryCfgRequest): void {
  w.field(STRING, 1);
  w.string(q.appName);
  w.field(LIST, 2);
  w.list(I32, q.partitionIndices.length);
  for (const i of q.partitionIndices) w.i32(i);
  w.stop();
}
export function readQueryCfgResponse(r: ThriftReader): QueryCfgResponse {
  let err = '';
  let appId = 0;
  let partitionCount = 0;
  let isStateful = false;
  let partitions: PartitionConfiguration[] = [];
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        err = r.errorCode();
        break;
      case 2:
        appId = i32Or(r, t, 0);
        break;
      case 3:
        partitionCount = i32Or(r, t, 0);
        break;
      case 4:
        isStateful = boolOr(r, t, false);
        break;
      case 5:
        partitions = readStructList(r, t, PARTITIONS, readPartitionConfiguration);
        break;
      default:
        r.skip(t);
    }
  }
  return { err, appId, partitionCount, isStateful, partitions };
}
export function writeQueryCfgResponse(w: ThriftWriter, s: QueryCfgResponse, o?: EncodeOptions): void {
  writeErr(w, s.err);
  w.field(I32, 2);
  w.i32(s.appId);
  w.field(I32, 3);
  w.i32(s.partitionCount);
  w.field(BOOL, 4);
  w.bool(s.isStateful);
  w.field(LIST, 5);
  w.list(STRUCT, s.partitions.length);
  for (const p of s.partitions) writePartitionConfiguration(w, p, o);
  w.stop();
}

// ---------- cluster_info ----------

export function readClusterInfoRequest(r: ThriftReader): ClusterInfoRequest {
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    r.skip(t);
  }
  return {};
}
export function writeClusterInfoRequest(w: ThriftWriter): void {
  w.stop();
}
export function readClusterInfoResponse(r: ThriftReader): ClusterInfoResponse {
  let err = '';
  let keys: string[] = [];
  let values: string[] = [];
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        err = r.errorCode();
        break;
      case 2:
        keys = readStringList(r, t, INFO_KEYS);
        break;
      case 3:
        values = readStringList(r, t, INFO_VALUES);
        break;
      default:
        r.skip(t);
    }
  }
  return { err, keys, values };
}
export function writeClusterInfoResponse(w: ThriftWriter, s: ClusterInfoResponse): void {
  writeErr(w, s.err);
  writeStringList(w, 2, s.keys);
  writeStringList(w, 3, s.values);
  w.stop();
}

// ---------- control_meta ----------

export function readControlMetaRequest(r: ThriftReader): ControlMetaRequest {
  let level = 0;
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    if (r.fieldId === 1) level = i32Or(r, t, 0);
    else r.skip(t);
  }
  return { level };
}
export function writeControlMetaRequest(w: ThriftWriter, q: ControlMetaRequest): void {
  w.field(I32, 1);
  w.i32(q.level);
  w.stop();
}
export function readControlMetaResponse(r: ThriftReader): ControlMetaResponse {
  let err = '';
  let oldLevel = 0;
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        err = r.errorCode();
        break;
      case 2:
        oldLevel = i32Or(r, t, 0);
        break;
      default:
        r.skip(t);
    }
  }
  return { err, oldLevel };
}
export function writeControlMetaResponse(w: ThriftWriter, s: ControlMetaResponse): void {
  writeErr(w, s.err);
  w.field(I32, 2);
  w.i32(s.oldLevel);
  w.stop();
}

// ---------- remote command (command struct; the response is a bare string) ----------

export function readRemoteCommandRequest(r: ThriftReader): RemoteCommandRequest {
  let cmd = '';
  let args: string[] = [];
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        cmd = strOr(r, t, '');
        break;
      case 2:
        args = readStringList(r, t, COMMAND_ARGS);
        break;
      default:
        r.skip(t);
    }
  }
  return { cmd, arguments: args };
}
export function writeRemoteCommandRequest(w: ThriftWriter, q: RemoteCommandRequest): void {
  w.field(STRING, 1);
  w.string(q.cmd);
  writeStringList(w, 2, q.arguments);
  w.stop();
}

// ---------- propose_balancer ----------

export function readProposalAction(r: ThriftReader): ProposalAction {
  let target = '';
  let node = '';
  let type = 0;
  let hpTarget: string | undefined;
  let hpNode: string | undefined;
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        target = r.rpcAddress();
        break;
      case 2:
        node = r.rpcAddress();
        break;
      case 3:
        type = i32Or(r, t, 0);
        break;
      case 5:
        hpTarget = r.hostPort();
        break;
      case 6:
        hpNode = r.hostPort();
        break;
      default:
        r.skip(t);
    }
  }
  const a: ProposalAction = { target, node, type };
  if (hpTarget !== undefined) a.hpTarget = hpTarget;
  if (hpNode !== undefined) a.hpNode = hpNode;
  return a;
}
export function writeProposalAction(w: ThriftWriter, a: ProposalAction, o?: EncodeOptions): void {
  w.field(STRUCT, 1);
  w.rpcAddress(a.target);
  w.field(STRUCT, 2);
  w.rpcAddress(a.node);
  w.field(I32, 3);
  w.i32(a.type);
  if (masterFields(o)) {
    if (a.hpTarget !== undefined) {
      w.field(STRUCT, 5);
      w.hostPort(a.hpTarget);
    }
    if (a.hpNode !== undefined) {
      w.field(STRUCT, 6);
      w.hostPort(a.hpNode);
    }
  }
  w.stop();
}
export function readBalancerRequest(r: ThriftReader): BalancerRequest {
  const q: BalancerRequest = { gpid: { appId: 0, partitionIndex: 0 }, actionList: [] };
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        q.gpid = r.gpid();
        break;
      case 2:
        q.actionList = readStructList(r, t, ACTIONS, readProposalAction);
        break;
      case 3:
        if (t === BOOL) q.force = r.bool();
        else r.skip(t);
        break;
      case 4:
        if (t === I32) q.balanceType = r.i32();
        else r.skip(t);
        break;
      default:
        r.skip(t);
    }
  }
  return q;
}
export function writeBalancerRequest(w: ThriftWriter, q: BalancerRequest, o?: EncodeOptions): void {
  w.field(STRUCT, 1);
  w.gpid(q.gpid.appId, q.gpid.partitionIndex);
  w.field(LIST, 2);
  w.list(STRUCT, q.actionList.length);
  for (const a of q.actionList) writeProposalAction(w, a, o);
  if (q.force !== undefined) {
    w.field(BOOL, 3);
    w.bool(q.force);
  }
  if (q.balanceType !== undefined) {
    w.field(I32, 4);
    w.i32(q.balanceType);
  }
  w.stop();
}
export function readBalancerResponse(r: ThriftReader): BalancerResponse {
  let err = '';
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    if (r.fieldId === 1) err = r.errorCode();
    else r.skip(t);
  }
  return { err };
}
export function writeBalancerResponse(w: ThriftWriter, s: BalancerResponse): void {
  writeErr(w, s.err);
  w.stop();
}

// ---------- thrift_request_meta_v1 (THFT header v1) ----------

export function readRequestMetaV1(r: ThriftReader): RequestMetaV1 {
  const m: RequestMetaV1 = {};
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    switch (r.fieldId) {
      case 1:
        if (t === I32) m.appId = r.i32();
        else r.skip(t);
        break;
      case 2:
        if (t === I32) m.partitionIndex = r.i32();
        else r.skip(t);
        break;
      case 3:
        if (t === I32) m.clientTimeout = r.i32();
        else r.skip(t);
        break;
      case 4:
        if (t === I64) m.partitionHash = r.i64big();
        else r.skip(t);
        break;
      case 5:
        if (t === BOOL) m.isBackupRequest = r.bool();
        else r.skip(t);
        break;
      default:
        r.skip(t);
    }
  }
  return m;
}
export function writeRequestMetaV1(w: ThriftWriter, m: RequestMetaV1): void {
  if (m.appId !== undefined) {
    w.field(I32, 1);
    w.i32(m.appId);
  }
  if (m.partitionIndex !== undefined) {
    w.field(I32, 2);
    w.i32(m.partitionIndex);
  }
  if (m.clientTimeout !== undefined) {
    w.field(I32, 3);
    w.i32(m.clientTimeout);
  }
  if (m.partitionHash !== undefined) {
    w.field(I64, 4);
    w.i64(m.partitionHash);
  }
  if (m.isBackupRequest !== undefined) {
    w.field(BOOL, 5);
    w.bool(m.isBackupRequest);
  }
  w.stop();
}
