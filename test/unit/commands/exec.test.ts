import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confirmAccepted, confirmQuestion, parseOptions, UsageError, type ExecOptions } from '../../../src/cli/exec';

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
  const bad = (argv: string[], re: RegExp) => assert.throws(() => parseOptions(argv), (e: Error) => e instanceof UsageError && re.test(e.message));
  bad(['--meta'], /--meta needs a value/);
  bad(['--meta', 'nohost', 'nodes'], /--meta: 'nohost': expected host:port/);
  bad(['--meta', 'a:1', '--cluster', '{}', 'nodes'], /either --meta or --cluster/);
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
