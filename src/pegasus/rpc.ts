/**
 * The meta RPC catalogue (upstream idl/meta_admin.thrift and src/meta/meta_service.cpp) and the message-level encode/decode for both sides:
 * client: encodeRequest → (wire) → decodeResponse; server: decodeRequest/decodeArgs → encodeResponse.
 * Every decoded response passes its zod schema here, at the boundary.
 */
import type * as z from 'zod';
import { PegasusError, wireError } from './errors';
import {
  decodeRequestFrame,
  decodeResponseFrame,
  writeRequestFrame,
  writeResponseFrame,
  type RequestFrame,
  type RequestHeaderInit,
  type ResponseFrame,
} from './frame';
import * as S from './structs';
import type { EncodeOptions } from './structs';
import { ThriftReader, ThriftWriter, TType } from './thrift';
import * as T from './types';

export interface RpcDef<Req, Resp> {
  /** e.g. RPC_CM_LIST_NODES */
  readonly name: string;
  /** e.g. RPC_CM_LIST_NODES_ACK */
  readonly ackName: string;
  /** TType of the result's field 0: STRUCT, or STRING for RPC_CLI_CLI_CALL. */
  readonly resultType: number;
  /** Leader-checked on the server (followers answer ERR_FORWARD_TO_OTHERS); remote commands are not. */
  readonly leaderOnly: boolean;
  readonly requestSchema: z.ZodType<Req>;
  readonly responseSchema: z.ZodType<Resp>;
  writeRequest(w: ThriftWriter, req: Req, o?: EncodeOptions): void;
  readRequest(r: ThriftReader): Req;
  writeResponse(w: ThriftWriter, resp: Resp, o?: EncodeOptions): void;
  readResponse(r: ThriftReader): Resp;
}

function def<Req, Resp>(
  d: Omit<RpcDef<Req, Resp>, 'ackName' | 'resultType' | 'leaderOnly'> & { resultType?: number; leaderOnly?: boolean },
): RpcDef<Req, Resp> {
  return { ...d, ackName: `${d.name}_ACK`, resultType: d.resultType ?? TType.STRUCT, leaderOnly: d.leaderOnly ?? true };
}

export const RPC = {
  listNodes: def<T.ListNodesRequest, T.ListNodesResponse>({
    name: 'RPC_CM_LIST_NODES',
    requestSchema: T.listNodesRequestSchema,
    responseSchema: T.listNodesResponseSchema,
    writeRequest: S.writeListNodesRequest,
    readRequest: S.readListNodesRequest,
    writeResponse: S.writeListNodesResponse,
    readResponse: S.readListNodesResponse,
  }),
  listApps: def<T.ListAppsRequest, T.ListAppsResponse>({
    name: 'RPC_CM_LIST_APPS',
    requestSchema: T.listAppsRequestSchema,
    responseSchema: T.listAppsResponseSchema,
    writeRequest: S.writeListAppsRequest,
    readRequest: S.readListAppsRequest,
    writeResponse: S.writeListAppsResponse,
    readResponse: S.readListAppsResponse,
  }),
  queryConfig: def<T.QueryCfgRequest, T.QueryCfgResponse>({
    name: 'RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX',
    requestSchema: T.queryCfgRequestSchema,
    responseSchema: T.queryCfgResponseSchema,
    writeRequest: S.writeQueryCfgRequest,
    readRequest: S.readQueryCfgRequest,
    writeResponse: S.writeQueryCfgResponse,
    readResponse: S.readQueryCfgResponse,
  }),
  clusterInfo: def<T.ClusterInfoRequest, T.ClusterInfoResponse>({
    name: 'RPC_CM_CLUSTER_INFO',
    requestSchema: T.clusterInfoRequestSchema,
    responseSchema: T.clusterInfoResponseSchema,
    writeRequest: S.writeClusterInfoRequest,
    readRequest: S.readClusterInfoRequest,
    writeResponse: S.writeClusterInfoResponse,
    readResponse: S.readClusterInfoResponse,
  }),
  controlMeta: def<T.ControlMetaRequest, T.ControlMetaResponse>({
    name: 'RPC_CM_CONTROL_META',
    requestSchema: T.controlMetaRequestSchema,
    responseSchema: T.controlMetaResponseSchema,
    writeRequest: S.writeControlMetaRequest,
    readRequest: S.readControlMetaRequest,
    writeResponse: S.writeControlMetaResponse,
    readResponse: S.readControlMetaResponse,
  }),
  remoteCommand: def<T.RemoteCommandRequest, T.RemoteCommandResponse>({
    name: 'RPC_CLI_CLI_CALL',
    resultType: TType.STRING,
    leaderOnly: false,
    requestSchema: T.remoteCommandRequestSchema,
    responseSchema: T.remoteCommandResponseSchema,
    writeRequest: S.writeRemoteCommandRequest,
    readRequest: S.readRemoteCommandRequest,
    writeResponse: (w, s) => w.string(s),
    readResponse: (r) => r.string(),
  }),
  proposeBalancer: def<T.BalancerRequest, T.BalancerResponse>({
    name: 'RPC_CM_PROPOSE_BALANCER',
    requestSchema: T.balancerRequestSchema,
    responseSchema: T.balancerResponseSchema,
    writeRequest: S.writeBalancerRequest,
    readRequest: S.readBalancerRequest,
    writeResponse: S.writeBalancerResponse,
    readResponse: S.readBalancerResponse,
  }),
} as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRpc = RpcDef<any, any>;
export type RpcRequest<R> = R extends RpcDef<infer Q, unknown> ? Q : never;
export type RpcResponse<R> = R extends RpcDef<unknown, infer P> ? P : never;

/** Lookup by wire name (what a server dispatches on). */
export const RPC_BY_NAME: ReadonlyMap<string, AnyRpc> = new Map(Object.values(RPC).map((d) => [d.name, d as AnyRpc]));

export interface EncodeRequestOptions extends EncodeOptions {
  seqid: number;
  header?: RequestHeaderInit;
}

// ---------- client side ----------

/** The first three issues of a failed parse, `path: message; …` (enough to fix the input, short enough for a log line). */
function firstIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function usageFromZod(what: string, rpcName: string, err: z.ZodError): PegasusError {
  return new PegasusError('ERR_INVALID_PARAMETERS', `${what}: ${firstIssues(err)}`, { kind: 'usage', rpc: rpcName });
}

/** Runs an encoder; a value the wire cannot carry (out-of-range int, non-integer i64…) becomes a usage PegasusError. */
function encodeGuard(what: string, fn: () => Buffer): Buffer {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PegasusError) throw e;
    throw new PegasusError('ERR_INVALID_PARAMETERS', `cannot encode ${what}: ${e instanceof Error ? e.message : String(e)}`, {
      kind: 'usage',
      cause: e,
    });
  }
}

/** Validates the request with the RPC's schema, then writes the whole frame. */
export function encodeRequest<Q, P>(rpc: RpcDef<Q, P>, req: Q, o: EncodeRequestOptions): Buffer {
  const parsed = rpc.requestSchema.safeParse(req);
  if (!parsed.success) throw usageFromZod(`bad ${rpc.name} request`, rpc.name, parsed.error);
  return encodeGuard(rpc.name, () => writeRequestFrame(rpc.name, o.seqid, (w) => rpc.writeRequest(w, req, o), o.header));
}

function zodFailure(what: string, err: z.ZodError): PegasusError {
  return wireError(`${what} failed validation: ${firstIssues(err)}`);
}

/**
 * Decodes the result struct of a response frame and validates it with the RPC's zod schema.
 * Throws PegasusError kind 'rpc' when the frame-level error is not ERR_OK (there is no body then),
 * kind 'wire' when the bytes or the decoded shape are invalid.
 */
/** What an rDSN error name looks like (every DEFINE_ERR_CODE in src/utils/error_code.h of apache/incubator-pegasus v2.5.0 is ERR_ and capitals), bounded in length. */
const RPC_ERROR_NAME = /^ERR_[A-Z0-9_]{1,80}$/;

export function decodeResult<Q, P>(rpc: RpcDef<Q, P>, rf: ResponseFrame): P {
  if (rf.errorName !== 'ERR_OK') {
    // The name becomes an error code shown to operators: a real one is short (ERR_ and capitals).
    if (!RPC_ERROR_NAME.test(rf.errorName))
      throw wireError(
        `${rf.name} carries an RPC error name that is not an rDSN error name (${rf.errorName.length} chars): ${JSON.stringify(rf.errorName.slice(0, 64))}${rf.errorName.length > 64 ? '…' : ''}`,
      );
    throw new PegasusError(rf.errorName, `the server refused ${rf.name.replace(/_ACK$/, '')} at the RPC level`, {
      kind: 'rpc',
      rpc: rpc.name,
    });
  }
  const r = new ThriftReader(rf.frame, rf.bodyOffset);
  let value: P | undefined;
  let got = false;
  for (;;) {
    const t = r.fieldBegin();
    if (t === 0) break;
    if (r.fieldId === 0) {
      if (t !== rpc.resultType) r.fail(`result field 0 has type ${t}, expected ${rpc.resultType}`);
      value = rpc.readResponse(r);
      got = true;
    } else {
      r.skip(t);
    }
  }
  if (!got) r.fail(`${rpc.ackName} carries no result (field 0)`);
  if (r.pos !== r.end) r.fail(`${r.end - r.pos} trailing bytes after the result`);
  const parsed = rpc.responseSchema.safeParse(value);
  if (!parsed.success) throw zodFailure(`${rpc.ackName}`, parsed.error);
  return parsed.data;
}

/** Frame bytes (length prefix included) → validated response. */
export function decodeResponse<Q, P>(rpc: RpcDef<Q, P>, frame: Buffer): P {
  return decodeResult(rpc, decodeResponseFrame(frame));
}

// ---------- server side ----------

/** Frame bytes → header, name, seqid; then `decodeArgs` with the RPC found by name. */
export function decodeRequest(frame: Buffer): RequestFrame {
  return decodeRequestFrame(frame);
}

/** Decodes (and validates) the request struct of a parsed request frame; the trailing STOP is required. */
export function decodeArgs<Q, P>(rpc: RpcDef<Q, P>, rf: RequestFrame): Q {
  const r = new ThriftReader(rf.frame, rf.argsOffset, rf.bodyEnd);
  const req = rpc.readRequest(r);
  if (r.fieldBegin() !== 0) r.fail('args wrapper has more than one field');
  const parsed = rpc.requestSchema.safeParse(req);
  if (!parsed.success) throw zodFailure(`${rpc.name} request`, parsed.error);
  return parsed.data;
}

/** Validates the response with the RPC's schema (a server never sends what our decoder would reject), then writes the frame. */
export function encodeResponse<Q, P>(rpc: RpcDef<Q, P>, resp: P, o: EncodeOptions & { seqid: number }): Buffer {
  const parsed = rpc.responseSchema.safeParse(resp);
  if (!parsed.success) throw usageFromZod(`bad ${rpc.ackName} response`, rpc.name, parsed.error);
  return encodeGuard(rpc.ackName, () =>
    writeResponseFrame(rpc.ackName, o.seqid, 'ERR_OK', (w) => {
      w.field(rpc.resultType, 0);
      rpc.writeResponse(w, resp, o);
    }),
  );
}

/** A body-less reply with an RPC-level error, e.g. ERR_HANDLER_NOT_FOUND for an unknown name. */
export function encodeErrorResponse(requestName: string, seqid: number, errorName: string): Buffer {
  return writeResponseFrame(`${requestName}_ACK`, seqid, errorName);
}
