// The cluster registry's "Start Simulated Cluster" with a stubbed `vscode` module and a real
// in-process simulator on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeContext, installVscodeStub, stub } from '../../support/vscodeStub';

installVscodeStub();

async function load() {
  return import('../../../src/extension/clusters');
}

test('Start Simulated Cluster (in process): added, active, answering; stopped on request', async () => {
  const { ClusterRegistry } = await load();
  stub.settings.clusters = [];
  const reg = new ClusterRegistry(fakeContext() as never, undefined);
  try {
    const c = await reg.startSimulatedCluster({ nodes: 4, timeScale: 0 });
    assert.equal(c.profile.name, 'simulated');
    assert.equal(c.simulated, true);
    assert.equal(c.profile.nodeControl?.kind, 'simulator');
    assert.equal(reg.active?.profile.name, 'simulated');
    assert.equal((await c.client.listNodes()).length, 4);
    assert.equal(stub.contexts.get('pegasus.simulatedClusterRunning'), true);
    // A settings change keeps the simulated cluster.
    stub.setClusters([{ name: 'x', metaServers: ['127.0.0.1:9'] }]);
    assert.deepEqual(
      reg.list().map((x) => x.profile.name),
      ['x', 'simulated'],
    );
    await reg.stopSimulatedCluster('simulated');
    assert.deepEqual(
      reg.list().map((x) => x.profile.name),
      ['x'],
    );
    assert.equal(stub.contexts.get('pegasus.simulatedClusterRunning'), false);
  } finally {
    reg.dispose();
  }
});
