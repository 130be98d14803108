import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { clusterProfileSchema } from '../../../src/cluster/profile';
import { EXPLORER_COMMANDS, RUNBOOK_TEMPLATE_COMMANDS } from '../../../src/extension/explorer/commandIds';
import { TEMPLATE_TITLES, type TemplateKind } from '../../../src/runbook/templates';

const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));

/** Keeps the keys that constrain values, so documentation-only keys do not count as a difference. */
function shape(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(shape);
  if (!s || typeof s !== 'object') return s;
  const o = s as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ['type', 'properties', 'required', 'items', 'pattern', 'minItems', 'minLength', 'const', 'oneOf']) {
    if (o[k] === undefined) continue;
    if (k === 'type' && o.const !== undefined) continue;
    if (k === 'properties') {
      out[k] = Object.fromEntries(Object.entries(o[k] as Record<string, unknown>).map(([p, v]) => [p, shape(v)]));
    } else if (k === 'required') out[k] = [...(o[k] as string[])].sort();
    else out[k] = shape(o[k]);
  }
  return out;
}

test('the pegasus.clusters JSON schema in package.json matches the zod schema', () => {
  const fromSettings = pkg.contributes.configuration.properties['pegasus.clusters'].items;
  const fromZod = z.toJSONSchema(clusterProfileSchema, { io: 'input' });
  assert.deepEqual(shape(fromSettings), shape(fromZod));
});

test('every explorer command (except the test hook) is contributed, and menus only name contributed commands', () => {
  const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const [k, id] of Object.entries(EXPLORER_COMMANDS)) {
    if (k === 'inspect') continue;
    assert.ok(contributed.has(id), `${id} is contributed`);
  }
  for (const [menu, entries] of Object.entries(pkg.contributes.menus as Record<string, { command: string; when?: string }[]>)) {
    for (const e of entries) assert.ok(contributed.has(e.command), `${menu}: ${e.command}`);
  }
});

test('every runbook template command is contributed, titled as its template', () => {
  const titles = new Map<string, string>(pkg.contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]));
  for (const [kind, id] of Object.entries(RUNBOOK_TEMPLATE_COMMANDS) as [TemplateKind, string][]) {
    assert.equal(titles.get(id), TEMPLATE_TITLES[kind], id);
  }
});

test('node menu regexes match the context values the tree produces', () => {
  const item = pkg.contributes.menus['view/item/context'] as { command: string; when: string }[];
  const regexFor = (command: string) =>
    item
      .filter((m) => m.command === command)
      .map((m) => {
        const src = /viewItem =~ \/(.+?)\/(?:\s|$)/.exec(m.when)![1]!;
        return new RegExp(src);
      });
  const [scaleIn] = regexFor('pegasus.explorer.scaleIn');
  assert.ok(scaleIn!.test('pegasus.node.alive'));
  assert.ok(scaleIn!.test('pegasus.node.unalive.leaving'));
  assert.ok(!scaleIn!.test('pegasus.nodes'));
  const [setActive] = regexFor('pegasus.setActiveCluster');
  assert.ok(setActive!.test('pegasus.cluster.ok.inactive'));
  assert.ok(!setActive!.test('pegasus.cluster.ok.active.simulated'));
  const [stopSim] = regexFor('pegasus.stopSimulatedCluster');
  assert.ok(stopSim!.test('pegasus.cluster.ok.active.simulated'));
  assert.ok(!stopSim!.test('pegasus.cluster.ok.active'));
});

test('welcome text has no markdown the welcome view cannot render (backticks show literally there)', () => {
  for (const w of pkg.contributes.viewsWelcome as { view: string; contents: string }[]) {
    assert.doesNotMatch(w.contents, /`/, `${w.view}: ${w.contents}`);
    assert.doesNotMatch(w.contents, /\*\*|__/, `${w.view}: ${w.contents}`);
  }
});
