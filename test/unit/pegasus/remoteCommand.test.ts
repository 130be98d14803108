import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRemoteCommandOutput as parse, remoteCommandResultSchema } from '../../../src/pegasus';

test('text dialect (1.12–2.5)', () => {
  assert.deepEqual(parse('OK'), { ok: true, raw: 'OK', dialect: 'text' });
  assert.deepEqual(parse('set ok'), { ok: true, raw: 'set ok', dialect: 'text' });
  assert.deepEqual(parse('clear ok'), { ok: true, raw: 'clear ok', dialect: 'text' });
  assert.deepEqual(parse('300000'), { ok: true, value: '300000', raw: '300000', dialect: 'text' });
  assert.deepEqual(parse('false'), { ok: true, value: 'false', raw: 'false', dialect: 'text' });
  assert.deepEqual(parse('get ok: 10.0.0.1:34801,10.0.0.2:34801').value, '10.0.0.1:34801,10.0.0.2:34801');
  assert.deepEqual(parse('get ok: ').value, '');
  assert.deepEqual(parse('ignored_app_id_list: 1,2\0'), { ok: true, value: '1,2', raw: 'ignored_app_id_list: 1,2\0', dialect: 'text' });
  assert.equal(parse('no ignored apps').value, '');
  assert.equal(parse('total=3').value, 'total=3');
  assert.deepEqual(parse('ERR: invalid arguments'), {
    ok: false,
    error: 'ERR: invalid arguments',
    raw: 'ERR: invalid arguments',
    dialect: 'text',
  });
  assert.equal(parse('invalid arguments').ok, false);
  assert.deepEqual(parse("unknown command 'meta.lb.foo'"), {
    ok: false,
    error: "unknown command 'meta.lb.foo'",
    raw: "unknown command 'meta.lb.foo'",
    dialect: 'text',
  });
  assert.equal(parse('ERR_OK').ok, true);
  assert.equal(parse('ERR_INVALID_PARAMETERS').ok, false);
  assert.equal(parse('Pegasus Server 2.5.0 (abc) Release, Started at x').ok, true);
});

test('JSON dialect (master)', () => {
  const get = parse('{\n  "error": "ok",\n  "meta.lb.assign_delay_ms": "600000"\n}');
  assert.deepEqual([get.ok, get.value, get.dialect, get.error], [true, '600000', 'json', undefined]);
  assert.deepEqual(get.fields, { 'meta.lb.assign_delay_ms': '600000' });
  assert.equal(parse('{\n  "error": "ok",\n  "meta.lb.assign_delay_ms": 600000\n}').value, '600000');
  assert.deepEqual(parse('{\n  "error": "ok"\n}').ok, true);
  const bad = parse(`{\n  "error": "ERR: invalid argument '-1', the value is not acceptable"\n}`);
  assert.deepEqual([bad.ok, bad.error], [false, "ERR: invalid argument '-1', the value is not acceptable"]);
  assert.deepEqual([parse('{"error": "invalid argument"}').ok], [false]);
  const ign = parse('{\n  "ignored_app_id_list": "1,2"\n}');
  assert.deepEqual([ign.ok, ign.value], [true, '1,2']);
  const detail = parse('{\n  "copy_pri": 0,\n  "copy_sec": 0,\n  "move_pri": 1,\n  "total": 1\n}');
  assert.deepEqual([detail.ok, detail.value, detail.fields?.total], [true, undefined, '1']);
  assert.equal(parse('{not json').dialect, 'text');
});

test('every parsed result satisfies the exported schema', () => {
  for (const raw of ['OK', '', '{}', '[1]', '{"error":1}', 'ERR: x', '{"a":{"b":1}}']) {
    assert.ok(remoteCommandResultSchema.safeParse(parse(raw)).success, raw);
  }
});
