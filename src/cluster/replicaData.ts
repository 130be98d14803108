/**
 * The replica-server reader: what each replica server says about its data (SST size per replica),
 * its disks and its learning (copy) counters, asked of every node with bounded concurrency and a
 * deadline per node. A node that does not answer, or answers something unusable, is listed in
 * `unknown` with a code; its figures are absent, never guessed.
 */
import type { MetaClientLike } from './client';
import { HttpFailure, httpGet } from './replicaHttp';
import {
  figuresFromPerfCounters,
  figuresFromSnapshot,
  parseBriefSnapshot,
  parsePerfCounterInfo,
  perfCounterPrefixes,
  replicaDataQuery,
  resourceFromPerfCounters,
  resourceFromSnapshot,
  resourceUsageQuery,
  RESOURCE_USAGE_PREFIXES,
  type LearningFigure,
  type Parsed,
  type ResourceFigure,
} from '../pegasus/replicaMetrics';

/** 2.6 = master's `/metrics`; 2.5 = perf counters through remote commands. */
export type ReplicaDialect = '2.5' | '2.6';

/**
 * The dialect a cluster's replica servers speak, from the nodes' `hp_*` host names as list_nodes
 * gives them: master lists them and serves `/metrics` (our 2.6); 2.5 and earlier list ip:port only.
 */
export function replicaDialectOf(hostPorts: Iterable<string | undefined>): ReplicaDialect {
  for (const h of hostPorts) if (h) return '2.6';
  return '2.5';
}

/** Why a node's figures are unknown. */
export type UnknownCode =
  'timeout' | 'unreachable' | 'aborted' | 'bad-address' | 'too-large' | 'http-status' | 'bad-body' | 'server-error' | 'no-transport';

export interface UnknownNode {
  readonly node: string;
  readonly code: UnknownCode;
  /** The server's or transport's own words (bounded), for logs and hovers. */
  readonly detail: string;
}

/** Pegasus "MB" is 2^20 bytes (`dsn::bytes::to_mb`). */
export const MB = 1 << 20;

export interface ReplicaSize {
  readonly node: string;
  readonly appId: number;
  readonly partitionIndex: number;
  /** SST bytes as reported (the server reports whole MB). */
  readonly bytes: number;
  readonly sstFiles?: number;
}

export interface DiskUse {
  readonly tag: string;
  readonly dataDir?: string;
  readonly totalBytes: number;
  readonly availBytes: number;
}

export interface NodeDisk {
  readonly node: string;
  readonly totalBytes: number;
  readonly availBytes: number;
  /** total − avail: everything on the disks, not only Pegasus data. */
  readonly usedBytes: number;
  readonly availTotalRatio: number;
  readonly availMinRatio: number;
  /** Per data directory; 2.6 only. */
  readonly disks?: readonly DiskUse[];
}

export type NodeLearning = LearningFigure & { readonly node: string };

export interface ReplicaData {
  readonly dialect: ReplicaDialect;
  /** Nodes that answered with usable figures. */
  readonly answered: readonly string[];
  readonly replicas: readonly ReplicaSize[];
  readonly disks: readonly NodeDisk[];
  readonly learning: readonly NodeLearning[];
  readonly unknown: readonly UnknownNode[];
  /** Epoch ms when the reading finished. */
  readonly readAt: number;
}

export interface ReaderOptions {
  readonly dialect: ReplicaDialect;
  /** Per node, for the whole exchange. Default 3000. */
  readonly timeoutMs?: number;
  /** Nodes asked at once. Default 16. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** 2.5: the remote command transport (the meta client reaches any server). */
  readonly remote?: Pick<MetaClientLike, 'remoteCommand'>;
  /** Cap on one `/metrics` body. Default 32 MiB. */
  readonly maxBodyBytes?: number;
}

export interface ReadReplicaDataOptions extends ReaderOptions {
  /** Only this table's replicas, with the shell's own app_disk query (no disks, no learning). */
  readonly tableId?: number;
}

export const DEFAULT_READER_TIMEOUT_MS = 3000;
export const DEFAULT_READER_CONCURRENCY = 16;
const DEFAULT_MAX_BODY = 32 * 1024 * 1024;
const MAX_DETAIL = 300;

type Outcome<T> = { ok: true; value: T } | { ok: false; code: UnknownCode; detail: string };

const clip = (s: string) => (s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL)}…` : s);

/** Runs `fn` for every item with at most `limit` in flight; results in input order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

function transportCode(e: unknown, signal: AbortSignal | undefined): { code: UnknownCode; detail: string } {
  if (e instanceof HttpFailure) return { code: e.code, detail: e.message };
  if (signal?.aborted) return { code: 'aborted', detail: 'aborted' };
  const code = String((e as { code?: unknown })?.code ?? '');
  const detail = e instanceof Error ? e.message : String(e);
  return { code: /TIMEOUT|TIMED_OUT/i.test(code) || /timed? ?out/i.test(detail) ? 'timeout' : 'unreachable', detail };
}

/** One node's exchange in the chosen dialect, within its deadline; never rejects. */
async function askNode<T>(
  node: string,
  opts: ReaderOptions,
  query: { path: string; prefixes: readonly string[] },
  fromBody: (body: string, dialect: ReplicaDialect) => Parsed<T>,
): Promise<Outcome<T>> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_READER_TIMEOUT_MS;
  const signal = opts.signal;
  if (signal?.aborted) return { ok: false, code: 'aborted', detail: 'aborted' };
  try {
    let body: string;
    if (opts.dialect === '2.6') {
      const r = await httpGet(node, query.path, { timeoutMs, maxBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY, signal });
      if (r.status !== 200) return { ok: false, code: 'http-status', detail: clip(`HTTP ${r.status}: ${r.body}`) };
      body = r.body;
    } else {
      if (!opts.remote) return { ok: false, code: 'no-transport', detail: 'no remote command transport for 2.5' };
      let timer: NodeJS.Timeout | undefined;
      // The transport has its own timeout; this deadline holds even if it does not honour it.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HttpFailure('timeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const r = await Promise.race([
          opts.remote.remoteCommand('perf-counters-by-prefix', query.prefixes, { address: node, timeoutMs, ...(signal ? { signal } : {}) }),
          deadline,
        ]);
        // e.g. `unknown command 'perf-counters-by-prefix'` from a server without perf counters (master).
        if (!r.ok) return { ok: false, code: 'server-error', detail: clip(r.error ?? r.raw) };
        body = r.raw;
      } finally {
        clearTimeout(timer);
      }
    }
    const parsed = fromBody(body, opts.dialect);
    return parsed.ok ? parsed : { ok: false, code: parsed.code, detail: clip(parsed.detail) };
  } catch (e) {
    const t = transportCode(e, signal);
    return { ok: false, code: t.code, detail: clip(t.detail) };
  }
}

function figuresOf(body: string, dialect: ReplicaDialect) {
  if (dialect === '2.6') {
    const s = parseBriefSnapshot(body);
    return s.ok ? { ok: true as const, value: figuresFromSnapshot(s.value) } : s;
  }
  const p = parsePerfCounterInfo(body);
  return p.ok ? { ok: true as const, value: figuresFromPerfCounters(p.value) } : p;
}

/**
 * Reads SST sizes per replica, disks per node and learning counters from every node in `nodes`
 * (2.6: host:port of the RPC port; 2.5: the address remote commands use). Never rejects for a
 * node's failure: that node is in `unknown`.
 */
export async function readReplicaData(nodes: readonly string[], opts: ReadReplicaDataOptions): Promise<ReplicaData> {
  const unique = [...new Set(nodes)];
  const query = { path: `/metrics?${replicaDataQuery(opts.tableId)}`, prefixes: perfCounterPrefixes(opts.tableId) };
  const outcomes = await pool(unique, opts.concurrency ?? DEFAULT_READER_CONCURRENCY, (n) => askNode(n, opts, query, figuresOf));
  const replicas: ReplicaSize[] = [];
  const disks: NodeDisk[] = [];
  const learning: NodeLearning[] = [];
  const unknown: UnknownNode[] = [];
  const answered: string[] = [];
  outcomes.forEach((o, i) => {
    const node = unique[i]!;
    if (!o.ok) {
      unknown.push({ node, code: o.code, detail: o.detail });
      return;
    }
    answered.push(node);
    for (const r of o.value.replicas) {
      if (r.sstMb === undefined) continue;
      replicas.push({
        node,
        appId: r.appId,
        partitionIndex: r.partitionIndex,
        bytes: Math.round(r.sstMb * MB),
        ...(r.sstFiles !== undefined ? { sstFiles: r.sstFiles } : {}),
      });
    }
    const d = o.value.disk;
    if (d) {
      const totalBytes = Math.round(d.totalMb * MB);
      const availBytes = Math.round(d.availMb * MB);
      disks.push({
        node,
        totalBytes,
        availBytes,
        usedBytes: Math.max(0, totalBytes - availBytes),
        availTotalRatio: d.availTotalRatio,
        availMinRatio: d.availMinRatio,
        ...(d.disks
          ? {
              disks: d.disks.map((x) => ({
                tag: x.tag,
                ...(x.dataDir !== undefined ? { dataDir: x.dataDir } : {}),
                totalBytes: Math.round(x.totalMb * MB),
                availBytes: Math.round(x.availMb * MB),
              })),
            }
          : {}),
      });
    }
    if (o.value.learning) learning.push({ node, ...o.value.learning });
  });
  return { dialect: opts.dialect, answered, replicas, disks, learning, unknown, readAt: Date.now() };
}

export type NodeResource = ResourceFigure & { readonly node: string };

export interface ResourceUsage {
  readonly dialect: ReplicaDialect;
  readonly usage: readonly NodeResource[];
  readonly unknown: readonly UnknownNode[];
}

/** What `nodes -u` prints, with each shell's own query (2.5 perf counters, master `/metrics`). */
export async function readResourceUsage(nodes: readonly string[], opts: ReaderOptions): Promise<ResourceUsage> {
  const unique = [...new Set(nodes)];
  const query = { path: `/metrics?${resourceUsageQuery()}`, prefixes: RESOURCE_USAGE_PREFIXES };
  const outcomes = await pool(unique, opts.concurrency ?? DEFAULT_READER_CONCURRENCY, (n) =>
    askNode<ResourceFigure>(n, opts, query, (body, dialect) => {
      if (dialect === '2.6') {
        const s = parseBriefSnapshot(body);
        return s.ok ? { ok: true, value: resourceFromSnapshot(s.value) } : s;
      }
      const p = parsePerfCounterInfo(body);
      return p.ok ? { ok: true, value: resourceFromPerfCounters(p.value) } : p;
    }),
  );
  const usage: NodeResource[] = [];
  const unknown: UnknownNode[] = [];
  outcomes.forEach((o, i) => {
    if (o.ok) usage.push({ node: unique[i]!, ...o.value });
    else unknown.push({ node: unique[i]!, code: o.code, detail: o.detail });
  });
  return { dialect: opts.dialect, usage, unknown };
}

/** Per node: SST bytes of all its replicas and how many replicas reported a size. */
export function dataBytesByNode(data: Pick<ReplicaData, 'replicas'>): Map<string, { bytes: number; replicas: number }> {
  const out = new Map<string, { bytes: number; replicas: number }>();
  for (const r of data.replicas) {
    const e = out.get(r.node) ?? { bytes: 0, replicas: 0 };
    e.bytes += r.bytes;
    e.replicas++;
    out.set(r.node, e);
  }
  return out;
}

/** Per table id: SST bytes over all its replicas (every copy counts: it is disk used). */
export function dataBytesByTable(data: Pick<ReplicaData, 'replicas'>): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of data.replicas) out.set(r.appId, (out.get(r.appId) ?? 0) + r.bytes);
  return out;
}
