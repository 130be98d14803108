/**
 * Every way out of a run gives the settings back without endangering the cluster: a node-control
 * command that throws (after it may have killed the process), a cancel between a stop and the
 * meta seeing it, metas that vanish mid-step, and a resume that finds a drained node hosting again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineOptions } from '../../../src/engine/engine';
import { Journal } from '../../../src/engine/journal';
import type { NodeControl } from '../../../src/engine/ports';
import { fakeEngine, SIZED_ENGINE_OPTIONS, TWO_METAS, type FakeCluster, type FakeOptions } from '../../support/fakeCluster';

const N1 = '10.0.0.1:34801';
const N2 = '10.0.0.2:34801';

function setup(
  o: Partial<FakeOptions> = {},
  control?: (f: FakeCluster) => NodeControl,
  options: EngineOptions = {},
  journal = Journal.memory(),
) {
  return fakeEngine(o, {
    ...(control ? { control } : {}),
    journal,
    metaServers: TWO_METAS,
    who: 'tester@host',
    options: { ...SIZED_ENGINE_OPTIONS, ...options },
  });
}

// 6 nodes at pct 80: the second stop (alive 4, dead 2: 400 < 480) needs the threshold lowered to 66.

test('a stop command that fails after killing the process: the lowered threshold is kept, the meta never freezes', async () => {
  const { f, engine } = setup({ pct: 80 }, (fc) => {
    const ctl = fc.control();
    return {
      ...ctl,
      kind: 'command',
      stopNode: async (a, signal) => {
        await ctl.stopNode(a, signal);
        if (a === N2)
          throw new Error('"ssh" "10.0.0.2" "systemctl" "stop" "pegasus" failed: exit code 255: Connection closed by remote host');
      },
    };
  });
  const r = await engine.run({ op: 'scale-in', nodes: [N1, N2] });
  assert.equal(r.outcome, 'failed');
  assert.match(
    r.error ?? '',
    /stopping 10\.0\.0\.2:34801 through command node control failed: .*exit code 255.*It held no replica, so no data is at risk; .*then resume/,
  );
  // The threshold stays at the lowered value because N2 is about to be declared dead.
  assert.equal(f.settings.pct, 66);
  const kept = r.settingsLeft.find((s) => s.name === 'meta.live_percentage');
  assert.ok(kept && kept.reason.code === 'pct-kept-lowered' && kept.reason.dying?.includes(N2), JSON.stringify(r.settingsLeft));
  // The other settings are back.
  assert.deepEqual(f.settings.blackList, []);
  assert.equal(f.settings.delay, 300_000);
  f.advance(30_000);
  assert.equal(f.nodes.get(N2)!.alive, false);
  assert.equal(f.frozen(), false);
  assert.equal(f.metrics.frozenMs, 0);
});

test('cancel between a stop and the meta seeing the node gone: restore never brings back a freezing threshold', async () => {
  const ac = new AbortController();
  const { f, engine } = setup({ pct: 80 });
  f.onTick = (x) => {
    const n = x.nodes.get(N2)!;
    if (!n.running && n.alive) ac.abort(); // stopped, still listed ALIVE (fd grace running)
  };
  const r = await engine.run({ op: 'scale-in', nodes: [N1, N2] }, { signal: ac.signal });
  f.onTick = undefined;
  assert.equal(r.outcome, 'cancelled', JSON.stringify(r));
  assert.equal(f.settings.pct, 66);
  assert.ok(
    r.settingsLeft.some((s) => s.name === 'meta.live_percentage' && s.reason.code === 'pct-kept-lowered' && !!s.reason.dying?.includes(N2)),
  );
  assert.deepEqual(f.settings.blackList, []);
  f.advance(30_000);
  assert.equal(f.frozen(), false);
  assert.equal(f.metrics.frozenMs, 0);
});

test('metas vanish mid-drain for longer than the leader timeout: the run fails naming the metas, restore waits for them', async () => {
  const { f, engine, events } = setup({}, undefined, {
    timeouts: { leaderMs: 30_000, primariesMs: 120_000, secondariesMs: 600_000, healthyMs: 300_000, nodeGoneMs: 60_000 },
  });
  let armed = true;
  f.onTick = (x) => {
    if (armed && x.tables.some((t) => t.partitions.some((p) => p.learn))) {
      armed = false;
      x.metaDownUntil = x.time + 45_000;
    }
  };
  const r = await engine.run({ op: 'scale-in', nodes: [N1] });
  f.onTick = undefined;
  assert.equal(r.outcome, 'failed');
  assert.match(
    r.error ?? '',
    /kept failing for .*ERR_NETWORK_FAILURE.*Check that the meta servers \(127\.0\.0\.1:34601, 127\.0\.0\.1:34602\) are up and reachable \(the last leader was 127\.0\.0\.1:34601\), then resume/,
  );
  assert.ok(!r.notes.some((n) => n.code === 'restore-failed'));
  assert.ok(events.some((e) => e.kind === 'warning' && e.note.code === 'restore-retrying'));
  assert.deepEqual(f.settings.blackList, []);
  assert.equal(f.settings.delay, 300_000);
  assert.deepEqual(r.settingsLeft, []);
  assert.equal(f.nodes.get(N1)!.running, true, 'never stopped with data');
});

test('metas gone for good: the run says which settings the journal still holds and how to restore them', async () => {
  const { f, engine } = setup({}, undefined, {
    timeouts: { leaderMs: 20_000, primariesMs: 120_000, secondariesMs: 600_000, healthyMs: 300_000, nodeGoneMs: 60_000 },
  });
  f.onTick = (x) => {
    if (x.tables.some((t) => t.partitions.some((p) => p.learn))) x.metaDownUntil = Infinity;
  };
  const r = await engine.run({ op: 'scale-in', nodes: [N1] });
  assert.equal(r.outcome, 'failed');
  const failed = r.notes.find((n) => n.code === 'restore-failed');
  assert.ok(failed && failed.code === 'restore-failed' && /the meta did not answer for/.test(failed.error), JSON.stringify(r.notes));
  // The journal's values to restore are in the result.
  assert.ok(r.settingsLeft.some((s) => s.name === 'meta.lb.assign_secondary_black_list' && s.original === ''));
  assert.ok(r.settingsLeft.some((s) => s.name === 'meta.lb.assign_delay_ms' && s.original === '300000'));
  assert.equal(r.cluster, undefined, 'the cluster could not be read');
  assert.ok(r.settingsLeft.length >= 2);
});

test('an exception from the start command (scale-out) restores the level and reports the command error', async () => {
  const { f, engine } = setup({}, (fc) => ({
    ...fc.control(),
    kind: 'command',
    startNode: async () => Promise.reject(new Error('"ssh" "10.0.1.9" failed: program not found (ssh)')),
  }));
  f.settings.level = 'lively';
  const r = await engine.run({ op: 'scale-out', nodes: ['10.0.1.9:34801'] });
  assert.equal(r.outcome, 'failed');
  assert.match(r.error ?? '', /program not found \(ssh\)/);
  assert.equal(f.settings.level, 'lively', 'restored from the journal, not to a default');
  assert.deepEqual(r.settingsLeft, []);
});

test('resume finds a drained node hosting a replica again: drains it again before the stop, never stops it with data', async () => {
  const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'engine-redrain-'));
  try {
    const path = join(dir, 'j.jsonl');
    const spec = { op: 'scale-in', nodes: [N1] } as const;
    // First run: the editor dies right after the drain finished, as the stop begins.
    const { f, engine } = setup(
      {},
      (fc) => ({ ...fc.control(), stopNode: async () => Promise.reject(new Error('editor crashed')) }),
      {},
      Journal.open(path),
    );
    await engine.run(spec).catch(() => undefined);
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    const cut = lines.findIndex((l) => l.includes('"failed"'));
    writeFileSync(path, lines.slice(0, cut).join('\n') + '\n');
    assert.ok(readFileSync(path, 'utf8').includes(`"step":"${N1}:replicas","status":"done"`));
    // Meanwhile something put a replica back on N1 (an operator's balance, a lively balancer).
    const p = f.tables[0]!.partitions.find((x) => x.primary !== N1 && !x.secondaries.includes(N1))!;
    p.secondaries = [p.secondaries[0]!, N1];
    p.ballot++;
    f.settings.blackList = [N1];
    f.settings.delay = 10;
    const { engine: e2, events } = fakeEngine({}, { cluster: f, journal: Journal.open(path), metaServers: [] });
    let stoppedWithData = false;
    f.onTick = (x) => {
      if (!x.nodes.get(N1)!.running && x.replicasOn(N1) > 0) stoppedWithData = true;
    };
    const r = await e2.resume();
    f.onTick = undefined;
    assert.equal(r?.outcome, 'done', JSON.stringify(r));
    assert.equal(stoppedWithData, false);
    assert.ok(
      events.some(
        (e) =>
          e.kind === 'warning' &&
          ((e.note.code === 'redrain' && e.note.replicas === 1) ||
            (e.note.code === 'drain-again' && e.note.node === N1 && e.note.replicas === 1)),
      ),
    );
    assert.equal(f.replicasOn(N1), 0);
    assert.equal(f.nodes.get(N1)!.alive, false);
    assert.equal(f.metrics.noPrimaryMs, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resume after a crash right after a stop was issued: that node still counts as going down when the threshold is restored', async () => {
  const { writeFileSync, readFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'engine-crashstop-'));
  try {
    const path = join(dir, 'j.jsonl');
    const { f, engine } = setup(
      { pct: 80 },
      (fc) => {
        const ctl = fc.control();
        return {
          ...ctl,
          stopNode: async (a, signal) => {
            await ctl.stopNode(a, signal);
            if (a === N2) throw new Error('editor crashed');
          },
        };
      },
      {},
      Journal.open(path),
    );
    await engine.run({ op: 'scale-in', nodes: [N1, N2] });
    // The dead process wrote nothing after the crash: cut its failure, restore and end.
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    writeFileSync(
      path,
      lines
        .slice(
          0,
          lines.findIndex((l) => l.includes('"failed"')),
        )
        .join('\n') + '\n',
    );
    // As the crash left the cluster: N2 stopped, still listed ALIVE, the threshold lowered.
    f.settings.pct = 66;
    f.settings.blackList = [N1, N2];
    f.settings.delay = 10;
    assert.equal(f.nodes.get(N2)!.running, false);
    assert.equal(f.nodes.get(N2)!.alive, true);
    // The operator resumes and cancels at once.
    const ac = new AbortController();
    ac.abort();
    const { engine: e2 } = fakeEngine({}, { cluster: f, journal: Journal.open(path), metaServers: [] });
    const r = await e2.resume(ac.signal);
    assert.equal(r?.outcome, 'cancelled', JSON.stringify(r));
    assert.equal(f.settings.pct, 66, 'kept: N2 is about to be counted dead');
    assert.deepEqual(f.settings.blackList, []);
    f.advance(30_000);
    assert.equal(f.nodes.get(N2)!.alive, false);
    assert.equal(f.frozen(), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
