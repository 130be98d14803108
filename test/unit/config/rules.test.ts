import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeConfig, RULE_CODES, type Analysis } from '../../../src/config/analysis';
import { DEFAULT_SETTINGS, type AnalysisContext, type ConfigSettings } from '../../../src/config/settings';

const fixture = readFileSync(join(__dirname, '..', '..', 'support', 'server.ini'), 'utf8');

function run(text: string, settings: Partial<ConfigSettings> = {}, ctx: Partial<AnalysisContext> = {}): Analysis {
  return analyzeConfig(text, { clusters: [], runbookPlans: [], ...ctx, settings: { ...DEFAULT_SETTINGS, ...settings } });
}
const codes = (a: Analysis) => a.findings.map((f) => f.code);

test('the shipped config shape is clean with 10 nodes: only the key no code reads is marked', () => {
  // [apps.meta] name: v2.4.0/v2.5.0 src/server/config.ini set it, no version's service_app_spec reads it.
  const a = run(fixture, { nodeCount: 10 });
  assert.deepEqual(
    a.findings.map((f) => [f.code, f.severity, a.doc.entries.find((e) => e.line === f.range.start.line)?.key]),
    [['unused-key', 'hint', 'name']],
  );
});

test('errors for what the server rejects: duplicate section, "[" with "=", key before any section', () => {
  const a = run('k = 1\n[meta_server]\n[a=b]\n[meta_server]\n');
  assert.deepEqual(codes(a).sort(), ['duplicate-section', 'key-before-section', 'section-with-equals']);
  assert.ok(a.findings.every((f) => f.severity === 'error'));
  assert.equal(a.hasSyntaxErrors, true);
  const dup = a.findings.find((f) => f.code === 'duplicate-section')!;
  assert.equal(dup.range.start.line, 3);
  assert.equal(dup.related![0]!.range.start.line, 1);
  assert.match(dup.message, /line 2/);
});

test('duplicate key: warning on the later one, saying the first value wins, with a removal fix', () => {
  const a = run('[meta_server]\nmin_live_node_count_for_unfreeze = 3\nmin_live_node_count_for_unfreeze = 1\n');
  const f = a.findings.find((x) => x.code === 'duplicate-key')!;
  assert.equal(f.severity, 'warning');
  assert.equal(f.range.start.line, 2);
  assert.match(f.message, /keeps that first value/);
  assert.match(f.message, /= 3/);
  assert.deepEqual(f.fixes![0]!.edits[0]!.range, { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } });
  assert.equal(a.minLive!.value, 3, 'the first definition is the effective one');
});

test('unknown key in a known section: warning with did-you-mean and a rename fix', () => {
  const a = run('[meta_server]\nnode_live_percentage_treshold_for_update = 60\n');
  const f = a.findings.find((x) => x.code === 'unknown-key')!;
  assert.equal(f.severity, 'warning');
  assert.match(f.message, /Did you mean "node_live_percentage_threshold_for_update"/);
  assert.equal(f.fixes![0]!.edits[0]!.newText, 'node_live_percentage_threshold_for_update');
  // far from anything known: only a hint, since our key list is not the whole server
  const b = run('[replication]\ncompletely_new_flag = 1\n');
  assert.equal(b.findings[0]!.severity, 'hint');
  // unknown sections and placeholders in keys are never reported
  assert.deepEqual(run('[my.own.section]\nanything = 1\n[meta_server]\n%{x} = 1\n').findings, []);
});

test('the server spelling "max_succssive_unstable_restart" is suggested for the dictionary spelling', () => {
  const a = run('[meta_server]\nmax_successive_unstable_restart = 5\n');
  assert.match(a.findings[0]!.message, /max_succssive_unstable_restart/);
});

test('types: bad integers and booleans keep the default (warning), a bad level aborts start (error)', () => {
  const a = run(
    '[meta_server]\nmin_live_node_count_for_unfreeze = three\nadd_secondary_enable_flow_control = yes\nmeta_function_level_on_start = fast\n',
  );
  const byKey = (k: string) => a.findings.find((f) => f.message.includes(k))!;
  assert.equal(byKey('min_live_node_count_for_unfreeze').severity, 'warning');
  assert.match(byKey('min_live_node_count_for_unfreeze').message, /keeps the default \(3\)/);
  assert.equal(byKey('add_secondary_enable_flow_control').code, 'invalid-value');
  const lvl = a.findings.find((f) => f.message.includes('meta_function_level_on_start'))!;
  assert.equal(lvl.severity, 'error');
  assert.equal(lvl.fixes!.find((x) => x.preferred)!.edits[0]!.newText, 'steady');
  // negative into an unsigned flag
  assert.equal(run('[meta_server]\nreplica_assign_delay_ms_for_dropouts = -1\n').findings[0]!.code, 'invalid-value');
});

test('ranges per version: threshold 0..100 CHECK-fails in 2.6, freezes forever in 2.5; min live must be > 0', () => {
  const six = run('[meta_server]\nnode_live_percentage_threshold_for_update = 150\n');
  assert.equal(six.findings[0]!.code, 'out-of-range');
  assert.match(six.findings[0]!.message, /refuses to start/);
  const five = run('[meta_server]\nnode_live_percentage_threshold_for_update = 150\n', { serverVersion: '2.5' });
  assert.match(five.findings[0]!.message, /frozen permanently/);
  const viaDirective = run('# pegasus-ops: version=2.5\n[meta_server]\nnode_live_percentage_threshold_for_update = 150\n');
  assert.equal(viaDirective.version, '2.5');
  assert.match(run('[meta_server]\nmin_live_node_count_for_unfreeze = 0\n').findings[0]!.message, /above 0/);
  assert.equal(run('[nfs]\nmax_copy_rate_megabytes_per_disk = 3\n').findings[0]!.code, 'out-of-range');
  assert.deepEqual(run('[nfs]\nmax_copy_rate_megabytes_per_disk = 0\n').findings, []);
});

test('placeholders are not validated (deployment fills them in)', () => {
  assert.deepEqual(
    run('[meta_server]\nnode_live_percentage_threshold_for_update = %{pct}\nmin_live_node_count_for_unfreeze = %min%\n', { nodeCount: 3 })
      .findings,
    [],
  );
});

test('fd_grace_seconds must exceed fd_lease_seconds, using version defaults for the missing one', () => {
  const a = run('[replication]\nfd_lease_seconds = 20\nfd_grace_seconds = 20\n');
  const f = a.findings.find((x) => x.code === 'fd-grace-not-above-lease')!;
  assert.equal(f.severity, 'error');
  assert.equal(f.range.start.line, 2);
  assert.equal(f.fixes![0]!.edits[0]!.newText, '22');
  // lease 15 with the 2.5 default grace (10): fails; with the 2.6 default grace (22): fine
  assert.ok(codes(run('[replication]\nfd_lease_seconds = 15\n', { serverVersion: '2.5' })).includes('fd-grace-not-above-lease'));
  assert.ok(!codes(run('[replication]\nfd_lease_seconds = 15\n')).includes('fd-grace-not-above-lease'));
  // nothing set: defaults are consistent, nothing to say
  assert.deepEqual(run('[replication]\nlb_interval_ms = 10000\n').findings, []);
});

test('fd_lease_seconds should exceed twice the beacon interval', () => {
  assert.ok(codes(run('[replication]\nfd_lease_seconds = 6\nfd_grace_seconds = 8\n')).includes('fd-lease-too-short'));
});

test('min_live above the node count freezes from the start', () => {
  const a = run('[meta_server]\nmin_live_node_count_for_unfreeze = 5\n', { nodeCount: 4 });
  const f = a.findings.find((x) => x.code === 'min-live-above-nodes')!;
  assert.equal(f.severity, 'error');
  assert.match(f.message, /4 replica servers/);
  assert.equal(f.fixes![0]!.edits[0]!.newText, '3');
});

test('threshold-freezes-on-loss follows the freeze rule and the tolerateNodeLosses setting', () => {
  // 4 nodes at 65: losing one is fine (300 >= 260), so tolerate=1 passes and tolerate=2 warns
  const t = '[meta_server]\nnode_live_percentage_threshold_for_update = 65\n';
  assert.deepEqual(run(t, { nodeCount: 4 }).findings, []);
  const a = run(t, { nodeCount: 4, tolerateNodeLosses: 2 });
  const f = a.findings.find((x) => x.code === 'threshold-freezes-on-loss')!;
  assert.match(f.message, /2\/4 < 65% and fewer than 3 alive/);
  assert.deepEqual(f.fixes, [], 'no threshold helps when min_live is the limit');
  // 3 nodes: a single loss freezes whatever the percentage
  assert.match(run('[meta_server]\n', { nodeCount: 3 }).findings[0]!.message, /losing a single node freezes/);
  // 10 nodes at 95: a single loss drops the share to 90% < 95%; the fix lowers it to 90
  const b = run('[meta_server]\nnode_live_percentage_threshold_for_update = 95\n', { nodeCount: 10 });
  const g = b.findings.find((x) => x.code === 'threshold-freezes-on-loss')!;
  assert.match(g.message, /9\/10 < 95%/);
  assert.equal(g.fixes![0]!.edits[0]!.newText, '90');
  assert.equal(g.range.start.line, 1);
});

test('no node count: no freeze checks, and the lens asks for one', () => {
  const a = run('[meta_server]\nnode_live_percentage_threshold_for_update = 95\n');
  assert.deepEqual(a.findings, []);
  assert.match(a.lenses[0]!.title, /node count unknown/);
});

test('node count sources: directive beats connected cluster beats setting', () => {
  const t = '[meta_server]\nnode_live_percentage_threshold_for_update = 50\n';
  const clusters = [{ name: 'prod', alive: 7, dead: 1 }];
  assert.equal(run(t, { nodeCount: 20 }).nodes!.alive, 20);
  assert.deepEqual(run(t, { nodeCount: 20 }, { clusters }).nodes, { alive: 7, dead: 1, source: 'cluster "prod"', cluster: 'prod' });
  assert.equal(run(`# pegasus-ops: nodes=12\n${t}`, { nodeCount: 20 }, { clusters }).nodes!.alive, 12);
  // a named cluster that is not connected falls back to the setting, not to another cluster
  assert.equal(run(`# pegasus-ops: cluster=staging\n${t}`, { nodeCount: 20 }, { clusters }).nodes!.alive, 20);
  const two = [...clusters, { name: 'staging', alive: 4, dead: 0 }];
  assert.equal(run(`# pegasus-ops: cluster=staging\n${t}`, {}, { clusters: two }).nodes!.alive, 4);
  assert.equal(run(t, {}, { clusters: two }).nodes, null, 'two clusters and no hint: unknown');
  assert.equal(run(t, {}, { clusters: two, activeCluster: 'prod' }).nodes!.alive, 7);
});

test('a scale-in planned in an open runbook that would freeze is a warning with a fix', () => {
  const t = '[meta_server]\nnode_live_percentage_threshold_for_update = 50\n';
  const plan = { uri: 'file:///w/scale-in.runbook.md', removals: 6, line: 10, label: 'Runbook scale-in.runbook.md (line 11)' };
  const a = run(t, { nodeCount: 10 }, { runbookPlans: [plan] });
  const f = a.findings.find((x) => x.code === 'threshold-freezes-scale-in')!;
  assert.match(f.message, /removal 6 of 6 only 4\/10 \(40.0%\)/);
  assert.equal(f.fixes![0]!.edits[0]!.newText, '40');
  // 5 of 10 at 50 is the strict boundary: fine
  assert.deepEqual(run(t, { nodeCount: 10 }, { runbookPlans: [{ ...plan, removals: 5 }] }).findings, []);
  // a plan for another cluster does not apply
  assert.deepEqual(
    run(`# pegasus-ops: cluster=prod\n${t}`, { nodeCount: 10 }, { runbookPlans: [{ ...plan, cluster: 'staging' }] }).findings,
    [],
  );
  // at 20%, 8 of 10 only hits min_live (2 < 3): no threshold fix helps
  const low = t.replace('= 50', '= 20');
  const g = run(low, { nodeCount: 10 }, { runbookPlans: [{ ...plan, removals: 8 }] }).findings.find(
    (x) => x.code === 'threshold-freezes-scale-in',
  )!;
  assert.match(g.message, /removal 8 of 8 only 2\/10 \(20.0%\) are alive, fewer than 3/);
  assert.deepEqual(g.fixes, []);
});

test('rules can be turned off by setting, by file directive, per line and for the next line', () => {
  const t = '[meta_server]\nmin_live_node_count_for_unfreeze = 3\nmin_live_node_count_for_unfreeze = 1\n';
  assert.deepEqual(codes(run(t)), ['duplicate-key']);
  assert.deepEqual(run(t, { disabledRules: ['duplicate-key'] }).findings, []);
  assert.deepEqual(run(`# pegasus-ops: disable=duplicate-key\n${t}`).findings, []);
  assert.deepEqual(run(`${t.trimEnd()}  # pegasus-ops: disable=duplicate-key\n`).findings, []);
  assert.deepEqual(
    run(
      t.replace(
        'min_live_node_count_for_unfreeze = 1',
        '# pegasus-ops: disable-next-line=duplicate-key\n\nmin_live_node_count_for_unfreeze = 1',
      ),
    ).findings,
    [],
  );
  // disabling another rule does not hide this one
  assert.deepEqual(codes(run(`# pegasus-ops: disable=unknown-key\n${t}`)), ['duplicate-key']);
});

test('bad directives are reported', () => {
  const a = run('# pegasus-ops: nodes=ten speed=fast version=3\n[meta_server]\n');
  assert.deepEqual(codes(a), ['bad-directive', 'bad-directive', 'bad-directive']);
});

test('unused keys are hints marked unnecessary: max_replicas_in_group has no effect in 2.4, 2.5 and 2.6', () => {
  // v2.5.0 src/meta/partition_guardian.cpp assigns it to config_context::MAX_REPLICA_COUNT_IN_GRROUP,
  // which nothing reads (v2.5.0 src/meta/meta_data.cpp); master and v2.4.0 (src/rdsn/src/meta) alike.
  for (const serverVersion of ['2.4', '2.5', '2.6'] as const) {
    const a = run('[meta_server]\nmax_replicas_in_group = 3\n', { serverVersion });
    assert.equal(a.findings[0]!.code, 'unused-key');
    assert.equal(a.findings[0]!.unnecessary, true);
    assert.equal(a.findings[0]!.data?.unusedReason, 'no-effect');
  }
});

test('every finding uses a documented rule code', () => {
  const a = run('k = 1\n[meta_server]\n[meta_server]\nx = 1\nx = 2\nnode_live_percentage_threshold_for_update = 101\n', { nodeCount: 2 });
  for (const f of a.findings) assert.ok(RULE_CODES.includes(f.code), f.code);
});
