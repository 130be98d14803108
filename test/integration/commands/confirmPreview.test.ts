/**
 * The confirmation of an engine step lists what the run will do, read from the cluster before it
 * asks: every setting with its value now and the one set (meta.live_percentage lowered included),
 * every warning (freeze margin 0), the pre-flight verdict, on resume the steps already done; a
 * restore-settings with nothing to give back asks nothing. Real loopback sockets to the simulator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedCluster } from '../../../src/simulator';
import { MetaClient } from '../../../src/pegasus';
import { createRegistry, runCommandLine } from '../../../src/commands';
import { confirmDetail } from '../../../src/commands/confirm';
import type { CommandContext, ConfirmRequest } from '../../../src/commands/types';
import type { ClusterProfile } from '../../../src/cluster/profile';

const registry = createRegistry();

function ctxOf(client: MetaClient, profile: ClusterProfile, asked: ConfirmRequest[], journalPath: string, resume = false): CommandContext {
  return {
    client,
    profile,
    signal: new AbortController().signal,
    progress: () => {},
    // Declined: the preview is what is looked at, nothing runs.
    confirm: async (req) => {
      asked.push(req);
      return false;
    },
    services: { steps: { journalPath, resume } },
  };
}

test('scale-in confirmation: settings with values (live_percentage 65 → 60, until a meta restart), margin-0 warning, pre-flight verdict', async () => {
  const sim = await startSimulatedCluster({ nodes: 5, seed: 1, tables: [{ name: 't', partitions: 8, replicas: 3 }] });
  const client = new MetaClient({ metaServers: sim.metaServers });
  const dir = mkdtempSync(join(tmpdir(), 'confirm-'));
  try {
    const profile: ClusterProfile = {
      name: 'sim',
      metaServers: sim.metaServers,
      nodeControl: { kind: 'simulator', control: sim.controlUrl },
    };
    const asked: ConfirmRequest[] = [];
    const ctx = ctxOf(client, profile, asked, join(dir, 'j.jsonl'));
    await assert.rejects(runCommandLine(registry, ctx, 'scale-in --nodes 127.0.0.1:34804,127.0.0.1:34805'), /declined|not confirmed/i);
    assert.equal(asked.length, 1);
    const req = asked[0]!;
    assert.ok(
      req.settings?.some((s) => /^meta\.live_percentage 65 → 60 \(stays lowered until a meta restart/.test(s)),
      JSON.stringify(req.settings),
    );
    assert.ok(req.settings?.some((s) => s.startsWith("meta.lb.assign_secondary_black_list '' → 127.0.0.1:34804,127.0.0.1:34805")));
    assert.ok(
      req.settings?.some((s) => /^meta\.lb\.assign_delay_ms \d+ → 10$/.test(s)),
      JSON.stringify(req.settings),
    );
    assert.ok(
      req.warnings?.some((w) => /freeze margin 0/.test(w)),
      JSON.stringify(req.warnings),
    );
    assert.equal(req.verdict, 'pre-flight passed: the run may start');
    assert.equal(req.done, undefined, 'not a resume');
    const detail = confirmDetail(req);
    for (const part of ['Settings it changes:', 'meta.live_percentage 65 → 60', 'Warnings:', 'Pre-flight: pre-flight passed'])
      assert.ok(detail.includes(part), `${part} in:\n${detail}`);
  } finally {
    client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('restore-settings with nothing to restore asks nothing; a refused pre-flight is in the dialog', async () => {
  const sim = await startSimulatedCluster({ nodes: 3, seed: 1, tables: [{ name: 't', partitions: 4, replicas: 3 }] });
  const client = new MetaClient({ metaServers: sim.metaServers });
  const dir = mkdtempSync(join(tmpdir(), 'confirm-'));
  try {
    const profile: ClusterProfile = {
      name: 'sim',
      metaServers: sim.metaServers,
      nodeControl: { kind: 'simulator', control: sim.controlUrl },
    };
    const asked: ConfirmRequest[] = [];
    const ctx = ctxOf(client, profile, asked, join(dir, 'j.jsonl'));
    const r = await runCommandLine(registry, ctx, 'restore-settings');
    assert.equal(asked.length, 0, 'nothing to restore: nothing to confirm');
    assert.ok(r.summary?.startsWith('restore-settings done'), r.summary);
    // Three nodes, three replicas: removing one is refused, and the dialog says so before the run.
    await assert.rejects(runCommandLine(registry, ctx, 'scale-in --nodes 127.0.0.1:34801'));
    assert.match(asked[0]?.verdict ?? '', /^pre-flight refuses \(the run would stop before changing anything\): /);
  } finally {
    client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
