import { writeFileSync, rmSync } from 'node:fs';
import { startSimulatedCluster } from '../src/simulator';
import { MetaClient } from '../src/pegasus';
import { runRunbook } from '../src/runbook/headless';
import { runbookTemplate } from '../src/runbook/templates';
(async () => {
  const sim = await startSimulatedCluster({ nodes: 5, timeScale: 100, replicaSizeMb: 50 });
  const file = '/tmp/rb/scale-in.runbook.md';
  rmSync('/tmp/rb/scale-in.runbook.journal.jsonl', { force: true });
  writeFileSync(file, runbookTemplate('scale-in', { cluster: 'sim', nodes: ['127.0.0.1:34804', '127.0.0.1:34805'] }));
  const client = new MetaClient({ metaServers: sim.metaServers });
  const t0 = Date.now();
  const r = await runRunbook({ file, profile: { name: 'sim', metaServers: sim.metaServers, nodeControl: { kind: 'simulator', control: sim.controlUrl } }, client, yes: true, out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), engineOptions: { pollIntervalMs: 200 } });
  console.log('exit', r.exitCode, Date.now() - t0, 'ms');
  client.close();
  await sim.close();
})();
