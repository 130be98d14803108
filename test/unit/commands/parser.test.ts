import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRegistry,
  CommandRegistry,
  CommandSyntaxError,
  parseCommand,
  parseScript,
  tokenize,
  quoteArg,
  parseDuration,
  formatDuration,
  usageLine,
  isMutating,
} from '../../../src/commands';
import type { CommandSpec } from '../../../src/commands';

const reg = createRegistry();

function syntaxError(line: string, r: CommandRegistry = reg): CommandSyntaxError {
  try {
    parseCommand(r, line);
  } catch (e) {
    assert.ok(e instanceof CommandSyntaxError, `expected a CommandSyntaxError, got ${String(e)}`);
    return e;
  }
  assert.fail(`'${line}' parsed without error`);
}

test('tokenizer: words, quotes, escapes, comments and offsets', () => {
  const t = tokenize(`remote_command  'a b' "c \\"d\\"" e\\ f # comment`);
  assert.deepEqual(
    t.map((x) => [x.text, x.start, x.end, x.quoted]),
    [
      ['remote_command', 0, 14, false],
      ['a b', 16, 21, true],
      ['c "d"', 22, 31, true],
      ['e f', 32, 36, true],
    ],
  );
  assert.deepEqual(
    tokenize("x='1 2'3").map((x) => x.text),
    ['x=1 23'],
  );
  assert.deepEqual(tokenize('   '), []);
  assert.deepEqual(
    tokenize("a 'open", { lenient: true }).map((x) => x.text),
    ['a', 'open'],
  );
});

test('tokenizer: an open quote is an error at the quote column', () => {
  assert.throws(
    () => tokenize(`app 'temp`),
    (e: CommandSyntaxError) => e.column === 5 && /unterminated quote/.test(e.message),
  );
  assert.throws(
    () => tokenize(`app "temp`),
    (e: CommandSyntaxError) => e.column === 5,
  );
});

test('quoteArg round-trips through the tokenizer', () => {
  for (const s of ['plain', 'a b', "it's", '', 'x"y', '10.0.0.1:34801,10.0.0.2:34801', '$HOME']) {
    assert.deepEqual(
      tokenize(quoteArg(s)).map((t) => t.text),
      [s],
      s,
    );
  }
});

test('parse: flags, defaults, positionals and given names', () => {
  const { spec, args } = parseCommand(reg, 'nodes -d');
  assert.equal(spec.name, 'nodes');
  assert.equal(args.values.detailed, true);
  assert.equal(args.values.resolve_ip, false);
  assert.equal(args.values.status, 'all');
  assert.deepEqual([...args.given], ['detailed']);
  const a = parseCommand(reg, 'app temp -d').args;
  assert.equal(a.values.table, 'temp');
  assert.deepEqual(a.spans.table, { column: 5, length: 4 });
  // long names, --name=value, single-dash long names as the Pegasus shell accepts
  assert.equal(parseCommand(reg, 'nodes --detailed').args.values.detailed, true);
  assert.equal(parseCommand(reg, 'nodes --status=UNALIVE').args.values.status, 'unalive');
  assert.equal(parseCommand(reg, 'nodes -detailed').args.values.detailed, true);
  assert.equal(parseCommand(reg, 'nodes --detailed=false').args.values.detailed, false);
  // quoted table names
  assert.equal(parseCommand(reg, `app 'my table'`).args.values.table, 'my table');
});

test('parse: a rest positional takes everything after it verbatim, flags included', () => {
  const a = parseCommand(reg, 'remote_command -l 10.0.0.1:34801,10.0.0.2:34801 meta.lb.assign_delay_ms -t 10').args;
  assert.deepEqual(a.values.node_list, ['10.0.0.1:34801', '10.0.0.2:34801']);
  assert.equal(a.values.cmd, 'meta.lb.assign_delay_ms');
  assert.deepEqual(a.values.args, ['-t', '10']);
  assert.deepEqual(parseCommand(reg, 'remote_command meta.live_percentage').args.values.args, []);
  assert.deepEqual(parseCommand(reg, 'remote_command -- -odd').args.values.cmd, '-odd');
  assert.deepEqual(parseCommand(reg, 'remote_command meta.live_percentage -1').args.values.args, ['-1']);
});

test('errors: unknown command with a suggestion, at column 1', () => {
  const e = syntaxError('nodse -d');
  assert.equal(e.column, 1);
  assert.equal(e.length, 5);
  assert.match(e.message, /unknown command 'nodse' \(did you mean 'nodes'\?\)/);
  assert.match(syntaxError('   ').message, /empty command/);
});

test('errors: unknown flag points at the flag, with the usage', () => {
  const e = syntaxError('nodes -d --colour');
  assert.equal(e.column, 10);
  assert.equal(e.length, 8);
  assert.match(e.message, /unknown flag '--colour' for 'nodes'/);
  assert.equal(e.usage, 'nodes [-d] [-u] [-r] [-s <all|alive|unalive>] [-j]');
  assert.match(e.format(), /^column 10: unknown flag/);
  assert.match(syntaxError('get_meta_level -d').message, /'get_meta_level' takes no flags/);
});

test('errors: bad enum value, missing value, missing required, too many arguments, given twice', () => {
  let e = syntaxError('balance -g 2.1 -p move -f a:1 -t b:1');
  assert.equal(e.column, 19);
  assert.match(e.message, /'-p' must be one of move_pri, copy_pri, copy_sec, not 'move'/);
  e = syntaxError('balance -g 2.1 -p move_pri -f a:1 -t');
  assert.match(e.message, /'-t' needs a value/);
  assert.equal(e.column, 37);
  e = syntaxError('balance -g 2.1 -p move_pri -f -t b:1');
  assert.match(e.message, /'-f' needs a value/);
  assert.equal(e.column, 31); // points at the flag that was taken for the value
  e = syntaxError('balance -g 2.1 -p move_pri -t b:1');
  assert.match(e.message, /missing -f <from_address>/);
  assert.equal(e.column, 34); // end of the line
  e = syntaxError('app temp extra');
  assert.equal(e.column, 10);
  assert.match(e.message, /unexpected argument 'extra'/);
  e = syntaxError('nodes -d -d');
  assert.equal(e.column, 10);
  assert.match(e.message, /given twice/);
  e = syntaxError('app');
  assert.match(e.message, /missing <table>/);
  assert.equal(e.usage, 'app <table> [-d] [-r] [-j]');
});

test('errors: semantic validation points at the value (gpid, meta level)', () => {
  let e = syntaxError('balance -g 2 -p move_pri -f a:1 -t b:1');
  assert.equal(e.column, 12);
  assert.match(e.message, /app_id.partition_index/);
  e = syntaxError('set_meta_level livly');
  assert.equal(e.column, 16);
  assert.match(e.message, /parse livly as meta function level failed/);
  assert.equal(parseCommand(reg, 'set_meta_level fl_steady').args.values.level, 'fl_steady');
  e = syntaxError('balance -g 1.1 -p move_pri -f a:1 -t a:1');
  assert.match(e.message, /same node/);
});

test('typed values: integer, duration, list', () => {
  const spec: CommandSpec = {
    name: 'wait',
    category: 'step',
    summary: 'test',
    flags: [
      { name: 'timeout', type: 'duration', default: 60_000, description: 't' },
      { name: 'count', short: 'c', type: 'integer', description: 'c' },
      { name: 'nodes', type: 'list', description: 'n' },
    ],
    positionals: [],
    mutating: false,
    async execute() {
      throw new Error('not run');
    },
  };
  const r = new CommandRegistry();
  r.register(spec);
  const a = parseCommand(r, 'wait --timeout 30m -c -3 --nodes a:1,,b:2').args;
  assert.equal(a.values.timeout, 30 * 60_000);
  assert.equal(a.values.count, -3);
  assert.deepEqual(a.values.nodes, ['a:1', 'b:2']);
  assert.equal(parseCommand(r, 'wait').args.values.timeout, 60_000);
  assert.match(syntaxError('wait --timeout soon', r).message, /duration such as 30s/);
  assert.match(syntaxError('wait -c x', r).message, /needs an integer/);
  assert.match(syntaxError('wait --nodes ,', r).message, /at least one value/);
  assert.throws(() => r.register(spec), /registered twice/);
});

test('durations', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('10'), 10_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.ok(Number.isNaN(parseDuration('10 minutes')));
  assert.equal(formatDuration(1_800_000), '30m');
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(1500), '1500ms');
});

test('multi-line cells: comments and blank lines skipped, errors carry their line', () => {
  const ok = parseScript(reg, '# check first\nnodes -d\n\n  ls -d  \n');
  assert.ok(ok.ok);
  assert.deepEqual(
    ok.commands.map((c) => [c.line, c.spec.name]),
    [
      [2, 'nodes'],
      [4, 'ls'],
    ],
  );
  const bad = parseScript(reg, 'nodes -d\nls -q\nfoo');
  assert.ok(!bad.ok);
  assert.deepEqual(
    bad.errors.map((e) => [e.line, e.column]),
    [
      [2, 4],
      [3, 1],
    ],
  );
  assert.match(bad.errors[0]!.format(), /^line 2, column 4: unknown flag '-q'/);
});

test('mutating: fixed per command, and per arguments for remote_command', () => {
  const m = (l: string) => {
    const p = parseCommand(reg, l);
    return isMutating(p.spec, p.args);
  };
  assert.equal(m('nodes -d'), false);
  assert.equal(m('set_meta_level steady'), true);
  assert.equal(m('remote_command meta.live_percentage'), false);
  assert.equal(m('remote_command meta.live_percentage 40'), true);
  assert.equal(m('remote_command meta.lb.ignored_app_list get'), false);
  assert.equal(m('remote_command help meta.live_percentage'), false);
  assert.equal(m('balance -g 1.1 -p move_pri -f a:1 -t b:1'), true);
});

test('usage lines look like the Pegasus shell', () => {
  assert.equal(
    usageLine(reg.get('remote_command')!),
    'remote_command [-t <all|meta-server|replica-server>] [-l <addr,...>] <cmd> [<args> ...]',
  );
  assert.equal(
    usageLine(reg.get('propose')!),
    'propose -g <app_id.pidx> -p <ASSIGN_PRIMARY|UPGRADE_TO_PRIMARY|ADD_SECONDARY|UPGRADE_TO_SECONDARY|DOWNGRADE_TO_SECONDARY|DOWNGRADE_TO_INACTIVE|REMOVE> -t <target> -n <node> [-f]',
  );
  assert.equal(usageLine(reg.get('set_meta_level')!), 'set_meta_level <stopped|blind|freezed|steady|lively>');
});

test('fuzz: any input parses or fails with a positioned CommandSyntaxError, never anything else', () => {
  let seed = 42;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const words = [
    'nodes',
    'ls',
    'app',
    'balance',
    'propose',
    'remote_command',
    'set_meta_level',
    'help',
    '-d',
    '-g',
    '1.2',
    '-p',
    'move_pri',
    '--',
    "'",
    '"',
    '\\',
    '#',
    '=',
    '--status=',
    '-t',
    'x',
    ',',
    ' ',
    '  ',
    'meta-server',
    'steady',
    '-1',
    '--timeout',
    '30m',
  ];
  for (let i = 0; i < 3000; i++) {
    const n = 1 + rnd(6);
    let line = '';
    for (let k = 0; k < n; k++) line += words[rnd(words.length)] + (rnd(3) ? ' ' : '');
    try {
      parseCommand(reg, line);
    } catch (e) {
      assert.ok(e instanceof CommandSyntaxError, `'${line}' threw ${String(e)}`);
      assert.ok(e.column >= 1 && e.column <= line.length + 1, `'${line}': column ${e.column}`);
      assert.ok(e.length >= 1);
    }
  }
});

test('node addresses are checked at parse time: a leading dash (or dot) is refused, naming the flag, the value and the fix', () => {
  const cases: [string, RegExp][] = [
    ['scale-in --nodes 10.0.0.1:34801,-oProxyCommand=x:22', /--nodes'?: '-oProxyCommand=x:22' is not a node address/],
    ['scale-in --nodes=-x:34801', /--nodes'?: '-x:34801' is not a node address: a host name cannot start with '-'/],
    ['migrate --from 10.0.0.1:34801 --to "node.-x:1"', /--to'?: 'node\.-x:1' is not a node address/],
    [
      'drain-node "-h:34801"',
      /'-h:34801' is not a node address: a host name cannot start with '-'.*expected host:port such as 10\.0\.0\.1:34801/,
    ],
    ['balance -g 1.0 -p move_pri -f .x:34801 -t 10.0.0.2:34801', /'\.x:34801' is not a node address: a host name cannot start with '\.'/],
    ['remote_command -l 10.0.0.1:34801,-x:1 server-info', /'-x:1' is not a node address/],
    ['freeze-check --remove 10.0.0.1:34801,-x:1', /'-x:1' is not a node address/],
    ['scale-in --nodes 10.0.0.1:99999', /port out of range/],
  ];
  for (const [line, re] of cases) assert.match(syntaxError(line).message, re, line);
  // What is valid still parses, and freeze-check keeps its count form.
  for (const ok of ['scale-in --nodes 10.0.0.1:34801,node-2.example:34801', 'freeze-check --remove 3', 'drain-node 10.0.0.1:34801'])
    assert.doesNotThrow(() => parseCommand(reg, ok), ok);
});
