/**
 * The keys of a Pegasus server config that matter for scaling and failure handling, described in
 * our own words from what the servers do (upstream apache/incubator-pegasus: the flags in
 * src/meta/meta_options.cpp and src/replica/, the parser in src/utils/configuration.cpp). One table
 * drives validation, hovers and completions.
 *
 * Versions: "2.4" and "2.5" are the v2.4.0 and v2.5.0 releases; "2.6" stands for the master-era
 * code (new failure-detector and assign-delay defaults from PR #1877, validators on the threshold).
 * Which keys each version reads at all comes from the generated `knownKeys.ts`; this file adds
 * the meaning, ranges and run-time handling of the keys that matter for scaling.
 */
import * as z from 'zod';
import { didYouMean } from '../cluster/suggest';
import { META_LEVELS } from '../pegasus/types';
import { KNOWN_KEYS, type KeyFact } from './knownKeys';

export const serverVersionSchema = z.enum(['2.4', '2.5', '2.6']);
export type ServerVersion = z.infer<typeof serverVersionSchema>;
export const SERVER_VERSIONS: readonly ServerVersion[] = ['2.4', '2.5', '2.6'];

/** The git ref of the real source each version's facts were read at. */
export const SOURCE_REF: Readonly<Record<ServerVersion, string>> = {
  '2.4': KNOWN_KEYS['2.4'].ref,
  '2.5': KNOWN_KEYS['2.5'].ref,
  '2.6': KNOWN_KEYS['2.6'].ref,
};

export type KeyType = 'int' | 'uint' | 'bool' | 'string' | 'enum' | 'list';

export interface RangeRule {
  readonly min?: number;
  readonly max?: number;
  /** An inclusive band inside min..max that is also rejected. */
  readonly excluded?: readonly [number, number];
  /** True when the server validates the flag at load and aborts start-up on a violation. */
  readonly checkFailsOnStart: boolean;
  /** What happens with an out-of-range value, in a sentence. */
  readonly consequence: string;
}

export interface KeySpec {
  readonly section: string;
  readonly key: string;
  readonly type: KeyType;
  /** Code default per version ('' when the default is empty). */
  readonly defaults: Readonly<Record<ServerVersion, string>>;
  /** The value in the config.ini the server ships with, when it sets one. */
  readonly shipped?: string;
  readonly range?: Partial<Readonly<Record<ServerVersion, RangeRule>>>;
  readonly enumValues?: readonly string[];
  /** True when an invalid enum value aborts start-up instead of falling back to the default. */
  readonly enumCheckFails?: boolean;
  readonly unit?: string;
  /** What the key does. */
  readonly summary: string;
  /** Whether and how it can change while the server runs. */
  readonly runtime: string;
  /** Versions where no code reads the key (derived from the generated key list). */
  readonly unusedIn?: readonly ServerVersion[];
  /** Versions where the key is read but nothing uses the value. */
  readonly noEffectIn?: readonly ServerVersion[];
}

const both = (v: string): Record<ServerVersion, string> => ({ '2.4': v, '2.5': v, '2.6': v });
/** A default that changed in master (PR #1877 and later): 2.4 and 2.5 share the older one. */
const upTo25 = (old: string, master: string): Record<ServerVersion, string> => ({ '2.4': old, '2.5': old, '2.6': master });

export const KEY_SPECS: readonly KeySpec[] = [
  // ---- [meta_server]: the freeze guard ----
  {
    section: 'meta_server',
    key: 'node_live_percentage_threshold_for_update',
    type: 'int',
    defaults: both('65'),
    shipped: '50',
    unit: '%',
    range: {
      '2.6': { min: 0, max: 100, checkFailsOnStart: true, consequence: 'the meta fails its flag validation and refuses to start' },
      '2.5': {
        min: 0,
        max: 100,
        checkFailsOnStart: false,
        consequence: 'no validator exists in 2.5: above 100 the meta is frozen permanently',
      },
      '2.4': {
        min: 0,
        max: 100,
        checkFailsOnStart: false,
        consequence: 'no validator exists in 2.4: above 100 the meta is frozen permanently',
      },
    },
    summary:
      'The meta freezes (stops accepting replica reconfigurations, cure and balancing) while alive × 100 < threshold × (alive + dead). Dead nodes stay counted until the meta leader restarts, so every node removed in a scale-in lowers the alive share.',
    runtime:
      'Change at run time on the leader with `remote_command -l <leader> meta.live_percentage N` (`DEFAULT` restores this file value); lost when the leader restarts or fails over.',
  },
  {
    section: 'meta_server',
    key: 'min_live_node_count_for_unfreeze',
    type: 'uint',
    defaults: both('3'),
    shipped: '3',
    range: {
      '2.6': { min: 1, checkFailsOnStart: true, consequence: 'the validator requires a value above 0 and the meta refuses to start' },
      '2.5': { min: 1, checkFailsOnStart: true, consequence: 'the validator requires a value above 0 and the meta refuses to start' },
      '2.4': { min: 1, checkFailsOnStart: true, consequence: 'the validator requires a value above 0 and the meta refuses to start' },
    },
    summary:
      'The meta also freezes while fewer than this many replica servers are alive, whatever the percentage. With 3 (the default) a 3-node cluster freezes on its first failure.',
    runtime: 'Mutable flag: `curl <meta>/updateConfig?min_live_node_count_for_unfreeze=N` (not persisted).',
  },
  {
    section: 'meta_server',
    key: 'meta_function_level_on_start',
    type: 'enum',
    enumValues: META_LEVELS,
    enumCheckFails: true,
    defaults: both('steady'),
    shipped: 'steady',
    summary:
      'The level the meta starts at (and returns to after every restart or fail-over, since the level is not persisted). steady cures but does not balance; lively also balances.',
    runtime: 'Shell `set_meta_level <level>` on the leader; lost on restart. An invalid name aborts start-up.',
  },
  {
    section: 'meta_server',
    key: 'replica_assign_delay_ms_for_dropouts',
    type: 'uint',
    defaults: upTo25('300000', '600000'),
    shipped: '600000',
    unit: 'ms',
    summary:
      'How long the meta waits for a dropped secondary to come back before re-creating it on another node (a full copy). A crashed node is replaced after about fd_grace_seconds + this delay.',
    runtime: 'Leader-only `remote_command meta.lb.assign_delay_ms N` (`DEFAULT` restores the file value; 2.5 rejects 0); lost on restart.',
  },
  {
    section: 'meta_server',
    key: 'max_reserved_dropped_replicas',
    type: 'uint',
    defaults: both('1'),
    shipped: '0',
    summary: 'How many dropped replicas a partition remembers beyond its replica count, as candidates for a cheap re-add.',
    runtime: 'Mutable flag via `/updateConfig`.',
  },
  {
    section: 'meta_server',
    key: 'max_replicas_in_group',
    type: 'int',
    defaults: both('4'),
    shipped: '3',
    noEffectIn: ['2.4', '2.5', '2.6'],
    summary:
      'Historical cap on replicas per partition group. Every version reads it into a constant that nothing uses; the real cap is max_replica_count + max_reserved_dropped_replicas.',
    runtime: 'Restart needed.',
  },
  {
    section: 'meta_server',
    key: 'add_secondary_enable_flow_control',
    type: 'bool',
    defaults: both('false'),
    shipped: 'true',
    summary: 'Limits how many add-secondary proposals the cure sends per target node per tick (see add_secondary_max_count_for_one_node).',
    runtime: 'Leader-only `remote_command meta.lb.add_secondary_enable_flow_control true|false`.',
  },
  {
    section: 'meta_server',
    key: 'add_secondary_max_count_for_one_node',
    type: 'int',
    defaults: both('10'),
    shipped: '20',
    summary:
      'With flow control on: at most this many add-secondary proposals per target node per tick. 0 stops re-replication entirely (used during rolling restarts).',
    runtime: 'Leader-only `remote_command meta.lb.add_secondary_max_count_for_one_node N|DEFAULT`.',
  },
  ...(['balancer_in_turn', 'only_primary_balancer', 'only_move_primary'] as const).map((key): KeySpec => ({
    section: 'meta_server',
    key,
    type: 'bool',
    defaults: both('false'),
    shipped: 'false',
    summary:
      key === 'only_move_primary'
        ? 'The primary balancer only moves primaries onto existing secondaries and never falls back to copying a primary (copy_primary). Secondaries are still balanced by copying them; only_primary_balancer stops that. The cluster-wide balancer (balance_cluster) ignores this key.'
        : key === 'only_primary_balancer'
          ? 'Balancer only balances primaries.'
          : 'Balance tables one after another instead of together.',
    runtime: `Leader-only \`remote_command meta.lb.${key} true|false\`.`,
  })),
  {
    section: 'meta_server',
    key: 'balance_cluster',
    type: 'bool',
    defaults: both('false'),
    summary: 'Use the cluster-wide balance policy instead of per-table balancing.',
    runtime: 'Mutable flag via `/updateConfig?balance_cluster=true`.',
  },
  {
    section: 'meta_server',
    key: 'balance_op_count_per_round',
    type: 'uint',
    defaults: both('10'),
    summary: 'Balancer proposals per round.',
    runtime: 'Mutable flag via `/updateConfig`.',
  },
  {
    section: 'meta_server',
    key: 'stable_rs_min_running_seconds',
    type: 'uint',
    defaults: both('600'),
    shipped: '600',
    unit: 's',
    summary: 'A replica server restarting sooner than this after its previous start counts as an unstable restart.',
    runtime: 'Restart needed.',
  },
  {
    section: 'meta_server',
    key: 'max_succssive_unstable_restart',
    type: 'int',
    defaults: both('5'),
    shipped: '5',
    summary:
      "After this many unstable restarts the meta ignores the node's beacons until it has run for stable_rs_min_running_seconds. (The spelling is the server's own.)",
    runtime: 'Restart needed.',
  },
  {
    section: 'meta_server',
    key: 'enable_white_list',
    type: 'bool',
    defaults: both('false'),
    shipped: 'false',
    summary:
      'Only replica servers listed in replica_white_list may join; others are told to stop beaconing. Scale-out nodes must be added to the list first.',
    runtime: 'Restart needed.',
  },
  {
    section: 'meta_server',
    key: 'replica_white_list',
    type: 'list',
    defaults: both(''),
    summary: 'Comma-separated host:port list of replica servers allowed to join when enable_white_list is true.',
    runtime: 'Restart needed.',
  },
  {
    section: 'meta_server',
    key: 'min_allowed_replica_count',
    type: 'int',
    defaults: both('1'),
    summary: 'Smallest replica count a table may be created or set with.',
    runtime: 'Mutable flag via `/updateConfig`.',
  },
  {
    section: 'meta_server',
    key: 'max_allowed_replica_count',
    type: 'int',
    defaults: both('5'),
    summary: 'Largest replica count a table may be created or set with.',
    runtime: 'Mutable flag via `/updateConfig`.',
  },
  {
    section: 'meta_server',
    key: 'server_list',
    type: 'list',
    defaults: both(''),
    summary: 'Comma-separated host:port list of all meta servers.',
    runtime: 'Restart needed.',
  },
  // ---- [replication]: failure detection and the cure loop ----
  {
    section: 'replication',
    key: 'fd_check_interval_seconds',
    type: 'int',
    defaults: both('2'),
    shipped: '2',
    unit: 's',
    summary: 'How often the meta checks beacon ages; detection takes about fd_grace_seconds plus up to one check interval.',
    runtime: 'Restart needed.',
  },
  {
    section: 'replication',
    key: 'fd_beacon_interval_seconds',
    type: 'int',
    defaults: both('3'),
    shipped: '3',
    unit: 's',
    summary: 'How often each replica server sends a beacon to the meta. The lease should exceed twice this interval.',
    runtime: 'Restart needed.',
  },
  {
    section: 'replication',
    key: 'fd_lease_seconds',
    type: 'int',
    defaults: upTo25('9', '20'),
    shipped: '20',
    unit: 's',
    summary:
      'A replica server that has not heard from the meta for this long stops serving. Must be below fd_grace_seconds so a node stops before the meta declares it dead.',
    runtime: 'Restart needed (meta and replica servers).',
  },
  {
    section: 'replication',
    key: 'fd_grace_seconds',
    type: 'int',
    defaults: upTo25('10', '22'),
    shipped: '22',
    unit: 's',
    summary:
      'The meta declares a replica server dead after this long without a beacon. The meta refuses to start unless it is greater than fd_lease_seconds.',
    runtime: 'Restart needed (meta and replica servers).',
  },
  {
    section: 'replication',
    key: 'lb_interval_ms',
    type: 'int',
    defaults: both('10000'),
    shipped: '10000',
    unit: 'ms',
    summary: "Period of the meta's cure and balancer tick.",
    runtime: 'Restart needed.',
  },
  {
    section: 'replication',
    key: 'mutation_2pc_min_replica_count',
    type: 'int',
    defaults: both('2'),
    shipped: '2',
    summary:
      "Fewest replicas a write needs; a partition below it is unwritable and its missing secondary is re-added at once. 0 or less derives it from the table's replica count.",
    runtime: 'Restart needed.',
  },
  {
    section: 'replication',
    key: 'config_sync_interval_ms',
    type: 'uint',
    defaults: both('30000'),
    shipped: '30000',
    unit: 'ms',
    range: {
      '2.6': { min: 1, checkFailsOnStart: true, consequence: 'the validator requires a value above 0 and the server refuses to start' },
      '2.5': { min: 1, checkFailsOnStart: true, consequence: 'the validator requires a value above 0 and the server refuses to start' },
    },
    summary: 'How often each replica server reports its replicas to the meta; the balancer waits for these reports after a scale-out.',
    runtime: 'Mutable flag via `/updateConfig`.',
  },
  {
    section: 'replication',
    key: 'learn_app_max_concurrent_count',
    type: 'int',
    defaults: both('5'),
    shipped: '5',
    summary: 'Full-copy learns a replica server runs at once; bounds how fast a new node fills up.',
    runtime: 'Restart needed.',
  },
  {
    section: 'replication',
    key: 'delay_for_fd_timeout_on_start',
    type: 'bool',
    defaults: both('false'),
    shipped: 'false',
    summary:
      'A restarting replica server holds back its start-up until fd_grace_seconds + 3 s after the process started, so the meta has declared the previous run dead before it rejoins (25 s with the shipped grace of 22).',
    runtime: 'Restart needed.',
  },
  {
    section: 'replication',
    key: 'log_private_reserve_max_size_mb',
    type: 'int',
    defaults: upTo25('0', '1000'),
    shipped: '1000',
    unit: 'MB',
    summary: 'Private log kept for incremental learning; a node that returns within it catches up from the log instead of a full copy.',
    runtime: 'Restart needed.',
  },
  {
    section: 'replication',
    key: 'log_private_reserve_max_time_seconds',
    type: 'int',
    defaults: upTo25('0', '36000'),
    shipped: '36000',
    unit: 's',
    summary: 'Age limit of the private log kept for incremental learning.',
    runtime: 'Restart needed.',
  },
  {
    section: 'replication',
    key: 'gc_memory_replica_interval_ms',
    type: 'int',
    defaults: both('600000'),
    shipped: '600000',
    unit: 'ms',
    summary:
      'How long a replica that became inactive (for example one a drain or scale-in moved away) stays open in memory before the server closes it; until then the meta can re-use it cheaply.',
    runtime: 'Restart needed.',
  },
  {
    section: 'replication',
    key: 'gc_disk_garbage_replica_interval_seconds',
    type: 'uint',
    defaults: both('86400'),
    shipped: '86400',
    unit: 's',
    summary:
      'How long the directory of a removed replica (renamed to *.gar) stays on disk before it is deleted. The disk cleaner looks only every disk_stat_interval_seconds, so the space of a drained node comes back a day (plus up to one check) after the move.',
    runtime: 'Mutable flag via `/updateConfig`.',
  },
  {
    section: 'replication',
    key: 'disk_min_available_space_ratio',
    type: 'int',
    defaults: both('10'),
    unit: '%',
    summary:
      'A data disk whose free share (whole percent) falls below this is marked as short of space; re-checked every disk_stat_interval_seconds. With reject_write_when_disk_insufficient its partitions refuse writes, which a scale-in onto fuller nodes can trigger.',
    runtime: 'Mutable flag via `/updateConfig`.',
  },
  {
    section: 'replication',
    key: 'reject_write_when_disk_insufficient',
    type: 'bool',
    defaults: both('true'),
    summary:
      'A primary refuses client writes (ERR_DISK_INSUFFICIENT) while its own disk, or a disk a secondary reported, is short of space (see disk_min_available_space_ratio) or failing.',
    runtime: 'Mutable flag via `/updateConfig`.',
  },
  // ---- [nfs]: copy throttling during re-replication ----
  {
    section: 'nfs',
    key: 'max_copy_rate_megabytes_per_disk',
    type: 'int',
    defaults: both('0'),
    unit: 'MB/s',
    // The rejected band depends on nfs_copy_block_bytes, so the analysis checks it across keys.
    summary:
      'Per-destination-disk cap on data copied in for learning (0 = unlimited). Throttles how fast a scale-out or a replacement fills disks. Any other value must exceed nfs_copy_block_bytes once turned into bytes (more than 4 MB/s with the default block), or the server refuses to start.',
    runtime: 'Mutable flag and `remote_command nfs.max_copy_rate_megabytes_per_disk N` (2.4 and 2.5 cannot set 0 back at run time).',
  },
  {
    section: 'nfs',
    key: 'max_send_rate_megabytes_per_disk',
    type: 'int',
    defaults: both('0'),
    unit: 'MB/s',
    summary: 'Per-source-disk cap on data sent out for learning (0 = unlimited).',
    runtime: 'Mutable flag and `remote_command nfs.max_send_rate_megabytes_per_disk N`.',
  },
  {
    section: 'nfs',
    key: 'nfs_copy_block_bytes',
    type: 'uint',
    defaults: both('4194304'),
    shipped: '4194304',
    unit: 'bytes',
    summary:
      'Files are copied in requests of at most this size, and each request takes its whole size from the copy-rate budget at once. It bounds max_copy_rate_megabytes_per_disk from below: a non-zero rate must be larger than one block per second.',
    runtime: 'Restart needed.',
  },
  // ---- [zookeeper]: how fast a lost meta leader is replaced ----
  {
    section: 'zookeeper',
    key: 'timeout_ms',
    type: 'uint',
    defaults: both('30000'),
    shipped: '10000',
    unit: 'ms',
    summary:
      "The ZooKeeper session timeout of the meta servers. A killed meta leader's session, and with it the leader lock, lasts this long; only then can a standby meta take over (and cure, balance and answer as leader).",
    runtime: 'Restart needed.',
  },
];

// ---- what each version reads at all: the generated key list ----

interface PatternRule {
  readonly matchesSection: (section: string) => boolean;
  readonly keys: ReadonlyMap<string, KeyFact>;
  /** Key templates such as "network.client.<RPC_CHANNEL>" or "<remote cluster name>". */
  readonly templates: readonly { readonly re: RegExp; readonly fact: KeyFact }[];
}

interface VersionIndex {
  readonly sections: ReadonlyMap<string, ReadonlyMap<string, KeyFact>>;
  readonly patterns: readonly PatternRule[];
  readonly shippedNotRead: ReadonlyMap<string, ReadonlySet<string>>;
}

const escapeRe = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** "apps.*" matches apps.meta and apps..default; "core | apps.*" either; a plain name itself. */
function sectionMatcher(pattern: string): (section: string) => boolean {
  const alts = pattern.split(' | ').map((p) => p.trim());
  return (section) => alts.some((p) => (p.endsWith('.*') ? section.startsWith(p.slice(0, -1)) : section === p));
}

function buildIndex(v: ServerVersion): VersionIndex {
  const src = KNOWN_KEYS[v];
  const sections = new Map<string, Map<string, KeyFact>>();
  for (const [s, keys] of Object.entries(src.sections)) sections.set(s, new Map(Object.entries(keys)));
  const patterns: PatternRule[] = Object.entries(src.patterns).map(([p, keys]) => {
    const plain = new Map<string, KeyFact>();
    const templates: { re: RegExp; fact: KeyFact }[] = [];
    for (const [k, fact] of Object.entries(keys)) {
      if (!k.includes('<')) plain.set(k, fact);
      else
        for (const alt of k.split(' / '))
          templates.push({
            re: new RegExp(
              `^${alt
                .trim()
                .split(/<[^>]*>/)
                .map(escapeRe)
                .join('.+')}$`,
            ),
            fact,
          });
    }
    return { matchesSection: sectionMatcher(p), keys: plain, templates };
  });
  const shippedNotRead = new Map<string, Set<string>>();
  for (const [s, keys] of Object.entries(src.shippedNotRead)) shippedNotRead.set(s, new Set(keys));
  return { sections, patterns, shippedNotRead };
}

const INDEX: Readonly<Record<ServerVersion, VersionIndex>> = {
  '2.4': buildIndex('2.4'),
  '2.5': buildIndex('2.5'),
  '2.6': buildIndex('2.6'),
};

/** How a version reads a key: [type, code default, file:line in that version's source], or undefined. */
export function keyRead(version: ServerVersion, section: string, key: string): KeyFact | undefined {
  const idx = INDEX[version];
  const literal = idx.sections.get(section)?.get(key);
  if (literal) return literal;
  for (const p of idx.patterns) {
    if (!p.matchesSection(section)) continue;
    const f = p.keys.get(key) ?? p.templates.find((t) => t.re.test(key))?.fact;
    if (f) return f;
  }
  return undefined;
}

/** The versions whose code reads the key. */
export function versionsReading(section: string, key: string): ServerVersion[] {
  return SERVER_VERSIONS.filter((v) => keyRead(v, section, key) !== undefined);
}

/** True when the version ships the key in its config.ini although no code reads it. */
export function shippedButUnread(version: ServerVersion, section: string, key: string): boolean {
  return INDEX[version].shippedNotRead.get(section)?.has(key) ?? false;
}

/** Sections whose keys the version reads, so that unknown ones can be reported. */
export function isKnownSection(section: string, version: ServerVersion): boolean {
  const idx = INDEX[version];
  return idx.sections.has(section) || idx.patterns.some((p) => p.matchesSection(section));
}

/** A section some version reads. */
export function isKnownSectionInAnyVersion(section: string): boolean {
  return SERVER_VERSIONS.some((v) => isKnownSection(section, v));
}

/** The literal key names the version reads in a section (templated names left out). */
export function knownKeys(section: string, version: ServerVersion): ReadonlySet<string> {
  const idx = INDEX[version];
  const out = new Set<string>(idx.sections.get(section)?.keys() ?? []);
  for (const p of idx.patterns) if (p.matchesSection(section)) for (const k of p.keys.keys()) out.add(k);
  return out;
}

const specIndex = new Map<string, KeySpec>();
for (const s of KEY_SPECS) {
  const unusedIn = SERVER_VERSIONS.filter((v) => !keyRead(v, s.section, s.key));
  specIndex.set(`${s.section}\u0000${s.key}`, unusedIn.length ? { ...s, unusedIn } : s);
}

export function keySpec(section: string, key: string): KeySpec | undefined {
  return specIndex.get(`${section}\u0000${key}`);
}

export function specsOf(section: string): KeySpec[] {
  return [...specIndex.values()].filter((s) => s.section === section);
}

/** Sections offered in completions: the catalogue's plus the common ones of the shipped file. */
export const COMMON_SECTIONS: readonly string[] = [
  'meta_server',
  'replication',
  'nfs',
  'apps..default',
  'apps.meta',
  'apps.replica',
  'apps.collector',
  'core',
  'network',
  'pegasus.server',
  'pegasus.collector',
  'zookeeper',
  'threadpool..default',
  'task..default',
  'tools.simple_logger',
];

/** Section names that mark a file as a Pegasus server config. */
export const MARKER_SECTIONS: readonly string[] = ['meta_server', 'replication', 'apps.meta'];

/** The closest key the version reads in `section`, when one is close enough to be a likely typo. */
export function suggestKey(section: string, key: string, version: ServerVersion): string | undefined {
  const keys = knownKeys(section, version);
  return keys.size ? didYouMean(key, keys) : undefined;
}
