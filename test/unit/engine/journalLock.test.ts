import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { EngineEvent, OperationResult, ScaleEngine } from '../../../src/engine/engine';
import { Journal } from '../../../src/engine/journal';
import { acquireJournalLock, JournalLockedError, lockPathOf } from '../../../src/engine/journalLock';
import { fakeEngine, FakeCluster } from '../../support/fakeCluster';

/** The lock module's own words of a `journal-locked` refusal (the code is asserted). */
function locked(r: OperationResult): { message: string; fix: string } {
  const x = r.refusals[0]!;
  assert.equal(x.code, 'journal-locked', JSON.stringify(r.refusals));
  return x as { message: string; fix: string };
}

function engineOn(f: FakeCluster, journal: Journal, who: string, events: EngineEvent[] = []): ScaleEngine {
  return fakeEngine({}, { cluster: f, journal, who, events, options: { timeouts: { nodeGoneMs: 60_000 } } }).engine;
}

/** The pid of a process that has exited (what a kill -9'd engine leaves in its lock). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.ok(r.pid);
  return r.pid;
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-lock-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'journal lock: a second engine on the same journal is refused while the first runs, naming the holder and the fix',
  withDir(async (dir) => {
    const path = join(dir, 'scale.runbook.journal.jsonl');
    const f = new FakeCluster({ nodes: 6, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
    const a = engineOn(f, Journal.open(path), 'alice@editor');
    const b = engineOn(f, Journal.open(path), 'bob@cli');
    const running = a.run({ op: 'scale-in', nodes: ['10.0.0.1:34801'] });
    // The lock is taken before the first await of the run.
    assert.ok(existsSync(lockPathOf(path)));
    const r = await b.run({ op: 'drain-node', node: '10.0.0.3:34801' });
    assert.equal(r.outcome, 'refused');
    const reason = locked(r).message;
    assert.match(reason, /is in use by another engine: alice@editor/);
    assert.ok(reason.includes(`pid ${process.pid} on ${hostname()}`), reason);
    assert.match(reason, /scale-in started \d{4}-/);
    assert.ok(locked(r).fix.includes(`delete ${lockPathOf(path)}`), locked(r).fix);
    const done = await running;
    assert.equal(done.outcome, 'done', JSON.stringify(done));
    assert.equal(existsSync(lockPathOf(path)), false, 'released at the end');
    // B never wrote into A's run.
    const whos = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: string; who?: string })
      .filter((x) => x.t === 'begin')
      .map((x) => x.who);
    assert.deepEqual(whos, ['alice@editor']);
    // Free again: B runs now.
    const r2 = await b.run({ op: 'wait-healthy', timeoutMs: 60_000 });
    assert.equal(r2.outcome, 'done', JSON.stringify(r2));
  }),
);

test(
  'journal lock: a live process on this host or a lock from another host blocks; the message says how to clear it',
  withDir(async (dir) => {
    const path = join(dir, 'j.jsonl');
    const f = new FakeCluster({ nodes: 5, tables: [{ name: 'temp', partitions: 4, replicas: 3 }] });
    // The parent process (the test runner) is alive and is not this engine.
    writeFileSync(
      lockPathOf(path),
      JSON.stringify({
        pid: process.ppid,
        host: hostname(),
        who: 'carol@cli',
        started: '2026-11-26T20:00:00.000Z',
        op: 'scale-in',
        token: 'x1',
      }),
    );
    const r = await engineOn(f, Journal.open(path), 'me').run({ op: 'restore-settings' });
    assert.equal(r.outcome, 'refused');
    assert.match(
      locked(r).message,
      new RegExp(
        `carol@cli \\(pid ${process.ppid} on .*scale-in started 2026-11-26T20:00:00.000Z\\); pid ${process.ppid} is still running on this host`,
      ),
    );
    assert.ok(existsSync(lockPathOf(path)), 'a live lock is never removed');
    writeFileSync(
      lockPathOf(path),
      JSON.stringify({
        pid: 4242,
        host: 'ops-box-2',
        who: 'dave@ops-box-2',
        started: '2026-11-26T20:00:00.000Z',
        op: 'migrate',
        token: 'x2',
      }),
    );
    const r2 = await engineOn(f, Journal.open(path), 'me').run({ op: 'restore-settings' });
    assert.equal(r2.outcome, 'refused');
    assert.match(locked(r2).message, /taken on ops-box-2, so this host cannot tell whether pid 4242 still runs/);
    assert.match(locked(r2).fix, /cancel it on ops-box-2; if no engine runs there any more, delete .*j\.jsonl\.lock/);
    // An empty lock (a full disk under the old open-then-write) names no holder: it is stale, taken over and said.
    writeFileSync(lockPathOf(path), '');
    const events: EngineEvent[] = [];
    const r3 = await engineOn(f, Journal.open(path), 'me', events).run({ op: 'restore-settings' });
    assert.notEqual(r3.outcome, 'refused', JSON.stringify(r3.refusals));
    assert.ok(
      events.some((e) => e.kind === 'warning' && e.note.code === 'lock-taken-over-unreadable' && e.note.was === 'empty'),
      JSON.stringify(events),
    );
    assert.equal(existsSync(lockPathOf(path)), false, 'released after the run');
  }),
);

test(
  'journal lock: a stale lock (pid gone on this host) is taken over and the crashed run resumes',
  withDir(async (dir) => {
    const path = join(dir, 'j.jsonl');
    const f = new FakeCluster({ nodes: 6, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
    const spec = { op: 'scale-in', nodes: ['10.0.0.1:34801'] } as const;
    // What a killed engine leaves: a begin, the settings it changed, its finished steps, its lock.
    const rec = (x: object) => JSON.stringify({ run: 'r1', at: '2026-11-26T20:00:00.000Z', ...x });
    writeFileSync(
      path,
      [
        rec({ t: 'begin', op: 'scale-in', params: spec, who: 'erin@editor', cluster: 'fake', leader: '127.0.0.1:34601' }),
        rec({ t: 'setting', name: 'meta.lb.assign_secondary_black_list', before: '', after: '10.0.0.1:34801' }),
        rec({ t: 'setting', name: 'meta.lb.assign_delay_ms', before: '300000', after: '10' }),
      ].join('\n') + '\n',
    );
    f.settings.blackList = ['10.0.0.1:34801'];
    f.settings.delay = 10;
    const pid = deadPid();
    writeFileSync(
      lockPathOf(path),
      JSON.stringify({ pid, host: hostname(), who: 'erin@editor', started: '2026-11-26T20:00:00.000Z', op: 'scale-in', token: 'dead' }),
    );
    const events: EngineEvent[] = [];
    const r = await engineOn(f, Journal.open(path), 'erin@editor', events).resume();
    assert.equal(r?.outcome, 'done', JSON.stringify(r));
    assert.ok(
      events.some((e) => e.kind === 'warning' && e.note.code === 'lock-taken-over' && e.note.who === 'erin@editor' && e.note.pid === pid),
    );
    assert.ok(readFileSync(path, 'utf8').includes('"kind":"lock"'), 'the take-over is journaled');
    assert.equal(f.replicasOn('10.0.0.1:34801'), 0);
    assert.deepEqual(f.settings.blackList, []);
    assert.equal(f.settings.delay, 300_000);
    assert.equal(existsSync(lockPathOf(path)), false);
  }),
);

test(
  'journal lock: another engine in the same process is refused; the lock re-reads what the other engine wrote',
  withDir(async (dir) => {
    const path = join(dir, 'j.jsonl');
    const stale = Journal.open(path); // opened before anything was written
    const first = acquireJournalLock(path, { who: 'a', op: 'scale-in' });
    assert.throws(
      () => acquireJournalLock(path, { who: 'b', op: 'scale-out' }),
      (e: unknown) => e instanceof JournalLockedError && /in use by another engine: a \(pid/.test(e.message),
    );
    // The same journal spelled relative to the working directory meets the same lock.
    assert.throws(() => acquireJournalLock(relative(process.cwd(), path), { who: 'c', op: 'drain-node' }), JournalLockedError);
    const writer = Journal.open(path);
    writer.run = 'r9';
    writer.append({ t: 'begin', op: 'scale-in', params: {}, who: 'a', cluster: 'c' });
    first.release();
    first.release(); // idempotent
    const held = stale.lock({ who: 'b', op: 'scale-out' })!;
    try {
      assert.equal(stale.unfinishedRun()?.run, 'r9', 'the journal is read again once locked');
    } finally {
      held.release();
    }
    assert.equal(existsSync(lockPathOf(path)), false);
    assert.equal(Journal.memory().lock({ who: 'x', op: 'y' }), undefined);
    // A journal in a folder that does not exist yet (created on the first write) can be locked.
    const nested = join(dir, 'ops', 'runs', 'j.jsonl');
    const l2 = Journal.open(nested).lock({ who: 'x', op: 'y' })!;
    assert.ok(existsSync(lockPathOf(nested)));
    l2.release();
  }),
);

test(
  'journal lock: released when the process exits, also through an uncaught exception',
  withDir(async (dir) => {
    const mod = resolve('src/engine/journalLock.ts');
    for (const [i, ending] of ['process.exit(3)', "throw new Error('boom')"].entries()) {
      const path = join(dir, `j${i}.jsonl`);
      const script = `import { acquireJournalLock } from ${JSON.stringify(mod)}; acquireJournalLock(${JSON.stringify(path)}, { who: 'child', op: 'scale-in' }); ${ending};`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.notEqual(r.status, 0, r.stderr);
      assert.equal(existsSync(lockPathOf(path)), false, `lock left after ${ending}: ${r.stderr}`);
    }
  }),
);

test(
  'journal lock: resume looks again under the lock; a run another engine finished meanwhile is not started again',
  withDir(async (dir) => {
    const path = join(dir, 'j.jsonl');
    const f = new FakeCluster({ nodes: 6, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
    const spec = { op: 'scale-in', nodes: ['10.0.0.1:34801'] };
    writeFileSync(
      path,
      JSON.stringify({
        t: 'begin',
        run: 'r1',
        at: '2026-11-26T20:00:00.000Z',
        op: 'scale-in',
        params: spec,
        who: 'erin@editor',
        cluster: 'fake',
      }) + '\n',
    );
    const editor = engineOn(f, Journal.open(path), 'erin@editor'); // opened before the CLI finished it
    const cli = engineOn(f, Journal.open(path), 'erin@cli');
    const r1 = await cli.resume();
    assert.equal(r1?.outcome, 'done', JSON.stringify(r1));
    const r2 = await editor.resume();
    assert.equal(r2?.outcome, 'refused');
    assert.deepEqual(r2!.refusals[0], { code: 'resume-superseded', op: 'scale-in', run: 'r1' });
    const begins = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.includes('"t":"begin"'));
    assert.equal(begins.length, 1, 'no second run was started');
  }),
);
