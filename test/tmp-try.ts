import { writeFileSync, rmSync } from 'node:fs';
import { startSimulatedCluster } from '../src/simulator';
import { MetaClient } from '../src/pegasus';
import { runRunbook } from '../src/runbook/headless';
(async () => {
  const sim = await startSimulatedCluster({ nodes: 5, timeScale: 0 });
  const file = '/tmp/rb/c0.runbook.md';
  rmSync('/tmp/rb/c0.runbook.journal.jsonl', { force: true });
  writeFileSync(file, '```pegasus {"confirm":false}\nscale-in --nodes 127.0.0.1:34805\n```\n');
  const client = new MetaClient({ metaServers: sim.metaServers });
  const ac = new AbortController();
  const t0 = Date.now();
  setTimeout(() => { console.log('abort at', Date.now() - t0); ac.abort(); }, 3000);
  const r = await runRunbook({ file, profile: { name: 'sim', metaServers: sim.metaServers, nodeControl: { kind: 'simulator', control: sim.controlUrl } }, client, yes: true, out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(`[${Date.now() - t0}] ` + s), signal: ac.signal, progressIntervalMs: 0 });
  console.log('exit', r.exitCode, Date.now() - t0, 'ms');
  client.close();
  await sim.close();
})();
