import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionsFor } from '../../../src/config/actions';
import { analyzeConfig, type Analysis } from '../../../src/config/analysis';
import { DEFAULT_SETTINGS, type AnalysisContext, type ConfigSettings, type RunbookPlan } from '../../../src/config/settings';

function run(text: string, settings: Partial<ConfigSettings> = {}, ctx: Partial<AnalysisContext> = {}): Analysis {
  return analyzeConfig(text, { clusters: [], runbookPlans: [], ...ctx, settings: { ...DEFAULT_SETTINGS, ...settings } });
}

// [meta_server] server_list is the list servers and clients load by default
// (apache/incubator-pegasus v2.5.0 src/common/replication_other_types.h, load_meta_servers).
const meta = (servers: string) => `[meta_server]\nserver_list = ${servers}\nnode_live_percentage_threshold_for_update = 65\n`;
const sim = { name: 'simulated', alive: 5, dead: 0, metaServers: ['127.0.0.1:34601'] };
const staging = { name: 'staging', alive: 8, dead: 1, metaServers: ['10.0.0.1:34601', '10.0.0.2:34601'] };

test('a config is judged against the cluster its server_list names, not the active one', () => {
  const a = run(meta('10.0.0.2:34601, 10.0.0.1:34601'), {}, { clusters: [sim, staging], activeCluster: 'simulated' });
  assert.equal(a.binding.by, 'server-list');
  assert.equal(a.binding.cluster?.name, 'staging');
  assert.deepEqual(a.nodes, { alive: 8, dead: 1, source: 'cluster "staging"', cluster: 'staging' });
  // One shared meta server is enough: a settings entry may list only some of them.
  assert.equal(run(meta('10.0.0.1:34601,10.0.0.3:34601'), {}, { clusters: [sim, staging] }).binding.cluster?.name, 'staging');
  // The directive still wins over the file's list.
  assert.equal(run(`# pegasus-ops: cluster=simulated\n${meta('10.0.0.1:34601')}`, {}, { clusters: [sim, staging] }).nodes!.alive, 5);
});

test('a server_list that matches no configured cluster says so and takes no cluster counts', () => {
  const a = run(meta('10.9.9.9:34601'), {}, { clusters: [sim], activeCluster: 'simulated' });
  assert.equal(a.binding.by, 'unmatched');
  assert.equal(a.nodes, null, 'not the active cluster');
  const f = a.findings.find((x) => x.code === 'cluster-not-matched')!;
  assert.equal(f.severity, 'information');
  assert.equal(f.range.start.line, 1);
  assert.match(f.message, /simulated \(127\.0\.0\.1:34601\)/);
  assert.ok(!a.findings.some((x) => x.code === 'threshold-freezes-on-loss'));
  // The setting still applies (it is for files no connected cluster describes), and the message says where counts come from.
  const b = run(meta('10.9.9.9:34601'), { nodeCount: 3 }, { clusters: [sim], activeCluster: 'simulated' });
  assert.deepEqual(b.nodes, { alive: 3, dead: 0, source: 'pegasus.config.nodeCount' });
  assert.match(b.findings.find((x) => x.code === 'cluster-not-matched')!.message, /pegasus\.config\.nodeCount \(3 nodes\)/);
  // No cluster configured: nothing to match against, nothing to say.
  assert.ok(!run(meta('10.9.9.9:34601')).findings.some((x) => x.code === 'cluster-not-matched'));
  // The rule can be turned off like any other.
  assert.ok(!run(meta('10.9.9.9:34601'), { disabledRules: ['cluster-not-matched'] }, { clusters: [sim] }).findings.length);
});

test('a file that names no concrete meta servers keeps the active or only cluster', () => {
  const template = run(meta('%{meta.server.list}'), {}, { clusters: [sim, staging], activeCluster: 'staging' });
  assert.equal(template.binding.by, 'active');
  assert.equal(template.nodes!.alive, 8);
  assert.equal(run('[meta_server]\nnode_live_percentage_threshold_for_update = 65\n', {}, { clusters: [sim] }).binding.by, 'only');
});

const plan = (over: Partial<RunbookPlan>): RunbookPlan => ({
  uri: 'file:///w/a/scale-in.runbook.md',
  removals: 3,
  line: 10,
  label: 'Runbook scale-in.runbook.md (line 11)',
  ...over,
});

test('runbook plans count only for the cluster they run against', () => {
  const ctx = { clusters: [sim, staging], activeCluster: 'simulated' };
  const forSim = plan({});
  const forStaging = plan({ cluster: 'staging', uri: 'file:///w/b/scale-in.runbook.md' });
  const stagingFile = run(meta('10.0.0.1:34601'), {}, { ...ctx, runbookPlans: [forSim, forStaging] });
  // A runbook without `cluster:` runs against the active cluster (simulated), not this staging file's.
  assert.deepEqual(stagingFile.runbookPlans, [forStaging]);
  const unmatched = run(meta('10.9.9.9:34601'), { nodeCount: 4 }, { ...ctx, runbookPlans: [forSim, forStaging] });
  assert.deepEqual(unmatched.runbookPlans, []);
  assert.ok(!unmatched.findings.some((f) => f.code === 'threshold-freezes-scale-in'));
  // No active cluster and no cluster: the plan's target is unknown, so it may concern any file.
  assert.deepEqual(run(meta('10.9.9.9:34601'), { nodeCount: 4 }, { runbookPlans: [forSim] }).runbookPlans, [forSim]);
});

test('identical findings from several runbooks are said once, with one set of quick fixes', () => {
  const same = [1, 2, 3].map((i) => plan({ uri: `file:///w/${i}/scale-in.runbook.md` }));
  const a = run('[meta_server]\nnode_live_percentage_threshold_for_update = 65\n', { nodeCount: 5 }, { runbookPlans: same });
  const warnings = a.findings.filter((f) => f.code === 'threshold-freezes-scale-in');
  assert.equal(warnings.length, 1);
  const at = warnings[0]!.range;
  const acts = actionsFor(a, at, () => 50);
  const titles = acts.map((x) => x.title);
  assert.equal(new Set(titles).size, titles.length, titles.join('\n'));
  assert.equal(titles.filter((t) => t === 'Ignore threshold-freezes-scale-in on this line').length, 1);
});
