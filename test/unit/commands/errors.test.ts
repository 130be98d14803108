import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CommandDeclinedError,
  CommandError,
  CommandSyntaxError,
  describeError,
  createRegistry,
  runCommandLine,
  type CommandContext,
} from '../../../src/commands';
import { PegasusError } from '../../../src/pegasus/errors';
import { fakeClient, smallCluster } from '../../support/metaFixtures';

test('describeError: a name and a fix for every kind of failure', () => {
  const p = describeError(
    new PegasusError('ERR_OBJECT_NOT_FOUND', 'no table x', { kind: 'app', rpc: 'RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX' }),
  );
  assert.equal(p.name, 'ERR_OBJECT_NOT_FOUND');
  assert.match(p.fix, /ls/);
  const s = describeError(new CommandSyntaxError("unknown flag '-q'", 4, 2, 'ls [-d]', 2));
  assert.equal(s.name, 'CommandSyntaxError');
  assert.equal(s.message, "line 2, column 4: unknown flag '-q'\nusage: ls [-d]");
  assert.deepEqual(describeError(new CommandError('bad', 'ERR_INVALID_PARAMETERS', 'do x')), {
    name: 'ERR_INVALID_PARAMETERS',
    message: 'bad',
    fix: 'do x',
  });
  assert.match(describeError(new CommandDeclinedError('set_meta_level lively')).fix, /--yes/);
  const econn = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  assert.equal(describeError(econn).name, 'ECONNREFUSED');
  assert.match(describeError(econn).fix, /nothing listens/);
  assert.equal(describeError(new Error('the meta said ERR_ACL_DENY')).name, 'ERR_ACL_DENY');
  assert.deepEqual(describeError('weird'), { name: 'Error', message: 'weird', fix: 'see the message' });
});

test('a cancelled context runs nothing', async () => {
  const ac = new AbortController();
  ac.abort();
  const client = fakeClient(smallCluster());
  const ctx: CommandContext = {
    client,
    profile: { name: 'x', metaServers: ['a:1'] },
    signal: ac.signal,
    progress: () => undefined,
    confirm: async () => true,
  };
  await assert.rejects(runCommandLine(createRegistry(), ctx, 'set_meta_level lively'));
  assert.deepEqual(client.calls.levels, []);
});
