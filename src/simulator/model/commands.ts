/**
 * Meta remote commands (RPC_CLI_CLI_CALL) with each version's exact output: 2.5 prints text
 * (`OK`, `set ok`, `total=3`), 2.6/master prints nlohmann `dump(2)` JSON (2-space indent, sorted
 * keys). Followers only know the commands registered before the leader lock.
 */
import type { SimModel } from './model';
import type { LeaderState } from './types';

type Out = string;

/** nlohmann::json::dump(2) with sorted keys (std::map); no trailing newline. */
export function nlohmannDump(obj: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) sorted[k] = obj[k];
  return JSON.stringify(sorted, null, 2);
}

const LEADER_ONLY = new Set([
  'meta.lb.balancer_in_turn',
  'meta.lb.only_primary_balancer',
  'meta.lb.only_move_primary',
  'meta.lb.get_balance_operation_count',
  'meta.lb.ignored_app_list',
  'meta.lb.assign_delay_ms',
  'meta.lb.assign_secondary_black_list',
  'meta.dump',
  'meta.lb.add_secondary_enable_flow_control',
  'meta.lb.add_secondary_max_count_for_one_node',
]);

const HELP: Record<string, [string, string]> = {
  help: ['Display help information', '[command]'],
  'server-info': ['Query server information', ''],
  'server-stat': ['Query selected perf counters', ''],
  'config-dump': ['Dump all configurations to a server local path or to stdout', '[target_file]'],
  'flush-log': ['Flush log to stderr or file', ''],
  'fd.allow_list': ['Show the allow list of failure detector', ''],
  'meta.live_percentage': ['node live percentage threshold for update', '[num | DEFAULT]'],
  'meta.lb.balancer_in_turn': ['control whether do app balancer in turn', '<true|false>'],
  'meta.lb.only_primary_balancer': ['control whether do only primary balancer', '<true|false>'],
  'meta.lb.only_move_primary': ['control whether only move primary in balancer', '<true|false>'],
  'meta.lb.get_balance_operation_count': ['get balance operation count', '[total | move_pri | copy_pri | copy_sec | detail]'],
  'meta.lb.ignored_app_list': ['set, get and clear balancer ignored_app_list', '<get|set|clear> [set_app_id1,set_app_id2,...]'],
  'meta.lb.assign_delay_ms': ['control the replica_assign_delay_ms_for_dropouts config', '[num | DEFAULT]'],
  'meta.lb.assign_secondary_black_list': ['control the assign secondary black list', '[host1:port,host2:port,...|clear]'],
  'meta.dump': ['dump app_states of meta server to local file', '<file>'],
  'meta.lb.add_secondary_enable_flow_control': ['control whether enable add secondary flow control', '<true|false>'],
  'meta.lb.add_secondary_max_count_for_one_node': ['control the max count to add secondary for one node', '[num | DEFAULT]'],
};

export function runRemoteCommand(model: SimModel, meta: number, cmd: string, args: readonly string[]): Out {
  const json = model.cfg.version === '2.6';
  const isLeader = model.leader !== null && model.leader.meta === meta;
  const known = cmd in HELP || cmd === 'h' || cmd === 'H' || cmd === 'Help';
  if (!known || (LEADER_ONLY.has(cmd) && !isLeader)) return `unknown command '${cmd}'`;
  const l = model.leader!;
  switch (cmd) {
    case 'help':
    case 'h':
    case 'H':
    case 'Help':
      return help(args, json, isLeader);
    case 'server-info': {
      const v = model.versionInfo();
      const started = formatTime(model.epochMs + model.metas[meta]!.startedAt);
      return json
        ? JSON.stringify({ build_type: 'Release', git_SHA: v.gitSha, start_time: started, version: v.version })
        : `Pegasus Server ${v.version} (${v.gitSha}) Release, Started at ${started}`;
    }
    case 'server-stat':
      return json ? nlohmannDump({ error: 'ok' }) : 'OK';
    case 'flush-log':
      return json ? nlohmannDump({ error: 'ok' }) : 'Flush done.';
    case 'config-dump':
      return configDump(model);
    case 'fd.allow_list':
      return json ? nlohmannDump({ error: 'ok', allow_list: '' }) : 'allow list: ';
    case 'meta.live_percentage':
      return intCommand(model, meta, json, cmd, args, {
        get: () => model.metas[meta]!.livePct,
        set: (v) => (model.metas[meta]!.livePct = v),
        def: model.cfg.livePercentage,
        valid25: (v) => v >= 0,
        valid26: (v) => v >= 0 && v <= 100,
      });
    case 'meta.lb.assign_delay_ms':
      return intCommand(model, meta, json, cmd, args, {
        get: () => l.assignDelayMs,
        set: (v) => (l.assignDelayMs = v),
        def: model.cfg.assignDelayMs,
        valid25: (v) => v > 0 && v <= 2147483647,
        valid26: (v) => v >= 0,
      });
    case 'meta.lb.add_secondary_max_count_for_one_node':
      return intCommand(model, meta, json, cmd, args, {
        get: () => l.addSecondaryMaxCountForOneNode,
        set: (v) => (l.addSecondaryMaxCountForOneNode = v),
        def: model.cfg.addSecondaryMaxCountForOneNode,
        valid25: (v) => v >= 0,
        valid26: (v) => v >= 0,
      });
    case 'meta.lb.only_move_primary':
      return boolCommand(model, meta, json, cmd, args, l, 'onlyMovePrimary');
    case 'meta.lb.only_primary_balancer':
      return boolCommand(model, meta, json, cmd, args, l, 'onlyPrimaryBalancer');
    case 'meta.lb.balancer_in_turn':
      return boolCommand(model, meta, json, cmd, args, l, 'balancerInTurn');
    case 'meta.lb.add_secondary_enable_flow_control':
      return boolCommand(model, meta, json, cmd, args, l, 'addSecondaryEnableFlowControl');
    case 'meta.lb.assign_secondary_black_list':
      return blackList(model, meta, json, args, l);
    case 'meta.lb.ignored_app_list':
      return ignoredApps(model, meta, json, args, l);
    case 'meta.lb.get_balance_operation_count':
      return balanceCount(json, args, l);
    case 'meta.dump':
      return (json ? args.length === 1 : args.length === 2 && args[0] === '-t') ? 'ERR_OK' : 'ERR_INVALID_PARAMETERS';
    default:
      return `unknown command '${cmd}'`;
  }
}

function help(args: readonly string[], json: boolean, isLeader: boolean): Out {
  const names = Object.keys(HELP).filter((k) => isLeader || !LEADER_ONLY.has(k));
  if (args.length > 0) {
    const c = args[0]!;
    const h = HELP[c];
    if (!h || (!isLeader && LEADER_ONLY.has(c))) return json ? `cannot find command '${c}'` : `unknown command '${c}'`;
    return json ? `${c} - ${h[0]}\n${c} ${h[1]}\n` : `${c}: ${h[0]}\n${h[1]}\n`;
  }
  const lines: string[] = [];
  for (const k of names.sort()) {
    if (json) lines.push(k === 'help' ? `H|Help|h|help - ${HELP[k]![0]}` : `${k} - ${HELP[k]![0]}`);
    else if (k === 'help') for (const a of ['H', 'Help', 'h', 'help']) lines.push(`${a}: ${HELP[k]![0]}`);
    else lines.push(`${k}: ${HELP[k]![0]}`);
  }
  return lines.sort().join('\n') + '\n';
}

interface IntSpec {
  get(): number;
  set(v: number): void;
  def: number;
  valid25(v: number): boolean;
  valid26(v: number): boolean;
}

function parseIntStrict(s: string): number | null {
  return /^-?\d+$/.test(s) ? Number(s) : null;
}

function intCommand(
  model: SimModel,
  meta: number,
  json: boolean,
  name: string,
  args: readonly string[],
  spec: IntSpec,
  log: (v: unknown) => void = (v) => model.logSetting(name, v, meta),
): Out {
  if (args.length === 0) return json ? nlohmannDump({ error: 'ok', [name]: String(spec.get()) }) : String(spec.get());
  if (json && args.length > 1)
    return nlohmannDump({ error: `ERR: invalid arguments '${args.join(' ')}', only one argument is acceptable` });
  const a = args[0]!;
  if (a === 'DEFAULT') {
    spec.set(spec.def);
    log('DEFAULT');
    return json ? nlohmannDump({ error: 'ok', [name]: spec.def }) : 'OK';
  }
  const v = parseIntStrict(a);
  if (json) {
    if (v === null || !spec.valid26(v)) return nlohmannDump({ error: `ERR: invalid argument '${a}', the value is not acceptable` });
  } else if (v === null || !spec.valid25(v)) {
    return 'ERR: invalid arguments';
  }
  spec.set(v);
  log(v);
  return json ? nlohmannDump({ error: 'ok' }) : 'OK';
}

type BoolKey = 'onlyMovePrimary' | 'onlyPrimaryBalancer' | 'balancerInTurn' | 'addSecondaryEnableFlowControl';

function boolCommand(
  model: SimModel,
  meta: number,
  json: boolean,
  name: string,
  args: readonly string[],
  l: LeaderState,
  key: BoolKey,
): Out {
  if (args.length === 0) return json ? nlohmannDump({ error: 'ok', [name]: String(l[key]) }) : String(l[key]);
  if (json) {
    if (args.length > 1) return nlohmannDump({ error: 'ERR: invalid arguments, only one boolean argument is acceptable' });
    const a = args[0]!.toLowerCase();
    if (a !== 'true' && a !== 'false') return nlohmannDump({ error: `ERR: invalid arguments, '${args[0]}' is not a boolean` });
    l[key] = a === 'true';
  } else {
    const a = args[0]!;
    if (a !== 'true' && a !== 'false') return 'ERR: invalid arguments';
    l[key] = a === 'true';
  }
  model.logSetting(name, l[key], meta);
  return json ? nlohmannDump({ error: 'ok' }) : 'OK';
}

const IPV4_PORT = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}:\d{1,5}$/;
const HOST_PORT = /^[A-Za-z0-9._-]+:\d{1,5}$/;

function blackList(model: SimModel, meta: number, json: boolean, args: readonly string[], l: LeaderState): Out {
  if (args.length === 0)
    return json ? nlohmannDump({ assign_secondary_black_list: l.blackList.join(','), error: 'ok' }) : `get ok: ${l.blackList.join(',')}`;
  if (args.length > 1) return json ? nlohmannDump({ error: 'invalid argument, 0 or 1 argument is acceptable' }) : 'invalid arguments';
  const a = args[0]!;
  if (a === 'clear') {
    l.blackList = [];
    model.logSetting('meta.lb.assign_secondary_black_list', 'clear', meta);
    return json ? nlohmannDump({ error: 'ok' }) : 'clear ok';
  }
  const entries = a.split(',').filter((e) => e.length > 0);
  const list: string[] = [];
  for (const e of entries) {
    const ok = json ? HOST_PORT.test(e) : IPV4_PORT.test(e);
    if (!ok) return json ? nlohmannDump({ error: `invalid argument, bad host:port '${e}'` }) : 'invalid arguments';
    // Stored as the meta's node identity; other spellings of a known node (ip vs host name) are accepted.
    list.push(model.identOf(e));
  }
  l.blackList = list;
  model.logSetting('meta.lb.assign_secondary_black_list', list.join(','), meta);
  return json ? nlohmannDump({ error: 'ok' }) : 'set ok';
}

function ignoredApps(model: SimModel, meta: number, json: boolean, args: readonly string[], l: LeaderState): Out {
  const sub = args[0];
  if (sub === 'get') {
    if (json) return nlohmannDump({ ignored_app_id_list: l.ignoredApps.join(',') });
    // 2.5 overwrites the trailing comma with '\0' without shortening the string.
    return l.ignoredApps.length === 0 ? 'no ignored apps' : `ignored_app_id_list: ${l.ignoredApps.join(',')}\0`;
  }
  if (sub === 'clear') {
    l.ignoredApps = [];
    model.logSetting('meta.lb.ignored_app_list', 'clear', meta);
    return json ? nlohmannDump({ error: 'ok' }) : 'clear ok';
  }
  if (sub === 'set') {
    const ids = (args[1] ?? '').split(',').filter((s) => s.length > 0);
    if (args.length !== 2 || ids.length === 0 || ids.some((s) => !/^\d+$/.test(s)))
      return json ? nlohmannDump({ error: 'invalid argument' }) : 'invalid arguments';
    l.ignoredApps = ids.map(Number);
    model.logSetting('meta.lb.ignored_app_list', l.ignoredApps.join(','), meta);
    return json ? nlohmannDump({ error: 'ok' }) : 'set ok';
  }
  return json ? nlohmannDump({ error: 'invalid arguments' }) : 'invalid arguments';
}

function balanceCount(json: boolean, args: readonly string[], l: LeaderState): Out {
  const c = l.balanceCount;
  const what = args[0] ?? 'total';
  if (what === 'detail') {
    return json
      ? nlohmannDump({ copy_pri: c.copy_pri, copy_sec: c.copy_sec, move_pri: c.move_pri, total: c.total })
      : `move_pri=${c.move_pri},copy_pri=${c.copy_pri},copy_sec=${c.copy_sec},total=${c.total}`;
  }
  if (what === 'total' || what === 'move_pri' || what === 'copy_pri' || what === 'copy_sec') {
    return json ? nlohmannDump({ [what]: c[what] }) : `${what}=${c[what]}`;
  }
  return json ? nlohmannDump({ error: 'invalid arguments' }) : 'ERR: invalid arguments';
}

function configDump(model: SimModel): string {
  const c = model.cfg;
  return [
    '[meta_server]',
    `node_live_percentage_threshold_for_update = ${c.livePercentage}`,
    `min_live_node_count_for_unfreeze = ${c.minLiveNodeCount}`,
    `replica_assign_delay_ms_for_dropouts = ${c.assignDelayMs}`,
    `meta_function_level_on_start = ${c.levelOnStart}`,
    `max_reserved_dropped_replicas = ${c.maxReservedDroppedReplicas}`,
    `add_secondary_enable_flow_control = ${c.addSecondaryEnableFlowControl}`,
    `add_secondary_max_count_for_one_node = ${c.addSecondaryMaxCountForOneNode}`,
    '',
    '[replication]',
    `fd_check_interval_seconds = ${c.fdCheckIntervalSeconds}`,
    `fd_beacon_interval_seconds = ${c.fdBeaconIntervalSeconds}`,
    `fd_lease_seconds = ${c.fdLeaseSeconds}`,
    `fd_grace_seconds = ${c.fdGraceSeconds}`,
    `lb_interval_ms = ${c.lbIntervalMs}`,
    `config_sync_interval_ms = ${c.configSyncIntervalMs}`,
    `mutation_2pc_min_replica_count = ${c.mutation2pcMinReplicaCount}`,
    `learn_app_max_concurrent_count = ${c.learnAppMaxConcurrentCount}`,
    '',
  ].join('\n');
}

/** `%Y-%m-%d %H:%M:%S` in UTC (the simulated server's "local" time). */
export function formatTime(ms: number, withMillis = false): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const s = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  return withMillis ? `${s}.${p(d.getUTCMilliseconds(), 3)}` : s;
}

const REPLICA_HELP: Record<string, [string, string]> = {
  help: ['Display help information', '[command]'],
  'server-info': ['Query server information', ''],
  'flush-log': ['Flush log to stderr or file', ''],
  'nfs.max_copy_rate_megabytes_per_disk': [
    'The maximum bandwidth (MB/s) of writing data per local disk when copying from remote node, 0 means no limit',
    '[num | DEFAULT]',
  ],
  'nfs.max_send_rate_megabytes_per_disk': [
    'The maximum bandwidth (MB/s) of reading data per local disk when transferring data to remote node, 0 means no limit',
    '[num | DEFAULT]',
  ],
  'replica.kill_partition': ['Kill partitions by (all, one app, one partition)', '[app_id [partition_index]]'],
};
/** 2.5 only (master has no perf counters); answered by replicaData.perfCounters. */
const PERF_HELP: Record<string, [string, string]> = {
  'perf-counters': ['query perf counters, filtered by OR of POSIX basic regular expressions', '[regexp]...'],
  'perf-counters-by-substr': ['query perf counters, filtered by OR of substrs', '[substr]...'],
  'perf-counters-by-prefix': ['query perf counters, filtered by OR of prefix strings', '[prefix]...'],
  'perf-counters-by-postfix': ['query perf counters, filtered by OR of postfix strings', '[postfix]...'],
};
/** (num << 20) must exceed nfs_copy_block_bytes (4 MiB by default). */
const NFS_COPY_BLOCK_BYTES = 4194304;

/**
 * Remote commands answered by a simulated replica server (only when replica servers listen).
 * The NFS rates are process variables: a restart resets them to 0 (no limit).
 */
export function runReplicaCommand(model: SimModel, node: number, cmd: string, args: readonly string[]): Out {
  const json = model.cfg.version === '2.6';
  const n = model.nodes[node]!;
  const help = json ? REPLICA_HELP : { ...REPLICA_HELP, ...PERF_HELP };
  const known = cmd in help || cmd === 'h' || cmd === 'H' || cmd === 'Help';
  if (!known) return `unknown command '${cmd}'`;
  const log =
    (name: string) =>
    (v: unknown): void =>
      model.logSetting(`${name}@${n.address}`, v, -1);
  switch (cmd) {
    case 'server-info': {
      const v = model.versionInfo();
      const started = formatTime(model.epochMs + n.startedAt);
      return json
        ? JSON.stringify({ build_type: 'Release', git_SHA: v.gitSha, start_time: started, version: v.version })
        : `Pegasus Server ${v.version} (${v.gitSha}) Release, Started at ${started}`;
    }
    case 'flush-log':
      return json ? nlohmannDump({ error: 'ok' }) : 'Flush done.';
    case 'nfs.max_copy_rate_megabytes_per_disk':
      // 2.5 (nfs_client_impl.cpp): a positive int32 only (0 cannot be set back), and more than one copy block.
      if (!json && args.length > 0) {
        const v = parseIntStrict(args[0]!);
        if (v === null || v <= 0 || v > 2147483647) return 'ERR: invalid arguments';
        if ((v << 20) >>> 0 <= NFS_COPY_BLOCK_BYTES)
          return `ERR: max_copy_rate_bytes(max_copy_rate_megabytes << 20) should be greater than nfs_copy_block_bytes:${NFS_COPY_BLOCK_BYTES}`;
      }
      return intCommand(
        model,
        -1,
        json,
        cmd,
        args,
        {
          get: () => n.nfsCopyRateMb,
          set: (v) => model.setNfsCopyRate(node, v),
          def: 0,
          valid25: (v) => v === 0 || v > 4,
          valid26: (v) => v === 0 || v > 4,
        },
        log(cmd),
      );
    case 'nfs.max_send_rate_megabytes_per_disk':
      return intCommand(
        model,
        -1,
        json,
        cmd,
        args,
        {
          get: () => n.nfsSendRateMb,
          set: (v) => model.setNfsSendRate(node, v),
          def: 0,
          valid25: (v) => v > 0 && v <= 2147483647,
          valid26: (v) => v >= 0,
        },
        log(cmd),
      );
    case 'replica.kill_partition': {
      // Closes replicas that are no longer members (data of dropped replicas goes away).
      if (args.length > 2 || args.some((a) => !/^\d+$/.test(a)))
        return json ? nlohmannDump({ error: 'invalid arguments' }) : 'ERR: invalid arguments';
      model.killPartitions(node, args[0] === undefined ? undefined : Number(args[0]), args[1] === undefined ? undefined : Number(args[1]));
      return json ? nlohmannDump({ error: 'ok' }) : 'OK';
    }
    default: {
      const names = Object.keys(help).sort();
      if (args.length > 0) {
        const h = help[args[0]!];
        if (!h) return json ? `cannot find command '${args[0]}'` : `unknown command '${args[0]}'`;
        return json ? `${args[0]} - ${h[0]}\n${args[0]} ${h[1]}\n` : `${args[0]}: ${h[0]}\n${h[1]}\n`;
      }
      return names.map((k) => `${k}${json ? ' -' : ':'} ${help[k]![0]}`).join('\n') + '\n';
    }
  }
}
