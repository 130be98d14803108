import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionsFor } from '../../../src/config/actions';
import { analyzeConfig, CALCULATOR_COMMAND, type Analysis } from '../../../src/config/analysis';
import { calculate, describeStep } from '../../../src/config/calculator';
import { completionsAt } from '../../../src/config/completion';
import { looksLikePegasusConfig } from '../../../src/config/detect';
import { hoverAt } from '../../../src/config/hover';
import { createRegistry } from '../../../src/commands';
import { scanRunbook } from '../../../src/config/runbookPlans';
import { DEFAULT_SETTINGS, parseSettings, type AnalysisContext, type ConfigSettings } from '../../../src/config/settings';

const commands = createRegistry();

const fixture = readFileSync(join(__dirname, '..', '..', 'support', 'server.ini'), 'utf8');
const lines = fixture.split('\n');
const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle));

function run(text: string, settings: Partial<ConfigSettings> = {}, ctx: Partial<AnalysisContext> = {}): Analysis {
  return analyzeConfig(text, { clusters: [], runbookPlans: [], ...ctx, settings: { ...DEFAULT_SETTINGS, ...settings } });
}

test('code lenses sit on the threshold and min-live keys and count the nodes that can go', () => {
  const a = run(fixture, { nodeCount: 10 });
  const thr = lineOf('node_live_percentage_threshold_for_update');
  const min = lineOf('min_live_node_count_for_unfreeze');
  assert.deepEqual([...new Set(a.lenses.map((l) => l.range.start.line))], [thr, min]);
  const [head, next] = a.lenses.filter((l) => l.range.start.line === thr);
  assert.equal(head!.title, 'Freezes after 6 more down (10 nodes, 50%)');
  assert.equal(
    head!.tooltip,
    '5 of 10 nodes can go down, one after another, before the meta freezes (pegasus.config.nodeCount). Click for the threshold calculator.',
  );
  assert.equal(next!.title, 'Allow 6 down: ≤ 40% · Calculator…');
  assert.match(next!.tooltip, /To let 6 nodes go down one after another, node_live_percentage_threshold_for_update must be at most 40/);
  assert.equal(next!.command, CALCULATOR_COMMAND);
  assert.equal(next!.args.k, 6);
  assert.equal(next!.args.pct, 50);
  assert.equal(next!.args.thresholdInFile, true);
  assert.equal(lines[thr]!.slice(next!.args.thresholdValueStart, next!.args.thresholdValueEnd), '50');
  const minLens = a.lenses.filter((l) => l.range.start.line === min);
  assert.deepEqual(
    minLens.map((l) => l.title),
    ['Freezes below 3 alive (alone lets 7 of 10 go) · Calculator…'],
  );
  assert.match(minLens[0]!.tooltip, /by this rule alone 7 of 10 alive can go \(pegasus.config.nodeCount\)/);
  // Short enough for one row of a narrow editor: the threshold line's lenses joined as the editor shows them.
  const row = a.lenses
    .filter((l) => l.range.start.line === thr)
    .map((l) => l.title)
    .join(' | ');
  assert.ok(row.length <= 80, `${row.length}: ${row}`);
});

test('lens on the [meta_server] header when the keys are absent; plans raise k', () => {
  const a = run(
    '[meta_server]\nserver_list = a:1\n',
    { nodeCount: 10 },
    { runbookPlans: [{ uri: 'u', removals: 4, line: 0, label: 'x' }] },
  );
  assert.equal(a.lenses[0]!.range.start.line, 0);
  assert.equal(a.lenses[0]!.title, 'Freezes after 4 more down (10 nodes, 65%)'); // default 65%: 7/10 ok, 6/10 freezes
  assert.equal(a.lenses[1]!.title, 'Allow 4 down: ≤ 60% · Calculator…');
  assert.match(a.lenses[1]!.tooltip, /\(x\)/, 'the runbook plan that asks for 4 is named');
  assert.equal(a.lenses[1]!.args.thresholdInFile, false);
  assert.deepEqual(run('[meta_server]\n', { nodeCount: 10, codeLens: false }).lenses, []);
  assert.deepEqual(run('[replication]\n', { nodeCount: 10 }).lenses, [], 'no meta_server, no lens');
});

test('lens titles name the rule that freezes first, dead nodes, and a frozen meta; all short', () => {
  const meta = (pct: number, min: number) =>
    `[meta_server]\nnode_live_percentage_threshold_for_update = ${pct}\nmin_live_node_count_for_unfreeze = ${min}\n`;
  const title = (a: Analysis) => a.lenses[0]!.title;
  // 4 nodes, 10%: the percentage never bites; 2 alive < min 3 does, after the second loss.
  assert.equal(title(run(meta(10, 3), { nodeCount: 4 })), 'Freezes after 2 more down (4 nodes, min 3 alive)');
  const live = (alive: number, dead: number) => ({ clusters: [{ name: 'c', alive, dead }] });
  assert.equal(title(run(meta(50, 1), {}, live(8, 2))), 'Freezes after 4 more down (8 alive + 2 dead, 50%)');
  const frozen = run(meta(65, 3), {}, live(5, 5));
  assert.equal(title(frozen), 'Frozen now: 5/10 alive (65%, min 3)');
  assert.match(frozen.lenses[0]!.tooltip, /frozen now: 5 of 10 alive .*\(cluster "c"\)/);
  const many = run(
    meta(99, 3),
    { nodeCount: 9999 },
    { runbookPlans: [{ uri: 'u', removals: 1234, line: 0, label: 'Runbook a-long-name.runbook.md (line 120)' }] },
  );
  const row = many.lenses
    .filter((l) => l.range.start.line === 1)
    .map((l) => l.title)
    .join(' | ');
  assert.ok(row.length <= 90, `${row.length}: ${row}`);
});

test('calculator: alive share after each removal and the largest safe threshold (freeze.ts arithmetic)', () => {
  const r = calculate({ alive: 10, dead: 0, pct: 50, minLive: 3 }, 6);
  assert.equal(r.steps.length, 6);
  assert.equal(r.safePct, 40);
  assert.equal(r.margin, 5);
  assert.equal(r.currentAllows, false);
  assert.equal(describeStep(r.steps[5]!, 10), 'after 6: 4/10 alive = 40.0% — FROZEN (below threshold) (safe up to 40%)');
  assert.equal(describeStep(r.steps[0]!, 10), 'after 1: 9/10 alive = 90.0% — ok (safe up to 90%)');
  assert.equal(calculate({ alive: 3, dead: 0, pct: 50, minLive: 3 }, 1).safePct, null);
  assert.equal(calculate({ alive: 3, dead: 0, pct: 50, minLive: 3 }, 99).k, 3, 'k is capped at the alive count');
});

test('code actions: rule fixes, ignore comments, and threshold rewrites for k removals', () => {
  const text = '[meta_server]\nnode_live_percentage_threshold_for_update = 95\n';
  const a = run(text, { nodeCount: 10 }, { runbookPlans: [{ uri: 'u', removals: 3, line: 0, label: 'x' }] });
  const range = { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } };
  const acts = actionsFor(a, range, (l) => text.split('\n')[l]!.length);
  const titles = acts.map((x) => x.title);
  assert.ok(titles.includes('Set node_live_percentage_threshold_for_update to 90 (lets 1 node go)'), titles.join('\n'));
  assert.ok(titles.includes('Ignore threshold-freezes-on-loss on this line'));
  assert.ok(titles.includes('Ignore threshold-freezes-scale-in in this file'));
  assert.ok(titles.includes('Set node_live_percentage_threshold_for_update to 70 (lets 3 nodes go)'));
  assert.equal(titles.filter((t) => t.includes(' to 70 ')).length, 1, 'the rewrite is not offered twice');
  // without findings on the line (cursor elsewhere in range), the rewrite comes from the threshold itself
  const calm = run('[meta_server]\nnode_live_percentage_threshold_for_update = 50\n', { nodeCount: 10 });
  const rewrites = actionsFor(calm, range, () => 0);
  assert.deepEqual(
    rewrites.map((x) => x.title),
    ['Set node_live_percentage_threshold_for_update to 40 (lets 6 of 10 nodes go down)'],
  );
  assert.equal(rewrites[0]!.kind, 'refactor');
  const ignore = acts.find((x) => x.title === 'Ignore threshold-freezes-on-loss on this line')!;
  assert.deepEqual(ignore.edits[0]!.range.start, { line: 1, character: text.split('\n')[1]!.length });
  // applying the ignore comment silences exactly that rule on that line
  const applied = text.replace('= 95', `= 95${ignore.edits[0]!.newText}`);
  assert.deepEqual(run(applied, { nodeCount: 10 }).findings, []);
  // threshold absent: the rewrite inserts it under [meta_server]
  const b = run('[meta_server]\n  server_list = a:1\n', { nodeCount: 10 });
  const ins = actionsFor(b, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, () => 0);
  assert.deepEqual(
    ins.map((x) => x.edits[0]!.newText),
    ['  node_live_percentage_threshold_for_update = 60\n'],
  );
});

test('hover: key documentation with per-version defaults, placeholders and directives', () => {
  const a = run(fixture, { nodeCount: 10 });
  const thr = lineOf('node_live_percentage_threshold_for_update');
  const h = hoverAt(a, { line: thr, character: 5 })!;
  assert.match(h.markdown, /\*\*node_live_percentage_threshold_for_update\*\*/);
  assert.match(h.markdown, /2\.5: `65`.*2\.6: `65`.*shipped config.ini: `50`/);
  assert.match(h.markdown, /meta\.live_percentage/);
  assert.match(
    h.markdown,
    /\*\*Now:\*\* 5 of 10 alive can go down, one after another, before the meta freezes \(pegasus\.config\.nodeCount\)/,
  );
  const fd = hoverAt(a, { line: lineOf('fd_lease_seconds'), character: 4 })!;
  assert.match(fd.markdown, /2\.5: `9` s · 2\.6: `20` s ← selected/);
  const ph = lineOf('server_list = %{meta.server.list}');
  const col = lines[ph]!.indexOf('%{') + 3;
  assert.match(hoverAt(a, { line: ph, character: col })!.markdown, /template placeholder/);
  const cargs = lineOf('%white_list%');
  assert.match(hoverAt(a, { line: cargs, character: lines[cargs]!.indexOf('%w') + 2 })!.markdown, /-cargs white_list=VALUE/);
  const d = run('# pegasus-ops: nodes=5\n[meta_server]\n');
  assert.match(hoverAt(d, { line: 0, character: 5 })!.markdown, /Node count in use: 5/);
  // keys outside the catalogue: what the source says (type, read site), and nothing for a key no version reads
  assert.match(hoverAt(a, { line: lineOf('rpc_request_throttling_mode'), character: 4 })!.markdown, /task_spec\.h/);
  const own = run('[meta_server]\nnot_a_pegasus_key = 1\n');
  assert.equal(hoverAt(own, { line: 1, character: 4 }), null);
});

test('completion: sections after "[", missing keys of the section, values after "="', () => {
  const text = '[meta_server]\n  min_live_node_count_for_unfreeze = 3\n  \n  meta_function_level_on_start = \n[\n';
  const a = run(text);
  const keys = completionsAt(a, { line: 2, character: 2 }, '  ');
  assert.ok(
    keys.some(
      (c) => c.label === 'node_live_percentage_threshold_for_update' && c.insertText === 'node_live_percentage_threshold_for_update = 65',
    ),
  );
  assert.ok(!keys.some((c) => c.label === 'min_live_node_count_for_unfreeze'), 'already present');
  assert.ok(
    keys.some((c) => c.label === 'cluster_root'),
    'other known keys too',
  );
  const vals = completionsAt(a, { line: 3, character: 33 }, '  meta_function_level_on_start = ');
  assert.deepEqual(
    vals.map((v) => v.label),
    ['stopped', 'blind', 'freezed', 'steady', 'lively'],
  );
  const secs = completionsAt(a, { line: 4, character: 1 }, '[');
  assert.ok(secs.some((s) => s.label === 'replication'));
  assert.ok(!secs.some((s) => s.label === 'meta_server'));
  assert.deepEqual(completionsAt(a, { line: 2, character: 4 }, '  # '), [], 'nothing inside comments');
});

test('runbook scan: scale-in node counts accumulate until restart-meta', () => {
  const md = [
    '---',
    'cluster: prod',
    '---',
    '# Scale in',
    '```pegasus {"confirm": true}',
    'scale-in --nodes 10.0.0.1:34801,10.0.0.2:34801',
    '```',
    'prose mentioning scale-in --nodes a,b,c,d,e outside a cell',
    '```pegasus',
    'scale-in --nodes 10.0.0.3:34801',
    '```',
    '```pegasus',
    'restart-meta',
    'scale-in --nodes 10.0.0.4:34801,10.0.0.5:34801',
    '```',
    '```sh',
    'scale-in --nodes x,y,z,w',
    '```',
  ].join('\n');
  assert.deepEqual(scanRunbook('file:///w/a.runbook.md', md, commands), {
    uri: 'file:///w/a.runbook.md',
    cluster: 'prod',
    removals: 3,
    line: 9,
    cell: 3,
    label: 'Runbook a.runbook.md (line 10)',
  });
  assert.equal(scanRunbook('u', '# nothing planned\n', commands), undefined);
});

test('runbook scan: reads cells and commands exactly as the runbook runner does', () => {
  const A = '10.0.0.1:34801';
  const B = '10.0.0.2:34801';
  const C = '10.0.0.3:34801';
  const scan = (md: string) => scanRunbook('file:///w/x.runbook.md', md, commands);
  // Each case below is one the former line scanner read differently from the runner.
  // A quoted list is one value to the runner (the scanner counted `"A,` as a single node).
  assert.equal(scan(`\`\`\`pegasus\nscale-in --nodes "${A}, ${B}, ${C}"\n\`\`\`\n`)?.removals, 3);
  // '...' closes front matter too (the scanner read the whole page as front matter).
  assert.deepEqual(scan(`---\ncluster: "prod" # the big one\n...\n~~~pegasus\nscale-in --nodes=${A},${B}\n~~~\n`), {
    uri: 'file:///w/x.runbook.md',
    cluster: 'prod',
    removals: 2,
    line: 4,
    cell: 0,
    label: 'Runbook x.runbook.md (line 5)',
  });
  // A trailing comment is not a flag (the scanner took the last `--nodes` on the line).
  assert.equal(
    scan(`\`\`\`pegasus\n# scale-in --nodes ${A},${B}\nscale-in --nodes ${A} # later: --nodes ${B},${C}\n\`\`\`\n`)?.removals,
    1,
  );
  // A cell with a syntax error does not run at all, so it removes nothing.
  assert.equal(scan(`\`\`\`pegasus\nscale-in --nodes ${A}\nscale-in --nodes not-an-address\n\`\`\`\n`), undefined);
  // `plan` only describes; a ```pegasus inside another fence is markdown, not a cell.
  assert.equal(
    scan(`\`\`\`pegasus\nplan scale-in --nodes ${A},${B}\n\`\`\`\n\`\`\`\`md\n\`\`\`pegasus\nscale-in --nodes ${A}\n\`\`\`\n\`\`\`\`\n`),
    undefined,
  );
  // migrate --from removes nodes too; restart-meta forgets them.
  assert.deepEqual(
    [
      scan(`\`\`\`pegasus\nmigrate --to 10.0.0.9:34801 --from ${A},${B}\nrestart-meta\nscale-in --nodes ${C}\n\`\`\`\n`)?.removals,
      scan(`\`\`\`pegasus\nmigrate --from ${A} --count 1\n\`\`\`\n`)?.removals,
    ],
    [2, 1],
  );
});

test('content detection: Pegasus server configs only', () => {
  assert.equal(looksLikePegasusConfig(fixture), true);
  assert.equal(looksLikePegasusConfig('[apps.meta]\n'), true);
  assert.equal(looksLikePegasusConfig('  [ replication ] ; comment\n'), true);
  assert.equal(looksLikePegasusConfig('[core]\n[database]\nuser = x\n'), false);
  assert.equal(looksLikePegasusConfig('text that mentions [meta_server] inline'), false);
});

test('settings: bad fields fall back to defaults and are named', () => {
  const { settings, problems } = parseSettings({ nodeCount: -3, serverVersion: '2.6', tolerateNodeLosses: 2, disabledRules: 'x' });
  assert.equal(settings.nodeCount, null);
  assert.equal(settings.tolerateNodeLosses, 2);
  assert.deepEqual(settings.disabledRules, []);
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /pegasus\.config\.nodeCount: -3 is not valid/);
  assert.deepEqual(parseSettings(undefined).settings, DEFAULT_SETTINGS);
  assert.equal(parseSettings('nope').problems.length, 1);
});
