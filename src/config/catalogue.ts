/**
 * The keys of a Pegasus server config that matter for scaling and failure handling, described in
 * our own words from what the servers do (upstream apache/incubator-pegasus: the flags in
 * src/meta/meta_options.cpp and src/replica/, the parser in src/utils/configuration.cpp). One table
 * drives validation, hovers and completions.
 *
 * Versions: "2.5" is the v2.5.0 release; "2.6" stands for the master-era code (new failure-detector
 * and assign-delay defaults from PR #1877, validators on the threshold). Check the real cluster
 * with `server_info` and `config-dump` when in doubt.
 */
import * as z from 'zod';
import { didYouMean } from '../cluster/suggest';
import { META_LEVELS } from '../pegasus/types';

export const serverVersionSchema = z.enum(['2.5', '2.6']);
export type ServerVersion = z.infer<typeof serverVersionSchema>;
export const SERVER_VERSIONS: readonly ServerVersion[] = ['2.5', '2.6'];

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
  /** Versions where no code reads the key. */
  readonly unusedIn?: readonly ServerVersion[];
}

const both = (v: string): Record<ServerVersion, string> => ({ '2.5': v, '2.6': v });

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
    defaults: { '2.5': '300000', '2.6': '600000' },
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
    unusedIn: ['2.6'],
    summary: 'Historical cap on replicas per partition group.',
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
        ? 'Balancer only moves primaries (no data copies); scale-out runbooks use it to avoid overloading new nodes.'
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
    defaults: { '2.5': '9', '2.6': '20' },
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
    defaults: { '2.5': '10', '2.6': '22' },
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
    summary: 'A restarting replica server first waits fd_grace_seconds so the meta sees it dead before it rejoins.',
    runtime: 'Restart needed.',
  },
  {
    section: 'replication',
    key: 'log_private_reserve_max_size_mb',
    type: 'int',
    defaults: { '2.5': '0', '2.6': '1000' },
    shipped: '1000',
    unit: 'MB',
    summary: 'Private log kept for incremental learning; a node that returns within it catches up from the log instead of a full copy.',
    runtime: 'Restart needed.',
  },
  {
    section: 'replication',
    key: 'log_private_reserve_max_time_seconds',
    type: 'int',
    defaults: { '2.5': '0', '2.6': '36000' },
    shipped: '36000',
    unit: 's',
    summary: 'Age limit of the private log kept for incremental learning.',
    runtime: 'Restart needed.',
  },
  // ---- [nfs]: copy throttling during re-replication ----
  {
    section: 'nfs',
    key: 'max_copy_rate_megabytes_per_disk',
    type: 'int',
    defaults: both('0'),
    unit: 'MB/s',
    range: {
      '2.6': {
        min: 0,
        excluded: [1, 4],
        checkFailsOnStart: true,
        consequence: 'the validator accepts only 0 (unlimited) or more than 4 and the server refuses to start',
      },
      '2.5': {
        min: 0,
        excluded: [1, 4],
        checkFailsOnStart: true,
        consequence: 'the validator accepts only 0 (unlimited) or more than 4 and the server refuses to start',
      },
    },
    summary: 'Per-disk cap on data copied in for learning (0 = unlimited). Throttles how fast a scale-out or a replacement fills disks.',
    runtime: 'Mutable flag and `remote_command nfs.max_copy_rate_megabytes_per_disk N`.',
  },
  {
    section: 'nfs',
    key: 'max_send_rate_megabytes_per_disk',
    type: 'int',
    defaults: both('0'),
    unit: 'MB/s',
    summary: 'Per-disk cap on data sent out for learning (0 = unlimited).',
    runtime: 'Mutable flag and `remote_command nfs.max_send_rate_megabytes_per_disk N`.',
  },
];

/**
 * Other keys the server reads in these sections (seen in the shipped config.ini); known so that
 * they are not reported as unknown, but not described further.
 */
const OTHER_KNOWN: Readonly<Record<string, readonly string[]>> = {
  meta_server: [
    'cluster_root',
    'distributed_lock_service_type',
    'distributed_lock_service_parameters',
    'meta_state_service_type',
    'meta_state_service_parameters',
    'recover_from_replica_server',
    'hold_seconds_for_dropped_app',
    'server_load_balancer_type',
    'partition_guardian_type',
    'cold_backup_disabled',
    'enable_split',
    'app_balancer_in_turn',
  ],
  replication: [
    'slog_dir',
    'data_dirs',
    'data_dirs_black_list_file',
    'deny_client_on_start',
    'verbose_client_log_on_start',
    'verbose_commit_log_on_start',
    'empty_write_disabled',
    'allow_non_idempotent_write',
    'prepare_timeout_ms_for_secondaries',
    'prepare_timeout_ms_for_potential_secondaries',
    'prepare_decree_gap_for_debug_logging',
    'batch_write_disabled',
    'staleness_for_commit',
    'max_mutation_count_in_prepare_list',
    'group_check_disabled',
    'group_check_interval_ms',
    'checkpoint_disabled',
    'checkpoint_interval_seconds',
    'checkpoint_min_decree_gap',
    'checkpoint_max_interval_hours',
    'gc_disabled',
    'gc_interval_ms',
    'gc_memory_replica_interval_ms',
    'gc_disk_error_replica_interval_seconds',
    'gc_disk_garbage_replica_interval_seconds',
    'disk_stat_disabled',
    'disk_stat_interval_seconds',
    'fd_disabled',
    'log_private_file_size_mb',
    'log_private_batch_buffer_kb',
    'log_private_batch_buffer_count',
    'log_private_batch_buffer_flush_interval_ms',
    'log_shared_file_size_mb',
    'log_shared_file_count_limit',
    'log_shared_batch_buffer_kb',
    'log_shared_force_flush',
    'config_sync_disabled',
    'cold_backup_root',
    'max_concurrent_uploading_file_count',
    'duplication_enabled',
    'mem_release_enabled',
    'mem_release_check_interval_ms',
    'mem_release_max_reserved_mem_percentage',
    'plog_force_flush',
    'max_concurrent_bulk_load_downloading_count',
  ],
  nfs: [
    'nfs_copy_block_bytes',
    'max_concurrent_remote_copy_requests',
    'max_concurrent_local_writes',
    'max_buffered_local_writes',
    'high_priority_speed_rate',
    'file_close_expire_time_ms',
    'file_close_timer_interval_ms_on_server',
    'max_file_copy_request_count_per_file',
    'max_send_rate_megabytes',
    'max_copy_rate_megabytes',
  ],
};

const specIndex = new Map<string, KeySpec>();
for (const s of KEY_SPECS) specIndex.set(`${s.section}\u0000${s.key}`, s);

const knownIndex = new Map<string, Set<string>>();
for (const s of KEY_SPECS) {
  if (!knownIndex.has(s.section)) knownIndex.set(s.section, new Set());
  knownIndex.get(s.section)!.add(s.key);
}
for (const [section, keys] of Object.entries(OTHER_KNOWN)) {
  if (!knownIndex.has(section)) knownIndex.set(section, new Set());
  for (const k of keys) knownIndex.get(section)!.add(k);
}

/** Sections whose keys we know well enough to report unknown ones. */
export function isKnownSection(section: string): boolean {
  return knownIndex.has(section);
}

export function knownKeys(section: string): ReadonlySet<string> {
  return knownIndex.get(section) ?? new Set();
}

export function keySpec(section: string, key: string): KeySpec | undefined {
  return specIndex.get(`${section}\u0000${key}`);
}

export function specsOf(section: string): KeySpec[] {
  return KEY_SPECS.filter((s) => s.section === section);
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

/** The closest known key of `section`, when one is close enough to be a likely typo. */
export function suggestKey(section: string, key: string): string | undefined {
  const keys = knownIndex.get(section);
  return keys ? didYouMean(key, keys) : undefined;
}
