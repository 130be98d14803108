/**
 * Headless runs (`pegasus-ops run`, the demo) with tiny fake commands: everything is checked
 * before anything runs, one numbering for every message, timeouts counted as failures, a header per
 * cell on stdout, production needs --yes-production, failed results print as text, and a
 * cancelled session is what --resume continues.
 */
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandRegistry } from '../../../src/commands/registry';
import type { CommandResult } from '../../../src/commands/types';
import type { MetaClientLike } from '../../../src/cluster/client';
import type { ClusterProfile } from '../../../src/cluster/profile';
import { cellLabels, runRunbook, type HeadlessOptions } from '../../../src/runbook/headless';
import { parseRunbook } from '../../../src/runbook/format';
import { findResumePoint, readCellRecords, RunLog, runLogPath, type CellEntry } from '../../../src/runbook/runLog';
import { exitCodeFor, parseRunArgs } from '../../../src/cli/run';
import { demoRecap } from '../../../src/cli/demo';
import { operationResult } from '../../../src/commands/steps/present';

function res(command: string, ok = true): CommandResult {
  return {
    command,
    ok,
    data: {},
    tables: [{ columns: ['node', 'replicas'], rows: [['a:1', 3]] }],
    text: `${command} table`,
    summary: `${command} ${ok ? 'done' : 'failed'}`,
  };
}

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
    flags: [],
    positionals: [],
    mutating: true,
    execute: async () => (log.push('change'), { ...res('change'), changed: true }),
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
    name: 'hang',
    category: 'step',
    summary: 'waits until aborted',
    flags: [],
    positionals: [],
    mutating: false,
    execute: (ctx) =>
      new Promise((_, reject) => {
        log.push('hang');
        if (ctx.signal.aborted) reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        ctx.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      }),
  });
  return r;
}

/** A client nothing should reach (fake commands never use it; a cancel's state read fails politely). */
const client = new Proxy(
  {},
  { get: (_, k) => (k === 'then' ? undefined : () => Promise.reject(new Error('no cluster in this test'))) },
) as unknown as MetaClientLike;
const profile: ClusterProfile = { name: 'sim', metaServers: ['127.0.0.1:34601'] } as ClusterProfile;

async function run(text: string, extra: Partial<HeadlessOptions> = {}, log: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'headless-unit-'));
  const file = join(dir, 'x.runbook.md');
  writeFileSync(file, text);
  let out = '';
  let err = '';
  try {
    const r = await runRunbook({
      file,
      profile,
      client,
      yes: true,
      registry: registry(log),
      out: (s) => (out += s),
      err: (s) => (err += s),
      progressIntervalMs: 0,
      ...extra,
    });
    const journal = readFileSync(r.journal, 'utf8');
    return { r, out, err, file, journal, records: readCellRecords(r.journal) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cell = (body: string, opts = '') => '```pegasus' + (opts ? ' ' + opts : '') + '\n' + body + '\n```\n';

test('a command error in any cell refuses the whole run before anything runs, as file:line:col', async () => {
  const text = ['# t', '', cell('look -d'), '', cell('change'), '', 'prose', '', cell('look -d\nlook --nodez 1')].join('\n');
  // Lines: 1 '# t', 2 '', 3 fence, 4 look -d, 5 fence, 6 '', 7 '', 8 fence, 9 change, 10 fence, ... find the bad line.
  const badLine = text.split('\n').findIndex((l) => l.startsWith('look --nodez')) + 1;
  const log: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'headless-unit-'));
  const file = join(dir, 'bad.runbook.md');
  writeFileSync(file, text);
  let err = '';
  try {
    const r = await runRunbook({ file, profile, client, yes: true, registry: registry(log), out: () => {}, err: (s) => (err += s) });
    assert.equal(r.exitCode, 2);
    assert.deepEqual(log, [], 'nothing ran');
    assert.match(err, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${badLine}:6: error: .*--nodez`));
    assert.match(err, /nothing was run/);
    assert.doesNotMatch(err, /▶/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one numbering everywhere — progress, skip messages and the run log use [k/N] line L; markdown cells are not counted', async () => {
  const text = [
    '# heading',
    '',
    'prose',
    '',
    cell('look -d'),
    '',
    'more prose',
    '',
    cell('broken'),
    '',
    cell('look', '{"excludeFromRunAll":true}'),
    '',
    cell('look -d'),
  ].join('\n');
  const lines = text.split('\n');
  const fence = (n: number) => lines.map((l, i) => (l.startsWith('```pegasus') ? i + 1 : 0)).filter(Boolean)[n]!;
  const labels = cellLabels(parseRunbook(text));
  assert.deepEqual(
    [...labels.values()],
    [`[1/3] line ${fence(0)}`, `[2/3] line ${fence(1)}`, `[3/3] line ${fence(3)}`, `[not in run-all] line ${fence(2)}`],
  );
  const { r, err, records } = await run(text);
  assert.equal(r.exitCode, 1);
  assert.match(err, new RegExp(`▶ \\[2/3\\] line ${fence(1)}: broken`));
  assert.match(err, new RegExp(`· \\[3/3\\] line ${fence(3)} skipped \\(not run: \\[2/3\\] line ${fence(1)} failed\\)`));
  assert.doesNotMatch(err, /cell \d/);
  const msgs = records.map((x) => x.message).join('\n');
  assert.match(msgs, new RegExp(`cell \\[2/3\\] line ${fence(1)} \`broken\` failed`));
  assert.doesNotMatch(msgs, /cell \d/);
  // The record's index stays the notebook's (markdown cells counted) for the editor's resume.
  assert.equal(records.find((x) => x.cell.command === 'broken')!.cell.index, 3);
});

test('a timeout is a failure in the drawing, the run log and the summary alike', async () => {
  const { r, err, records } = await run([cell('hang', '{"timeout":"0.05"}'), cell('look')].join('\n'));
  assert.deepEqual(
    r.outcomes.map((o) => o.status),
    ['failed', 'skipped'],
  );
  assert.match(err, /✘ \[1\/2\] line 1 failed \(timed out\) in .*: timed out after 50ms/);
  assert.doesNotMatch(err, /■/);
  assert.match(err, /2 cell\(s\): 0 succeeded, 1 failed \(1 timed out\), 0 cancelled, 1 skipped/);
  const ended = records.find((x) => x.cell.status !== 'started')!;
  assert.equal(ended.cell.status, 'failed');
  assert.match(ended.cell.error ?? '', /^timed out/);
  assert.equal(findResumePoint(records)?.how, 'timed out');
});

test('stdout has a header naming each cell before its tables', async () => {
  const { out } = await run(['# t', cell('look -d', '{"name":"first look"}'), cell('change')].join('\n'));
  assert.equal(out, '## [1/2] line 2 "first look" · look -d\n\nlook table\n\n## [2/2] line 6 · change\n\nchange table\n\n');
});

test('a failed result prints its summary, never [object Object]', async () => {
  const { err } = await run(cell('broken'));
  assert.doesNotMatch(err, /\[object Object\]/);
  assert.match(err, /✘ \[1\/1\] line 1 failed in [^:]*: broken failed/);
  // In a cell of several commands the failing one is named by its file line.
  const two = await run('# t\n\n' + cell('look\nbroken'));
  assert.match(two.err, /✘ \[1\/1\] line 3 failed in [^:]*: line 5: broken failed/);
});

test('an operation that failed does not say "stop-node failed: stop-node failed", and names the flag --force', () => {
  const r = operationResult(
    'stop-node',
    {
      op: 'stop-node',
      run: 'r1',
      outcome: 'failed',
      error:
        '127.0.0.1:34805 still hosts 3 replica(s) (1 primaries): stopping it now would make those partitions lose a replica. Drain it first (drain-node), or stop it with stop-node --force',
      notes: [],
      refusals: [],
      settingsLeft: [],
      stats: { primariesMoved: 0, copiesProposed: 0, bytesCopied: 0, elapsedMs: 10 },
    } as unknown as Parameters<typeof operationResult>[1],
    undefined,
  );
  assert.match(r.summary!, /^stop-node failed\b/);
  assert.doesNotMatch(r.summary! + r.text, /failed: stop-node failed/);
  assert.match(r.text, /127\.0\.0\.1:34805 still hosts 3 replica/);
  assert.match(r.text, /stop-node --force/);
});

test('--yes does not confirm a production cluster; --yes-production does', async () => {
  const text = cell('change');
  const prod = { ...profile, production: true } as ClusterProfile;
  const log1: string[] = [];
  const a = await run(text, { profile: prod }, log1);
  assert.deepEqual(log1, [], 'the change did not run');
  assert.equal(a.r.exitCode, 1);
  assert.match(a.err, /production cluster; --yes does not cover production: pass --yes-production/);
  const log2: string[] = [];
  const b = await run(text, { profile: prod, yesProduction: true }, log2);
  assert.deepEqual(log2, ['change']);
  assert.match(b.err, /confirmed by --yes-production on sim \(production\)/);
  // The front matter can make any cluster production.
  const log3: string[] = [];
  await run('---\nproduction: true\n---\n' + text, {}, log3);
  assert.deepEqual(log3, []);
  // At a terminal: typing the cluster name confirms, anything else does not.
  const log4: string[] = [];
  await run(text, { profile: prod, yes: false, askText: async () => 'sim' }, log4);
  assert.deepEqual(log4, ['change']);
  const log5: string[] = [];
  const e = await run(text, { profile: prod, askText: async () => 'y' }, log5);
  assert.deepEqual(log5, []);
  assert.match(e.err, /typed "y", not "sim"/);
  assert.deepEqual(parseRunArgs(['f.md', '--yes', '--yes-production']), { file: 'f.md', yes: true, yesProduction: true, resume: false });
});

test('a cancelled session is what --resume continues, with one message', async () => {
  const text = [cell('look'), cell('hang'), cell('look -d')].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'headless-unit-'));
  const file = join(dir, 'r.runbook.md');
  writeFileSync(file, text);
  try {
    const ac = new AbortController();
    const log: string[] = [];
    const first = await runRunbook({
      file,
      profile,
      client,
      yes: true,
      registry: registry(log),
      out: () => {},
      signal: ac.signal,
      err: (s) => {
        if (s.startsWith('▶ [2/3]')) setImmediate(() => ac.abort());
      },
    });
    assert.deepEqual(
      first.outcomes.map((o) => o.status),
      ['succeeded', 'cancelled', 'skipped'],
    );
    const point = findResumePoint(readCellRecords(first.journal));
    assert.equal(point?.how, 'cancelled');
    assert.equal(point?.cell.command, 'hang');

    let err = '';
    const log2: string[] = [];
    const ac2 = new AbortController();
    const again = await runRunbook({
      file,
      profile,
      client,
      yes: true,
      resume: true,
      registry: registry(log2),
      out: () => {},
      signal: ac2.signal,
      err: (s) => {
        err += s;
        if (s.startsWith('▶')) setImmediate(() => ac2.abort());
      },
    });
    assert.match(err, /^resuming session rb-\S+ from \[2\/3\] line 5 \(`hang`\), cancelled at /m);
    assert.doesNotMatch(err, /nothing to resume/);
    assert.equal(log2[0], 'hang', 'resumed at the cancelled cell; the first cell is not run again');
    assert.deepEqual(
      again.outcomes.map((o) => o.status),
      ['cancelled', 'skipped'],
    );
    assert.equal(readCellRecords(again.journal).find((x) => x.cell.resumes)?.cell.resumes, point!.session);

    // Without --resume the earlier stop is pointed out, in the same numbering.
    let err3 = '';
    await runRunbook({
      file,
      profile,
      client,
      yes: true,
      registry: registry([]),
      out: () => {},
      err: (s) => (err3 += s),
      signal: AbortSignal.abort(),
    });
    assert.match(err3, /warning: an earlier run stopped in \[2\/3\] line 5 \(`hang`\), cancelled at .*; pass --resume/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resume points — interrupted, cancelled, timed out; a finished or plainly failed session is none', () => {
  const log = new RunLog(undefined, 's1');
  const e = (index: number, status: CellEntry['status'], error?: string): CellEntry => ({
    runbook: 'r',
    index,
    command: `c${index}`,
    status,
    who: 'w',
    cluster: 'c',
    host: 'cli',
    ...(error ? { error } : {}),
  });
  log.append(e(1, 'started'));
  log.append(e(1, 'succeeded'));
  assert.equal(findResumePoint(log.records), undefined);
  log.append(e(2, 'started'));
  assert.equal(findResumePoint(log.records)?.how, 'interrupted');
  log.append(e(2, 'failed', 'boom'));
  log.append(e(3, 'skipped', 'not run'));
  assert.equal(findResumePoint(log.records), undefined);
  const log2 = new RunLog(undefined, 's2');
  log2.append(e(2, 'started'));
  log2.append(e(2, 'cancelled'));
  log2.append(e(3, 'skipped', 'cancelled'));
  assert.deepEqual(findResumePoint([...log.records, ...log2.records])?.cell.index, 2);
});

test('the exit code of a stop signal is 128 + its number', () => {
  assert.deepEqual(
    ['SIGHUP', 'SIGINT', 'SIGTERM'].map((s) => exitCodeFor(s as NodeJS.Signals)),
    [129, 130, 143],
  );
});

test('the demo recap names nodes removed, copies vs plan, freeze, primary hand-over and settings', () => {
  const st = (running: boolean[], pct = 65) => ({
    nodes: running.map((r, i) => ({ address: `127.0.0.1:3480${i + 1}`, running: r, metaStatus: r ? 'ALIVE' : 'UNALIVE' })),
    level: { stored: 'steady' },
    metas: [{ livePercentage: pct }],
    settings: { assignDelayMs: 600000, assignSecondaryBlackList: [] },
  });
  const outcomes = [
    {
      id: '4',
      status: 'succeeded' as const,
      cell: 4,
      label: '[4/10] line 59',
      results: [{ ...res('plan'), data: { plan: { copies: 30, bytes: 30 * 2 ** 30 } } }],
    },
    {
      id: '6',
      status: 'succeeded' as const,
      cell: 6,
      label: '[6/10] line 85',
      results: [{ ...res('scale-in'), data: { settingsLeft: [{ name: 'meta.live_percentage', value: '60' }] } }],
    },
    { id: '9', status: 'succeeded' as const, cell: 9, label: '[8/10] line 102', results: [res('restart-meta')] },
  ];
  const text = demoRecap({
    before: st([true, true, true, true, true]),
    after: st([true, true, true, false, false]),
    metrics: { replicasCopied: 30, bytesCopied: 15 * 2 ** 30, frozenSeconds: 0, partitionSecondsWithoutPrimary: 1, simulatedSeconds: 160 },
    outcomes,
    file: '/tmp/d/scale-in.runbook.md',
    source: '/x/examples/scale-in.runbook.md',
  });
  assert.match(text, /nodes removed: 2 \(127\.0\.0\.1:34804, 127\.0\.0\.1:34805\); 3 replica servers left/);
  assert.match(text, /replicas copied: 30 \(15\.0 GiB\); the plan said 30 \(30\.0 GiB/);
  assert.match(text, /seconds frozen: 0/);
  assert.match(text, /partition-seconds without a primary: 1\.0 — each move_pri/);
  assert.match(text, /settings: all back as before the run \(level steady, black list '', assign_delay_ms 600000, live_percentage 65\)/);
  assert.match(text, /live_percentage was lowered to 60 during the run and came back with the meta restart, \[8\/10\] line 102/);
  assert.match(text, /VS Code/);
  assert.match(demoRecap({ before: st([true]), after: st([true], 60), metrics: {}, outcomes: [], file: 'f', source: 's' }), /NOT all back/);
});

test('a runbook with no cells, in UTF-16 or binary exits non-zero saying why, and runs nothing', async () => {
  const text = '# T\n\n' + cell('look');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const bin = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x00, 0x01]);
  for (const [bytes, re] of [
    [
      Buffer.from('# Only prose\n\nNo code blocks here.\n'),
      /no cells found in .*x\.runbook\.md: a runbook's commands go in ```pegasus fenced code blocks; nothing was run/,
    ],
    [utf16, /is UTF-16 \(byte-order mark FF FE\), not UTF-8: save it as UTF-8/],
    [Buffer.from(text, 'utf16le'), /not UTF-8 text: it has a NUL byte at offset 1/],
    [bin, /NUL byte at offset 5/],
    [Buffer.from([0x23, 0x20, 0xc3, 0x28]), /is not valid UTF-8/],
  ] as const) {
    const log: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'headless-enc-'));
    try {
      const file = join(dir, 'x.runbook.md');
      writeFileSync(file, bytes);
      let err = '';
      const r = await runRunbook({ file, profile, client, yes: true, registry: registry(log), out: () => {}, err: (s) => (err += s) });
      assert.equal(r.exitCode, 2, err);
      assert.match(err, re);
      assert.deepEqual(log, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a runbook whose run log cannot be written says which file, why and the fix before any cell runs', async () => {
  const log: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'headless-ro-'));
  try {
    const file = join(dir, 'x.runbook.md');
    writeFileSync(file, '# T\n\n' + cell('change'));
    const runLog = runLogPath(file);
    const go = async () => {
      let err = '';
      const r = await runRunbook({ file, profile, client, yes: true, registry: registry(log), out: () => {}, err: (s) => (err += s) });
      return { r, err };
    };
    // An unwritable folder (what a non-root user gets from chmod a-w; root needs the fault injected).
    const real = fs.openSync;
    const m = mock.method(fs, 'openSync', (p: fs.PathLike, ...rest: unknown[]) => {
      if (String(p) === runLog) throw Object.assign(new Error(`EACCES: permission denied, open '${runLog}'`), { code: 'EACCES' });
      return (real as (...a: unknown[]) => number)(p, ...rest);
    });
    syncBuiltinESMExports();
    let denied;
    try {
      denied = await go();
    } finally {
      m.mock.restore();
      syncBuiltinESMExports();
    }
    assert.equal(denied.r.exitCode, 2);
    assert.match(denied.err, /the run log .*x\.runbook\.journal\.jsonl cannot be written: permission denied \(EACCES\); make .* writable/);
    assert.match(denied.err, /nothing was run/);
    // A folder where the run log should be.
    mkdirSync(runLog);
    const folder = await go();
    assert.equal(folder.r.exitCode, 2);
    assert.match(folder.err, /the run log .* is a folder, not a regular file/);
    assert.deepEqual(log, [], 'no cell ran');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
