/**
 * The one error type of the Pegasus protocol layer. Every failure the codec, the connection or the
 * meta client reports is a `PegasusError`: an rDSN error name (`code`), where it came from (`kind`,
 * `rpc`, `address`) and a `hint` saying what to do. Callers switch on `code`, never on messages.
 */

/**
 * - `rpc`: the frame-level error string was not ERR_OK (e.g. ERR_HANDLER_NOT_FOUND).
 * - `app`: the response struct's `err` field was not ERR_OK (e.g. ERR_OBJECT_NOT_FOUND).
 * - `transport`: connect failure, dropped connection, timeout, cancellation (client-synthesised).
 * - `wire`: bytes that cannot be decoded (malformed, truncated, over the frame-size cap).
 * - `usage`: the caller passed a value that cannot be encoded (e.g. a hostname where an IPv4 rpc_address is needed).
 */
export type PegasusErrorKind = 'rpc' | 'app' | 'transport' | 'wire' | 'usage';

/** Client-side names that the server never sends; ERR_CANCELLED is ours (rDSN has no equivalent). */
export const CLIENT_ERRORS = {
  timeout: 'ERR_TIMEOUT',
  sessionReset: 'ERR_SESSION_RESET',
  networkFailure: 'ERR_NETWORK_FAILURE',
  cancelled: 'ERR_CANCELLED',
  invalidData: 'ERR_INVALID_DATA',
  frameTooLarge: 'ERR_CAPACITY_EXCEEDED',
  invalidParameters: 'ERR_INVALID_PARAMETERS',
} as const;

const HINTS: Record<string, string> = {
  ERR_OBJECT_NOT_FOUND: 'the table does not exist; check its name with `ls`',
  ERR_APP_NOT_EXIST:
    'the table does not exist (or a follower answered); check the name with `ls` and that the call reached the meta leader',
  ERR_APP_EXIST: 'a table with this name already exists',
  ERR_FORWARD_TO_OTHERS: 'no meta server answered as leader; check that the meta servers are up and a leader is elected',
  ERR_SERVICE_NOT_ACTIVE: 'the meta leader is still starting; retry in a few seconds',
  ERR_UNDER_RECOVERY: 'the meta leader is in recovery mode; finish the recovery, then retry',
  ERR_TIMEOUT: 'no reply in time; check that the meta address is reachable, or raise the timeout',
  ERR_SESSION_RESET: 'the connection dropped; the next call reconnects',
  ERR_NETWORK_FAILURE: 'cannot connect; check host:port and that the meta server is running',
  ERR_CANCELLED: 'the call was cancelled by the caller',
  ERR_HANDLER_NOT_FOUND: 'the server does not know this RPC; it may be older than expected, or the address is not a meta server port',
  ERR_INVALID_DATA: 'the bytes could not be decoded; make sure the address is a Pegasus meta server (THFT port)',
  ERR_CAPACITY_EXCEEDED: 'the frame is larger than the configured maxFrameBytes; raise the cap if the frame is legitimate',
  ERR_INVALID_PARAMETERS: 'the arguments were rejected; check them against the command usage',
  ERR_BUSY_CREATING: 'the table is being created; wait and retry',
  ERR_BUSY_DROPPING: 'the table is being dropped; wait and retry',
  ERR_ACL_DENY: 'the caller is not allowed by the cluster ACL',
  ERR_UNKNOWN: 'the server reported an unknown error; check the meta server log',
};

export function hintFor(code: string): string {
  return HINTS[code] ?? 'see the Pegasus meta server log for this error';
}

export interface PegasusErrorInit {
  kind: PegasusErrorKind;
  rpc?: string | undefined;
  address?: string | undefined;
  hint?: string | undefined;
  cause?: unknown;
  /** The OS error behind a transport failure (ECONNREFUSED, EHOSTUNREACH, ENOTFOUND, …). */
  osCode?: string | undefined;
  /** One failure per address when a call tried several servers and all failed. */
  failures?: readonly AddressFailure[] | undefined;
}

/** Why one address failed during a call that tried several meta servers. */
export interface AddressFailure {
  address: string;
  error: PegasusError;
}

export class PegasusError extends Error {
  override readonly name = 'PegasusError';
  /** rDSN error name, e.g. ERR_OBJECT_NOT_FOUND, or a client-side one from CLIENT_ERRORS. */
  readonly code: string;
  readonly kind: PegasusErrorKind;
  /** The RPC name (e.g. RPC_CM_LIST_APPS), when known. */
  readonly rpc: string | undefined;
  /** The host:port the call went to, when known. */
  readonly address: string | undefined;
  /** What the operator can do about it. */
  readonly hint: string;
  /** Free-form detail (decoder position, server text). */
  readonly detail: string;
  /** The OS error code for connect failures (e.g. ECONNREFUSED), else undefined. */
  readonly osCode: string | undefined;
  /** Per-address causes when every meta of the list failed (empty otherwise). */
  readonly failures: readonly AddressFailure[];

  constructor(code: string, detail: string, init: PegasusErrorInit) {
    const hint = init.hint ?? hintFor(code);
    const where = [init.rpc, init.address ? `at ${init.address}` : undefined].filter(Boolean).join(' ');
    super(`${code}${where ? ` (${where})` : ''}: ${detail}. ${hint}`, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.code = code;
    this.kind = init.kind;
    this.rpc = init.rpc;
    this.address = init.address;
    this.hint = hint;
    this.detail = detail;
    this.osCode = init.osCode;
    this.failures = init.failures ?? [];
  }

  /** A copy with the RPC / address filled in (errors from the codec do not know them). */
  withContext(rpc: string | undefined, address: string | undefined): PegasusError {
    if ((this.rpc ?? rpc) === this.rpc && (this.address ?? address) === this.address) return this;
    return new PegasusError(this.code, this.detail, {
      kind: this.kind,
      rpc: this.rpc ?? rpc,
      address: this.address ?? address,
      hint: this.hint,
      cause: this.cause,
      osCode: this.osCode,
      failures: this.failures,
    });
  }
}

/** Which bound a decoded element count broke. */
export type DecodeLimitReason =
  /** `count` elements of the field's minimum wire size do not fit in the bytes left. */
  | 'bytes'
  /** `count` is above the plausible maximum for the field (no real cluster comes near it). */
  | 'maximum'
  /** The response as a whole would decode more elements than the per-response budget. */
  | 'budget';

/** The numbers behind a DecodeLimitError, for callers and surfaces to render. */
export interface DecodeLimit {
  /** The wire field, e.g. "list_nodes.infos" or "query_cfg.partitions". */
  field: string;
  /** How many elements the server announced. */
  count: number;
  reason: DecodeLimitReason;
  /** The bound that was exceeded: elements that fit, the maximum, or the budget left. */
  limit: number;
}

const DECODE_LIMIT_HINT = 'not a Pegasus meta, or a corrupted reply; check that the address is a Pegasus meta server (THFT port)';

function decodeLimitDetail(l: DecodeLimit): string {
  const bound =
    l.reason === 'bytes'
      ? `the ${l.limit} that the bytes left can hold`
      : l.reason === 'maximum'
        ? `the plausible maximum of ${l.limit}`
        : `the ${l.limit} elements left of the per-response decode budget`;
  return `the server sent ${l.count} elements for ${l.field}, more than ${bound}`;
}

/**
 * A reply announcing more elements than it can hold or than any cluster has: refused before the
 * elements are allocated, so a hostile or corrupted reply cannot exhaust memory. Code ERR_INVALID_DATA.
 */
export class DecodeLimitError extends PegasusError {
  readonly limit: DecodeLimit;

  constructor(limit: DecodeLimit, init: Partial<PegasusErrorInit> = {}) {
    super(CLIENT_ERRORS.invalidData, decodeLimitDetail(limit), { hint: DECODE_LIMIT_HINT, ...init, kind: 'wire' });
    this.limit = limit;
  }

  override withContext(rpc: string | undefined, address: string | undefined): PegasusError {
    if ((this.rpc ?? rpc) === this.rpc && (this.address ?? address) === this.address) return this;
    return new DecodeLimitError(this.limit, { rpc: this.rpc ?? rpc, address: this.address ?? address, hint: this.hint, cause: this.cause });
  }
}

export function isDecodeLimitError(e: unknown): e is DecodeLimitError {
  return e instanceof DecodeLimitError;
}

/** A decoding failure: malformed or truncated bytes. */
export function wireError(detail: string): PegasusError {
  return new PegasusError(CLIENT_ERRORS.invalidData, detail, { kind: 'wire' });
}

export function isPegasusError(e: unknown): e is PegasusError {
  return e instanceof PegasusError;
}
