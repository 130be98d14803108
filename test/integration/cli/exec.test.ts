/** `pegasus-ops exec` as a child process against the simulated cluster: table, JSON, exit codes. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedCluster, type SimulatedCluster } from '../../../src/simulator';
import { assertLines } from '../../support/lines';

let sim: SimulatedCluster;
let meta: string;

before(async () => {
  sim = await startSimulatedCluster({ version: '2.5', nodes: 4, metas: 2 });
  meta = sim.metaServers.join(',');
});
after(async () => {
  await sim.close();
});

function cli(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'exec', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

test('exec prints the shell table, and JSON with --json', async () => {
  const [table, json] = await Promise.all([cli(['--meta', meta, 'nodes -d']), cli(['--meta', meta, '--json', 'ls', '-d'])]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^\[details\]\naddress +status +replica_count +primary_count +secondary_count\n/);
  assertLines(table.stdout, ['total_node_count    : 4']);
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout) as {
    ok: boolean;
    command: string;
    data: { healthyInfo: { appName: string; fullyHealthy: number }[] };
  };
  assert.equal(out.ok, true);
  assert.equal(out.command, 'ls');
  assert.equal(out.data.healthyInfo[0]!.appName, 'temp');
  assert.equal(out.data.healthyInfo[0]!.fullyHealthy, 8);
});

test('exec: syntax errors exit 2 with the column marked; mutating commands need --yes without a terminal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pegasus-exec-'));
  try {
    const file = join(dir, 'cluster.json');
    writeFileSync(file, JSON.stringify({ name: 'sim', metaServers: sim.metaServers, production: true }));
    const [syntax, refused, confirmed, badCluster] = await Promise.all([
      cli(['--meta', meta, 'nodes --bogus']),
      cli(['--meta', meta, 'set_meta_level lively']),
      cli(['--cluster', file, '--yes', 'set_meta_level lively']),
      cli(['--cluster', '{"name":"x","metaServers":["nope"]}', 'nodes']),
    ]);
    assert.equal(syntax.code, 2);
    assertLines(syntax.stderr, ['nodes --bogus', '      ^^^^^^^']);
    assert.match(syntax.stderr, /CommandSyntaxError: column 7: unknown flag '--bogus'/);
    assert.match(syntax.stderr, /usage: nodes \[-d\]/);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /changes the cluster .*pass --yes/);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.equal(confirmed.stdout.trim(), 'control meta level ok, the old level is fl_steady');
    assert.equal(badCluster.code, 2);
    assert.match(badCluster.stderr, /--cluster: cluster\.metaServers\[0\]: expected host:port/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exec: an unreachable meta fails with the error name and what to do', async () => {
  // A port nobody listens on: bind one, then close it.
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const r = await cli(['--meta', `127.0.0.1:${port}`, '--timeout', '1s', 'nodes']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /pegasus-ops exec: ERR_[A-Z_]+/);
  assert.match(r.stderr, /reachable|connect/);
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: pegasus-ops exec/);
  assert.match(help.stdout, /remote_command/);
});

test('exec: leader-only remote command to every meta exits 0; -j prints JSON; bad port and unknown table are named', async () => {
  const [rc, j, port, table] = await Promise.all([
    cli(['--meta', meta, '--yes', 'remote_command -t meta-server meta.lb.assign_delay_ms 10']),
    cli(['--meta', meta, 'ls -d -j']),
    cli(['--meta', '127.0.0.1:99999', 'nodes']),
    cli(['--meta', meta, 'app nosuch -d']),
  ]);
  assert.equal(rc.code, 0, rc.stdout + rc.stderr);
  assert.match(rc.stdout, /skipped \(follower: this setting lives on the leader\)/);
  assert.match(rc.stdout, /Failed count: 0$/m);
  assert.equal(j.code, 0, j.stderr);
  assert.equal((JSON.parse(j.stdout) as { command: string }).command, 'ls');
  assert.equal(port.code, 2);
  assert.match(port.stderr, /^pegasus-ops exec: --meta: '127\.0\.0\.1:99999': port out of range/);
  assert.equal(table.code, 1);
  assert.match(table.stderr, /no table 'nosuch'; tables: temp/);
});

test('exec: an HTTP port is named without stray punctuation', async () => {
  const server = createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
  const p = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  try {
    const r = await cli(['--meta', `127.0.0.1:${p}`, '--timeout', '2s', 'nodes']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /answered in HTTP, not THFT: check that the address is the RPC port of a Pegasus meta server/);
    assert.doesNotMatch(r.stderr, /\?\./);
  } finally {
    server.close();
  }
});
