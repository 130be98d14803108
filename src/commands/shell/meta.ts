/** `cluster_info`, `get_meta_level`, `set_meta_level <level>`. */
import { parseClusterInfo } from '../../cluster/metaInfo';
import { META_LEVELS, META_LEVEL_VALUE, MetaFunctionLevel, enumName, isMetaLevel, metaLevelName } from '../../pegasus/types';
import { defineCommand, type ArgsOf } from '../define';
import { keyValueTable } from '../format';
import { argError } from '../parser';
import type { CommandSpec, PositionalSpec } from '../types';
import { callOpts, effectiveLevel } from './common';
import { result } from '../result';

export const clusterInfoCommand: CommandSpec = defineCommand({
  name: 'cluster_info',
  category: 'shell',
  summary: "show the meta's cluster info: leader, meta servers, effective meta level, balance operations",
  description:
    "meta_function_level here is the effective level: 'freezed' when too few nodes are alive, even if the stored level (get_meta_level) says otherwise.",
  flags: [],
  positionals: [],
  mutating: false,
  async execute(ctx) {
    const ci = await ctx.client.clusterInfo(callOpts(ctx));
    const info = parseClusterInfo(ci);
    const table = keyValueTable('cluster_info', info.entries);
    // Structured like every --json: camelCase keys, numbers as numbers, lists as arrays (no shell strings).
    const known = new Set([
      'meta_servers',
      'primary_meta_server',
      'meta_function_level',
      'cluster_name',
      'zookeeper_hosts',
      'zookeeper_root',
      'balance_operation_count',
      'primary_replica_count_stddev',
      'total_replica_count_stddev',
    ]);
    const data = {
      clusterName: info.clusterName ?? null,
      leader: info.leader ?? null,
      metaServers: info.metaServers,
      effectiveLevel: info.effectiveLevel ?? null,
      zookeeperHosts: info.zookeeperHosts
        ? info.zookeeperHosts
            .split(',')
            .map((h) => h.trim())
            .filter(Boolean)
        : [],
      zookeeperRoot: info.zookeeperRoot ?? null,
      balanceOperationCount: info.balanceOperationCount ?? null,
      primaryReplicaCountStddev: info.primaryReplicaCountStddev ?? null,
      totalReplicaCountStddev: info.totalReplicaCountStddev ?? null,
      // Keys newer metas add, converted the same way.
      ...Object.fromEntries(info.entries.filter(([k]) => !known.has(k)).map(([k, v]) => [camelCase(k), jsonValue(v)])),
    };
    return result('cluster_info', data, [table], { summary: `leader ${info.leader ?? '?'}, level ${info.effectiveLevel ?? '?'}` });
  },
});

function camelCase(k: string): string {
  return k.replace(/[_.-]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A cluster_info value as JSON: numbers as numbers, JSON documents parsed, anything else the text. */
function jsonValue(v: string): unknown {
  const t = v.trim();
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return v;
    }
  }
  return v;
}

/** `fl_steady` → `steady`: every --json names a level the way set_meta_level takes it. */
const bareLevel = (l: string) => l.replace(/^fl_/, '');

export const getMetaLevelCommand: CommandSpec = defineCommand({
  name: 'get_meta_level',
  category: 'shell',
  summary: 'show the stored meta function level',
  description:
    "This is the stored level. When the meta froze itself (too few nodes alive) the effective level is 'freezed' while this still shows the stored one; this command then adds a warning (it reads cluster_info too).",
  flags: [],
  positionals: [],
  mutating: false,
  async execute(ctx) {
    const [old, ci] = await Promise.all([
      ctx.client.controlMeta(MetaFunctionLevel.fl_invalid, callOpts(ctx)),
      ctx.client.clusterInfo(callOpts(ctx)).catch(() => undefined),
    ]);
    const stored = enumName(MetaFunctionLevel, old);
    const effective = ci ? parseClusterInfo(ci).effectiveLevel : undefined;
    const lines = [`current meta level is ${stored}`];
    const differs = effective !== undefined && effective !== metaLevelName(old);
    if (differs)
      lines.push(
        `warning: the effective level is ${effective} (cluster_info); the meta is ${effective === 'freezed' ? 'frozen because too few nodes are alive' : 'not running at the stored level'}`,
      );
    return result('get_meta_level', { storedLevel: bareLevel(stored), effectiveLevel: effective ?? null }, [], {
      text: lines.join('\n'),
      summary: lines[0]!,
    });
  },
});

/** The level as typed, lower case without the tolerated `fl_` prefix ('FL_STEADY' → 'steady'). */
const LEVEL_POS = {
  name: 'level',
  type: 'string',
  required: true,
  valueName: META_LEVELS.join('|'),
  complete: 'meta-level',
  description: 'the new level',
} as const satisfies PositionalSpec;

function levelArg(args: ArgsOf<[], [typeof LEVEL_POS]>): string {
  return args.values.level.toLowerCase().replace(/^fl_/, '');
}

export const setMetaLevelCommand: CommandSpec = defineCommand({
  name: 'set_meta_level',
  category: 'shell',
  summary: 'set the meta function level (stopped, blind, freezed, steady, lively)',
  description:
    "steady: the meta cures partitions but does not balance; lively: it also balances. Setting a level <= steady clears every pending balancer proposal. The level lives only in the leader's memory: a meta restart or failover resets it to meta_function_level_on_start.",
  flags: [],
  positionals: [LEVEL_POS],
  validate(args) {
    // The shell accepts the bare name; `fl_` is tolerated. A bad name is reported like the shell does.
    const v = levelArg(args);
    if (!isMetaLevel(v)) {
      throw argError(
        setMetaLevelCommand,
        args,
        'level',
        `parse ${args.values.level} as meta function level failed (one of ${META_LEVELS.join(', ')})`,
      );
    }
  },
  examples: ['set_meta_level steady', 'set_meta_level lively'],
  mutating: true,
  describeChange(args) {
    const v = levelArg(args);
    const clears = isMetaLevel(v) && META_LEVEL_VALUE[v] <= META_LEVEL_VALUE.steady ? ' (pending balancer proposals are cleared)' : '';
    return `set the meta function level to ${v}${clears}`;
  },
  async execute(ctx, args) {
    const v = levelArg(args);
    const level = MetaFunctionLevel[`fl_${v}` as keyof typeof MetaFunctionLevel];
    const old = await ctx.client.controlMeta(level, callOpts(ctx));
    const line = `control meta level ok, the old level is ${enumName(MetaFunctionLevel, old)}`;
    // The meta stores any level without checking the freeze rule: say so when it will not take effect.
    const effective = level > MetaFunctionLevel.fl_freezed ? await effectiveLevel(ctx) : undefined;
    const warning =
      effective === 'freezed'
        ? `warning: the meta is frozen (too few nodes alive): it behaves as freezed until enough nodes are back or the threshold is lowered; see cluster_info`
        : undefined;
    const text = [line, ...(warning ? [warning] : [])].join('\n');
    return result(
      'set_meta_level',
      { oldLevel: bareLevel(enumName(MetaFunctionLevel, old)), newLevel: v, effectiveLevel: effective ?? null },
      [],
      { text, summary: line, changed: true },
    );
  },
});
