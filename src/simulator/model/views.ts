/**
 * What each meta server answers, derived purely from the model: the RPC responses (as the wire
 * codec's decoded shapes) and the HTTP endpoints' status and body (upstream src/meta/meta_http_service.cpp). The server layer only
 * moves bytes; everything observable is decided here.
 */
import {
  AppStatus,
  NodeStatus,
  PatternMatchType,
  type AppInfo,
  type BalancerRequest,
  type BalancerResponse,
  type ClusterInfoResponse,
  type ControlMetaResponse,
  type ListAppsRequest,
  type ListAppsResponse,
  type ListNodesResponse,
  type PartitionConfiguration,
  type QueryCfgRequest,
  type QueryCfgResponse,
} from '../../pegasus/types';
import { addHealth, emptyHealthCounts, partitionHealth } from '../../cluster/health';
import { formatTime, nlohmannDump } from './commands';
import type { SimModel } from './model';
import { Level, levelName, type Partition, type SimApp } from './types';

const OK = 'ERR_OK';
const FORWARD = 'ERR_FORWARD_TO_OTHERS';
const NOT_ACTIVE = 'ERR_SERVICE_NOT_ACTIVE';

type Gate = 'serve' | typeof FORWARD | typeof NOT_ACTIVE;

function gate(model: SimModel, meta: number): Gate {
  const r = model.roleOf(meta);
  if (r === 'leader') return 'serve';
  if (r === 'leader-starting') return NOT_ACTIVE;
  return FORWARD;
}

const hp = (model: SimModel): boolean => model.cfg.version === '2.6';

// ------------------------------------------------------------------ RPC

export function listNodes(model: SimModel, meta: number, status: number): ListNodesResponse {
  const g = gate(model, meta);
  if (g !== 'serve') return { err: g, infos: [] };
  const infos = model
    .knownNodes()
    .filter((k) => status === NodeStatus.NS_INVALID || (status === NodeStatus.NS_ALIVE) === k.alive)
    .map((k) => {
      const n = model.nodes[k.idx]!;
      return {
        status: k.alive ? NodeStatus.NS_ALIVE : NodeStatus.NS_UNALIVE,
        address: n.address,
        ...(hp(model) ? { hpAddress: n.host } : {}),
      };
    });
  return { err: OK, infos };
}

export function appInfo(model: SimModel, a: SimApp): AppInfo {
  const info: AppInfo = {
    status: AppStatus.AS_AVAILABLE,
    appType: 'pegasus',
    appName: a.name,
    appId: a.id,
    partitionCount: a.partitionCount,
    envs: {},
    isStateful: true,
    maxReplicaCount: a.maxReplicas,
    expireSecond: 0,
    createSecond: a.createSecond,
    dropSecond: 0,
    duplicating: false,
    initPartitionCount: a.partitionCount,
    isBulkLoading: false,
  };
  if (hp(model)) info.atomicIdempotent = false;
  return info;
}

export function listApps(model: SimModel, meta: number, req: ListAppsRequest): ListAppsResponse {
  const g = gate(model, meta);
  if (g !== 'serve') return { err: g, infos: [] };
  let apps = model.apps.filter(() => req.status === AppStatus.AS_INVALID || req.status === AppStatus.AS_AVAILABLE);
  if (hp(model) && req.appNamePattern !== undefined && req.matchType !== undefined) {
    const pat = req.appNamePattern;
    const t = req.matchType;
    let match: ((n: string) => boolean) | null;
    switch (t) {
      case PatternMatchType.PMT_MATCH_ALL:
        match = () => true;
        break;
      case PatternMatchType.PMT_MATCH_EXACT:
        match = (n) => n === pat;
        break;
      case PatternMatchType.PMT_MATCH_ANYWHERE:
        match = (n) => n.includes(pat);
        break;
      case PatternMatchType.PMT_MATCH_PREFIX:
        match = (n) => n.startsWith(pat);
        break;
      case PatternMatchType.PMT_MATCH_POSTFIX:
        match = (n) => n.endsWith(pat);
        break;
      default:
        match = null;
    }
    if (!match) return { err: 'ERR_INVALID_PARAMETERS', infos: [], hintMessage: `pattern match type ${t} is not supported` };
    apps = apps.filter((a) => match(a.name));
  }
  return { err: OK, infos: apps.map((a) => appInfo(model, a)) };
}

export function partitionConfig(model: SimModel, p: Partition): PartitionConfiguration {
  const a = (i: number): string => model.nodes[i]!.address;
  const pc: PartitionConfiguration = {
    pid: { appId: p.app.id, partitionIndex: p.pidx },
    ballot: p.ballot,
    maxReplicaCount: p.maxReplicas,
    primary: p.primary >= 0 ? a(p.primary) : '',
    secondaries: p.secondaries.map(a),
    lastDrops: p.dropped.map((d) => a(d.node)),
    lastCommittedDecree: p.lastCommittedDecree,
    partitionFlags: 0,
  };
  if (hp(model)) {
    const h = (i: number): string => model.nodes[i]!.host;
    pc.hpPrimary = p.primary >= 0 ? h(p.primary) : '';
    pc.hpSecondaries = p.secondaries.map(h);
    pc.hpLastDrops = p.dropped.map((d) => h(d.node));
  }
  return pc;
}

export function queryConfig(model: SimModel, meta: number, req: QueryCfgRequest): QueryCfgResponse {
  const g = gate(model, meta);
  if (g === FORWARD) {
    // A follower that knows the leader puts it in partitions[0].primary (and hp_primary on master).
    const leader = model.leaderAddress();
    const partitions: PartitionConfiguration[] = [];
    if (leader) {
      const pc: PartitionConfiguration = {
        pid: { appId: 0, partitionIndex: 0 },
        ballot: 0,
        maxReplicaCount: 0,
        primary: leader,
        secondaries: [],
        lastDrops: [],
        lastCommittedDecree: 0,
        partitionFlags: 0,
      };
      if (hp(model)) pc.hpPrimary = leader;
      partitions.push(pc);
    }
    return { err: FORWARD, appId: 0, partitionCount: 0, isStateful: false, partitions };
  }
  if (g === NOT_ACTIVE) return { err: NOT_ACTIVE, appId: 0, partitionCount: 0, isStateful: false, partitions: [] };
  const app = model.apps.find((a) => a.name === req.appName);
  if (!app) return { err: 'ERR_OBJECT_NOT_FOUND', appId: 0, partitionCount: 0, isStateful: false, partitions: [] };
  const valid = req.partitionIndices.filter((i) => i >= 0 && i < app.partitionCount);
  const parts = valid.length > 0 ? valid.map((i) => app.partitions[i]!) : app.partitions;
  return {
    err: OK,
    appId: app.id,
    partitionCount: app.partitionCount,
    isStateful: true,
    partitions: parts.map((p) => partitionConfig(model, p)),
  };
}

export function balanceCountString(model: SimModel): string {
  const c = model.leader?.balanceCount ?? { move_pri: 0, copy_pri: 0, copy_sec: 0, total: 0 };
  return hp(model)
    ? nlohmannDump({ copy_pri: c.copy_pri, copy_sec: c.copy_sec, move_pri: c.move_pri, total: c.total })
    : `move_pri=${c.move_pri},copy_pri=${c.copy_pri},copy_sec=${c.copy_sec},total=${c.total}`;
}

function stddev(xs: number[]): string {
  if (xs.length === 0) return '0.00';
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.reduce((s, x) => s + (x - mean) * (x - mean), 0) / xs.length;
  const d = Math.sqrt(v);
  return Math.abs(d) < 1e-6 ? '0.00' : d.toFixed(2);
}

/** The cluster_info rows in order (RPC: 9 keys incl. cluster_name; HTTP /meta/cluster: the first 8). */
export function clusterInfoRows(model: SimModel, meta: number): [string, string][] {
  const alive = model.leader ? [...model.leader.alive] : [];
  const lvl = levelName(model.effectiveLevel());
  return [
    ['meta_servers', model.metas.map((m) => m.address).join(',')],
    ['primary_meta_server', model.metas[meta]!.address],
    ['zookeeper_hosts', '127.0.0.1:22181'],
    ['zookeeper_root', `/pegasus/${model.cfg.clusterName}`],
    ['meta_function_level', lvl === 'invalid' ? 'stopped' : lvl],
    ['balance_operation_count', balanceCountString(model)],
    ['primary_replica_count_stddev', stddev(alive.map((a) => model.nodes[a]!.primaries))],
    ['total_replica_count_stddev', stddev(alive.map((a) => model.nodes[a]!.replicas))],
    ['cluster_name', model.cfg.clusterName],
  ];
}

export function clusterInfo(model: SimModel, meta: number): ClusterInfoResponse {
  const g = gate(model, meta);
  if (g !== 'serve') return { err: g, keys: [], values: [] };
  const rows = clusterInfoRows(model, meta);
  return { err: OK, keys: rows.map((r) => r[0]), values: rows.map((r) => r[1]) };
}

export function controlMeta(model: SimModel, meta: number, level: number): ControlMetaResponse {
  const g = gate(model, meta);
  if (g !== 'serve') return { err: g, oldLevel: 0 };
  return { err: OK, oldLevel: model.controlMetaLevel(level) };
}

export function proposeBalancer(model: SimModel, meta: number, req: BalancerRequest): BalancerResponse {
  // From 2.5 on the app is looked up before the leader check, and a follower holds no apps: it
  // answers "no such app" for every app_id, in the version's words (2.5 reuses the generic code).
  const noApp = model.cfg.version === '2.5' ? 'ERR_INVALID_PARAMETERS' : 'ERR_APP_NOT_EXIST';
  const g = gate(model, meta);
  if (g === FORWARD) return { err: noApp };
  if (g === NOT_ACTIVE) return { err: NOT_ACTIVE };
  const app = model.apps.find((a) => a.id === req.gpid.appId);
  if (!app) return { err: noApp };
  const resolve = (addr: string | undefined, hpAddr: string | undefined): number | null => {
    const a = addr || hpAddr || '';
    if (a === '') return -1;
    const n = model.findNode(a);
    return n ? n.idx : null;
  };
  const actions: { target: number; node: number; type: number }[] = [];
  for (const act of req.actionList) {
    const target = resolve(act.target, act.hpTarget);
    const node = resolve(act.node, act.hpNode);
    if (target === null || node === null) return { err: 'ERR_INVALID_PARAMETERS' };
    actions.push({ target, node, type: act.type });
  }
  return { err: model.proposeBalancer(req.gpid.appId, req.gpid.partitionIndex, actions, req.force === true) };
}

// ------------------------------------------------------------------ shell-style health (src/cluster/health.ts)

export interface AppHealth {
  fully_healthy: number;
  unhealthy: number;
  write_unhealthy: number;
  read_unhealthy: number;
}

/** The counters `app -d` / `ls -d` print, by the shell's rule, in the wire's snake_case. */
export function appHealth(a: SimApp): AppHealth {
  const c = emptyHealthCounts();
  for (const p of a.partitions) addHealth(c, partitionHealth(p.primary >= 0, p.secondaries.length, p.maxReplicas));
  return { fully_healthy: c.fullyHealthy, unhealthy: c.unhealthy, write_unhealthy: c.writeUnhealthy, read_unhealthy: c.readUnhealthy };
}

// ------------------------------------------------------------------ HTTP

export interface HttpAnswer {
  status: 200 | 307 | 400 | 404 | 500;
  body: string;
  location?: string;
}

const json = (o: unknown): string => JSON.stringify(o) + '\n';
const ok = (o: unknown): HttpAnswer => ({ status: 200, body: json(o) });

const ALLOWED: Record<string, readonly string[]> = {
  'meta/cluster': [],
  'meta/nodes': ['detail'],
  'meta/apps': ['detail'],
  'meta/app': ['name', 'detail'],
  'meta/app_envs': ['name'],
};

/** `path` as sent (may include the query); decoding and splitting as the rDSN HTTP server does. */
export function handleHttp(model: SimModel, meta: number, method: string, rawPath: string): HttpAnswer {
  const qi = rawPath.indexOf('?');
  const pathPart = qi >= 0 ? rawPath.slice(0, qi) : rawPath;
  const queryPart = qi >= 0 ? rawPath.slice(qi + 1) : '';
  let path: string;
  try {
    path = decodeURIComponent(pathPart)
      .split('/')
      .filter((s) => s.length > 0)
      .join('/');
  } catch {
    return { status: 400, body: '' };
  }
  const query = new Map<string, string>();
  for (const kv of queryPart.split('&').filter((s) => s.length > 0)) {
    const eq = kv.indexOf('=');
    const k = decodeSafe(eq >= 0 ? kv.slice(0, eq) : kv);
    const v = decodeSafe(eq >= 0 ? kv.slice(eq + 1) : '');
    if (query.has(k) && hp(model)) return { status: 400, body: 'duplicate parameter' };
    query.set(k, v);
  }
  const v = model.versionInfo();
  switch (path) {
    case '':
      return ok({
        '/': 'ip:port/',
        '/version': 'ip:port/version',
        '/recentStartTime': 'ip:port/recentStartTime',
        '/meta/cluster': 'ip:port/meta/cluster',
        '/meta/nodes': 'ip:port/meta/nodes[?detail]',
        '/meta/apps': 'ip:port/meta/apps[?detail]',
        '/meta/app': 'ip:port/meta/app?name=<app_name>[&detail]',
        '/config': 'ip:port/config?name=<config_name>',
        '/configs': 'ip:port/configs',
        '/updateConfig': 'ip:port/updateConfig?<key>=<value>',
      });
    case 'version':
      return ok({ Version: v.version, GitCommit: v.gitSha });
    case 'recentStartTime':
      return ok({ RecentStartTime: formatTime(model.epochMs + model.metas[meta]!.startedAt) });
    case 'updateConfig':
      return updateConfig(model, meta, query);
    case 'config':
    case 'configs':
      return configView(model, meta, path, query);
    case 'metrics':
      if (method !== 'GET') return { status: 400, body: json({ error_message: 'only GET method is supported' }) };
      return hp(model)
        ? ok({
            cluster: model.cfg.clusterName,
            role: 'meta',
            host: model.metas[meta]!.address.split(':')[0],
            port: Number(model.metas[meta]!.address.split(':')[1]),
            timestamp_ns: (model.epochMs + model.now) * 1e6,
            entities: [],
          })
        : ok([]);
  }
  const allowed = ALLOWED[path];
  if (!allowed) return { status: 404, body: `service not found for "/${path}"` };
  for (const k of query.keys()) if (!allowed.includes(k)) return { status: 400, body: '' };
  const role = model.roleOf(meta);
  if (role === 'follower') {
    const leader = model.leaderAddress() || (hp(model) ? 'invalid host_port' : 'invalid address');
    const qs = [...query.entries()].map(([k, val]) => `${k}=${val}`).join('&');
    return { status: 307, body: '', location: `http://${leader}/${path}${qs ? `?${qs}` : ''}` };
  }
  const detail = query.has('detail');
  switch (path) {
    case 'meta/cluster':
      return ok(Object.fromEntries(clusterInfoRows(model, meta).slice(0, 8)));
    case 'meta/nodes':
      return ok(nodesView(model, detail));
    case 'meta/apps':
      return ok(appsView(model, detail));
    case 'meta/app_envs': {
      const app = model.apps.find((a) => a.name === query.get('name'));
      if (!app) return { status: 404, body: `table not found: "${query.get('name') ?? ''}"` };
      return ok({}); // the simulated tables carry no envs
    }
    default: {
      const name = query.get('name');
      if (name === undefined) return { status: 400, body: '' };
      if (name === '' && hp(model)) return { status: 400, body: "app name shouldn't be empty" };
      const app = model.apps.find((a) => a.name === name);
      if (!app) return { status: 404, body: `table not found: "${name}"` };
      return ok(appView(model, app, detail));
    }
  }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function nodesView(model: SimModel, detail: boolean): unknown {
  const known = model.knownNodes();
  const rows = known.map((k) => ({ n: model.nodes[k.idx]!, alive: k.alive }));
  const id = (i: number): string => model.ident(i);
  rows.sort((a, b) => (id(a.n.idx) < id(b.n.idx) ? -1 : id(a.n.idx) > id(b.n.idx) ? 1 : 0));
  const details: Record<string, Record<string, string>> = {};
  for (const { n, alive } of rows) {
    const row: Record<string, string> = { address: id(n.idx), status: alive ? 'ALIVE' : 'UNALIVE' };
    if (detail) {
      row.replica_count = String(n.replicas);
      row.primary_count = String(n.primaries);
      row.secondary_count = String(n.replicas - n.primaries);
    }
    details[id(n.idx)] = row;
  }
  const aliveCount = known.filter((k) => k.alive).length;
  return {
    details,
    summary: {
      total_node_count: String(known.length),
      alive_node_count: String(aliveCount),
      unalive_node_count: String(known.length - aliveCount),
    },
  };
}

function appsView(model: SimModel, detail: boolean): unknown {
  const general: Record<string, Record<string, string>> = {};
  for (const a of model.apps) {
    general[String(a.id)] = {
      app_id: String(a.id),
      status: 'AVAILABLE',
      app_name: a.name,
      app_type: 'pegasus',
      partition_count: String(a.partitionCount),
      replica_count: String(a.maxReplicas),
      is_stateful: 'true',
      create_time: formatTime(a.createSecond * 1000, true),
      drop_time: '-',
      drop_expire: '-',
      envs_count: '0',
    };
  }
  const out: Record<string, unknown> = { general_info: general };
  const summary: Record<string, string> = { total_app_count: String(model.apps.length) };
  if (detail) {
    const hi: Record<string, Record<string, string>> = {};
    let fh = 0;
    let uh = 0;
    let wu = 0;
    let ru = 0;
    for (const a of model.apps) {
      const h = appHealth(a);
      hi[String(a.id)] = {
        app_id: String(a.id),
        app_name: a.name,
        partition_count: String(a.partitionCount),
        fully_healthy: String(h.fully_healthy),
        unhealthy: String(h.unhealthy),
        write_unhealthy: String(h.write_unhealthy),
        read_unhealthy: String(h.read_unhealthy),
      };
      if (h.fully_healthy === a.partitionCount) fh++;
      else uh++;
      if (h.write_unhealthy > 0) wu++;
      if (h.read_unhealthy > 0) ru++;
    }
    out.healthy_info = hi;
    Object.assign(summary, {
      fully_healthy_app_count: String(fh),
      unhealthy_app_count: String(uh),
      write_unhealthy_app_count: String(wu),
      read_unhealthy_app_count: String(ru),
    });
  }
  out.summary = summary;
  return out;
}

function appView(model: SimModel, a: SimApp, detail: boolean): unknown {
  const out: Record<string, unknown> = {
    general: {
      app_name: a.name,
      app_id: String(a.id),
      partition_count: String(a.partitionCount),
      max_replica_count: String(a.maxReplicas),
    },
  };
  if (!detail) return out;
  const replicas: Record<string, Record<string, string>> = {};
  for (const p of a.partitions) {
    const rc = (p.primary >= 0 ? 1 : 0) + p.secondaries.length;
    replicas[String(p.pidx)] = {
      pidx: String(p.pidx),
      ballot: String(p.ballot),
      replica_count: `${rc}/${p.maxReplicas}`,
      primary: p.primary >= 0 ? model.ident(p.primary) : '-',
      secondaries: `[${p.secondaries.map((s) => model.ident(s)).join(',')}]`,
    };
  }
  const nodes: Record<string, Record<string, string>> = {};
  let tp = 0;
  let ts = 0;
  const idxs = model.nodes.filter((n) => (a.rep[n.idx] ?? 0) > 0).sort((x, y) => (model.ident(x.idx) < model.ident(y.idx) ? -1 : 1));
  for (const n of idxs) {
    const pr = a.prim[n.idx] ?? 0;
    const rep = a.rep[n.idx] ?? 0;
    nodes[model.ident(n.idx)] = { node: model.ident(n.idx), primary: String(pr), secondary: String(rep - pr), total: String(rep) };
    tp += pr;
    ts += rep - pr;
  }
  nodes.total = { node: 'total', primary: String(tp), secondary: String(ts), total: String(tp + ts) };
  const h = appHealth(a);
  out.replicas = replicas;
  out.nodes = nodes;
  out.healthy = {
    fully_healthy_partition_count: String(h.fully_healthy),
    unhealthy_partition_count: String(h.unhealthy),
    write_unhealthy_partition_count: String(h.write_unhealthy),
    read_unhealthy_partition_count: String(h.read_unhealthy),
  };
  return out;
}

interface FlagDesc {
  name: string;
  section: string;
  type: string;
  mutable: boolean;
  description: string;
  value: (model: SimModel, meta: number) => string;
}

const FLAGS: FlagDesc[] = [
  {
    name: 'min_live_node_count_for_unfreeze',
    section: 'meta_server',
    type: 'FV_UINT64',
    mutable: true,
    description: 'minimum live node count without which the state is freezed',
    value: (m, i) => String(m.metas[i]!.minLive),
  },
  {
    name: 'node_live_percentage_threshold_for_update',
    section: 'meta_server',
    type: 'FV_INT32',
    mutable: false,
    description: 'If live_node_count * 100 < total_node_count * node_live_percentage_threshold_for_update, then freeze the cluster.',
    value: (m) => String(m.cfg.livePercentage),
  },
  {
    name: 'replica_assign_delay_ms_for_dropouts',
    section: 'meta_server',
    type: 'FV_INT64',
    mutable: false,
    description: 'The delay milliseconds to dropout replicas assign',
    value: (m) => String(m.cfg.assignDelayMs),
  },
  {
    name: 'meta_function_level_on_start',
    section: 'meta_server',
    type: 'FV_STRING',
    mutable: false,
    description: 'meta function level on start',
    value: (m) => m.cfg.levelOnStart,
  },
  {
    name: 'fd_lease_seconds',
    section: 'replication',
    type: 'FV_INT32',
    mutable: false,
    description: 'lease (seconds) get from remote FD master',
    value: (m) => String(m.cfg.fdLeaseSeconds),
  },
  {
    name: 'fd_grace_seconds',
    section: 'replication',
    type: 'FV_INT32',
    mutable: false,
    description: 'grace (seconds) assigned to remote FD slaves (grace > lease)',
    value: (m) => String(m.cfg.fdGraceSeconds),
  },
  {
    name: 'lb_interval_ms',
    section: 'replication',
    type: 'FV_INT32',
    mutable: false,
    description: 'every this period(ms) the meta server will do load balance',
    value: (m) => String(m.cfg.lbIntervalMs),
  },
];

function flagRow(f: FlagDesc, model: SimModel, meta: number): Record<string, string> {
  return {
    name: f.name,
    section: f.section,
    type: f.type,
    tags: f.mutable ? 'flag_tag::FT_MUTABLE' : '',
    description: f.description,
    value: f.value(model, meta),
  };
}

function configView(model: SimModel, meta: number, path: string, query: Map<string, string>): HttpAnswer {
  if (path === 'configs') return ok(Object.fromEntries(FLAGS.map((f) => [f.name, flagRow(f, model, meta)])));
  const name = query.get('name') ?? '';
  if (name === '') return { status: 400, body: "name shouldn't be empty" };
  const f = FLAGS.find((x) => x.name === name);
  if (!f) return { status: 200, body: `ERR_OBJECT_NOT_FOUND: '${name}' is not found` };
  return ok(flagRow(f, model, meta));
}

function updateConfig(model: SimModel, meta: number, query: Map<string, string>): HttpAnswer {
  if (query.size !== 1)
    return { status: 400, body: json({ update_status: 'ERR_INVALID_PARAMETERS: there should be exactly one config to be updated once' }) };
  const [name, value] = [...query.entries()][0]!;
  const f = FLAGS.find((x) => x.name === name);
  if (!f) return ok({ update_status: `ERR_OBJECT_NOT_FOUND: ${name} is not found` });
  if (!f.mutable) return ok({ update_status: `ERR_INVALID_PARAMETERS: ${name} is not mutable` });
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0)
    return ok({ update_status: `ERR_INVALID_PARAMETERS: ${name} change failed, value(${value}) is invalid` });
  model.metas[meta]!.minLive = n;
  model.logSetting(name, n, meta);
  return ok({ update_status: 'ERR_OK' });
}

/** Level names for /state, with the auto-freeze made explicit. */
export function levels(model: SimModel): { stored: string; effective: string } {
  const l = model.leader;
  return { stored: l ? levelName(l.storedLevel) : 'none', effective: l ? levelName(model.effectiveLevel()) : 'none' };
}

export { Level };
