/**
 * Client for a Pegasus cluster given as a list of meta servers. It finds the leader, follows
 * ERR_FORWARD_TO_OTHERS (using the query-config leader hint when there is one, else the next meta),
 * retries ERR_SERVICE_NOT_ACTIVE / ERR_UNDER_RECOVERY with backoff, moves on from unreachable metas,
 * and reports leader changes (runtime settings live only in the leader's memory, so callers
 * re-apply them after a failover). One Connection (one TCP socket) per server address.
 *
 * Every method throws PegasusError; application errors (`err` ≠ ERR_OK) have kind 'app'.
 */
import { CLIENT_ERRORS, PegasusError } from './errors';
import { Connection, splitHostPort, type CallOptions, type ConnectionOptions } from './connection';
import { parseRemoteCommandOutput, type RemoteCommandResult } from './remoteCommand';
import { RPC, type RpcDef } from './rpc';
import {
  MetaFunctionLevel,
  type AppInfo,
  type BalancerRequest,
  type ClusterInfoResponse,
  type NodeInfo,
  type QueryCfgResponse,
} from './types';

export type { CallOptions } from './connection';

export interface LeaderChange {
  /** The leader known before (undefined on first discovery). */
  previous: string | undefined;
  current: string;
  /**
   * True when the same address is leader again after it answered ERR_SERVICE_NOT_ACTIVE /
   * ERR_UNDER_RECOVERY (a restarted meta process: its runtime settings are gone too). Only seen if
   * a call happened during its start-up window.
   */
  restarted?: boolean;
}

export interface MetaClientOptions extends ConnectionOptions {
  /** Meta servers as host:port, e.g. ['10.0.0.1:34601', '10.0.0.2:34601']. */
  metaServers: readonly string[];
  /** Per-attempt timeout (one meta), ms; default 5000. A whole call is bounded by `timeoutMs` (default 10000). */
  attemptTimeoutMs?: number;
  /** First retry delay for ERR_SERVICE_NOT_ACTIVE / ERR_UNDER_RECOVERY / no leader, ms; default 1000 (as the Java and Node clients); doubles up to maxRetryDelayMs. */
  retryDelayMs?: number;
  /** Default 8000. */
  maxRetryDelayMs?: number;
  /** Upper bound of attempts per call; default 8 + 4 × number of metas. */
  maxAttempts?: number;
  onLeaderChange?: (change: LeaderChange) => void;
}

export interface LeaderWatchOptions {
  /** Time between the end of one check and the start of the next, ms; default 5000 (at least 50). */
  intervalMs?: number;
  /** Bound of one check, ms; default the client's `timeoutMs` (10000). */
  timeoutMs?: number;
  /**
   * Also ask the leader for its start time (remote command `server-info`) and report
   * `restarted: true` when the same address answers with a new one; default true. One more
   * small RPC per check.
   */
  detectRestart?: boolean;
  /** Stops the watch when aborted (a check in flight is cancelled). */
  signal?: AbortSignal;
  /** A check failed (e.g. no meta reachable, no leader elected yet); the watch keeps going. */
  onError?: (e: PegasusError) => void;
}

export interface RemoteCommandAt {
  address: string;
  result?: RemoteCommandResult;
  error?: PegasusError;
}

const RETRY_SAME = new Set(['ERR_SERVICE_NOT_ACTIVE', 'ERR_UNDER_RECOVERY']);

/** propose_balancer answers a 2.5 (ERR_INVALID_PARAMETERS) or master (ERR_APP_NOT_EXIST) follower gives, as the leader may too. */
const FOLLOWER_MAYBE = new Set(['ERR_INVALID_PARAMETERS', 'ERR_APP_NOT_EXIST']);

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted)
      return reject(new PegasusError(CLIENT_ERRORS.cancelled, 'cancelled while waiting to retry', { kind: 'transport' }));
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new PegasusError(CLIENT_ERRORS.cancelled, 'cancelled while waiting to retry', { kind: 'transport' }));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class MetaClient {
  private readonly metas: string[];
  private readonly conns = new Map<string, Connection>();
  private readonly listeners = new Set<(c: LeaderChange) => void>();
  private readonly opts: MetaClientOptions;
  private leaderAddr: string | undefined;
  /** True after a leader-checked RPC was answered by `leaderAddr` and nothing since suggests otherwise. */
  private leaderConfirmed = false;
  private closed = false;
  /** The confirmed leader answered "starting": when it leads again, report a restart. */
  private leaderRestarting = false;
  /** The leader's start time from `server-info` (checkLeader with detectRestart). */
  private leaderStarted: { address: string; started: string } | undefined;
  /** Stop functions of running leader watches (close() stops them). */
  private readonly watches = new Set<() => void>();

  constructor(opts: MetaClientOptions) {
    if (opts.metaServers.length === 0) {
      throw new PegasusError(CLIENT_ERRORS.invalidParameters, 'no meta servers given', {
        kind: 'usage',
        hint: 'list at least one meta server as host:port',
      });
    }
    for (const m of opts.metaServers) splitHostPort(m);
    this.metas = [...new Set(opts.metaServers)];
    this.opts = opts;
    if (opts.onLeaderChange) this.listeners.add(opts.onLeaderChange);
  }

  /** The configured meta servers, plus any leader address learned from a hint. */
  get metaServers(): readonly string[] {
    return this.metas;
  }

  /** The meta that last answered as leader (undefined before the first call). */
  get leader(): string | undefined {
    return this.leaderAddr;
  }

  /** Subscribes to leader changes; returns the unsubscribe function. */
  onLeaderChange(listener: (c: LeaderChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------- RPCs ----------------

  /** RPC_CM_LIST_NODES; `status` filters (NodeStatus, default all). */
  async listNodes(opts: CallOptions & { status?: number } = {}): Promise<NodeInfo[]> {
    const r = await this.leaderCall(RPC.listNodes, { status: opts.status ?? 0 }, opts);
    return r.infos;
  }

  /** RPC_CM_LIST_APPS; `status` filters (AppStatus, default all); pattern/matchType are honoured by master only. */
  async listApps(opts: CallOptions & { status?: number; appNamePattern?: string; matchType?: number } = {}): Promise<AppInfo[]> {
    const req: { status: number; appNamePattern?: string; matchType?: number } = { status: opts.status ?? 0 };
    if (opts.appNamePattern !== undefined) req.appNamePattern = opts.appNamePattern;
    if (opts.matchType !== undefined) req.matchType = opts.matchType;
    const r = await this.leaderCall(RPC.listApps, req, opts);
    return r.infos;
  }

  /** RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX: all partitions, or only `partitionIndices`. */
  queryPartitionConfig(appName: string, opts: CallOptions & { partitionIndices?: number[] } = {}): Promise<QueryCfgResponse> {
    return this.leaderCall(RPC.queryConfig, { appName, partitionIndices: opts.partitionIndices ?? [] }, opts);
  }

  /** RPC_CM_CLUSTER_INFO (keys and values in parallel lists; see `clusterInfoRecord`). */
  clusterInfo(opts: CallOptions = {}): Promise<ClusterInfoResponse> {
    return this.leaderCall(RPC.clusterInfo, {}, opts);
  }

  /** RPC_CM_CONTROL_META: sets the level (MetaFunctionLevel) and resolves to the old one; fl_invalid only reads. */
  async controlMeta(level: number, opts: CallOptions = {}): Promise<number> {
    const r = await this.leaderCall(RPC.controlMeta, { level }, opts);
    return r.oldLevel;
  }

  /** The stored meta_function_level (e.g. 400 = steady). */
  getMetaLevel(opts: CallOptions = {}): Promise<number> {
    return this.controlMeta(MetaFunctionLevel.fl_invalid, opts);
  }

  /** Sets meta_function_level; resolves to the previous level. */
  setMetaLevel(level: number, opts: CallOptions = {}): Promise<number> {
    return this.controlMeta(level, opts);
  }

  /**
   * RPC_CM_PROPOSE_BALANCER. From 2.5 on the meta looks the app up before its leader check, and a
   * follower holds no apps: it answers ERR_INVALID_PARAMETERS (2.5) or ERR_APP_NOT_EXIST (master)
   * instead of ERR_FORWARD_TO_OTHERS. So on those codes the leader is re-resolved and, if another
   * meta leads, the proposal goes there; only the leader's answer is final.
   */
  async proposeBalancer(req: BalancerRequest, opts: CallOptions = {}): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? this.opts.timeoutMs ?? 10_000);
    const rest = (): CallOptions => ({ ...opts, timeoutMs: Math.max(1, deadline - Date.now()) });
    await this.ensureLeader(rest());
    let { resp, address } = await this.invoke(RPC.proposeBalancer, req, rest());
    // Bounded: a leader that keeps moving is reported with its last answer.
    for (let retry = 0; retry < 3 && FOLLOWER_MAYBE.has(resp.err); retry++) {
      this.leaderConfirmed = false;
      const leader = await this.ensureLeader(rest());
      if (leader === address) break;
      ({ resp, address } = await this.invoke(RPC.proposeBalancer, req, rest()));
    }
    this.check(RPC.proposeBalancer, resp.err, address);
  }

  /**
   * RPC_CLI_CLI_CALL on one server: `address` (any meta or replica server), or the meta leader.
   * Never forwarded by the server; leader-only commands answer `unknown command` on followers.
   */
  async remoteCommand(
    cmd: string,
    args: readonly string[] = [],
    opts: CallOptions & { address?: string } = {},
  ): Promise<RemoteCommandResult> {
    const req = { cmd, arguments: [...args] };
    if (opts.address !== undefined) return parseRemoteCommandOutput(await this.conn(opts.address).call(RPC.remoteCommand, req, opts));
    const deadline = Date.now() + (opts.timeoutMs ?? this.opts.timeoutMs ?? 10_000);
    const rest = (): CallOptions => ({ ...opts, timeoutMs: Math.max(1, deadline - Date.now()) });
    for (let attempt = 0; ; attempt++) {
      const leader = await this.ensureLeader(rest());
      try {
        const result = parseRemoteCommandOutput(await this.conn(leader).call(RPC.remoteCommand, req, rest()));
        // Leader-only commands are unknown on followers: if the leader moved, ask the new one once.
        if (attempt === 0 && !result.ok && /^unknown command/.test(result.error ?? '')) {
          this.leaderConfirmed = false;
          if ((await this.ensureLeader(rest())) !== leader) continue;
        }
        return result;
      } catch (e) {
        // The leader went away: find the new one once.
        if (attempt > 0 || !(e instanceof PegasusError) || e.kind !== 'transport' || e.code === CLIENT_ERRORS.cancelled) throw e;
        this.leaderConfirmed = false;
      }
    }
  }

  /** The same command on several servers (the shell's `remote_command -l a,b`); failures are per address. */
  remoteCommandOn(
    addresses: readonly string[],
    cmd: string,
    args: readonly string[] = [],
    opts: CallOptions = {},
  ): Promise<RemoteCommandAt[]> {
    return Promise.all(
      addresses.map(async (address): Promise<RemoteCommandAt> => {
        try {
          return { address, result: await this.remoteCommand(cmd, args, { ...opts, address }) };
        } catch (e) {
          if (e instanceof PegasusError) return { address, error: e };
          throw e;
        }
      }),
    );
  }

  /** Finds (or re-confirms) the leader; resolves to its address. */
  async ensureLeader(opts: CallOptions = {}): Promise<string> {
    if (this.leaderConfirmed && this.leaderAddr) return this.leaderAddr;
    // query_cfg of an empty name: the leader answers ERR_OBJECT_NOT_FOUND, followers forward with the leader hint.
    await this.invoke(RPC.queryConfig, { appName: '', partitionIndices: [] }, opts);
    return this.leaderAddr!;
  }

  /**
   * Asks the metas who leads now, ignoring what the client already knows, and fires
   * `onLeaderChange` if that differs (or, with `detectRestart`, if the leader's start time
   * changed). Resolves to the leader's address. Cost: one query_cfg of the empty table name to
   * the known leader (plus one `server-info` remote command with `detectRestart`).
   */
  async checkLeader(opts: CallOptions & { detectRestart?: boolean } = {}): Promise<string> {
    this.leaderConfirmed = false;
    const leader = await this.ensureLeader(opts);
    if (!opts.detectRestart) return leader;
    let started: string | undefined;
    try {
      const info = parseRemoteCommandOutput(await this.conn(leader).call(RPC.remoteCommand, { cmd: 'server-info', arguments: [] }, opts));
      started = serverStartTime(info);
    } catch (e) {
      // Restart detection is best effort: the leader check above already succeeded.
      if (e instanceof PegasusError && e.code === CLIENT_ERRORS.cancelled) throw e;
    }
    if (started !== undefined && this.leaderAddr === leader) {
      const before = this.leaderStarted;
      this.leaderStarted = { address: leader, started };
      if (before && before.address === leader && before.started !== started)
        this.emitChange({ previous: leader, current: leader, restarted: true });
    }
    return leader;
  }

  /**
   * Checks the leader every `intervalMs` in the background (see `checkLeader`) so a fail-over is
   * noticed while no call is being made, e.g. during a long drain. Changes arrive through
   * `onLeaderChange`. Checks never overlap; the timer does not keep the process alive. Returns
   * the stop function; aborting `signal` or `close()` stops it too.
   */
  watchLeader(opts: LeaderWatchOptions = {}): () => void {
    const intervalMs = Math.max(50, opts.intervalMs ?? 5000);
    const detectRestart = opts.detectRestart ?? true;
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (ac.signal.aborted) return;
      ac.abort();
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', stop);
      this.watches.delete(stop);
    };
    if (this.closed || opts.signal?.aborted) return () => undefined;
    opts.signal?.addEventListener('abort', stop, { once: true });
    this.watches.add(stop);
    const tick = async (): Promise<void> => {
      try {
        await this.checkLeader({
          signal: ac.signal,
          detectRestart,
          ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        });
      } catch (e) {
        if (!ac.signal.aborted) {
          try {
            opts.onError?.(
              e instanceof PegasusError ? e : new PegasusError(CLIENT_ERRORS.invalidData, String(e), { kind: 'wire', cause: e }),
            );
          } catch {
            // A listener's failure must not stop the watch.
          }
        }
      }
      if (!ac.signal.aborted) schedule();
    };
    const schedule = (): void => {
      timer = setTimeout(() => void tick(), intervalMs);
      timer.unref();
    };
    schedule();
    return stop;
  }

  /** Closes every connection; calls in flight fail with ERR_SESSION_RESET. */
  close(): void {
    this.closed = true;
    for (const stop of [...this.watches]) stop();
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }

  // ---------------- machinery ----------------

  private conn(address: string): Connection {
    if (this.closed) throw new PegasusError(CLIENT_ERRORS.sessionReset, 'the meta client was closed', { kind: 'usage', address });
    let c = this.conns.get(address);
    if (!c) {
      c = new Connection(address, this.opts);
      this.conns.set(address, c);
    }
    return c;
  }

  private check(rpc: RpcDef<unknown, unknown>, err: string, address: string): void {
    if (err !== 'ERR_OK') throw new PegasusError(err, `${rpc.name} answered ${err}`, { kind: 'app', rpc: rpc.name, address });
  }

  private async leaderCall<Q, P extends { err: string }>(rpc: RpcDef<Q, P>, req: Q, opts: CallOptions): Promise<P> {
    const { resp, address } = await this.invoke(rpc, req, opts);
    this.check(rpc, resp.err, address);
    return resp;
  }

  private setLeader(address: string): void {
    this.leaderConfirmed = true;
    const restarted = this.leaderRestarting && address === this.leaderAddr;
    this.leaderRestarting = false;
    if (address === this.leaderAddr && !restarted) return;
    const previous = this.leaderAddr;
    this.leaderAddr = address;
    this.emitChange(restarted ? { previous, current: address, restarted } : { previous, current: address });
  }

  private emitChange(change: LeaderChange): void {
    // A new leader (or a restarted one): its start time is learnt afresh by the next check.
    this.leaderStarted = undefined;
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch {
        // A listener's failure must not break the call that noticed the change.
      }
    }
  }

  private nextMeta(after: string): string {
    const i = this.metas.indexOf(after);
    return this.metas[(i + 1) % this.metas.length]!;
  }

  /** The forward address a follower's query_cfg reply carries (ERR_FORWARD_TO_OTHERS, src/meta/meta_service.cpp), preferring a configured spelling. */
  private forwardHint(resp: unknown): string | undefined {
    const parts = (resp as Partial<QueryCfgResponse>).partitions;
    const p = parts?.[0];
    if (!p) return undefined;
    const usable = (a: string | undefined): a is string => {
      if (!a) return false;
      try {
        splitHostPort(a);
        return true;
      } catch {
        return false; // e.g. port 0: not somewhere to send a call
      }
    };
    const candidates = [p.hpPrimary, p.primary].filter(usable);
    const known = candidates.find((a) => this.metas.includes(a));
    const hint = known ?? candidates[0];
    if (hint && !this.metas.includes(hint)) this.metas.push(hint);
    return hint;
  }

  /** Sends a leader-checked RPC, following forwards and retrying as described at the top. */
  private async invoke<Q, P extends { err: string }>(rpc: RpcDef<Q, P>, req: Q, opts: CallOptions): Promise<{ resp: P; address: string }> {
    const timeoutMs = Math.min(opts.timeoutMs ?? this.opts.timeoutMs ?? 10_000, 0x7fffffff);
    const deadline = Date.now() + timeoutMs;
    const maxAttempts = this.opts.maxAttempts ?? 8 + 4 * this.metas.length;
    const attemptTimeout = this.opts.attemptTimeoutMs ?? 5000;
    let delay = this.opts.retryDelayMs ?? 1000;
    const maxDelay = this.opts.maxRetryDelayMs ?? 8000;
    let target = this.leaderAddr ?? this.metas[0]!;
    let last: PegasusError | undefined;
    let visited = new Set<string>();
    // The latest outcome of each address in this call, for an error that names them all.
    const outcomes = new Map<string, PegasusError>();
    const backoff = async (): Promise<boolean> => {
      const wait = Math.min(delay, deadline - Date.now());
      if (wait <= 0) return false;
      await sleep(wait, opts.signal);
      delay = Math.min(delay * 2, maxDelay);
      return true;
    };
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (this.closed) throw new PegasusError(CLIENT_ERRORS.sessionReset, 'the meta client was closed', { kind: 'usage', rpc: rpc.name });
      if (opts.signal?.aborted)
        throw new PegasusError(CLIENT_ERRORS.cancelled, 'cancelled by the caller', { kind: 'transport', rpc: rpc.name, address: target });
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      // Every meta tried without finding a leader: wait before the next round (e.g. during an election).
      if (visited.has(target)) {
        if (!(await backoff())) break;
        visited = new Set();
      }
      visited.add(target);
      let resp: P;
      try {
        resp = await this.conn(target).call(rpc, req, {
          timeoutMs: Math.min(remaining, attemptTimeout),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
      } catch (e) {
        if (!(e instanceof PegasusError) || e.kind !== 'transport' || e.code === CLIENT_ERRORS.cancelled) throw e;
        last = e;
        outcomes.set(target, e);
        if (target === this.leaderAddr) this.leaderConfirmed = false;
        // Nothing listens on any meta of the list (refused, unreachable, unresolvable): waiting
        // for the timeout cannot help, so fail now and name every address with its cause.
        if (this.metas.every((m) => outcomes.get(m)?.code === CLIENT_ERRORS.networkFailure)) throw this.unreachable(rpc.name, outcomes);
        target = this.nextMeta(target);
        continue;
      }
      if (resp.err === 'ERR_FORWARD_TO_OTHERS') {
        last = new PegasusError(resp.err, `${target} is not the leader`, { kind: 'app', rpc: rpc.name, address: target });
        outcomes.set(target, last);
        if (target === this.leaderAddr) this.leaderConfirmed = false;
        const hint = this.forwardHint(resp);
        target = hint && hint !== target ? hint : this.nextMeta(target);
        continue;
      }
      if (RETRY_SAME.has(resp.err)) {
        last = new PegasusError(resp.err, `${target} is not ready`, { kind: 'app', rpc: rpc.name, address: target });
        outcomes.set(target, last);
        if (target === this.leaderAddr) this.leaderRestarting = true;
        if (!(await backoff())) break;
        visited = new Set();
        continue;
      }
      // A 2.5+ follower answers propose_balancer without forwarding: proposeBalancer decides who answered.
      if (!(rpc.name === RPC.proposeBalancer.name && FOLLOWER_MAYBE.has(resp.err))) this.setLeader(target);
      return { resp, address: target };
    }
    // Out of attempts before the deadline: the last failure's code; past the deadline: ERR_TIMEOUT,
    // unless the metas did answer (no leader / not ready), which says more than a timeout.
    const early = Date.now() < deadline;
    const answered =
      last?.code === 'ERR_FORWARD_TO_OTHERS' || last?.code === 'ERR_SERVICE_NOT_ACTIVE' || last?.code === 'ERR_UNDER_RECOVERY';
    const code = last && (early || answered) ? last.code : CLIENT_ERRORS.timeout;
    const failures = [...outcomes].map(([address, error]) => ({ address, error }));
    const summary = failures.map((f) => `${f.address}: ${f.error.code} ${f.error.detail}`).join('; ');
    const what = early ? `no meta leader answered after ${maxAttempts} attempts` : `no answer from a meta leader within ${timeoutMs} ms`;
    throw new PegasusError(code, `${what}${summary ? ` (${summary})` : ''}`, {
      kind: last?.kind ?? 'transport',
      rpc: rpc.name,
      address: last?.address ?? target,
      cause: last,
      osCode: last?.osCode,
      failures,
    });
  }

  /** The error for "every meta of the list refused / was unreachable". */
  private unreachable(rpc: string, outcomes: Map<string, PegasusError>): PegasusError {
    const failures = this.metas.map((address) => ({ address, error: outcomes.get(address)! }));
    const list = failures.map((f) => `${f.address}: ${f.error.detail.replace(/^cannot connect to \S+: /, '')}`).join('; ');
    return new PegasusError(CLIENT_ERRORS.networkFailure, `cannot connect to any of the ${failures.length} meta server(s): ${list}`, {
      kind: 'transport',
      rpc,
      address: this.metas.join(','),
      hint: 'check the meta server address list (host:port of each meta RPC port, 34601 by default) and that the meta servers are running and reachable from here',
      cause: failures[failures.length - 1]!.error,
      osCode: failures.every((f) => f.error.osCode === failures[0]!.error.osCode) ? failures[0]!.error.osCode : undefined,
      failures,
    });
  }
}

/** The start time in a `server-info` answer: `…, Started at <time>` (≤2.5) or JSON `start_time` (master). */
export function serverStartTime(info: RemoteCommandResult): string | undefined {
  if (!info.ok) return undefined;
  if (info.dialect === 'json') return info.fields?.start_time || undefined;
  return /Started at (.+)$/.exec(info.raw.trim())?.[1]?.trim() || undefined;
}

/** cluster_info's parallel key/value lists as one record. */
export function clusterInfoRecord(resp: ClusterInfoResponse): Record<string, string> {
  const out: Record<string, string> = {};
  resp.keys.forEach((k, i) => (out[k] = resp.values[i] ?? ''));
  return out;
}
