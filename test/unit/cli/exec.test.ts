import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import {
  confirmAccepted,
  confirmQuestion,
  defaultJournalPath,
  parseOptions,
  progressPrinter,
  SIGNAL_EXIT,
  UsageError,
  type ExecOptions,
} from '../../../src/cli/exec';

const opts = (argv: string[]) => parseOptions(argv) as ExecOptions;

test('exec options: --meta, --json, --yes, --timeout, and the command from the remaining words', () => {
  const o = opts(['--meta', '10.0.0.1:34601,10.0.0.2:34601', '--json', '-y', '--timeout=30s', 'app', 'my table', '-d']);
  assert.deepEqual(o.profile, { name: '10.0.0.1:34601,10.0.0.2:34601', metaServers: ['10.0.0.1:34601', '10.0.0.2:34601'] });
  assert.equal(o.json, true);
  assert.equal(o.yes, true);
  assert.equal(o.timeoutMs, 30_000);
  assert.equal(o.line, "app 'my table' -d");
  assert.equal(opts(['--meta=a:1', 'nodes -d']).line, 'nodes -d');
  assert.equal(opts(['--meta', 'a:1', '--', '--json']).line, '--json');
  assert.equal(parseOptions(['--meta', 'a:1', '--help']), 'help');
  const c = opts(['--cluster', '{"name":"prod","metaServers":["a:1"],"production":true}', 'ls']);
  assert.equal(c.profile!.name, 'prod');
  assert.equal(c.profile!.production, true);
});

test('exec options: errors name the option and the fix', () => {
  const bad = (argv: string[], re: RegExp) =>
    assert.throws(
      () => parseOptions(argv),
      (e: Error) => e instanceof UsageError && re.test(e.message),
    );
  bad(['--meta'], /--meta needs a value/);
  bad(['--meta', 'nohost', 'nodes'], /--meta: 'nohost': expected host:port/);
  bad(['--meta', 'a:1', '--cluster', '{}', 'nodes'], /either --cluster or --meta/);
  bad(['--cluster', '{not json', 'nodes'], /--cluster: not valid JSON/);
  bad(['--cluster', '/no/such/file.json', 'nodes'], /cannot read '\/no\/such\/file.json'/);
  bad(['--cluster', '{"name":"x","metaServers":[]}', 'nodes'], /cluster\.metaServers: list at least one meta server/);
  bad(['--timeout', 'soon', 'nodes'], /--timeout: 'soon' is not a duration/);
  bad(['--colour', 'nodes'], /unknown option '--colour'/);
});

test('confirmation: y for ordinary clusters, the typed name for production ones', () => {
  const req = { cluster: 'prod', command: 'set_meta_level lively', change: 'set the meta function level to lively', production: true };
  assert.match(confirmQuestion(req), /PRODUCTION.*\nType the cluster name/);
  assert.equal(confirmAccepted(req, 'y'), false);
  assert.equal(confirmAccepted(req, ' prod '), true);
  const dev = { ...req, cluster: 'dev', production: false };
  assert.match(confirmQuestion(dev), /Proceed\? \[y\/N\] $/);
  assert.equal(confirmAccepted(dev, 'YES'), true);
  assert.equal(confirmAccepted(dev, ''), false);
});

test('exec options: --cluster takes the whole setting (one entry, or --cluster-name), rejects typo keys and bad ports', () => {
  const one = JSON.stringify([{ name: 'prod', metaServers: ['a:1'] }]);
  assert.equal(opts(['--cluster', one, 'ls']).profile!.name, 'prod');
  const two = JSON.stringify([
    { name: 'prod', metaServers: ['a:1'] },
    { name: 'dev', metaServers: ['b:2'] },
  ]);
  assert.deepEqual(opts(['--cluster', two, '--cluster-name', 'dev', 'ls']).profile!.metaServers, ['b:2']);
  const bad = (argv: string[], re: RegExp) =>
    assert.throws(
      () => parseOptions(argv),
      (e: Error) => e instanceof UsageError && re.test(e.message),
      re.source,
    );
  bad(['--cluster', two, 'ls'], /the list has 2 clusters \('prod', 'dev'\); pick one with --cluster-name NAME/);
  bad(['--cluster', two, '--cluster-name', 'qa', 'ls'], /no cluster 'qa' in the list; it has 'prod', 'dev'/);
  bad(['--cluster', '[]', 'ls'], /the list is empty/);
  bad(['--cluster-name', 'x', 'ls'], /give --cluster too/);
  bad(
    ['--cluster', '{"name":"c","metaServers":["a:1"],"nodecontrol":{"kind":"manual"}}', 'ls'],
    /unknown key 'nodecontrol' \(did you mean 'nodeControl'\?\); known keys: name, metaServers, nodeControl, production/,
  );
  bad(
    ['--cluster', '{"name":"c","metaServers":["a:1"],"nodeControl":{"kind":"simulator","contol":"http://x:1"}}', 'ls'],
    /nodeControl: .*unknown key 'contol' \(did you mean 'control'\?\)/,
  );
  bad(['--meta', '127.0.0.1:99999', 'nodes'], /--meta: '127\.0\.0\.1:99999': port out of range/);
});

test('exec journal: --journal FILE, else one file per cluster under XDG_STATE_HOME or ~/.local/state', () => {
  const o = opts(['--meta', 'a:1', '--journal', 'x.jsonl', '--resume', 'scale-in --nodes b:2']);
  assert.equal(o.journal, resolve('x.jsonl'));
  assert.equal(o.resume, true);
  const named = { name: 'prod/eu 1', metaServers: ['m1:1', 'm2:1'] };
  assert.equal(
    defaultJournalPath(named, 'cluster', { XDG_STATE_HOME: '/state' }, '/home/op'),
    '/state/pegasus-ops/prod_eu_1.journal.jsonl',
  );
  assert.equal(
    defaultJournalPath(named, 'cluster', { XDG_STATE_HOME: 'relative' }, '/home/op'),
    '/home/op/.local/state/pegasus-ops/prod_eu_1.journal.jsonl',
  );
  // A bare --meta list: the same metas (in any order) find the same file; other metas another one.
  const a = defaultJournalPath({ name: 'x', metaServers: ['m1:1', 'm2:1'] }, 'meta', {}, '/h');
  assert.match(a, /^\/h\/\.local\/state\/pegasus-ops\/meta-[0-9a-f]{12}\.journal\.jsonl$/);
  assert.equal(defaultJournalPath({ name: 'y', metaServers: ['m2:1', 'm1:1'] }, 'meta', {}, '/h'), a);
  assert.notEqual(defaultJournalPath({ name: 'x', metaServers: ['m3:1'] }, 'meta', {}, '/h'), a);
  assert.deepEqual(SIGNAL_EXIT, { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 });
});

test('exec progress: updates are coalesced (the last one kept), instructions and setting changes never dropped', () => {
  let t = 0;
  const out: string[] = [];
  const p = progressPrinter(
    (l) => out.push(l.trimEnd()),
    500,
    () => t,
  );
  const update = (message: string) => ({ message, data: { event: { kind: 'progress' } } });
  p.push(update('drain a, 10 replicas left'));
  p.push(update('drain a, 9 replicas left'));
  p.push(update('drain a, 8 replicas left'));
  p.push({ message: 'blacklist: 127.0.0.1:34812', data: { event: { kind: 'setting' } } });
  p.push({ message: 'Stop the replica server process on 127.0.0.1:34812 now', data: { event: { kind: 'operator' } } });
  p.push({ message: 'restart:all: started' });
  p.push(update('drain a, 7 replicas left'));
  p.push(update('drain a, 6 replicas left'));
  t = 10_000;
  p.flush();
  assert.deepEqual(out, [
    'drain a, 10 replicas left',
    'drain a, 8 replicas left',
    'blacklist: 127.0.0.1:34812',
    'Stop the replica server process on 127.0.0.1:34812 now',
    'restart:all: started',
    'drain a, 6 replicas left',
  ]);
});
