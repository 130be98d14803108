/**
 * The simulator's control API (its own HTTP port, JSON in and out): node and meta process control,
 * fault injection, ground truth (`GET /state`, `GET /metrics`, `GET /log`) and, in manual-clock
 * mode, `POST /advance`. Bodies are validated with zod; errors are JSON `{ "error": "…" }` naming
 * the problem and the fix. Documented in src/simulator/README.md.
 */
import * as http from 'node:http';
import * as z from 'zod';
import { describeZodError } from '../../cluster/profile';
import type { SimModel } from '../model/model';
import { appHealth, levels } from '../model/views';
import type { RealTimeDriver } from './driver';
import type { MetaServerGroup, ReplicaServerGroup } from './metaServer';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const faultsSchema = z
  .object({
    meta: z.string().optional(),
    delayMs: z.number().int().min(0).max(600_000).optional(),
    refuseConnections: z.boolean().optional(),
    dropConnections: z.boolean().optional(),
  })
  .strict();
const advanceSchema = z.object({ seconds: z.number().positive().max(1e7) }).strict();
/**
 * Meta process endpoints: `wait` answers only once the metas are back (in simulated time, so a
 * fast clock means a fast answer; the manual clock is run forward to that moment).
 */
const metaWaitSchema = z
  .object({
    wait: z.boolean().optional(),
    /** Simulated seconds to wait at most (default 600); 504 after that. */
    timeoutSeconds: z.number().positive().max(86_400).optional(),
  })
  .strict();
const metaReadySchema = metaWaitSchema.omit({ wait: true }).extend({ allMetas: z.boolean().optional() }).strict();
type Routed = { status: number; body: unknown };
const emptySchema = z.object({}).strict();

export interface ControlContext {
  model: SimModel;
  /** Resolves once `cond` holds (see waitFor); set by the control server. */
  waitFor?: (ready: Readiness, timeoutMs: number, what: string) => Promise<number>;
  metas: MetaServerGroup;
  /** Present when replica servers listen on their ports. */
  replicas: ReplicaServerGroup | null;
  driver: RealTimeDriver | null;
  /** Catch the clock up to wall time before reading or changing state. */
  sync(): void;
}

/** The whole simulator state as JSON (partition configs included unless `partitions` is false). */
export function stateOf(ctx: ControlContext, opts: { partitions: boolean; table?: string }): unknown {
  const m = ctx.model;
  const l = m.leader;
  const fv = m.freezeVerdict();
  const apps = opts.table ? m.apps.filter((a) => a.name === opts.table) : m.apps;
  if (opts.table && apps.length === 0) throw new HttpError(404, `no table '${opts.table}'; GET /state lists the tables`);
  return {
    version: m.cfg.version,
    seed: m.cfg.seed,
    simulatedSeconds: m.now / 1000,
    timeScale: ctx.driver?.timeScale ?? 0,
    leader: m.leaderAddress() || null,
    metas: m.metas.map((x, i) => ({
      address: x.address,
      up: x.up,
      listening: ctx.metas.listening(i),
      role: m.roleOf(i),
      livePercentage: x.livePct,
      minLiveNodeCount: x.minLive,
      faults: ctx.metas.faults[i],
    })),
    level: levels(m),
    freeze: fv,
    settings: l
      ? {
          assignDelayMs: l.assignDelayMs,
          assignSecondaryBlackList: l.blackList,
          addSecondaryEnableFlowControl: l.addSecondaryEnableFlowControl,
          addSecondaryMaxCountForOneNode: l.addSecondaryMaxCountForOneNode,
          balancerInTurn: l.balancerInTurn,
          onlyPrimaryBalancer: l.onlyPrimaryBalancer,
          onlyMovePrimary: l.onlyMovePrimary,
          ignoredApps: l.ignoredApps,
          balanceOperationCount: l.balanceCount,
        }
      : null,
    nodes: nodesOf(ctx),
    tables: apps.map((a) => ({
      id: a.id,
      name: a.name,
      partitionCount: a.partitionCount,
      replicas: a.maxReplicas,
      health: appHealth(a),
      partitions: opts.partitions
        ? a.partitions.map((p) => ({
            pidx: p.pidx,
            bytes: p.bytes,
            ballot: p.ballot,
            primary: p.primary >= 0 ? m.addr(p.primary) : null,
            secondaries: p.secondaries.map((s) => m.addr(s)),
            lastDrops: p.dropped.map((d) => m.addr(d.node)),
            pending: p.pending.length,
            inflight: p.inflight
              ? { type: p.inflight.step.type, node: m.addr(p.inflight.step.node), learning: p.inflight.learn !== null }
              : null,
          }))
        : undefined,
    })),
  };
}

/** Per node: process and meta status, replica counts, and the ground truth of its data and disk. */
function nodesOf(ctx: ControlContext): unknown[] {
  const m = ctx.model;
  const l = m.leader;
  m.syncLearns();
  const data = m.dataBytes();
  return m.nodes.map((n) => ({
    address: n.address,
    ...(n.host !== n.address ? { host: n.host } : {}),
    running: n.running,
    metaStatus: l ? (l.alive.has(n.idx) ? 'ALIVE' : l.dead.has(n.idx) ? 'UNALIVE' : 'unknown') : 'unknown',
    primaries: n.primaries,
    replicas: n.replicas,
    learning: n.learns.length,
    nfsCopyRateMb: n.nfsCopyRateMb,
    nfsSendRateMb: n.nfsSendRateMb,
    dataBytes: data[n.idx]!,
    diskTotalBytes: n.diskTotalBytes,
    diskAvailBytes: Math.max(0, n.diskTotalBytes - data[n.idx]!),
    ...(ctx.replicas ? { listening: ctx.replicas.listening(n.idx) } : {}),
  }));
}

export function metricsOf(ctx: ControlContext): unknown {
  const m = ctx.model;
  const gt = m.groundTruth();
  return {
    ...m.metrics,
    bytesCopied: Math.round(m.metrics.bytesCopied),
    simulatedSeconds: m.now / 1000,
    ...gt,
    frozen: m.freezeVerdict().frozen && m.leader !== null,
    logEntries: m.log.length + m.logDropped,
    driver: ctx.driver?.snapshot() ?? null,
  };
}

function findMeta(ctx: ControlContext, address: string): number {
  const i = ctx.model.metas.findIndex((x) => x.address === address || x.address.replace(/^127\.0\.0\.1:/, 'localhost:') === address);
  if (i < 0) throw new HttpError(404, `no meta server '${address}'; known: ${ctx.model.metas.map((x) => x.address).join(', ')}`);
  return i;
}

function findNode(ctx: ControlContext, address: string): number {
  const n = ctx.model.findNode(address);
  if (!n)
    throw new HttpError(
      404,
      `no replica server '${address}'; GET /state lists the nodes (e.g. ${ctx.model.nodes[0]?.address ?? '127.0.0.1:34801'})`,
    );
  return n.idx;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new HttpError(400, `bad ${what} body: ${describeZodError(r.error)}`);
  return r.data;
}

type Json = unknown;

/** What a wait waits for: the model's state (simulated time) and the sockets (wall time). */
export interface Readiness {
  model(): boolean;
  sockets(): boolean;
}

/** A leader that serves (past its start-up) and every wanted meta up; then their ports accept connections. */
function metasReady(ctx: ControlContext, metas: readonly number[]): Readiness {
  const m = ctx.model;
  return {
    model: () => m.leader !== null && m.roleOf(m.leader.meta) === 'leader' && metas.every((i) => m.metas[i]!.up),
    sockets: () => m.leader !== null && ctx.metas.listening(m.leader.meta) && metas.every((i) => ctx.metas.listening(i)),
  };
}

function metaAnswer(ctx: ControlContext, extra: Record<string, unknown>, waitedMs?: number): Record<string, unknown> {
  const m = ctx.model;
  return {
    ...extra,
    leader: m.leaderAddress() || null,
    simulatedSeconds: m.now / 1000,
    ...(waitedMs !== undefined ? { waitedSeconds: waitedMs / 1000 } : {}),
  };
}

/** Runs `act`, then (with `wait`) answers once `metas` are up and a leader serves. */
function metaOp(
  ctx: ControlContext,
  body: Json,
  what: string,
  metas: () => readonly number[],
  act: () => Record<string, unknown>,
): Routed | Promise<Routed> {
  const w = parse(metaWaitSchema, body, `POST ${what}`);
  const out = act();
  if (!w.wait) return { status: 200, body: metaAnswer(ctx, out) };
  return ctx.waitFor!(metasReady(ctx, metas()), (w.timeoutSeconds ?? 600) * 1000, what).then((ms) => ({
    status: 200,
    body: metaAnswer(ctx, { ...out, ...upOf(ctx, metas()) }, ms),
  }));
}

function upOf(ctx: ControlContext, metas: readonly number[]): Record<string, unknown> {
  return metas.length === 1 ? { up: ctx.model.metas[metas[0]!]!.up, role: ctx.model.roleOf(metas[0]!) } : {};
}

/** A path segment, decoded; a bad `%` escape is the client's mistake (400), not a server error. */
function decodePart(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, `bad percent escape in the path segment ${JSON.stringify(s.slice(0, 80))}: write % as %25`);
  }
}

export function route(ctx: ControlContext, method: string, url: URL, body: Json): Routed | Promise<Routed> {
  const m = ctx.model;
  const parts = url.pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map(decodePart);
  const ok = (b: Json): { status: number; body: Json } => ({ status: 200, body: b });
  const key = `${method} /${parts.join('/')}`;
  if (method === 'GET' && parts.length === 1 && parts[0] === 'state') {
    const p = url.searchParams.get('partitions');
    const table = url.searchParams.get('table') ?? undefined;
    const partitions = p === null ? m.partitions.length <= 20000 || table !== undefined : p === 'true' || p === '1';
    return ok(stateOf(ctx, { partitions, ...(table ? { table } : {}) }));
  }
  if (key === 'GET /metrics') return ok(metricsOf(ctx));
  if (key === 'GET /log') {
    const since = Number(url.searchParams.get('since') ?? '0');
    const kind = url.searchParams.get('kind');
    if (!Number.isFinite(since))
      throw new HttpError(400, `bad 'since' ${url.searchParams.get('since')}: expected simulated seconds, e.g. ?since=120`);
    return ok({ dropped: m.logDropped, entries: m.log.filter((e) => e.t >= since && (!kind || e.kind === kind)) });
  }
  if (method === 'POST' && parts[0] === 'nodes') {
    if (parts.length === 1) {
      parse(emptySchema, body, 'POST /nodes');
      const n = m.addNode();
      return ok({ address: n.address });
    }
    if (parts.length === 3 && (parts[2] === 'stop' || parts[2] === 'start' || parts[2] === 'restart')) {
      const idx = findNode(ctx, parts[1]!);
      if (parts[2] === 'stop') m.stopNode(idx);
      else if (parts[2] === 'start') m.startNode(idx);
      else {
        m.stopNode(idx);
        m.startNode(idx);
      }
      const n = m.nodes[idx]!;
      return ok({ address: n.address, running: n.running });
    }
  }
  if (method === 'POST' && parts[0] === 'meta') {
    if (key === 'POST /meta/leader/kill') {
      if (!m.leader)
        throw new HttpError(409, 'there is no meta leader to kill right now; wait for the election (GET /state shows the leader)');
      return metaOp(
        ctx,
        body,
        '/meta/leader/kill',
        () => [],
        () => ({ killed: m.killLeader() }),
      );
    }
    if (key === 'POST /meta/restart') {
      return metaOp(
        ctx,
        body,
        '/meta/restart',
        () => m.metas.map((_, i) => i),
        () => {
          m.restartAllMetas();
          return { restarted: m.metas.map((x) => x.address) };
        },
      );
    }
    if (key === 'POST /meta/wait') {
      const w = parse(metaReadySchema, body, 'POST /meta/wait');
      const metas = (): number[] => (w.allMetas ? m.metas.map((_, i) => i) : []);
      return ctx.waitFor!(metasReady(ctx, metas()), (w.timeoutSeconds ?? 600) * 1000, '/meta/wait').then((ms) =>
        ok(metaAnswer(ctx, {}, ms)),
      );
    }
    if (parts.length === 3 && ['restart', 'stop', 'start'].includes(parts[2]!)) {
      const i = findMeta(ctx, parts[1]!);
      const what = `/meta/${m.metas[i]!.address}/${parts[2]}`;
      // A stopped meta stays down: waiting then means "until a leader serves".
      return metaOp(
        ctx,
        body,
        what,
        () => (parts[2] === 'stop' ? [] : [i]),
        () => {
          if (parts[2] === 'restart') m.restartMeta(i);
          else if (parts[2] === 'stop') m.stopMeta(i);
          else m.startMeta(i);
          return { address: m.metas[i]!.address, up: m.metas[i]!.up };
        },
      );
    }
  }
  if (parts[0] === 'faults' && parts.length === 1) {
    if (method === 'DELETE') {
      for (const f of ctx.metas.faults) Object.assign(f, { delayMs: 0, refuseConnections: false });
      return ok({ faults: ctx.metas.faults });
    }
    if (method === 'POST') {
      const f = parse(faultsSchema, body, 'POST /faults');
      const targets = f.meta !== undefined ? [findMeta(ctx, f.meta)] : m.metas.map((_, i) => i);
      let dropped = 0;
      for (const i of targets) {
        const cur = ctx.metas.faults[i]!;
        if (f.delayMs !== undefined) cur.delayMs = f.delayMs;
        if (f.refuseConnections !== undefined) cur.refuseConnections = f.refuseConnections;
        if (f.dropConnections) dropped += ctx.metas.dropConnections(i);
      }
      return ok({ faults: ctx.metas.faults, droppedConnections: dropped });
    }
  }
  if (key === 'POST /advance') {
    if (ctx.driver?.running)
      throw new HttpError(409, 'the clock runs in real time (--time-scale); POST /advance works only with time scale 0 (manual clock)');
    const a = parse(advanceSchema, body, 'POST /advance');
    m.advance(a.seconds);
    return ok({ simulatedSeconds: m.now / 1000 });
  }
  throw new HttpError(
    404,
    `unknown endpoint ${method} ${url.pathname}; see the "Simulated cluster" section of the README (GET /state, GET /metrics, GET /log, POST /nodes, POST /nodes/{host:port}/stop|start|restart, POST /meta/leader/kill, POST /meta/restart, POST /meta/{host:port}/restart|stop|start, POST /meta/wait, POST|DELETE /faults, POST /advance)`,
  );
}

/** Polling period of a wait on the real-time clock (wall ms). */
const WAIT_POLL_MS = 5;
/** Wall time allowed for a meta's port to be bound again once the model says it is up. */
/** Control bodies are small JSON; anything bigger is refused with 413. */
const MAX_BODY_BYTES = 1 << 20;
/** Past this, reading on to answer 413 is not worth it: the connection is dropped. */
const MAX_DISCARD_BYTES = 64 << 20;
const LISTEN_GRACE_MS = 5000;

export class ControlServer {
  private server: http.Server | null = null;
  port = 0;
  /** Pending waits: closing the server fails them and clears their timers. */
  private readonly waits = new Set<{ timer: NodeJS.Timeout | null; fail: (e: Error) => void }>();

  constructor(private readonly ctx: ControlContext) {
    ctx.waitFor = (cond, timeoutMs, what) => this.waitFor(cond, timeoutMs, what);
  }

  /**
   * Resolves with the simulated ms waited once `ready.model` and `ready.sockets` hold. Manual
   * clock: runs the clock forward event by event (deterministic) until the model is ready, at most
   * `timeoutMs`; real-time clock: polls as simulated time passes. Either way the sockets then get
   * a moment of wall time (a port is bound again asynchronously).
   */
  private waitFor(ready: Readiness, timeoutMs: number, what: string): Promise<number> {
    const m = this.ctx.model;
    const start = m.now;
    const manual = !this.ctx.driver?.running;
    let modelReadyAt = -1;
    return new Promise<number>((resolve, reject) => {
      const w = { timer: null as NodeJS.Timeout | null, fail: (e: Error): void => done(e) };
      const done = (e: Error | null): void => {
        if (w.timer) clearTimeout(w.timer);
        w.timer = null;
        if (!this.waits.delete(w)) return;
        if (e) reject(e);
        else resolve(m.now - start);
      };
      this.waits.add(w);
      const step = (): void => {
        w.timer = null;
        try {
          this.ctx.sync();
          if (manual)
            while (!ready.model() && m.now - start < timeoutMs) m.clock.advanceTo(Math.min(m.clock.nextAt ?? Infinity, start + timeoutMs));
          if (ready.model()) {
            if (ready.sockets()) return done(null);
            if (modelReadyAt < 0) modelReadyAt = performance.now();
            else if (performance.now() - modelReadyAt > LISTEN_GRACE_MS)
              return done(
                new HttpError(
                  503,
                  `POST ${what}: the metas are up but a port could not be bound again; GET /state shows 'listening' per meta`,
                ),
              );
          } else if (m.now - start >= timeoutMs) {
            return done(
              new HttpError(
                504,
                `POST ${what}: no serving meta leader (with the restarted metas up) within ${timeoutMs / 1000} simulated s; GET /state shows the metas; pass a larger timeoutSeconds or clear the faults`,
              ),
            );
          }
          w.timer = setTimeout(step, WAIT_POLL_MS);
        } catch (e) {
          done(e as Error);
        }
      };
      step();
    });
  }

  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = http.createServer((req, res) => this.handle(req, res));
      srv.keepAliveTimeout = 1000;
      srv.once('error', reject);
      srv.listen(port, host, () => {
        srv.off('error', reject);
        this.server = srv;
        this.port = (srv.address() as { port: number }).port;
        resolve(this.port);
      });
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const send = (status: number, out: unknown, close = false): void => {
      const data = JSON.stringify(out);
      if (res.destroyed || res.headersSent) return;
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(data),
        ...(close ? { Connection: 'close' } : {}),
      });
      res.end(data);
    };
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Over the cap the rest is read and dropped (not kept), so the client gets its 413 instead of a reset.
      if (size <= MAX_BODY_BYTES) chunks.push(c);
      else if (size > MAX_DISCARD_BYTES) req.destroy();
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        send(413, { error: `the request body is ${size} bytes, over the ${MAX_BODY_BYTES}-byte limit: send less per request` }, true);
        return;
      }
      const fail = (e: unknown): void =>
        send(e instanceof HttpError ? e.status : 500, { error: e instanceof Error ? e.message : String(e) });
      try {
        const text = Buffer.concat(chunks).toString('utf8').trim();
        let body: unknown = {};
        if (text.length > 0) {
          try {
            body = JSON.parse(text);
          } catch {
            throw new HttpError(400, `the request body is not JSON: ${text.slice(0, 80)}`);
          }
        }
        this.ctx.sync();
        const r = route(this.ctx, req.method ?? 'GET', new URL(req.url ?? '/', 'http://control'), body);
        if (r instanceof Promise) r.then((x) => send(x.status, x.body), fail);
        else send(r.status, r.body);
      } catch (e) {
        fail(e);
      }
    });
  }

  async close(): Promise<void> {
    for (const w of [...this.waits]) w.fail(new HttpError(503, 'the simulator is shutting down'));
    const s = this.server;
    this.server = null;
    if (!s) return;
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  }
}
