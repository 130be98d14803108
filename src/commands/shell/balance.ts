/** `balance` and `propose`: register manual balancer proposals with the meta, as the Pegasus shell does. */
import { AppStatus, BalancerRequestType, ConfigType, type AppInfo, type ProposalAction } from '../../pegasus/types';
import { defineCommand, type ArgsOf } from '../define';
import { CommandError } from '../errors';
import { SnapshotBuilder } from '../../cluster/snapshot';
import { argError } from '../parser';
import type { CommandContext, CommandSpec, FlagSpec } from '../types';
import { callOpts, effectiveLevel, parseGpid, proposalLevelWarning, resolveNode, type ResolvedNode } from './common';
import { result } from '../result';

const tableList = (apps: readonly AppInfo[]) => apps.map((a) => `${a.appName} (app_id ${a.appId})`).join(', ') || 'none';

/**
 * The nodes and the partition `-g` names, read from the meta before proposing: the meta answers a
 * wrong gpid or node with a bare ERR_INVALID_PARAMETERS, so the value and the fix are named here.
 */
async function partitionOf(ctx: CommandContext, gpid: { appId: number; partitionIndex: number }) {
  const [nodes, apps] = await Promise.all([ctx.client.listNodes(callOpts(ctx)), ctx.client.listApps(callOpts(ctx))]);
  const available = apps.filter((a) => a.status === AppStatus.AS_AVAILABLE);
  const g = `${gpid.appId}.${gpid.partitionIndex}`;
  const app = available.find((a) => a.appId === gpid.appId);
  if (!app)
    throw new CommandError(
      `-g ${g}: no table has app_id ${gpid.appId}; tables: ${tableList(available)}`,
      'ERR_INVALID_PARAMETERS',
      "use app_id.partition_index with an app_id from 'ls'",
    );
  if (gpid.partitionIndex >= app.partitionCount) {
    throw new CommandError(
      `-g ${g}: ${app.appName} has ${app.partitionCount} partitions (${gpid.appId}.0..${gpid.appId}.${app.partitionCount - 1})`,
      'ERR_INVALID_PARAMETERS',
      `use a partition index from 0 to ${app.partitionCount - 1}`,
    );
  }
  const cfg = await ctx.client.queryPartitionConfig(app.appName, callOpts(ctx));
  const b = new SnapshotBuilder();
  b.setNodes(nodes);
  b.setApps([app]);
  b.addTable(app.appName, cfg);
  const snap = b.finish(true);
  const part = snap.partition(snap.table(app.appName)!, gpid.partitionIndex);
  if (!part)
    throw new CommandError(
      `-g ${g}: the meta returned no configuration for this partition`,
      'ERR_INVALID_PARAMETERS',
      `check 'app ${app.appName} -d'`,
    );
  return { snap, part, app, g };
}

/** What `balance -p type` needs from the partition's current members; undefined when it may go ahead. */
export function balanceMismatch(
  type: 'move_pri' | 'copy_pri' | 'copy_sec',
  g: string,
  part: { primary: string; secondaries: readonly string[] },
  from: string,
  to: string,
): { message: string; fix: string } | undefined {
  const members = [part.primary, ...part.secondaries].filter(Boolean);
  const secs = part.secondaries.length ? part.secondaries.join(', ') : 'none';
  const primary = part.primary || 'none (the partition has no primary)';
  if (type === 'move_pri' || type === 'copy_pri') {
    if (from !== part.primary)
      return {
        message: `-f ${from}: ${g}'s primary is ${primary}, not ${from}`,
        fix: part.primary ? `use -f ${part.primary}` : 'wait until the meta assigns a primary (cure), then retry',
      };
    if (type === 'move_pri' && !part.secondaries.includes(to))
      return {
        message: `-t ${to}: not a secondary of ${g} (secondaries: ${secs}); move_pri only upgrades a secondary`,
        fix: part.secondaries.length
          ? `use -t with one of ${secs}, or copy_pri to copy the primary to ${to}`
          : 'the partition has no secondary to take over',
      };
    if (type === 'copy_pri' && members.includes(to))
      return { message: `-t ${to}: already holds a replica of ${g}`, fix: `use move_pri -t ${to} to make that secondary the primary` };
  } else {
    if (!part.secondaries.includes(from))
      return {
        message: `-f ${from}: not a secondary of ${g} (primary ${primary}; secondaries: ${secs})`,
        fix:
          from === part.primary
            ? 'copy_sec moves a secondary; for the primary use copy_pri, or move_pri first'
            : `use -f with one of ${secs}`,
      };
    if (members.includes(to))
      return { message: `-t ${to}: already holds a replica of ${g}`, fix: 'pick a node without a replica of this partition' };
  }
  return undefined;
}

function action(target: ResolvedNode | undefined, node: ResolvedNode, type: number): ProposalAction {
  const a: ProposalAction = { target: target?.ip ?? '', node: node.ip, type };
  // 2.6/master reads the hp_* fields; older servers skip them (only set when known).
  if (target?.hostPort) a.hpTarget = target.hostPort;
  if (node.hostPort) a.hpNode = node.hostPort;
  return a;
}

/** `-g app_id.pidx`, the same for balance and propose. */
const GPID_FLAG = {
  name: 'gpid',
  short: 'g',
  type: 'string',
  required: true,
  valueName: 'app_id.pidx',
  complete: 'gpid',
  description: 'the partition, e.g. 2.5',
} as const satisfies FlagSpec;

function checkGpid(spec: CommandSpec, args: ArgsOf<[typeof GPID_FLAG]>): void {
  if (!parseGpid(args.values.gpid))
    throw argError(spec, args, 'gpid', `-g takes app_id.partition_index such as 2.5, not '${args.values.gpid}'`);
}

const BALANCE_TYPES = ['move_pri', 'copy_pri', 'copy_sec'] as const;

export const balanceCommand: CommandSpec = defineCommand({
  name: 'balance',
  category: 'shell',
  summary: 'register a manual move of a primary or a replica (move_pri, copy_pri, copy_sec)',
  description:
    'move_pri: downgrade the primary on <from> to secondary, upgrade <to> (already a secondary) to primary; no data copy. copy_pri: copy the primary to <to> and make it primary. copy_sec: copy the secondary on <from> to <to> and drop it from <from>. The meta only registers the proposal; it runs at the next cure pass (within one lb interval) when the level is steady or lively and the meta is not frozen. A later set_meta_level <= steady clears it if it has not run.',
  flags: [
    GPID_FLAG,
    { name: 'type', short: 'p', type: 'enum', values: BALANCE_TYPES, required: true, description: 'what to move' },
    {
      name: 'from',
      short: 'f',
      type: 'string',
      required: true,
      valueName: 'from_address',
      complete: 'node',
      description: 'the node giving up the replica',
    },
    {
      name: 'to',
      short: 't',
      type: 'string',
      required: true,
      valueName: 'to_address',
      complete: 'node',
      description: 'the node receiving it',
    },
  ],
  positionals: [],
  examples: ['balance -g 2.5 -p move_pri -f 10.0.0.1:34801 -t 10.0.0.2:34801'],
  mutating: true,
  validate(args) {
    checkGpid(balanceCommand, args);
    if (args.values.from === args.values.to) throw argError(balanceCommand, args, 'to', '-f and -t name the same node');
  },
  describeChange(args) {
    const { type, gpid, from, to } = args.values;
    return `${type} of partition ${gpid} from ${from} to ${to}`;
  },
  async execute(ctx, args) {
    const gpid = parseGpid(args.values.gpid)!;
    const { snap: dir, part, g } = await partitionOf(ctx, gpid);
    const from = resolveNode(dir, args.values.from, '-f');
    const to = resolveNode(dir, args.values.to, '-t');
    const type = args.values.type;
    const mismatch = balanceMismatch(type, g, part, from.display, to.display);
    if (mismatch) throw new CommandError(mismatch.message, 'ERR_INVALID_PARAMETERS', mismatch.fix);
    const C = ConfigType;
    const actions =
      type === 'move_pri'
        ? [action(from, from, C.CT_DOWNGRADE_TO_SECONDARY), action(to, to, C.CT_UPGRADE_TO_PRIMARY)]
        : type === 'copy_pri'
          ? [
              action(from, to, C.CT_ADD_SECONDARY_FOR_LB),
              action(from, from, C.CT_DOWNGRADE_TO_SECONDARY),
              action(to, to, C.CT_UPGRADE_TO_PRIMARY),
            ]
          : // copy_sec: an empty target lets the meta fill in the current primary.
            [action(undefined, to, C.CT_ADD_SECONDARY_FOR_LB), action(undefined, from, C.CT_DOWNGRADE_TO_INACTIVE)];
    const balanceType =
      type === 'move_pri'
        ? BalancerRequestType.move_primary
        : type === 'copy_pri'
          ? BalancerRequestType.copy_primary
          : BalancerRequestType.copy_secondary;
    try {
      await ctx.client.proposeBalancer({ gpid, actionList: actions, force: false, balanceType }, callOpts(ctx));
    } catch (e) {
      // The members were right a moment ago: the likely cause is a proposal for this partition already pending.
      if ((e as { code?: unknown }).code === 'ERR_INVALID_PARAMETERS' || /ERR_INVALID_PARAMETERS/.test((e as Error).message)) {
        throw new CommandError(
          `the meta rejected ${type} of ${g} from ${from.display} to ${to.display} (ERR_INVALID_PARAMETERS), although ${g}'s primary is ${part.primary || 'none'} and its secondaries are ${part.secondaries.join(', ') || 'none'}`,
          'ERR_INVALID_PARAMETERS',
          `a proposal for ${g} is probably still pending, or a node is not alive: check 'cluster_info' (balance_operation_count) and 'nodes', then retry`,
        );
      }
      throw e;
    }
    const warning = proposalLevelWarning(await effectiveLevel(ctx));
    const text = ['send balance proposal result: ERR_OK', ...(warning ? [warning] : [])].join('\n');
    return result(
      'balance',
      {
        gpid: `${gpid.appId}.${gpid.partitionIndex}`,
        type,
        from: from.display,
        to: to.display,
        actions,
        err: 'ERR_OK',
        warning: warning ?? null,
      },
      [],
      {
        text,
        summary: `${type} ${gpid.appId}.${gpid.partitionIndex} ${from.display} → ${to.display} registered`,
        changed: true,
      },
    );
  },
});

const PROPOSE_TYPES = [
  'ASSIGN_PRIMARY',
  'UPGRADE_TO_PRIMARY',
  'ADD_SECONDARY',
  'UPGRADE_TO_SECONDARY',
  'DOWNGRADE_TO_SECONDARY',
  'DOWNGRADE_TO_INACTIVE',
  'REMOVE',
] as const;

export const proposeCommand: CommandSpec = defineCommand({
  name: 'propose',
  category: 'shell',
  summary: 'register (or with -f send at once) one configuration proposal for a partition',
  description:
    "The target must be the partition's primary for add, remove and downgrade. After DOWNGRADE_TO_INACTIVE of an alive node, the cure re-adds that same node unless it is black-listed. -f sends at once at any level, but the replica's update is still rejected while the meta is frozen.",
  flags: [
    { name: 'force', short: 'f', type: 'boolean', description: 'send to the target now instead of registering' },
    GPID_FLAG,
    {
      name: 'type',
      short: 'p',
      type: 'enum',
      values: PROPOSE_TYPES,
      ignoreCase: true,
      required: true,
      description: 'the configuration change',
    },
    {
      name: 'target',
      short: 't',
      type: 'string',
      required: true,
      valueName: 'target',
      complete: 'node',
      description: 'the node that executes the change (the primary for add/remove/downgrade)',
    },
    {
      name: 'node',
      short: 'n',
      type: 'string',
      required: true,
      valueName: 'node',
      complete: 'node',
      description: 'the node the change is about',
    },
  ],
  positionals: [],
  examples: ['propose -g 2.5 -p DOWNGRADE_TO_INACTIVE -t 10.0.0.1:34801 -n 10.0.0.3:34801'],
  mutating: true,
  validate(args) {
    checkGpid(proposeCommand, args);
  },
  describeChange(args) {
    const { force, type, node, gpid, target } = args.values;
    return `${force ? 'send now' : 'register'} ${type} of ${node} on partition ${gpid} (executed by ${target})`;
  },
  async execute(ctx, args) {
    const gpid = parseGpid(args.values.gpid)!;
    const { snap: dir } = await partitionOf(ctx, gpid);
    const target = resolveNode(dir, args.values.target, '-t');
    const node = resolveNode(dir, args.values.node, '-n');
    const type = args.values.type;
    const act = action(target, node, ConfigType[`CT_${type}` as keyof typeof ConfigType]);
    const force = args.values.force === true;
    await ctx.client.proposeBalancer({ gpid, actionList: [act], force }, callOpts(ctx));
    // -f sends at once, but the replica's update is still rejected at <= freezed.
    const level = await effectiveLevel(ctx);
    const warning =
      force && level !== 'lively' && level !== 'steady' ? proposalLevelWarning(level) : force ? undefined : proposalLevelWarning(level);
    const text = ['send proposal response: ERR_OK', ...(warning ? [warning] : [])].join('\n');
    return result(
      'propose',
      {
        gpid: `${gpid.appId}.${gpid.partitionIndex}`,
        type,
        target: target.display,
        node: node.display,
        force,
        err: 'ERR_OK',
        warning: warning ?? null,
      },
      [],
      {
        text,
        summary: `${type} of ${node.display} on ${gpid.appId}.${gpid.partitionIndex} ${force ? 'sent' : 'registered'}`,
        changed: true,
      },
    );
  },
});
