import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderVisual, esc } from '../../../../src/extension/renderer/render';
import { activate } from '../../../../src/extension/renderer';
import { distributionOf, parseVisual, type PlanVisual } from '../../../../src/runbook/visual';
import { createRegistry } from '../../../../src/commands';

const loads = (xs: [string, boolean, number, number][]) =>
  xs.map(([address, alive, primaries, secondaries]) => ({ address, alive, primaries, secondaries }));

test('distribution: one row per node, leaving first, before → after numbers, dead nodes marked', () => {
  const v = distributionOf(
    'Replicas per node',
    loads([
      ['10.0.0.2:1', true, 4, 8],
      ['10.0.0.1:1', true, 4, 8],
      ['10.0.0.3:1', true, 4, 8],
    ]),
    loads([
      ['10.0.0.2:1', true, 6, 12],
      ['10.0.0.1:1', false, 0, 0],
      ['10.0.0.3:1', true, 6, 12],
    ]),
    { leaving: ['10.0.0.1:1'] },
  );
  assert.deepEqual(
    v.nodes.map((n) => n.address),
    ['10.0.0.1:1', '10.0.0.2:1', '10.0.0.3:1'],
  );
  const html = renderVisual(v);
  assert.equal((html.match(/class="addr/g) ?? []).length, 3);
  assert.match(html, /class="addr dead" title="UNALIVE"><span class="a">10\.0\.0\.1:1<\/span><span class="tag"[^>]*>leaving/);
  assert.match(html, /12 → <b>0<\/b>/);
  assert.match(html, /12 → <b>18<\/b>/);
  // The largest after-count fills the bar: 6 primaries of 18 = 33.33%.
  assert.match(html, /width:33\.33%;background:var\(--vscode-charts-blue/);
  // Theme colours only through CSS variables (light, dark and high contrast alike).
  assert.ok(!/#[0-9a-f]{6}(?![^(]*\))/i.test(html.replace(/var\([^)]*\)/g, '')), 'no hard-coded colour outside var() fallbacks');
});

test('plan: summary cards, one gauge per step with the threshold line, problems shown', () => {
  const plan: PlanVisual = {
    view: 'plan',
    title: 'Plan: scale-in a:1',
    summary: [{ label: 'replicas copied', value: '12' }],
    steps: [
      {
        label: 'drain a:1',
        kind: 'drain',
        copies: 12,
        primariesMoved: 4,
        bytes: 1024 ** 3,
        seconds: 75,
        alive: 5,
        dead: 0,
        pct: 65,
        frozen: false,
        margin: 1,
      },
      {
        label: 'stop a:1',
        kind: 'stop',
        copies: 0,
        primariesMoved: 0,
        bytes: 0,
        seconds: 22,
        alive: 3,
        dead: 2,
        pct: 65,
        frozen: false,
        margin: 0,
        lowerPctTo: 60,
      },
    ],
    problems: ['table <x> has nowhere to go'],
  };
  const html = renderVisual(parseVisual(plan).ok ? plan : (undefined as never));
  assert.equal((html.match(/class="gauge"/g) ?? []).length, 2);
  assert.match(html, /left:calc\(60% - 1px\)/, 'the lowered threshold is drawn');
  assert.match(html, /threshold → 60/);
  assert.match(html, /1\.0 GiB, ~1m15s/);
  assert.match(html, /table &lt;x&gt; has nowhere to go/, 'text is escaped');
});

test('progress: bar and counters', () => {
  const html = renderVisual({
    view: 'progress',
    title: 'scale-in',
    message: 'copy replicas a:1',
    fraction: 0.5,
    state: 'running',
    counters: [{ label: 'bytes copied', value: 1024, total: 2048, unit: 'bytes' }],
  });
  assert.match(html, /aria-valuenow="50"/);
  assert.match(html, /1\.0 KiB \/ 2\.0 KiB/);
});

test('the renderer entry point draws valid data and explains invalid data', () => {
  const r = activate();
  const el = { innerHTML: '' };
  r.renderOutputItem({ id: '1', mime: 'x', json: () => distributionOf('T', loads([['a:1', true, 1, 1]]), undefined) }, el);
  assert.match(el.innerHTML, /class="pgv"/);
  r.renderOutputItem({ id: '2', mime: 'x', json: () => ({ view: 'distribution', title: 3 }) }, el);
  assert.match(el.innerHTML, /could not be drawn \(title: /);
  r.renderOutputItem(
    {
      id: '3',
      mime: 'x',
      json: () => {
        throw new Error('bad <json>');
      },
    },
    el,
  );
  assert.match(el.innerHTML, /not JSON: bad &lt;json&gt;/);
  assert.equal(esc(`<a href="x">'`), '&lt;a href=&quot;x&quot;&gt;&#39;');
});

test('the TextMate grammar knows every command of the registry', () => {
  const grammar = readFileSync('syntaxes/pegasus-runbook.tmLanguage.json', 'utf8');
  const registry = createRegistry();
  const missing = registry
    .list()
    .map((s) => s.name)
    .filter((n) => !new RegExp(`[(|]${n.replace(/[-_]/g, (c) => `\\\\?${c}`)}[|)]`).test(grammar));
  assert.deepEqual(missing, [], 'add these to syntaxes/pegasus-runbook.tmLanguage.json');
});

test('result: the picture first, then the tables as HTML (key/value and grid), text when no tables', () => {
  const html = renderVisual({
    view: 'result',
    command: 'nodes',
    ok: true,
    tables: [
      {
        title: 'details',
        columns: ['address', 'status'],
        rows: [
          ['10.0.0.1:1', 'ALIVE'],
          ['<x>', null],
        ],
      },
      { title: 'summary', columns: ['key', 'value'], rows: [['alive_node_count', 1]], kind: 'keyValue' },
    ],
    picture: distributionOf('D', loads([['a:1', true, 1, 1]]), undefined),
  });
  assert.ok(html.indexOf('class="dist"') < html.indexOf('<table'), 'picture before tables');
  assert.match(html, /<thead><tr><th>address<\/th><th>status<\/th><\/tr><\/thead>/);
  assert.match(html, /<td>&lt;x&gt;<\/td><td><\/td>/);
  assert.match(html, /<table class="kv"><tbody><tr><th>alive_node_count<\/th><td>1<\/td>/);
  assert.match(renderVisual({ view: 'result', command: 'help', ok: true, tables: [], text: 'usage: <x>' }), /<pre>usage: &lt;x&gt;<\/pre>/);
});

test('plan picture: per node bytes and disk fill before/after from the plan, over the limit in the leaving colour, per step fill', async () => {
  const { planVisual } = await import('../../../../src/commands/steps/present');
  const { planScaleIn } = await import('../../../../src/engine/plan');
  const { FakeCluster } = await import('../../../support/fakeCluster');
  // 8 partitions x 3 of 100 MB on 4 nodes of 900 MB disks: the 3 that stay go from 600 to 800 MB (66.7% → 88.9%).
  const f = new FakeCluster({ nodes: 4, tables: [{ name: 't', partitions: 8, replicas: 3 }], sizes: { mb: 100, diskMb: 900 } });
  const s = await f.readState();
  const plan = {
    ...planScaleIn(s, ['10.0.0.1:34801'], { pct: 50, replicaData: await f.readReplicaData!(s.nodes.map((n) => n.address)) }),
    fillLevels: { limit: 85, warn: 75 },
  };
  const v = planVisual(plan, s);
  const d = v.distribution!;
  assert.equal(d.fillLimitPct, 85);
  const staying = d.nodes.find((n) => n.address === '10.0.0.2:34801')!;
  assert.deepEqual(staying.fill, {
    dataBefore: 600 * 2 ** 20,
    dataAfter: 800 * 2 ** 20,
    totalBytes: 900 * 2 ** 20,
    usedBefore: 600 * 2 ** 20,
    usedAfter: 800 * 2 ** 20,
  });
  assert.ok(v.steps.some((x) => x.fill?.some((y) => y.node === '10.0.0.2:34801' && y.pctAfter === 88.9)));
  assert.equal(parseVisual(JSON.parse(JSON.stringify(v))).ok, true, 'the picture survives the cell output round trip');
  const html = renderVisual(v);
  assert.match(
    html,
    /data 600 MiB → <b>800 MiB<\/b> · disk 66\.7% → <b style="color:var\(--vscode-charts-red[^"]*">88\.9%<\/b> of 900 MiB/,
  );
  assert.match(html, /class="lim" style="left:calc\(85% - 1px\)"/);
  assert.match(html, /disk fill: .*10\.0\.0\.2:34801 66\.7% → 88\.9%/);
  // Without disks reported the picture is the replica counts only.
  const bare = renderVisual(planVisual(planScaleIn(s, ['10.0.0.1:34801'], { pct: 50 }), s));
  assert.ok(!/class="disk"/.test(bare) && !/disk fill/.test(bare));
});
