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
