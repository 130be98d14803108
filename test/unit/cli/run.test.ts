import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunArgs, resolveProfile } from '../../../src/cli/run';

test('pegasus-ops run: arguments', () => {
  assert.deepEqual(parseRunArgs(['a.runbook.md', '--meta', '1.2.3.4:34601', '--yes', '--resume']), {
    file: 'a.runbook.md',
    meta: '1.2.3.4:34601',
    yes: true,
    resume: true,
  });
  assert.deepEqual(parseRunArgs(['--cluster={"name":"x"}', 'f.md', '-y']), {
    file: 'f.md',
    cluster: '{"name":"x"}',
    yes: true,
    resume: false,
  });
  assert.deepEqual(parseRunArgs(['--help']), { help: true });
  assert.match((parseRunArgs([]) as { error: string }).error, /missing the runbook file/);
  assert.match((parseRunArgs(['f', '--meta']) as { error: string }).error, /--meta needs a value/);
  assert.match((parseRunArgs(['f', '--bogus']) as { error: string }).error, /unknown option '--bogus'/);
  assert.match((parseRunArgs(['f', 'g']) as { error: string }).error, /give one runbook file/);
  assert.match((parseRunArgs(['f', '--meta', 'a:1', '--cluster', '{}']) as { error: string }).error, /either --cluster or --meta/);
  assert.deepEqual(parseRunArgs(['f.md', '--cluster', 'c.json', '--cluster-name', 'prod']), {
    file: 'f.md',
    cluster: 'c.json',
    clusterName: 'prod',
    yes: false,
    resume: false,
  });
  assert.match(
    (parseRunArgs(['f.md', '--cluster-name', 'prod']) as { error: string }).error,
    /--cluster-name picks an entry of a --cluster list; give --cluster too/,
  );
});

test('pegasus-ops run: --cluster inline, from a file (one entry or the whole setting), --meta', () => {
  const sim = { name: 'sim', metaServers: ['127.0.0.1:34601'], nodeControl: { kind: 'simulator', control: 'http://127.0.0.1:34700' } };
  assert.deepEqual(resolveProfile({ cluster: JSON.stringify(sim) }, undefined), sim);
  const dir = mkdtempSync(join(tmpdir(), 'run-cli-'));
  try {
    const one = join(dir, 'one.json');
    writeFileSync(one, JSON.stringify(sim));
    assert.equal(resolveProfile({ cluster: one }, undefined).name, 'sim');
    const all = join(dir, 'all.json');
    writeFileSync(all, JSON.stringify([{ name: 'prod', metaServers: ['10.0.0.1:34601'], production: true }, sim]));
    assert.equal(resolveProfile({ cluster: all }, 'prod').production, true);
    assert.throws(() => resolveProfile({ cluster: all }, 'nope'), /--cluster: no cluster 'nope' in the list; it has 'prod', 'sim'/);
    // --cluster-name picks from the list, whatever the front matter says.
    assert.equal(resolveProfile({ cluster: all, clusterName: 'sim' }, 'prod').name, 'sim');
    assert.throws(() => resolveProfile({ cluster: all, clusterName: 'x' }, undefined), /no cluster 'x' in the list/);
    assert.throws(() => resolveProfile({ cluster: all }, undefined), /the list has 2 clusters .*--cluster-name NAME/);
    // A one-entry list (the whole setting of a single-cluster workspace) needs no name.
    const single = join(dir, 'single.json');
    writeFileSync(single, JSON.stringify([sim]));
    assert.deepEqual(resolveProfile({ cluster: single }, 'other'), sim);
    assert.throws(
      () => resolveProfile({ cluster: JSON.stringify([{ name: 'y', metaServers: [] }]) }, undefined),
      /--cluster: clusters\[0\]\.metaServers/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(resolveProfile({ meta: '10.0.0.1:34601, 10.0.0.2:34601' }, 'staging'), {
    name: 'staging',
    metaServers: ['10.0.0.1:34601', '10.0.0.2:34601'],
  });
  assert.throws(() => resolveProfile({ meta: 'nohost' }, undefined), /--meta: 'nohost': expected host:port/);
  assert.throws(
    () => resolveProfile({ cluster: '{"name":"x","metaServers":[]}' }, undefined),
    /--cluster: cluster.metaServers: list at least one meta server/,
  );
  assert.throws(() => resolveProfile({ cluster: '{bad' }, undefined), /--cluster: not valid JSON/);
  assert.throws(() => resolveProfile({ cluster: '/no/such/file.json' }, undefined), /neither inline JSON nor an existing file/);
  assert.throws(() => resolveProfile({}, undefined), /no cluster: pass --cluster/);
});
