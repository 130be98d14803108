/**
 * Every template, run headless (the `pegasus-ops run` path) against the simulated cluster over
 * real loopback sockets: each must finish with every cell succeeded and leave the cluster as the
 * template promises.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedCluster, type SimulatedCluster } from '../../../src/simulator';
import { MetaClient } from '../../../src/pegasus';
import { runRunbook, type HeadlessResult } from '../../../src/runbook/headless';
import { runbookTemplate, type TemplateKind, type TemplateParams } from '../../../src/runbook/templates';
import { parseRunbook } from '../../../src/runbook/format';
import { readCellRecords } from '../../../src/runbook/runLog';
import { assertNoLeaks } from '../../support/leaks';

interface SimNode {
  address: string;
  running: boolean;
  metaStatus: string;
  primaries: number;
  replicas: number;
}

async function withSim<T>(fn: (sim: SimulatedCluster, dir: string) => Promise<T>): Promise<T> {
  const sim = await startSimulatedCluster({
    nodes: 5,
    seed: 7,
    timeScale: 100,
    replicaSizeMb: 50,
    tables: [
      { name: 'temp', partitions: 8, replicas: 3 },
      { name: 'usertable', partitions: 4, replicas: 3 },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'runbook-it-'));
  try {
    return await fn(sim, dir);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function addNode(sim: SimulatedCluster): Promise<string> {
  const res = await fetch(`${sim.controlUrl}/nodes`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { address: string }).address;
}

async function runTemplate(
  sim: SimulatedCluster,
  dir: string,
  kind: TemplateKind,
  p: TemplateParams,
): Promise<{ r: HeadlessResult; err: string; out: string; file: string }> {
  const file = join(dir, `${kind}.runbook.md`);
  writeFileSync(file, runbookTemplate(kind, { cluster: 'sim', ...p }));
  const client = new MetaClient({ metaServers: sim.metaServers });
  let err = '';
  let out = '';
  try {
    const r = await runRunbook({
      file,
      profile: { name: 'sim', metaServers: sim.metaServers, nodeControl: { kind: 'simulator', control: sim.controlUrl } },
      client,
      yes: true,
      out: (s) => (out += s),
      err: (s) => (err += s),
      // The simulated clock runs 100x: the engine's settle times (real ms) shrink to match.
      engineOptions: { pollIntervalMs: 100, balancedSettleMs: 400, balancerIdleMs: 3000, metaRestartGapMs: 300 },
      progressIntervalMs: 0,
    });
    return { r, err, out, file };
  } finally {
    client.close();
  }
}

function nodes(sim: SimulatedCluster): SimNode[] {
  return (sim.state({ partitions: false }) as { nodes: SimNode[] }).nodes;
}

function assertAllSucceeded(r: HeadlessResult, err: string, file: string): void {
  const codeCells = parseRunbook(readFileSync(file, 'utf8')).cells.filter((c) => c.kind === 'code').length;
  assert.equal(r.exitCode, 0, err);
  assert.equal(r.outcomes.length, codeCells);
  assert.deepEqual(
    r.outcomes.filter((o) => o.status !== 'succeeded'),
    [],
    err,
  );
  // The run log next to the runbook has a start and an end record for every cell, with who and where.
  const recs = readCellRecords(r.journal);
  assert.equal(recs.filter((x) => x.cell.status === 'started').length, codeCells);
  assert.equal(recs.filter((x) => x.cell.status === 'succeeded').length, codeCells);
  assert.ok(recs.every((x) => x.cell.cluster === 'sim' && x.cell.host === 'cli' && x.cell.who.includes('@')));
  // The engine's own records (begin/end, settings) are in the same file.
  const lines = readFileSync(r.journal, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { t: string });
  assert.ok(lines.some((l) => l.t === 'begin'));
}

test('scale-in template: both nodes leave, every partition healthy, settings restored', async () => {
  await withSim(async (sim, dir) => {
    const leaving = ['127.0.0.1:34804', '127.0.0.1:34805'];
    const { r, err, out, file } = await runTemplate(sim, dir, 'scale-in', { nodes: leaving });
    assertAllSucceeded(r, err, file);
    const after = nodes(sim);
    for (const a of leaving) assert.equal(after.find((n) => n.address === a)?.replicas ?? 0, 0, `${a} still holds replicas`);
    const st = sim.state({ partitions: false }) as {
      settings: { assignSecondaryBlackList: string[]; assignDelayMs: number };
      level: { stored: string; effective: string };
      freeze: { frozen: boolean };
    };
    assert.deepEqual(st.settings.assignSecondaryBlackList, []);
    assert.equal(st.level.effective, 'steady');
    assert.equal(st.freeze.frozen, false);
    assert.equal((sim.metrics() as { frozenSeconds: number }).frozenSeconds, 0);
    assert.match(out, /\[details\]/); // the final `nodes -d` printed its table on stdout
    assert.match(err, /10 cell\(s\): 10 succeeded/);
  });
});

test('scale-out template: the new nodes receive replicas and primaries', async () => {
  await withSim(async (sim, dir) => {
    const joining = [await addNode(sim), await addNode(sim)];
    const { r, err, file } = await runTemplate(sim, dir, 'scale-out', { nodes: joining });
    assertAllSucceeded(r, err, file);
    const after = nodes(sim);
    for (const a of joining) {
      const n = after.find((x) => x.address === a)!;
      assert.ok(n.replicas > 0, `${a} got no replica`);
    }
    const st = sim.state({ partitions: false }) as { level: { stored: string } };
    assert.equal(st.level.stored, 'steady', 'back to steady after the rebalance');
  });
});

test('migration template: old nodes emptied, new nodes serving', async () => {
  await withSim(async (sim, dir) => {
    const to = [await addNode(sim)];
    const from = ['127.0.0.1:34801'];
    const { r, err, file } = await runTemplate(sim, dir, 'migrate', { from, to });
    assertAllSucceeded(r, err, file);
    const after = nodes(sim);
    assert.equal(after.find((n) => n.address === from[0])?.replicas ?? 0, 0);
    assert.ok(after.find((n) => n.address === to[0])!.replicas > 0);
  });
});

test('a failing cell stops the run: later cells are skipped and the exit code is non-zero', async () => {
  await withSim(async (sim, dir) => {
    const file = join(dir, 'bad.runbook.md');
    writeFileSync(
      file,
      '---\ncluster: sim\n---\n\n```pegasus\nnodes -d\n```\n\n```pegasus\npreflight scale-in --nodes 10.9.9.9:1\n```\n\n```pegasus\nscale-in --nodes 127.0.0.1:34801\n```\n',
    );
    const client = new MetaClient({ metaServers: sim.metaServers });
    let err = '';
    try {
      const r = await runRunbook({
        file,
        profile: { name: 'sim', metaServers: sim.metaServers },
        client,
        yes: true,
        out: () => {},
        err: (s) => (err += s),
      });
      assert.equal(r.exitCode, 1);
      assert.deepEqual(
        r.outcomes.map((o) => o.status),
        ['succeeded', 'failed', 'skipped'],
      );
      assert.match(err, /not in the cluster|not a node|10\.9\.9\.9/);
      assert.equal(nodes(sim).find((n) => n.address === '127.0.0.1:34801')!.running, true, 'the skipped scale-in did nothing');
    } finally {
      client.close();
    }
  });
});

test('without --yes in a non-interactive run, changes are refused and nothing changes', async () => {
  await withSim(async (sim, dir) => {
    const file = join(dir, 'noyes.runbook.md');
    writeFileSync(file, '```pegasus\nstop-node 127.0.0.1:34801\n```\n');
    const client = new MetaClient({ metaServers: sim.metaServers });
    let err = '';
    try {
      const r = await runRunbook({
        file,
        profile: { name: 'sim', metaServers: sim.metaServers, nodeControl: { kind: 'simulator', control: sim.controlUrl } },
        client,
        out: () => {},
        err: (s) => (err += s),
      });
      assert.equal(r.exitCode, 1);
      assert.match(err, /pass --yes/);
      assert.equal(nodes(sim).find((n) => n.address === '127.0.0.1:34801')!.running, true);
    } finally {
      client.close();
    }
  });
});

// Every socket, server, timer and simulator of these tests is closed: a leftover would keep the
// runner waiting for the file (CI saw a 120 s hang here); fail at once naming it instead.
after(() => assertNoLeaks());
