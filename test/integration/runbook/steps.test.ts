/**
 * The step commands' wiring to the engine: the port the engine gets keeps every optional
 * capability of the wire adapter (min_live read, leader watch, bytes copied with simulator node
 * control), and preflight / freeze-check say where min_live came from. Real loopback sockets.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedCluster } from '../../../src/simulator';
import { MetaClient } from '../../../src/pegasus';
import { engineFor } from '../../../src/commands/steps/services';
import type { CommandContext } from '../../../src/commands/types';
import type { ClusterProfile } from '../../../src/cluster/profile';
import type { ClusterPort } from '../../../src/engine/ports';
import { runRunbook } from '../../../src/runbook/headless';
import { assertNoLeaks } from '../../support/leaks';
import { replicaDataOf } from '../../support/fakeCluster';

function ctxOf(client: MetaClient, profile: ClusterProfile, clusterPort?: ClusterPort): CommandContext {
  return {
    client,
    profile,
    signal: new AbortController().signal,
    progress: () => {},
    confirm: async () => false,
    services: { steps: clusterPort ? { clusterPort } : {} },
  };
}

test('engine port: readMinLive and watchLeader of the wire adapter reach the engine unchanged', () => {
  const calls: string[] = [];
  const fake: ClusterPort = {
    readState: async () => ({ leader: 'm:1', nodes: [], tables: [], level: 'steady', pct: 50 }) as never,
    getSetting: async () => '',
    setSetting: async () => {},
    propose: async () => 'accepted',
    onLeaderChange: () => () => {},
    readMinLive: async (leader) => {
      calls.push(`min-live ${leader}`);
      return { value: 4, source: 'fake' };
    },
    watchLeader: (o) => {
      calls.push(`watch ${o.intervalMs}`);
      return () => calls.push('unwatch');
    },
  };
  const client = new MetaClient({ metaServers: ['127.0.0.1:1'] });
  try {
    const { port } = engineFor(ctxOf(client, { name: 'x', metaServers: ['127.0.0.1:1'] }, fake), () => {});
    assert.ok(port.readMinLive && port.watchLeader, 'both capabilities forwarded');
    void port.readMinLive('m:1');
    port.watchLeader({ intervalMs: 250 })();
    assert.deepEqual(calls, ['min-live m:1', 'watch 250', 'unwatch']);
    assert.equal(port.readReplicaData, undefined, 'a capability the port lacks stays absent');
  } finally {
    client.close();
  }
});

test('engine port: no simulator metrics read, whatever the node control; replica data and commands are forwarded when present', async () => {
  const sim = await startSimulatedCluster({ nodes: 3, seed: 1, tables: [{ name: 't', partitions: 4, replicas: 3 }] });
  const client = new MetaClient({ metaServers: sim.metaServers });
  try {
    const simProfile: ClusterProfile = {
      name: 'sim',
      metaServers: sim.metaServers,
      nodeControl: { kind: 'simulator', control: sim.controlUrl },
    };
    const withSim = engineFor(ctxOf(client, simProfile), () => {}).port as ClusterPort & { bytesCopied?: unknown };
    // Bytes copied come from the replica servers' learning counters, never from the simulator's control API.
    assert.equal(withSim.bytesCopied, undefined, 'no byte counter read from the simulator');
    assert.ok(withSim.watchLeader && withSim.readMinLive);
    const calls: string[] = [];
    const fake: ClusterPort = {
      readState: async () => ({ leader: 'm:1', nodes: [], tables: [], effectiveLevel: 'steady' }),
      getSetting: async () => '',
      setSetting: async () => {},
      propose: async () => 'accepted',
      onLeaderChange: () => () => {},
      readReplicaData: async (nodes) => {
        calls.push(`data ${nodes.join(',')}`);
        return replicaDataOf({});
      },
      replicaCommand: async (node, command, args) => {
        calls.push(`${node} ${command} ${args.join(' ')}`);
        return 'OK';
      },
    };
    const fwd = engineFor(ctxOf(client, simProfile, fake), () => {}).port;
    await fwd.readReplicaData!(['n:1']);
    await fwd.replicaCommand!('n:1', 'nfs.max_copy_rate_megabytes_per_disk', ['50']);
    assert.deepEqual(calls, ['data n:1', 'n:1 nfs.max_copy_rate_megabytes_per_disk 50']);
  } finally {
    client.close();
    await sim.close();
  }
});

test('preflight and freeze-check cells say where min_live came from', async () => {
  const sim = await startSimulatedCluster({ nodes: 5, seed: 7, tables: [{ name: 't', partitions: 8, replicas: 3 }] });
  const dir = mkdtempSync(join(tmpdir(), 'runbook-steps-'));
  const client = new MetaClient({ metaServers: sim.metaServers });
  try {
    const file = join(dir, 'pf.runbook.md');
    writeFileSync(
      file,
      '```pegasus\npreflight scale-in --nodes 127.0.0.1:34805\n```\n\n```pegasus\nfreeze-check --remove 127.0.0.1:34805\n```\n',
    );
    let out = '';
    let err = '';
    const r = await runRunbook({
      file,
      profile: { name: 'sim', metaServers: sim.metaServers },
      client,
      out: (s) => (out += s),
      err: (s) => (err += s),
      progressIntervalMs: 0,
    });
    assert.equal(r.exitCode, 0, err);
    const [pf, fc] = out.split(/^## \[2\/2\]/m) as [string, string];
    // The preflight table names min_live's source (here: read from the simulated meta's /config) next to the verdict.
    assert.match(pf, /^min_live\s*: min_live=3 \(read from the meta leader 127\.0\.0\.1:\d+ /m, out);
    assert.match(pf, /ready: nothing stands in the way/);
    assert.match(fc, /min_live=3 \(read from the meta leader/);
    assert.deepEqual(
      r.outcomes.map((o) => o.status),
      ['succeeded', 'succeeded'],
    );
  } finally {
    client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('plan cell flags reach the engine; freeze-check of an unknown node shows the problems as rows', async () => {
  const sim = await startSimulatedCluster({ nodes: 5, seed: 7, tables: [{ name: 't', partitions: 8, replicas: 3 }] });
  const dir = mkdtempSync(join(tmpdir(), 'runbook-steps-'));
  const client = new MetaClient({ metaServers: sim.metaServers });
  try {
    const file = join(dir, 'flags.runbook.md');
    writeFileSync(
      file,
      '```pegasus\nplan scale-in --nodes 127.0.0.1:34805 --replica-size t=3GiB,default=1MB --copy-rate 25 --keep-margin 1\n```\n\n```pegasus\nfreeze-check --remove 127.0.0.1:39999\n```\n',
    );
    let out = '';
    const r = await runRunbook({
      file,
      profile: { name: 'sim', metaServers: sim.metaServers },
      client,
      out: (s) => (out += s),
      err: () => {},
      progressIntervalMs: 0,
    });
    const [plan, fc] = out.split(/^## \[2\/2\]/m) as [string, string];
    assert.match(plan, /at 25 MB\/s/, out);
    assert.match(plan, /bytes to copy\s*: 15\.0 GiB/, 'the per-table size (3 GiB) is used for table t');
    assert.match(plan, /stop 127\.0\.0\.1:34805 .* lower to \d+/, 'keep-margin 1 lowers the threshold before the stop');
    assert.match(fc, /PROBLEM\s*: .*127\.0\.0\.1:39999/, out);
    assert.match(fc, /fix\s*: /);
    assert.equal(r.outcomes[1]?.status, 'failed');
  } finally {
    client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Every socket, server, timer and simulator of these tests is closed: a leftover would keep the
// runner waiting for the file (CI saw a 120 s hang here); fail at once naming it instead.
after(() => assertNoLeaks());
