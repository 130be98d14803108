import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeControl, fillTemplate, NodeControlError, parseNodeAddress, validateTemplate } from '../../../src/engine/nodeControl';

const known = new Set(['10.0.0.1:34801', 'node-a.example.com:34801']);

test('templates are filled only for known, plain host:port addresses', () => {
  assert.deepEqual(fillTemplate(['ssh', '{host}', 'sudo', 'systemctl', 'stop', 'pegasus@{port}'], '10.0.0.1:34801', known), [
    'ssh',
    '10.0.0.1',
    'sudo',
    'systemctl',
    'stop',
    'pegasus@34801',
  ]);
  assert.deepEqual(fillTemplate(['ctl', '--node={address}'], 'node-a.example.com:34801', known), [
    'ctl',
    '--node=node-a.example.com:34801',
  ]);
});

test('hostile addresses are refused before anything runs', () => {
  const hostile = [
    '10.0.0.1:34801; rm -rf /',
    '$(reboot):34801',
    '-oProxyCommand=touch /tmp/pwned:34801',
    '10.0.0.1:34801 && curl evil',
    '`id`:1',
    '10.0.0.1:99999',
    'a b:34801',
    '10.0.0.1',
    '../../etc/passwd:22',
    'host\n:1',
  ];
  for (const h of hostile) {
    // Unknown to the cluster: refused by the node-list check.
    assert.throws(() => fillTemplate(['ssh', '{host}'], h, known), NodeControlError, h);
    // Even if something put it in the known list, the address syntax check refuses it.
    assert.throws(() => fillTemplate(['ssh', '{host}'], h, new Set([...known, h])), NodeControlError, h);
  }
  assert.throws(() => parseNodeAddress('-x:1'), /letters, digits/);
});

test('templates: only {host} {port} {address}, and never the program itself', () => {
  assert.throws(() => validateTemplate('stop', ['ssh', '{hostname}']), /unknown placeholder \{hostname\}/);
  assert.throws(() => validateTemplate('stop', ['{host}']), /must not come from a placeholder/);
  assert.throws(() => validateTemplate('stop', []), /program name/);
  validateTemplate('stop', ['ssh', '{host}', 'stop', '{port}']);
});

test('command control runs argv without a shell and reports failures with exit code and stderr', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nc-'));
  try {
    const marker = join(dir, 'out.txt');
    const ctl = createNodeControl(
      {
        kind: 'command',
        // A shell metacharacter in an argument stays a literal argument (no shell).
        stop: [
          process.execPath,
          '-e',
          `require('fs').writeFileSync(process.argv[1], process.argv.slice(1).join('|'))`,
          marker,
          '{host}',
          '{port}',
          '$(echo hi);',
        ],
        start: [process.execPath, '-e', 'process.stderr.write("no such unit"); process.exit(3)'],
      },
      { knownNodes: () => known, metaServers: [], tellOperator: () => undefined },
    );
    await ctl.stopNode('10.0.0.1:34801');
    assert.equal(readFileSync(marker, 'utf8'), `${marker}|10.0.0.1|34801|$(echo hi);`);
    await assert.rejects(ctl.startNode('10.0.0.1:34801'), /exit code 3: no such unit/);
    await assert.rejects(ctl.stopNode('10.0.0.9:34801'), /not a node of this cluster/);
    assert.ok(!existsSync(join(dir, 'pwned')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('command control: cancellation kills the process', async () => {
  const ctl = createNodeControl(
    { kind: 'command', stop: [process.execPath, '-e', 'setTimeout(() => {}, 60000)', '{host}'], start: ['true'] },
    { knownNodes: () => known, metaServers: [], tellOperator: () => undefined },
  );
  const ac = new AbortController();
  const p = ctl.stopNode('10.0.0.1:34801', ac.signal);
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(p, (e: Error) => e.name === 'AbortError');
});

test('manual control tells the operator what to do', async () => {
  const told: string[] = [];
  const ctl = createNodeControl({ kind: 'manual' }, { knownNodes: () => known, metaServers: [], tellOperator: (m) => told.push(m) });
  await ctl.stopNode('10.0.0.1:34801');
  assert.match(told[0]!, /Stop the replica server process on 10\.0\.0\.1:34801/);
});

test('the cluster profile rejects bad templates when the settings are read', async () => {
  const { nodeControlSchema, describeZodError } = await import('../../../src/cluster/profile');
  const r = nodeControlSchema.safeParse({ kind: 'command', stop: ['ssh', '{hostname}', 'stop'], start: ['{host}'] });
  assert.equal(r.success, false);
  const msg = describeZodError(r.error!, 'nodeControl');
  assert.match(msg, /nodeControl\.stop\[1\]: unknown placeholder \{hostname\}/);
  assert.match(msg, /nodeControl\.start\[0\]: the program/);
  assert.equal(
    nodeControlSchema.safeParse({
      kind: 'command',
      stop: ['ssh', '{host}', 'systemctl', 'stop', 'pegasus-replica@{port}'],
      start: ['ssh', '{host}', 'true'],
    }).success,
    true,
  );
});
