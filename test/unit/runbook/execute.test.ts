import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandRegistry } from '../../../src/commands/registry';
import type { CommandContext, CommandResult, ConfirmRequest } from '../../../src/commands/types';
import type { MetaClientLike } from '../../../src/cluster/client';
import { runCell, throttle, type CellRunEnv } from '../../../src/runbook/execute';
import { OperationCancelledError } from '../../../src/commands/errors';
import { RUNBOOK_MIME, distributionOf } from '../../../src/runbook/visual';

function res(command: string, ok = true, data: unknown = {}): CommandResult {
  return { command, ok, data, tables: [{ columns: ['node', 'replicas'], rows: [['a:1', 3]] }], text: 'a:1 3', summary: `${command} done` };
}

/** A registry of tiny commands: `look` (read-only), `change` (mutating), `broken` (ok=false), `hang` (waits for abort). */
function registry(log: string[]): CommandRegistry {
  const r = new CommandRegistry();
  r.register({
    name: 'look',
    category: 'shell',
    summary: 'look',
    flags: [{ name: 'detailed', short: 'd', type: 'boolean', description: 'more' }],
    positionals: [],
    mutating: false,
    execute: async () => (log.push('look'), res('look')),
  });
  r.register({
    name: 'change',
    category: 'step',
    summary: 'change',
    flags: [{ name: 'nodes', type: 'list', required: true, description: 'nodes' }],
    positionals: [],
    mutating: true,
    describeChange: (a) => `remove ${(a.values.nodes as string[]).join(', ')}`,
    execute: async () => (
      log.push('change'),
      {
        ...res('change', true, { visual: distributionOf('d', [{ address: 'a:1', alive: true, primaries: 1, secondaries: 2 }], undefined) }),
        changed: true,
      }
    ),
  });
  r.register({
    name: 'broken',
    category: 'shell',
    summary: 'fails',
    flags: [],
    positionals: [],
    mutating: false,
    execute: async () => (log.push('broken'), res('broken', false)),
  });
  r.register({
    name: 'moving',
    category: 'step',
    summary: 'cancelled with copies still landing',
    flags: [],
    positionals: [],
    mutating: false,
    execute: (ctx) =>
      new Promise((_, reject) => {
        log.push('moving');
        ctx.signal.addEventListener('abort', () =>
          reject(new OperationCancelledError('moving cancelled', '2 proposals were still in flight; 2 landed')),
        );
      }),
  });
  r.register({
    name: 'hang',
    category: 'step',
    summary: 'waits',
    flags: [],
    positionals: [],
    mutating: false,
    execute: (ctx) =>
      new Promise((_, reject) => {
        log.push('hang');
        ctx.progress({ message: 'waiting', fraction: 0.5 });
        ctx.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      }),
  });
  return r;
}

function env(log: string[], over: Partial<CellRunEnv> & { answers?: boolean[]; asked?: ConfirmRequest[] } = {}): CellRunEnv {
  const asked = over.asked ?? [];
  const answers = over.answers ?? [true];
  return {
    registry: registry(log),
    context: { client: {} as MetaClientLike, profile: { name: 'staging', metaServers: ['127.0.0.1:1'] } } as Omit<
      CommandContext,
      'signal' | 'progress' | 'confirm'
    >,
    signal: new AbortController().signal,
    progress: () => {},
    confirm: async (req) => (asked.push(req), answers.shift() ?? false),
    ...over,
  };
}

test('syntax errors are reported with line and column before anything runs', async () => {
  const log: string[] = [];
  const r = await runCell('look\n\n# comment\nlook --detaild\nchange', {}, env(log));
  assert.equal(r.status, 'failed');
  assert.deepEqual(log, [], 'nothing ran');
  assert.equal(r.error!.line, 4);
  assert.equal(r.error!.column, 6);
  assert.match(r.summary, /line 4, column 6: unknown flag '--detaild'/);
  // Both bad lines are reported (the missing --nodes on line 5 too).
  assert.equal(r.outputs.length, 2);
  assert.match(String(r.outputs[1]!.items[0]!.data), /line 5/);
});

test('commands run in order; outputs carry markdown, JSON and a picture when the data has one', async () => {
  const log: string[] = [];
  const asked: ConfirmRequest[] = [];
  const r = await runCell('look -d\nchange --nodes a:1,b:2', {}, env(log, { asked }));
  assert.equal(r.status, 'succeeded');
  assert.deepEqual(log, ['look', 'change']);
  assert.equal(r.changed, true);
  // Every result: the renderer's view first (editors prefer it), markdown and JSON as alternatives.
  assert.deepEqual(
    r.outputs[0]!.items.map((i) => i.mime),
    [RUNBOOK_MIME, 'text/markdown', 'application/json'],
  );
  assert.deepEqual(
    r.outputs[1]!.items.map((i) => i.mime),
    [RUNBOOK_MIME, 'text/markdown', 'application/json'],
  );
  assert.match(String(r.outputs[0]!.items[1]!.data), /\| node \| replicas \|/);
  const view0 = r.outputs[0]!.items[0]!.data as { view: string; tables: unknown[]; picture?: unknown };
  assert.equal(view0.view, 'result');
  assert.equal(view0.tables.length, 1);
  assert.equal(view0.picture, undefined);
  assert.equal((r.outputs[1]!.items[0]!.data as { picture: { view: string } }).picture.view, 'distribution');
  assert.equal(asked.length, 1, 'only the mutating command asks');
  assert.equal(asked[0]!.cluster, 'staging');
  assert.equal(asked[0]!.change, 'remove a:1, b:2');
});

test('a declined confirmation fails the cell and runs nothing after', async () => {
  const log: string[] = [];
  const r = await runCell('change --nodes a:1\nlook', {}, env(log, { answers: [false] }));
  assert.equal(r.status, 'failed');
  assert.deepEqual(log, []);
  assert.match(r.summary, /not confirmed; nothing was changed/);
});

test('confirm:false skips the question, but never on a production cluster', async () => {
  const asked: ConfirmRequest[] = [];
  await runCell('change --nodes a:1', { confirm: false }, env([], { asked }));
  assert.equal(asked.length, 0);
  await runCell('change --nodes a:1', { confirm: false, production: true }, env([], { asked }));
  assert.equal(asked.length, 1);
});

test('confirm:true asks once even for a read-only cell', async () => {
  const asked: ConfirmRequest[] = [];
  const log: string[] = [];
  const r = await runCell('look\nlook', { confirm: true }, env(log, { asked, answers: [false] }));
  assert.equal(asked.length, 1);
  assert.equal(r.status, 'failed');
  assert.deepEqual(log, []);
});

test('a command that reports failure stops the cell', async () => {
  const log: string[] = [];
  const r = await runCell('broken\nlook', {}, env(log));
  assert.equal(r.status, 'failed');
  assert.deepEqual(log, ['broken']);
  assert.match(r.summary, /line 1: broken done/);
});

test('cancel reaches the running command and the output states the cluster now', async () => {
  const log: string[] = [];
  const ac = new AbortController();
  const p = runCell(
    'look\nhang\nlook',
    {},
    env(log, { signal: ac.signal, describeState: async () => '5 nodes ALIVE, 0 unhealthy partitions, meta level steady' }),
  );
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['look', 'hang']);
  ac.abort();
  const r = await p;
  assert.equal(r.status, 'cancelled');
  assert.deepEqual(log, ['look', 'hang']);
  const md = String(r.outputs.at(-1)!.items[0]!.data);
  assert.match(md, /\*\*Cancelled\*\*: stopped while running `hang`/);
  assert.match(md, /Cluster now:\*\* 5 nodes ALIVE/);
});

test('a cancel with copies still landing says so next to the cluster now', async () => {
  const log: string[] = [];
  const ac = new AbortController();
  const p = runCell('moving', {}, env(log, { signal: ac.signal, describeState: async () => '5 nodes ALIVE' }));
  await new Promise((r) => setImmediate(r));
  ac.abort();
  const r = await p;
  assert.equal(r.status, 'cancelled');
  const md = String(r.outputs.at(-1)!.items[0]!.data);
  assert.match(md, /\*\*Still moving at the cancel:\*\* 2 proposals were still in flight; 2 landed\n\n\*\*Cluster now:\*\* 5 nodes ALIVE/);
});

test('empty and comment-only cells succeed without running anything', async () => {
  const r = await runCell('# just a note\n\n', {}, env([]));
  assert.equal(r.status, 'succeeded');
  assert.equal(r.outputs.length, 0);
});

test('throttle delivers at most one event per interval and always the last', async () => {
  let now = 0;
  const got: number[] = [];
  const t = throttle<number>(
    (v) => got.push(v),
    100,
    () => now,
  );
  t.push(1); // delivered at once
  t.push(2);
  t.push(3); // replaces 2 while waiting
  assert.deepEqual(got, [1]);
  now = 100;
  t.flush();
  assert.deepEqual(got, [1, 3]);
  t.push(4);
  t.cancel();
  assert.deepEqual(got, [1, 3]);
});
