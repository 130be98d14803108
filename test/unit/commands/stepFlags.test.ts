/**
 * The steps' engine flags (--keep-margin, --replica-size, --copy-rate), the plan table's WARNING
 * rows, and the node-control / settings notes `help` prints for each step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry, parseCommand, commandHelp, CommandSyntaxError } from '../../../src/commands';
import type { ArgsOf } from '../../../src/commands/define';
import { engineFlagOptions, engineFlags, parseSize } from '../../../src/commands/steps/engineFlags';
import { planTables } from '../../../src/commands/steps/present';
import { noteWords } from '../../../src/commands/steps/words';
import type { ScalePlan } from '../../../src/engine/plan';

const registry = createRegistry();
const parse = (line: string) => parseCommand(registry, line);
const optionsOf = (line: string) => {
  const p = parse(line);
  // Every command these lines name declares the engine flags.
  return engineFlagOptions(p.spec, p.args as ArgsOf<typeof engineFlags>);
};

test('parseSize: bytes, binary units (MB = MiB), decimals; rejects junk and zero', () => {
  assert.equal(parseSize('1048576'), 1048576);
  assert.equal(parseSize('512MB'), 512 * 1024 ** 2);
  assert.equal(parseSize('512mib'), 512 * 1024 ** 2);
  assert.equal(parseSize('1GiB'), 1024 ** 3);
  assert.equal(parseSize('1.5 g'), 1.5 * 1024 ** 3);
  assert.equal(parseSize('12XB'), undefined);
  assert.equal(parseSize('0'), undefined);
  assert.equal(parseSize('-1GB'), undefined);
});

test('engine flags parse into engine options on plan, preflight, scale-in, migrate and drain-node', () => {
  assert.deepEqual(optionsOf('plan scale-in --nodes 10.0.0.1:34801 --keep-margin 2 --replica-size 2GiB --copy-rate 80'), {
    keepMargin: 2,
    replicaSizeBytes: 2 * 1024 ** 3,
    copyRateMBps: 80,
  });
  assert.deepEqual(optionsOf('preflight scale-in --nodes 10.0.0.1:34801 --replica-size users=2GiB,default=512MB'), {
    replicaSizeBytes: { users: 2 * 1024 ** 3, default: 512 * 1024 ** 2 },
  });
  assert.deepEqual(optionsOf('scale-in --nodes 10.0.0.1:34801 --keep-margin 0'), { keepMargin: 0 });
  assert.deepEqual(optionsOf('migrate --from 10.0.0.1:34801 --to 10.0.0.9:34801 --copy-rate 37.5'), { copyRateMBps: 37.5 });
  assert.deepEqual(optionsOf('drain-node 10.0.0.1:34801 --replica-size 1048576'), { replicaSizeBytes: 1048576 });
  assert.deepEqual(optionsOf('preflight scale-in --nodes 10.0.0.1:34801 --fill-limit 80%'), { fillLimitPct: 80 });
  assert.deepEqual(optionsOf('scale-in --nodes 10.0.0.1:34801 --copy-rate-mb 40'), { copyThrottleMb: 40 });
  assert.deepEqual(optionsOf('plan scale-in --nodes 10.0.0.1:34801 --copy-rate-mb 5'), { copyThrottleMb: 5 });
  assert.deepEqual(optionsOf('scale-in --nodes 10.0.0.1:34801'), {}, 'no flag, no option (the host options stay as they are)');
  // Steps that neither drain nor plan do not take them.
  assert.throws(() => parse('start-node 10.0.0.1:34801 --keep-margin 1'), /unknown flag '--keep-margin'/);
});

test('bad engine flag values are rejected at parse time, naming the value and the fix', () => {
  const bad = (line: string, re: RegExp) =>
    assert.throws(
      () => parse(line),
      (e: unknown) => e instanceof CommandSyntaxError && re.test(e.message),
      line,
    );
  bad('scale-in --nodes 10.0.0.1:34801 --keep-margin -1', /--keep-margin -1: expected a whole number of 0 or more/);
  bad('scale-in --nodes 10.0.0.1:34801 --replica-size 12XB', /--replica-size '12XB' is not a size: .*512MB or 1GiB/);
  bad('plan scale-in --nodes 10.0.0.1:34801 --replica-size users=lots', /'users=lots' is not a size/);
  bad('plan scale-in --nodes 10.0.0.1:34801 --replica-size =1GB', /expected table=SIZE/);
  bad('plan scale-in --nodes 10.0.0.1:34801 --replica-size t=1GB,t=2GB', /names 't' twice/);
  bad('migrate --from 10.0.0.1:34801 --count 1 --copy-rate 0', /--copy-rate '0': expected a positive rate in MB\/s/);
  bad('drain-node 10.0.0.1:34801 --copy-rate fast', /--copy-rate 'fast'/);
  // nfs_copy_block_bytes (4 MiB): a copy rate must exceed one block per second (v2.5.0 src/nfs/nfs_client_impl.cpp).
  bad('scale-in --nodes 10.0.0.1:34801 --copy-rate-mb 4', /--copy-rate-mb 4: .*4\.0 MiB.*give 5 or more/);
  bad('migrate --from 10.0.0.1:34801 --count 1 --copy-rate-mb 0', /--copy-rate-mb 0: .*give 5 or more/);
  bad('scale-in --nodes 10.0.0.1:34801 --fill-limit 120', /--fill-limit '120': expected a percentage above 0 and at most 100/);
});

test('planTables shows every plan warning as a WARNING row', () => {
  const plan = {
    kind: 'scale-in',
    leaving: ['a:1'],
    joining: [],
    primariesMoved: 1,
    copies: 2,
    replicasOnLeaving: 3,
    bytes: 0,
    seconds: 0,
    copyRateMBps: 100,
    pctBefore: 50,
    pctLowest: 50,
    assumptions: [],
    problems: [],
    warnings: [
      { code: 'margin-zero', nodes: ['a:1'] },
      { code: 'margin-short', keepMargin: 1, aliveAfter: 2, minLive: 3 },
    ],
    notes: [],
    steps: [],
    moves: [],
  } as unknown as ScalePlan;
  const [summary] = planTables(plan);
  const warnings = summary!.rows.filter((r) => r[0] === 'WARNING').map((r) => r[1]);
  assert.deepEqual(warnings, plan.warnings.map(noteWords));
});

test('help says which steps use node control and which settings they change', () => {
  const help = (name: string) => commandHelp(registry.get(name)!).replace(/\s+/g, ' ');
  for (const name of ['scale-in', 'migrate', 'scale-out', 'stop-node', 'start-node', 'restart-meta'])
    assert.match(help(name), /Node control: stops or starts replica servers/, name);
  for (const name of ['drain-node', 'rebalance', 'wait-healthy', 'restore-settings'])
    assert.doesNotMatch(help(name), /Node control:/, name);
  assert.match(
    help('scale-in'),
    /Settings it changes while it runs: meta level steady \(cure only, no balancing\); meta\.lb\.assign_secondary_black_list = the leaving nodes; meta\.lb\.assign_delay_ms lowered to 10; meta\.live_percentage lowered when a removal would freeze the meta \(kept until the meta restart\)\./,
  );
  assert.match(
    help('migrate'),
    /meta\.lb\.assign_secondary_black_list = the leaving nodes;.*meta level lively until balanced, then steady \(the final rebalance\)/,
  );
  assert.match(help('scale-out'), /meta level lively until balanced, then steady \(unless --no-rebalance\)/);
  assert.match(help('restart-meta'), /every runtime setting is reset by the restart/);
  assert.match(
    help('drain-node'),
    /meta\.lb\.assign_secondary_black_list = the node \(both kept when it finishes, so no replica is placed on the drained node; stop-node or start-node of it, or restore-settings, gives them back\)/,
  );
  assert.match(help('rebalance'), /meta level lively until balanced, then steady/);
  assert.doesNotMatch(help('start-node'), /Settings it changes/);
  assert.match(help('scale-in'), /--keep-margin <n>/);
});
