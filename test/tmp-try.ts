import { startSimulatedCluster } from '../src/simulator';
import { MetaClient } from '../src/pegasus';
import { commandRegistry, runCommandLine } from '../src/commands';
(async () => {
  const sim = await startSimulatedCluster({ nodes: 5, seed: 7, timeScale: 100, replicaSizeMb: 50 });
  const client = new MetaClient({ metaServers: sim.metaServers });
  const profile = { name: 'sim', metaServers: sim.metaServers, nodeControl: { kind: 'simulator' as const, control: sim.controlUrl } };
  const t0 = Date.now();
  const ctx = { client, profile, signal: new AbortController().signal, progress: (e: any) => console.error(Date.now() - t0, e.message), confirm: async () => true, services: { steps: { engineOptions: { pollIntervalMs: 100 } } } };
  const r = await runCommandLine(commandRegistry, ctx, 'restart-meta');
  console.log(Date.now() - t0, 'ms', r.summary);
  client.close(); await sim.close();
})();
