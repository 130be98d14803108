import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  completeAt,
  createRegistry,
  hoverAt,
  renderTables,
  resultToMarkdown,
  tableToMarkdown,
  keyValueTable,
  commandHelp,
} from '../../../src/commands';

const reg = createRegistry();
const data = { nodes: ['10.0.0.1:34801', '10.0.0.2:34801', 'node3:34801'], tables: ['temp', 'usertable'], gpids: ['1.0', '1.1'] };
const labels = (line: string, cursor = line.length) => completeAt(reg, line, cursor, data).items.map((i) => i.label);

test('completes command names at the start, with their summary', () => {
  const c = completeAt(reg, 'se', 2, data);
  assert.deepEqual(
    c.items.map((i) => i.label),
    ['set_meta_level'],
  );
  assert.equal(c.from, 0);
  assert.equal(c.to, 2);
  assert.match(c.items[0]!.detail!, /meta function level/);
  assert.ok(labels('').includes('nodes'));
  assert.ok(labels('').includes('help'));
});

test('completes flags not given yet, and enum values of a flag', () => {
  assert.deepEqual(labels('nodes -'), ['-d', '-u', '-r', '-s', '-j']);
  assert.deepEqual(labels('nodes -d -'), ['-u', '-r', '-s', '-j']);
  assert.deepEqual(labels('nodes -s '), ['all', 'alive', 'unalive']);
  assert.deepEqual(labels('nodes -s un'), ['unalive']);
  assert.deepEqual(labels('nodes --status=a'), ['all', 'alive']);
  const eq = completeAt(reg, 'nodes --status=a', 16, data);
  assert.equal(eq.from, 15);
});

test('completes table names, node addresses (in comma lists too) and meta levels', () => {
  assert.deepEqual(labels('app '), ['temp', 'usertable', '-d', '-r', '-j']);
  assert.deepEqual(labels('app us'), ['usertable']);
  assert.deepEqual(labels('balance -g 1.0 -p move_pri -f 10'), ['10.0.0.1:34801', '10.0.0.2:34801']);
  const list = completeAt(reg, 'remote_command -l 10.0.0.1:34801,', 33, data);
  assert.deepEqual(
    list.items.map((i) => i.label),
    ['10.0.0.2:34801', 'node3:34801'],
  );
  assert.equal(list.from, 33);
  assert.deepEqual(labels('set_meta_level st'), ['stopped', 'steady']);
  assert.deepEqual(labels('balance -g '), ['1.0', '1.1']);
  assert.ok(labels('remote_command meta.lb.a').includes('meta.lb.assign_delay_ms'));
  // After the command of remote_command everything is its arguments: nothing to offer.
  assert.deepEqual(labels('remote_command meta.live_percentage '), []);
  assert.deepEqual(labels('nosuch '), []);
});

test('completes in the middle of a line (cursor before the end)', () => {
  const line = 'app te -d';
  const c = completeAt(reg, line, 6, data);
  assert.deepEqual(
    c.items.map((i) => i.label),
    ['temp'],
  );
  assert.deepEqual([c.from, c.to], [4, 6]);
});

test('hover: command help on the name, flag help on a flag', () => {
  const h = hoverAt(reg, 'nodes -d', 2)!;
  assert.match(h.markdown, /^```\nnodes \[-d\] \[-u\] \[-r\] \[-s <all\|alive\|unalive>\] \[-j\]\n```/);
  assert.deepEqual([h.from, h.to], [0, 5]);
  const f = hoverAt(reg, 'nodes -d', 7)!;
  assert.match(f.markdown, /`-d\|--detailed` — add replica_count/);
  assert.equal(hoverAt(reg, 'nodes -d', 20), undefined);
  assert.equal(hoverAt(reg, 'zzz', 1), undefined);
});

test('format: shell text, markdown with escaping, key/value sections', () => {
  const t = {
    title: 'x',
    columns: ['a', 'long_name'],
    rows: [
      [1, 'v|w'],
      [null, true],
    ],
  };
  assert.equal(
    renderTables([
      t,
      keyValueTable('summary', [
        ['k', 1],
        ['longer_key', 'v'],
      ]),
    ]),
    '[x]\na  long_name\n1  v|w\n-  true\n\n[summary]\nk           : 1\nlonger_key  : v',
  );
  assert.equal(tableToMarkdown(t), '**x**\n\n| a | long_name |\n| --- | --- |\n| 1 | v\\|w |\n| - | true |');
  const md = resultToMarkdown({ command: 'c', ok: true, data: null, tables: [], text: 'plain' });
  assert.equal(md, '```\nplain\n```');
});

test('help text of a step-like command lists its options with defaults', () => {
  const text = commandHelp(reg.get('nodes')!);
  assert.match(text, /-s\|--status <all\|alive\|unalive> +only nodes with this status \(default all\)/);
  assert.doesNotMatch(text, /asks for confirmation/);
  assert.match(commandHelp(reg.get('remote_command')!), /May change the cluster/);
});

test('help completes command names', () => {
  assert.deepEqual(labels('help bal'), ['balance']);
});

test('completion data from a cluster model', async () => {
  const { buildSnapshot } = await import('../../../src/cluster/snapshot');
  const { smallCluster } = await import('../../support/metaFixtures');
  const s = smallCluster();
  const d = (await import('../../../src/commands')).completionDataFrom(
    buildSnapshot({ nodes: s.nodes, apps: s.apps, configs: s.configs, clusterInfo: s.clusterInfo }),
  );
  assert.deepEqual(d.tables, ['t1', 'temp']); // the dropped table is not offered
  assert.equal(d.nodes!.length, 4);
  assert.deepEqual(d.gpids, ['1.0', '1.1', '2.0', '2.1', '2.2', '2.3']);
  assert.deepEqual(d.metaServers, ['127.0.0.1:34601', '127.0.0.1:34602']);
});
