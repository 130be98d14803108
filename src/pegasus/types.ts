/**
 * Decoded shapes of the meta RPC structs (camelCase, addresses as strings) and their zod schemas.
 * Decoders build these plain objects; the schemas validate every decoded response at the boundary
 * (rpc.ts `decodeResult`) before any other code sees it.
 *
 * Addresses: rpc_address → "a.b.c.d:port" ('' = invalid / no primary); host_port → "host:port"
 * ('' = invalid). i64 values are JS numbers (exact to 2^53; larger values fail validation).
 * `hp*` fields exist only on 2.6/master and are absent (undefined) on ≤2.5.
 */
import * as z from 'zod';

// ---------- enums (values as on the wire; names as in the IDL) ----------

export const NodeStatus = { NS_INVALID: 0, NS_ALIVE: 1, NS_UNALIVE: 2 } as const;
export const AppStatus = {
  AS_INVALID: 0,
  AS_AVAILABLE: 1,
  AS_CREATING: 2,
  AS_CREATE_FAILED: 3,
  AS_DROPPING: 4,
  AS_DROP_FAILED: 5,
  AS_DROPPED: 6,
  AS_RECALLING: 7,
} as const;
export const MetaFunctionLevel = {
  fl_stopped: 100,
  fl_blind: 200,
  fl_freezed: 300,
  fl_steady: 400,
  fl_lively: 500,
  fl_invalid: 10000,
} as const;
export const ConfigType = {
  CT_INVALID: 0,
  CT_ASSIGN_PRIMARY: 1,
  CT_UPGRADE_TO_PRIMARY: 2,
  CT_ADD_SECONDARY: 3,
  CT_UPGRADE_TO_SECONDARY: 4,
  CT_DOWNGRADE_TO_SECONDARY: 5,
  CT_DOWNGRADE_TO_INACTIVE: 6,
  CT_REMOVE: 7,
  CT_ADD_SECONDARY_FOR_LB: 8,
  CT_PRIMARY_FORCE_UPDATE_BALLOT: 9,
  CT_DROP_PARTITION: 10,
  CT_REGISTER_CHILD: 11,
} as const;
export const BalancerRequestType = { move_primary: 0, copy_primary: 1, copy_secondary: 2 } as const;
export const PatternMatchType = {
  PMT_INVALID: 0,
  PMT_MATCH_ALL: 1,
  PMT_MATCH_EXACT: 2,
  PMT_MATCH_ANYWHERE: 3,
  PMT_MATCH_PREFIX: 4,
  PMT_MATCH_POSTFIX: 5,
  PMT_MATCH_REGEX: 6,
} as const;

/** Name of an enum value, or the number as text when the server sent a value this tool does not know. */
export function enumName(e: Readonly<Record<string, number>>, v: number): string {
  for (const k in e) if (e[k] === v) return k;
  return String(v);
}

/** meta_function_level as the shell and cluster_info print it (no `fl_` prefix): 'steady', … */
export function metaLevelName(level: number): string {
  const n = enumName(MetaFunctionLevel, level);
  return n.startsWith('fl_') ? n.slice(3) : n;
}

/** The meta_function_level names, lowest first, as the shell prints them (no `fl_` prefix); fl_invalid only reads. */
export const META_LEVELS = ['stopped', 'blind', 'freezed', 'steady', 'lively'] as const;
export type MetaLevel = (typeof META_LEVELS)[number];

/** Wire value of each level: levels compare by it (below steady nothing is cured; above steady the balancer runs). */
export const META_LEVEL_VALUE: Readonly<Record<MetaLevel, number>> = {
  stopped: MetaFunctionLevel.fl_stopped,
  blind: MetaFunctionLevel.fl_blind,
  freezed: MetaFunctionLevel.fl_freezed,
  steady: MetaFunctionLevel.fl_steady,
  lively: MetaFunctionLevel.fl_lively,
};

export function isMetaLevel(s: string): s is MetaLevel {
  return (META_LEVELS as readonly string[]).includes(s);
}

/** The level a wire value stands for; undefined for fl_invalid and values this tool does not know. */
export function metaLevelOf(value: number): MetaLevel | undefined {
  return META_LEVELS.find((l) => META_LEVEL_VALUE[l] === value);
}

/** Parses 'steady' / 'fl_steady' / '400' to the enum value; undefined when unknown. */
export function parseMetaLevel(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  const key = (t.startsWith('fl_') ? t : `fl_${t}`) as keyof typeof MetaFunctionLevel;
  if (key in MetaFunctionLevel) return MetaFunctionLevel[key];
  return undefined;
}

// ---------- decoded shapes ----------

export interface Gpid {
  appId: number;
  partitionIndex: number;
}

export interface PartitionConfiguration {
  pid: Gpid;
  ballot: number;
  maxReplicaCount: number;
  /** "ip:port", or '' when there is no primary. */
  primary: string;
  secondaries: string[];
  lastDrops: string[];
  lastCommittedDecree: number;
  partitionFlags: number;
  /** master only: "host:port" ('' = invalid). */
  hpPrimary?: string;
  hpSecondaries?: string[];
  hpLastDrops?: string[];
}

export interface NodeInfo {
  /** NodeStatus value. */
  status: number;
  /** "ip:port". */
  address: string;
  /** master only: "host:port". */
  hpAddress?: string;
}

export interface AppInfo {
  /** AppStatus value. */
  status: number;
  appType: string;
  appName: string;
  appId: number;
  partitionCount: number;
  envs: Record<string, string>;
  isStateful: boolean;
  maxReplicaCount: number;
  expireSecond: number;
  createSecond: number;
  dropSecond: number;
  duplicating?: boolean;
  initPartitionCount: number;
  isBulkLoading?: boolean;
  /** master only. */
  atomicIdempotent?: boolean;
}

export interface ListNodesRequest {
  status: number;
}
export interface ListNodesResponse {
  err: string;
  infos: NodeInfo[];
}
export interface ListAppsRequest {
  status: number;
  /** master only; needs matchType too. */
  appNamePattern?: string;
  matchType?: number;
}
export interface ListAppsResponse {
  err: string;
  infos: AppInfo[];
  /** master only: set when the pattern is invalid. */
  hintMessage?: string;
}
export interface QueryCfgRequest {
  appName: string;
  partitionIndices: number[];
}
export interface QueryCfgResponse {
  err: string;
  appId: number;
  partitionCount: number;
  isStateful: boolean;
  partitions: PartitionConfiguration[];
}
export type ClusterInfoRequest = Record<string, never>;
export interface ClusterInfoResponse {
  err: string;
  keys: string[];
  values: string[];
}
export interface ControlMetaRequest {
  /** MetaFunctionLevel value; fl_invalid (10000) only reads. */
  level: number;
}
export interface ControlMetaResponse {
  err: string;
  oldLevel: number;
}
export interface RemoteCommandRequest {
  cmd: string;
  arguments: string[];
}
/** RPC_CLI_CLI_CALL answers with a bare string. */
export type RemoteCommandResponse = string;
export interface ProposalAction {
  /** "ip:port"; '' lets the meta fill in the current primary. */
  target: string;
  node: string;
  /** ConfigType value. */
  type: number;
  /** master only. */
  hpTarget?: string;
  hpNode?: string;
}
export interface BalancerRequest {
  gpid: Gpid;
  actionList: ProposalAction[];
  force?: boolean;
  /** BalancerRequestType value. */
  balanceType?: number;
}
export interface BalancerResponse {
  err: string;
}
/** thrift_request_meta_v1 (THFT header v1); every field optional. */
export interface RequestMetaV1 {
  appId?: number;
  partitionIndex?: number;
  clientTimeout?: number;
  partitionHash?: bigint;
  isBackupRequest?: boolean;
}

// ---------- zod schemas (the boundary check) ----------

const int32 = z.int32();
const int64 = z.int(); // a safe integer: i64 values beyond 2^53 are rejected rather than silently rounded
/** rDSN error names travel as strings (error_code is serialized by name, not number). */
export const errorNameSchema = z.string().regex(/^ERR_[A-Z0-9_]+$/, 'expected an rDSN error name such as ERR_OK');
/** For addresses typed by people (requests, settings): "a.b.c.d:port" or ''. */
export const ipPortSchema = z.string().regex(/^(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5})?$/, 'expected "ip:port" or empty');
/** For addresses typed by people: "host:port" or ''. */
export const hostPortSchema = z.string().regex(/^(?:[^\s]+:\d{1,5})?$/, 'expected "host:port" or empty');
// Decoded addresses are built by the decoder from fixed binary layouts (4 bytes + u16 → "a.b.c.d:port",
// host text + u16 → "host:port"), so their format holds by construction; the response schemas check
// only that they are strings. A regex per address would triple the cost of validating a 1,024-partition
// table for no extra safety.
const ipPort = z.string();
const hostPort = z.string();

export const gpidSchema: z.ZodType<Gpid> = z.object({ appId: int32, partitionIndex: int32 });

export const partitionConfigurationSchema: z.ZodType<PartitionConfiguration> = z.object({
  pid: gpidSchema,
  ballot: int64,
  maxReplicaCount: int32,
  primary: ipPort,
  secondaries: z.array(ipPort),
  lastDrops: z.array(ipPort),
  lastCommittedDecree: int64,
  partitionFlags: int32,
  hpPrimary: hostPort.optional(),
  hpSecondaries: z.array(hostPort).optional(),
  hpLastDrops: z.array(hostPort).optional(),
});

export const nodeInfoSchema: z.ZodType<NodeInfo> = z.object({
  status: int32,
  address: ipPort,
  hpAddress: hostPort.optional(),
});

/** Checked in place (not rebuilt like z.record does) so that an env key "__proto__" survives as data. */
const envsSchema = z.custom<Record<string, string>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'),
  'envs must map strings to strings',
);

export const appInfoSchema: z.ZodType<AppInfo> = z.object({
  status: int32,
  appType: z.string(),
  appName: z.string(),
  appId: int32,
  partitionCount: int32.min(0),
  envs: envsSchema,
  isStateful: z.boolean(),
  maxReplicaCount: int32,
  expireSecond: int64,
  createSecond: int64,
  dropSecond: int64,
  duplicating: z.boolean().optional(),
  initPartitionCount: int32,
  isBulkLoading: z.boolean().optional(),
  atomicIdempotent: z.boolean().optional(),
});

// ---------- fast path for long arrays of structs ----------
//
// z.object rebuilds every element it validates (a new object per partition, new arrays for the
// address lists), which made validation cost more than decoding itself. For the arrays that get
// long (partitions, nodes, apps) a hand-compiled predicate checks each element in place with
// exactly the rules of the element schema above; only when it rejects something does the element
// schema run, so errors still name the field (`partitions.17.ballot`). The predicates may be
// stricter than the schemas, never looser; test/unit/pegasus/fastValidation.test.ts checks that
// they agree on thousands of mutated values. The arrays are returned as they are (not copied).

const isInt32 = (v: unknown): boolean => typeof v === 'number' && (v | 0) === v;
const isStringArray = (v: unknown): boolean => {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
};
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Same acceptance as `partitionConfigurationSchema` (checked in place). */
export function isPartitionConfiguration(v: unknown): v is PartitionConfiguration {
  if (!isPlainObject(v)) return false;
  const pid = v.pid;
  return (
    isPlainObject(pid) &&
    isInt32(pid.appId) &&
    isInt32(pid.partitionIndex) &&
    Number.isSafeInteger(v.ballot) &&
    isInt32(v.maxReplicaCount) &&
    typeof v.primary === 'string' &&
    isStringArray(v.secondaries) &&
    isStringArray(v.lastDrops) &&
    Number.isSafeInteger(v.lastCommittedDecree) &&
    isInt32(v.partitionFlags) &&
    (v.hpPrimary === undefined || typeof v.hpPrimary === 'string') &&
    (v.hpSecondaries === undefined || isStringArray(v.hpSecondaries)) &&
    (v.hpLastDrops === undefined || isStringArray(v.hpLastDrops))
  );
}

/** Same acceptance as `nodeInfoSchema`. */
export function isNodeInfo(v: unknown): v is NodeInfo {
  return (
    isPlainObject(v) && isInt32(v.status) && typeof v.address === 'string' && (v.hpAddress === undefined || typeof v.hpAddress === 'string')
  );
}

const optBool = (v: unknown): boolean => v === undefined || typeof v === 'boolean';
/** Same acceptance as `appInfoSchema`. */
export function isAppInfo(v: unknown): v is AppInfo {
  if (!isPlainObject(v)) return false;
  const envs = v.envs;
  if (!isPlainObject(envs)) return false;
  for (const k in envs) if (Object.prototype.hasOwnProperty.call(envs, k) && typeof envs[k] !== 'string') return false;
  return (
    isInt32(v.status) &&
    typeof v.appType === 'string' &&
    typeof v.appName === 'string' &&
    isInt32(v.appId) &&
    isInt32(v.partitionCount) &&
    (v.partitionCount as number) >= 0 &&
    typeof v.isStateful === 'boolean' &&
    isInt32(v.maxReplicaCount) &&
    Number.isSafeInteger(v.expireSecond) &&
    Number.isSafeInteger(v.createSecond) &&
    Number.isSafeInteger(v.dropSecond) &&
    optBool(v.duplicating) &&
    isInt32(v.initPartitionCount) &&
    optBool(v.isBulkLoading) &&
    optBool(v.atomicIdempotent)
  );
}

/**
 * An array whose elements pass `isValid` (the compiled form of `element`), returned uncopied;
 * anything else is re-checked with `z.array(element)` for a precise error path.
 */
export function structArraySchema<T>(element: z.ZodType<T>, isValid: (v: unknown) => boolean): z.ZodType<T[]> {
  const full = z.array(element);
  return z.custom<T[]>().superRefine((v, ctx) => {
    if (Array.isArray(v)) {
      let i = 0;
      while (i < v.length && isValid(v[i])) i++;
      if (i === v.length) return;
    }
    const r = full.safeParse(v);
    if (!r.success) for (const iss of r.error.issues) ctx.addIssue({ code: 'custom', message: iss.message, path: iss.path, input: v });
  });
}

export const listNodesRequestSchema: z.ZodType<ListNodesRequest> = z.object({ status: int32 });
export const listNodesResponseSchema: z.ZodType<ListNodesResponse> = z.object({
  err: errorNameSchema,
  infos: structArraySchema(nodeInfoSchema, isNodeInfo),
});
export const listAppsRequestSchema: z.ZodType<ListAppsRequest> = z.object({
  status: int32,
  appNamePattern: z.string().optional(),
  matchType: int32.optional(),
});
export const listAppsResponseSchema: z.ZodType<ListAppsResponse> = z.object({
  err: errorNameSchema,
  infos: structArraySchema(appInfoSchema, isAppInfo),
  hintMessage: z.string().optional(),
});
export const queryCfgRequestSchema: z.ZodType<QueryCfgRequest> = z.object({ appName: z.string(), partitionIndices: z.array(int32) });
export const queryCfgResponseSchema: z.ZodType<QueryCfgResponse> = z.object({
  err: errorNameSchema,
  appId: int32,
  partitionCount: int32.min(0),
  isStateful: z.boolean(),
  partitions: structArraySchema(partitionConfigurationSchema, isPartitionConfiguration),
});
export const clusterInfoRequestSchema: z.ZodType<ClusterInfoRequest> = z.object({}).strict() as unknown as z.ZodType<ClusterInfoRequest>;
export const clusterInfoResponseSchema: z.ZodType<ClusterInfoResponse> = z
  .object({ err: errorNameSchema, keys: z.array(z.string()), values: z.array(z.string()) })
  .refine((r) => r.keys.length === r.values.length, { message: 'cluster_info keys and values differ in length' });
export const controlMetaRequestSchema: z.ZodType<ControlMetaRequest> = z.object({ level: int32 });
export const controlMetaResponseSchema: z.ZodType<ControlMetaResponse> = z.object({ err: errorNameSchema, oldLevel: int32 });
export const remoteCommandRequestSchema: z.ZodType<RemoteCommandRequest> = z.object({ cmd: z.string(), arguments: z.array(z.string()) });
export const remoteCommandResponseSchema: z.ZodType<RemoteCommandResponse> = z.string();
export const proposalActionSchema: z.ZodType<ProposalAction> = z.object({
  target: ipPort,
  node: ipPort,
  type: int32,
  hpTarget: hostPort.optional(),
  hpNode: hostPort.optional(),
});
export const balancerRequestSchema: z.ZodType<BalancerRequest> = z.object({
  gpid: gpidSchema,
  actionList: z.array(proposalActionSchema),
  force: z.boolean().optional(),
  balanceType: int32.optional(),
});
export const balancerResponseSchema: z.ZodType<BalancerResponse> = z.object({ err: errorNameSchema });
