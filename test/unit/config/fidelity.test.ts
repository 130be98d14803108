// The config catalogue against the real Pegasus source (apache/incubator-pegasus at v2.4.0, v2.5.0
// and master): which keys each version reads, the shipped config.ini of each, and the texts of the
// keys that govern scaling. The facts are in scripts/config-keys/pegasus-config-keys.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { analyzeConfig, type Analysis } from '../../../src/config/analysis';
import { KEY_SPECS, keyRead, keySpec, SERVER_VERSIONS, type ServerVersion } from '../../../src/config/catalogue';
import { hoverAt } from '../../../src/config/hover';
import { KNOWN_KEYS } from '../../../src/config/knownKeys';
import { DEFAULT_SETTINGS, type AnalysisContext, type ConfigSettings } from '../../../src/config/settings';

const root = join(__dirname, '..', '..', '..');
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

function run(text: string, settings: Partial<ConfigSettings> = {}, ctx: Partial<AnalysisContext> = {}): Analysis {
  return analyzeConfig(text, { clusters: [], runbookPlans: [], ...ctx, settings: { ...DEFAULT_SETTINGS, ...settings } });
}
const keyAt = (a: Analysis, line: number) => {
  const e = a.doc.entries.find((x) => x.line === line)!;
  return `${e.section!.name}.${e.key}`;
};

const SHIPPED: readonly { file: string; version: ServerVersion; unused: readonly string[] }[] = [
  {
    // v2.4.0 src/server/config.ini
    file: 'shipped-v2.4.0.ini',
    version: '2.4',
    unused: [
      'apps.collector.name',
      'apps.meta.name',
      'apps.mimic.name',
      'apps.replica.name',
      'core.tls_trans_memory_KB',
      'meta_server.max_replicas_in_group',
      'nfs.max_send_rate_megabytes',
      'task..default.rpc_call_header_format_name',
    ],
  },
  {
    // v2.5.0 src/server/config.ini; log_shared_batch_buffer_kb: its read is commented out in v2.5.0 src/common/replication_common.cpp
    file: 'shipped-v2.5.0.ini',
    version: '2.5',
    unused: [
      'apps.collector.name',
      'apps.meta.name',
      'apps.mimic.name',
      'apps.replica.name',
      'core.tls_trans_memory_KB',
      'meta_server.max_replicas_in_group',
      'nfs.max_send_rate_megabytes',
      'replication.log_shared_batch_buffer_kb',
      'task..default.rpc_call_header_format_name',
    ],
  },
  {
    // master src/server/config.ini; perf_counter_sink/prometheus_port lost their reader with src/reporter, gc_disabled its flag
    file: 'shipped-master.ini',
    version: '2.6',
    unused: [
      'core.tls_trans_memory_KB',
      'meta_server.max_replicas_in_group',
      'nfs.max_send_rate_megabytes',
      'pegasus.server.perf_counter_sink',
      'pegasus.server.prometheus_port',
      'replication.gc_disabled',
      'task..default.rpc_call_header_format_name',
    ],
  },
];

for (const s of SHIPPED) {
  test(`${s.file}: every key of the shipped config.ini is known; only the keys no code reads are marked`, () => {
    for (const serverVersion of SERVER_VERSIONS) {
      const a = run(fixture(s.file), { serverVersion, nodeCount: 10 });
      assert.equal(a.version, s.version, `the file shows its version whatever the setting (${serverVersion})`);
      assert.equal(a.versionChoice.source.kind, 'file');
      assert.deepEqual(
        a.findings.filter((f) => f.code === 'unknown-key'),
        [],
      );
      const unused = a.findings.filter((f) => f.code === 'unused-key');
      assert.deepEqual(unused.map((f) => keyAt(a, f.range.start.line)).sort(), [...s.unused].sort());
      assert.ok(unused.every((f) => f.severity === 'hint' && f.data?.version === s.version && f.data.versionSource === 'file'));
      assert.deepEqual(
        a.findings.filter((f) => f.code !== 'unused-key').map((f) => f.code),
        [],
      );
    }
  });
}

test('real keys the catalogue used to report as unknown are known in the versions that read them', () => {
  // v2.5.0 src/common/common.cpp (cluster_name), src/block_service/hdfs/hdfs_service.cpp (hdfs_*),
  // src/common/fs_manager.cpp (ignore_broken_disk, disk_min_available_space_ratio), src/nfs/nfs_client_impl.cpp (rpc_timeout_ms)
  const common = [
    'cluster_name',
    'hdfs_read_batch_size_bytes',
    'hdfs_write_batch_size_bytes',
    'hdfs_read_limit_rate_mb_per_sec',
    'hdfs_write_limit_rate_mb_per_sec',
    'ignore_broken_disk',
    'disk_min_available_space_ratio',
  ];
  for (const v of SERVER_VERSIONS) {
    const text = `# pegasus-ops: version=${v}\n[replication]\n${common.map((k) => `${k} = 1`).join('\n')}\n[nfs]\nrpc_timeout_ms = 1000\n`;
    assert.deepEqual(run(text).findings, [], v);
  }
  // v2.5.0 src/replica/mutation_log.cpp: the shared-log throttling keys; master src/replica/duplication/*: dup_*
  const v25 =
    '# pegasus-ops: version=2.5\n[replication]\nlog_shared_pending_size_throttling_threshold_kb = 1\nlog_shared_pending_size_throttling_delay_ms = 1\n';
  assert.deepEqual(run(v25).findings, []);
  assert.deepEqual(run('# pegasus-ops: version=2.6\n[replication]\ndup_max_allowed_write_size = 1\n').findings, []);
});

test('names no code reads are no longer accepted: enable_split, app_balancer_in_turn, nfs.max_copy_rate_megabytes', () => {
  // The balancer's key is balancer_in_turn (v2.5.0 src/meta/app_balance_policy.cpp); the nfs rate keys end in _per_disk.
  const a = run('[meta_server]\nenable_split = true\napp_balancer_in_turn = false\n[nfs]\nmax_copy_rate_megabytes = 50\n');
  assert.deepEqual(
    a.findings.map((f) => f.code),
    ['unknown-key', 'unknown-key', 'unknown-key'],
  );
  assert.match(a.findings[1]!.message, /Did you mean "balancer_in_turn"/);
});

test('a key only older versions read: hint naming the versions that do, and which version was checked and why', () => {
  // checkpoint_min_decree_gap: v2.4.0 src/rdsn/src/common/replication_common.cpp; gone in v2.5.0
  const a = run('[replication]\ncheckpoint_min_decree_gap = 10000\n[pegasus.server]\nencrypt_data_at_rest = false\n');
  const f = a.findings.find((x) => x.code === 'unused-key')!;
  assert.equal(a.version, '2.6');
  assert.deepEqual(f.data, { version: '2.6', versionSource: 'file', readBy: ['2.4'], unusedReason: 'other-versions' });
  assert.match(f.message, /in Pegasus 2\.6 \(inferred from this file: \[pegasus\.server\] encrypt_data_at_rest is read only by 2\.6\)/);
});

test('version: a 2.4 file is checked as 2.4 even with the 2.6 setting, and says so', () => {
  const a = run('[replication]\ncheckpoint_min_decree_gap = 10000\nlog_shared_file_count_limit = 100\n', { serverVersion: '2.6' });
  assert.equal(a.version, '2.4');
  assert.equal(a.versionChoice.source.kind, 'file');
  assert.deepEqual(a.findings, [], 'no "No code reads … in Pegasus 2.6" on a 2.4 file');
  const h = hoverAt(a, { line: 1, character: 3 })!;
  assert.match(h.markdown, /Version 2\.4: inferred from this file/);
  assert.match(h.markdown, /Read at v2\.4\.0 `src\/rdsn\/src\/common\/replication_common\.cpp:\d+`/);
});

test('version: else the connected cluster, else the setting; a version= comment overrides all', () => {
  const plain = '[meta_server]\nmin_live_node_count_for_unfreeze = 3\n';
  const clusters = [{ name: 'prod', alive: 5, dead: 0, version: '2.5' as const }];
  const byCluster = run(plain, { serverVersion: '2.6' }, { clusters });
  assert.equal(byCluster.version, '2.5');
  assert.deepEqual(byCluster.versionChoice.source, { kind: 'cluster', cluster: 'prod' });
  const bySetting = run(plain, { serverVersion: '2.4' });
  assert.equal(bySetting.version, '2.4');
  assert.equal(bySetting.versionChoice.source.kind, 'setting');
  const byDirective = run(`# pegasus-ops: version=2.4\n${plain}`, {}, { clusters });
  assert.equal(byDirective.version, '2.4');
  assert.equal(byDirective.versionChoice.source.kind, 'directive');
  // the file outranks the cluster: keys only master reads
  const masterFile = run('[pegasus.server]\nencrypt_data_at_rest = false\n', {}, { clusters });
  assert.equal(masterFile.version, '2.6');
});

test('2.4 is a server version of the setting, the directive and package.json', () => {
  assert.equal(run('# pegasus-ops: version=2.4\n[meta_server]\n').directives.problems.length, 0);
  assert.match(run('# pegasus-ops: version=2.3\n[meta_server]\n').findings[0]!.message, /version=2\.4, version=2\.5 or version=2\.6/);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { enum?: string[] }> } };
  };
  const props = pkg.contributes.configuration.properties;
  assert.deepEqual(props['pegasus.config.serverVersion']!.enum, [...SERVER_VERSIONS]);
});

test('the deep catalogue agrees with the source: every default is the code default of each version that reads the key', () => {
  for (const spec of KEY_SPECS)
    for (const v of SERVER_VERSIONS) {
      const read = keyRead(v, spec.section, spec.key);
      if (!read) continue;
      assert.equal(spec.defaults[v], read[1], `${spec.section}.${spec.key} in ${v} (${read[2]})`);
    }
});

test('texts: only_move_primary stops only copy_primary; delay_for_fd_timeout_on_start waits fd_grace_seconds + 3 s', () => {
  // v2.5.0 src/meta/load_balance_policy.cpp (primary_balance: move_primary, else copy_primary unless only_move_primary)
  // and src/meta/app_balance_policy.cpp (copy_secondary runs whatever only_move_primary says)
  const omp = keySpec('meta_server', 'only_move_primary')!;
  assert.match(omp.summary, /copy_primary/);
  assert.match(omp.summary, /Secondaries are still balanced by copying/);
  // master src/replica/replica_stub.cpp: start-up waits until process start + fd_grace_seconds + 3 s
  assert.match(keySpec('replication', 'delay_for_fd_timeout_on_start')!.summary, /fd_grace_seconds \+ 3 s/);
  // v2.5.0 src/meta/partition_guardian.cpp: read, without effect
  assert.deepEqual(keySpec('meta_server', 'max_replicas_in_group')!.noEffectIn, ['2.4', '2.5', '2.6']);
});

test('keys that govern scaling and failover are described, with defaults and shipped values from the source', () => {
  const cases: [string, string, string, string | undefined][] = [
    ['zookeeper', 'timeout_ms', '30000', '10000'], // master src/zookeeper/zookeeper_session.cpp
    ['replication', 'gc_memory_replica_interval_ms', '600000', '600000'], // master src/replica/replica_stub.cpp
    ['replication', 'gc_disk_garbage_replica_interval_seconds', '86400', '86400'], // master src/replica/disk_cleaner.cpp
    ['nfs', 'nfs_copy_block_bytes', '4194304', '4194304'], // master src/nfs/nfs_client_impl.cpp
    ['replication', 'disk_min_available_space_ratio', '10', undefined], // master src/common/fs_manager.cpp
    ['replication', 'reject_write_when_disk_insufficient', 'true', undefined], // master src/replica/replica_2pc.cpp
  ];
  for (const [section, key, def, shipped] of cases) {
    const spec = keySpec(section, key);
    assert.ok(spec, `${section}.${key}`);
    assert.equal(spec.defaults['2.6'], def);
    assert.equal(spec.shipped, shipped);
    for (const v of SERVER_VERSIONS) {
      const shippedFile = fixture(SHIPPED.find((s) => s.version === v)!.file);
      if (shipped !== undefined) assert.match(shippedFile, new RegExp(`^${key} = ${shipped}$`, 'm'), `${key} shipped in ${v}`);
      else assert.equal(KNOWN_KEYS[v].sections[section]?.[key] !== undefined, true, `${key} read in ${v}`);
    }
  }
  const a = run('[zookeeper]\ntimeout_ms = 10000\n');
  assert.match(hoverAt(a, { line: 1, character: 3 })!.markdown, /leader lock/);
});

test('max_copy_rate_megabytes_per_disk is bounded by nfs_copy_block_bytes, as the validator in src/nfs/nfs_client_impl.cpp', () => {
  // v2.4.0 src/rdsn/src/nfs/nfs_client_impl.cpp and master src/nfs/nfs_client_impl.cpp: 0, or (rate << 20) > block
  const err = run('[nfs]\nmax_copy_rate_megabytes_per_disk = 4\n').findings;
  assert.deepEqual(
    err.map((f) => [f.code, f.severity]),
    [['out-of-range', 'error']],
  );
  assert.match(err[0]!.message, /at least 5/);
  assert.deepEqual(run('[nfs]\nmax_copy_rate_megabytes_per_disk = 5\n').findings, []);
  assert.deepEqual(run('[nfs]\nnfs_copy_block_bytes = 1048576\nmax_copy_rate_megabytes_per_disk = 2\n').findings, []);
  const big = run('[nfs]\nnfs_copy_block_bytes = 16777216\nmax_copy_rate_megabytes_per_disk = 10\n').findings;
  assert.equal(big[0]!.code, 'out-of-range');
  assert.equal(big[0]!.related![0]!.range.start.line, 1);
});

test('the generated key list and fixtures are up to date with the committed facts (no Pegasus source needed)', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'config-keys', 'generate.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
