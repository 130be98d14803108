// "Start Simulated Cluster" as a child process: `pegasus-ops sim --port 0` prints its addresses,
// answers the meta protocol, and stops on request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawnSimulatorProcess } from '../../../../src/extension/explorer/simProcess';
import { MetaClient } from '../../../../src/pegasus/metaClient';

const ROOT = join(__dirname, '../../../..');

test('pegasus-ops sim as a child process: JSON line, a working meta, clean stop', async () => {
  const sim = await spawnSimulatorProcess(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'sim', '--port', '0', '--nodes', '4'],
    { cwd: ROOT },
  );
  const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 10_000 });
  try {
    assert.match(sim.control, /^http:\/\/127\.0\.0\.1:\d+$/);
    const nodes = await client.listNodes();
    assert.equal(nodes.length, 4);
  } finally {
    client.close();
    await sim.stop();
  }
});

test('a process that exits before printing is a clear error', async () => {
  await assert.rejects(
    spawnSimulatorProcess(process.execPath, ['-e', 'process.stderr.write("boom\\n"); process.exit(3)']),
    /exited \(3\) before reporting its ports[\s\S]*boom/,
  );
  await assert.rejects(
    spawnSimulatorProcess(process.execPath, ['-e', 'console.log("hello")']),
    /unexpected first line from the simulator: hello/,
  );
});
