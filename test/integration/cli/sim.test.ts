import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseSimArgs } from '../../../src/cli/sim';

const MAIN = join(__dirname, '../../../src/cli/main.ts');

function startCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, 'sim', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

test('pegasus-ops sim prints exactly one JSON line once every port listens, serves, and exits 0 on SIGTERM', async () => {
  const child = startCli([
    '--port',
    '0',
    '--time-scale',
    '0',
    '--nodes',
    '4',
    '--tables',
    'a:4:3,b:2:2',
    '--pegasus-version',
    '2.5',
    '--seed',
    '3',
  ]);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (c) => {
        out += c;
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const started = JSON.parse(line) as { metaServers: string[]; control: string };
    assert.deepEqual(Object.keys(started), ['metaServers', 'control']);
    assert.equal(started.metaServers.length, 3);
    assert.match(started.control, /^http:\/\/127\.0\.0\.1:\d+$/);
    const state = (await (await fetch(`${started.control}/state`)).json()) as {
      version: string;
      seed: number;
      nodes: unknown[];
      tables: { name: string }[];
    };
    assert.equal(state.version, '2.5');
    assert.equal(state.seed, 3);
    assert.equal(state.nodes.length, 4);
    assert.deepEqual(
      state.tables.map((t) => t.name),
      ['a', 'b'],
    );
    const v = await (await fetch(`http://${started.metaServers[0]}/version`)).json();
    assert.deepEqual(Object.keys(v as object), ['Version', 'GitCommit']);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.equal(out, line + '\n', 'nothing else on stdout');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('pegasus-ops sim: bad options exit 2 and name the option', async () => {
  const child = startCli(['--tables', 'temp:8']);
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 2);
  assert.match(err, /--tables: bad table 'temp:8'/);
});

test('sim argument parsing: defaults and validation', () => {
  assert.deepEqual(parseSimArgs([]), { port: 34601, controlPort: 0, timeScale: 1 });
  const o = parseSimArgs([
    '--metas',
    '1',
    '--nodes',
    '1000',
    '--time-scale',
    '100',
    '--replica-size-mb',
    '10',
    '--copy-rate-mb',
    '50',
    '--pegasus-version',
    '2.6',
  ]);
  assert.equal(o !== 'help' && o.nodes, 1000);
  assert.equal(o !== 'help' && o.timeScale, 100);
  assert.throws(() => parseSimArgs(['--metas', '0']), /--metas '0': expected an integer ≥ 1/);
  assert.throws(() => parseSimArgs(['--pegasus-version', '2.4']), /expected 2\.5 or 2\.6/);
  assert.throws(() => parseSimArgs(['--port', '65535']), /would pass 65535/);
  assert.throws(() => parseSimArgs(['--bogus']), /bogus/);
  assert.equal(parseSimArgs(['-h']), 'help');
});

test('sim --topology FILE: model options from a JSON file, flags override, mistakes are named', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'sim-topology-'));
  try {
    const file = join(dir, 'twin.json');
    const topo = {
      nodeAddresses: ['10.0.0.1:34801', '10.0.0.2:34801'],
      tables: [{ name: 't', partitions: 1, replicas: 2 }],
      placement: { t: [{ primary: '10.0.0.2:34801', secondaries: ['10.0.0.1:34801'] }] },
      levelOnStart: 'lively',
      livePercentage: 50,
    };
    writeFileSync(file, JSON.stringify(topo));
    const o = parseSimArgs(['--topology', file, '--seed', '4', '--port', '0']);
    assert.ok(o !== 'help');
    assert.deepEqual(o.nodeAddresses, topo.nodeAddresses);
    assert.deepEqual(o.placement, topo.placement);
    assert.deepEqual([o.seed, o.port, o.levelOnStart], [4, 0, 'lively']);
    writeFileSync(file, JSON.stringify({ ...topo, nodez: 3 }));
    assert.throws(() => parseSimArgs(['--topology', file]), /--topology .*twin\.json: unknown option\(s\) nodez; known: .*nodeAddresses/);
    writeFileSync(file, JSON.stringify({ ...topo, placement: { t: [{ primary: 2, secondaries: [] }] } }));
    assert.throws(
      () => parseSimArgs(['--topology', file]),
      /placement\.t\[0\]\.primary: partition t\.0: node index 2 is not a replica server/,
    );
    writeFileSync(file, '{not json');
    assert.throws(() => parseSimArgs(['--topology', file]), /--topology .*twin\.json: .*JSON/);
    assert.throws(() => parseSimArgs(['--topology', join(dir, 'missing.json')]), /--topology .*missing\.json: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sim --hostnames: 2.6 only', () => {
  const o = parseSimArgs(['--hostnames']);
  assert.ok(o !== 'help' && o.hostnames === true);
  assert.throws(() => parseSimArgs(['--hostnames', '--pegasus-version', '2.5']), /--hostnames needs --pegasus-version 2\.6/);
});
