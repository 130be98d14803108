import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetaClient, PegasusError, RPC, serverStartTime, parseRemoteCommandOutput, type LeaderChange } from '../../../src/pegasus';
import { withCluster, type FixtureCluster } from '../../support/fixtureCluster';

/** Resolves with the next leader change, or rejects after `ms` (the watch should be much faster). */
function nextChange(client: MetaClient, ms = 5000): Promise<LeaderChange> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error(`no leader change within ${ms} ms`));
    }, ms);
    const off = client.onLeaderChange((c) => {
      clearTimeout(t);
      off();
      resolve(c);
    });
  });
}

/** Waits until `n` more requests reached the fixture (each watch check sends one or two). */
async function requests(c: FixtureCluster, n: number, ms = 5000): Promise<void> {
  const want = c.state.received.length + n;
  const end = Date.now() + ms;
  while (c.state.received.length < want) {
    if (Date.now() > end) throw new Error(`only ${c.state.received.length} of ${want} requests within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

for (const version of ['2.5', '2.6'] as const) {
  test(`watchLeader notices a fail-over between polls without any call (${version})`, async () => {
    await withCluster(3, version, 0, async (c) => {
      const client = new MetaClient({ metaServers: c.addresses, retryDelayMs: 5 });
      try {
        await client.ensureLeader();
        assert.equal(client.leader, c.addresses[0]);
        const stop = client.watchLeader({ intervalMs: 20 });
        // A quiet check goes to the leader only: query_cfg of '' and server-info.
        const from = c.state.received.length;
        await requests(c, 4);
        const quiet = c.state.received.slice(from, from + 4);
        assert.ok(
          quiet.every((r) => r.meta === 0),
          JSON.stringify(quiet.map((r) => r.meta)),
        );
        assert.deepEqual(
          quiet.map((r) => r.name),
          [RPC.queryConfig.name, RPC.remoteCommand.name, RPC.queryConfig.name, RPC.remoteCommand.name],
        );
        assert.deepEqual(quiet[0]!.args, { appName: '', partitionIndices: [] });

        // The leader moves while the caller makes no call at all.
        const change = nextChange(client);
        c.state.leader = 2;
        assert.deepEqual(await change, { previous: c.addresses[0], current: c.addresses[2] });
        assert.equal(client.leader, c.addresses[2]);

        stop();
        const after = c.state.received.length;
        await new Promise((r) => setTimeout(r, 80));
        assert.ok(c.state.received.length <= after + 2, 'no checks after stop (one may have been in flight)');
      } finally {
        client.close();
      }
    });
  });
}

test('watchLeader reports a restart of the same leader (new server-info start time) once', async () => {
  await withCluster(1, '2.5', 0, async (c) => {
    const changes: LeaderChange[] = [];
    const client = new MetaClient({ metaServers: c.addresses, retryDelayMs: 5, onLeaderChange: (x) => changes.push(x) });
    const ac = new AbortController();
    try {
      client.watchLeader({ intervalMs: 20, signal: ac.signal });
      await requests(c, 4); // two checks: the start time is known
      assert.deepEqual(changes, [{ previous: undefined, current: c.addresses[0] }]);
      const restart = nextChange(client);
      c.state.startedAt[0] = '2026-11-26 11:30:00';
      assert.deepEqual(await restart, { previous: c.addresses[0], current: c.addresses[0], restarted: true });
      await requests(c, 4);
      assert.equal(changes.length, 2, 'reported once');
      ac.abort();
      const after = c.state.received.length;
      await new Promise((r) => setTimeout(r, 80));
      assert.ok(c.state.received.length <= after + 2);
    } finally {
      client.close();
    }
  });
});

test('watchLeader keeps going through failed checks (onError), and close() stops it', async () => {
  await withCluster(2, '2.5', 0, async (c) => {
    const errors: PegasusError[] = [];
    const client = new MetaClient({ metaServers: c.addresses, retryDelayMs: 5, maxAttempts: 3 });
    try {
      await client.ensureLeader();
      c.state.leader = undefined; // an election in progress: every meta forwards, no hint
      const gotError = new Promise<void>((resolve) => {
        client.watchLeader({ intervalMs: 20, detectRestart: false, timeoutMs: 200, onError: (e) => (errors.push(e), resolve()) });
      });
      await gotError;
      assert.equal(errors[0]!.code, 'ERR_FORWARD_TO_OTHERS');
      const change = nextChange(client);
      c.state.leader = 1;
      assert.deepEqual(await change, { previous: c.addresses[0], current: c.addresses[1] });
    } finally {
      client.close();
    }
    const after = c.state.received.length;
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(c.state.received.length, after, 'close() stops the watch');
  });
});

test('serverStartTime reads both dialects', () => {
  assert.equal(
    serverStartTime(parseRemoteCommandOutput('Pegasus Server 2.5.0 (abc) Release, Started at 2026-11-26 10:00:00')),
    '2026-11-26 10:00:00',
  );
  assert.equal(
    serverStartTime(
      parseRemoteCommandOutput('{"build_type":"Release","git_SHA":"x","start_time":"2026-11-26 10:00:00","version":"2.6.0"}'),
    ),
    '2026-11-26 10:00:00',
  );
  assert.equal(serverStartTime(parseRemoteCommandOutput('Pegasus Server 1.12.3 (abc) Release')), undefined);
  assert.equal(serverStartTime(parseRemoteCommandOutput("unknown command 'server-info'")), undefined);
});
