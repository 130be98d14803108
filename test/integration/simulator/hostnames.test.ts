/**
 * 2.6 with `hostnames`: the hp_* host_port fields (master's node identity) carry host names while
 * rpc_address fields keep ip:port; the shell shows one consistent spelling everywhere, and
 * proposals and the black list work with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulatedCluster, type SimulatedCluster, type SimOptionsInput } from '../../../src/simulator';
import { MetaClient, NodeStatus } from '../../../src/pegasus';
import { createRegistry, runCommandLine, type CommandContext } from '../../../src/commands';

const reg = createRegistry();

async function withCluster(
  opts: SimOptionsInput,
  fn: (sim: SimulatedCluster, ctx: CommandContext, client: MetaClient) => Promise<void>,
): Promise<void> {
  const sim = await startSimulatedCluster({ version: '2.6', ...opts });
  const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000 });
  const ctx: CommandContext = {
    client,
    profile: { name: 'hn', metaServers: sim.metaServers },
    signal: new AbortController().signal,
    progress: () => undefined,
    confirm: async () => true,
  };
  try {
    await fn(sim, ctx, client);
  } finally {
    client.close();
    await sim.close();
  }
}

test('hostnames: true — list_nodes and partition configs carry localhost:port in hp_*, ip:port in the rpc_address fields', async () => {
  await withCluster({ nodes: 4, hostnames: true, tables: [{ name: 'temp', partitions: 4, replicas: 3 }] }, async (sim, ctx, client) => {
    const nodes = await client.listNodes();
    assert.deepEqual(
      nodes.map((n) => [n.address, n.hpAddress, n.status]),
      [34801, 34802, 34803, 34804].map((p) => [`127.0.0.1:${p}`, `localhost:${p}`, NodeStatus.NS_ALIVE]),
    );
    const cfg = await client.queryPartitionConfig('temp');
    for (const pc of cfg.partitions) {
      assert.equal(pc.hpPrimary, pc.primary.replace('127.0.0.1:', 'localhost:'));
      assert.deepEqual(
        pc.hpSecondaries,
        pc.secondaries.map((s) => s.replace('127.0.0.1:', 'localhost:')),
      );
    }
    // The shell prints the host names, the same spelling in nodes -d and app -d.
    const nd = await runCommandLine(reg, ctx, 'nodes -d');
    const names = nd.tables[0]!.rows.map((r) => String(r[0]));
    assert.deepEqual(names, ['localhost:34801', 'localhost:34802', 'localhost:34803', 'localhost:34804']);
    const app = await runCommandLine(reg, ctx, 'app temp -d');
    for (const r of app.tables.find((t) => t.title === 'replicas')!.rows) {
      for (const a of [
        String(r[3]),
        ...String(r[4])
          .replace(/^\[|\]$/g, '')
          .split(','),
      ])
        assert.ok(names.includes(a), `${a} is spelled as in nodes -d`);
    }
    // GET /state shows both.
    const st = (await (await fetch(`${sim.controlUrl}/state`)).json()) as { nodes: { address: string; host?: string }[] };
    assert.deepEqual(st.nodes[0], { ...st.nodes[0], address: '127.0.0.1:34801', host: 'localhost:34801' });
  });
});

test('hostnames: a balance proposal by host name moves the primary; the black list is kept in the identity form', async () => {
  await withCluster({ nodes: 4, hostnames: true, tables: [{ name: 'temp', partitions: 4, replicas: 3 }] }, async (sim, ctx, client) => {
    const p = sim.model.apps[0]!.partitions[0]!;
    const from = sim.model.nodes[p.primary]!.host;
    const to = sim.model.nodes[p.secondaries[0]!]!.host;
    const r = await runCommandLine(reg, ctx, `balance -g 1.0 -p move_pri -f ${from} -t ${to}`);
    assert.match(r.text, /ERR_OK/);
    sim.advance(30);
    assert.equal(sim.model.nodes[p.primary]!.host, to);
    // An ip:port entry of a known node is stored as its host name (master compares host_port strings).
    const ip = sim.model.nodes[3]!.address;
    assert.equal((await client.remoteCommand('meta.lb.assign_secondary_black_list', [ip])).ok, true);
    assert.equal((await client.remoteCommand('meta.lb.assign_secondary_black_list')).value, 'localhost:34804');
    assert.deepEqual(sim.model.leader!.blackList, ['localhost:34804']);
    // The control API accepts both spellings.
    const stop = await fetch(`${sim.controlUrl}/nodes/localhost:34802/stop`, { method: 'POST' });
    assert.deepEqual(await stop.json(), { address: '127.0.0.1:34802', running: false });
  });
});

test('hostnames: a list names each node (a live 2.6 cluster); other areas see those names', async () => {
  const hostnames = ['node-a.example:34801', 'node-b.example:34801', 'node-c.example:34801'];
  // The placement may name a node by its host name or by its ip:port: the same cluster either way.
  for (const primary of ['node-b.example:34801', '10.0.0.2:34801']) {
    await withCluster(
      {
        nodeAddresses: ['10.0.0.1:34801', '10.0.0.2:34801', '10.0.0.3:34801'],
        hostnames,
        tables: [{ name: 't', partitions: 2, replicas: 3 }],
        placement: {
          t: [
            { primary, secondaries: [0, 2] },
            { primary: 2, secondaries: [1, 0] },
          ],
        },
      },
      async (sim, ctx) => {
        const nd = await runCommandLine(reg, ctx, 'nodes -d');
        assert.deepEqual(
          nd.tables[0]!.rows.map((r) => r[0]),
          hostnames,
        );
        const app = await runCommandLine(reg, ctx, 'app t -d');
        assert.deepEqual(
          app.tables.find((t) => t.title === 'replicas')!.rows.map((r) => r[3]),
          ['node-b.example:34801', 'node-c.example:34801'],
        );
        const stop = await fetch(`${sim.controlUrl}/nodes/node-c.example:34801/stop`, { method: 'POST' });
        assert.deepEqual(await stop.json(), { address: '10.0.0.3:34801', running: false });
      },
    );
  }
});

test('hostnames validation: 2.6 only, one unique name per node', async () => {
  await assert.rejects(startSimulatedCluster({ version: '2.5', hostnames: true }), /hostnames: hostnames need version 2\.6/);
  await assert.rejects(
    startSimulatedCluster({ nodes: 3, hostnames: ['a:1', 'b:1'] }),
    /hostnames: hostnames lists 2 names but there are 3 replica servers/,
  );
  await assert.rejects(startSimulatedCluster({ nodes: 2, hostnames: ['a:1', 'a:1'] }), /hostnames\[1\]: a:1 is listed twice/);
  await assert.rejects(startSimulatedCluster({ nodes: 1, hostnames: ['no port'] }), /hostnames\[0\]: expected "host:port"/);
});
