/**
 * The compiled element checks used for long arrays (isPartitionConfiguration, isNodeInfo,
 * isAppInfo) must accept exactly what the zod element schemas accept, and the array schema built
 * from them must report the same error paths as z.array(element).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  appInfoSchema,
  isAppInfo,
  isNodeInfo,
  isPartitionConfiguration,
  nodeInfoSchema,
  partitionConfigurationSchema,
  queryCfgResponseSchema,
  structArraySchema,
} from '../../../src/pegasus';
import { seededRandom } from '../../../src/simulator/model/rng';

const ODD: unknown[] = [
  undefined,
  null,
  0,
  -0,
  1,
  -1,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53),
  '',
  '1',
  'ERR_OK',
  'h:1',
  true,
  false,
  [],
  ['a'],
  ['a', 1],
  [1],
  {},
  { a: 1 },
  { a: 'b' },
  new Date(0),
  10n,
];

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Replaces, deletes or adds one value somewhere inside `v` (objects and arrays, any depth). */
function mutate(v: unknown, r: () => number, depth = 0): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  if (depth > 0 && r() < 0.3) return pick(ODD);
  if (Array.isArray(v)) {
    if (v.length === 0 || r() < 0.2) return [...v, pick(ODD)];
    const i = Math.floor(r() * v.length);
    const out = [...v];
    out[i] = mutate(out[i], r, depth + 1);
    return out;
  }
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    const o = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(o);
    const roll = r();
    if (roll < 0.1 || keys.length === 0) o[pick(['extra', 'hpPrimary', 'hpAddress', 'duplicating', 'atomicIdempotent'])] = pick(ODD);
    else if (roll < 0.2) delete o[pick(keys)];
    else {
      const k = pick(keys);
      o[k] = mutate(o[k], r, depth + 1);
    }
    return o;
  }
  return pick(ODD);
}

const partition = {
  pid: { appId: 2, partitionIndex: 7 },
  ballot: 12,
  maxReplicaCount: 3,
  primary: '10.0.0.1:34801',
  secondaries: ['10.0.0.2:34801', '10.0.0.3:34801'],
  lastDrops: [],
  lastCommittedDecree: 1000,
  partitionFlags: 0,
};
const partitionHp = { ...partition, hpPrimary: 'n1:34801', hpSecondaries: ['n2:34801', 'n3:34801'], hpLastDrops: ['n4:34801'] };
const node = { status: 1, address: '10.0.0.1:34801' };
const nodeHp = { ...node, hpAddress: 'n1:34801' };
const app = {
  status: 1,
  appType: 'pegasus',
  appName: 'temp',
  appId: 2,
  partitionCount: 8,
  envs: { 'a.b': 'c' },
  isStateful: true,
  maxReplicaCount: 3,
  expireSecond: 0,
  createSecond: 1_700_000_000,
  dropSecond: 0,
  duplicating: false,
  initPartitionCount: 8,
  isBulkLoading: false,
};
const appHp = { ...app, atomicIdempotent: true };

const CASES: Array<[string, z.ZodType<unknown>, (v: unknown) => boolean, unknown[]]> = [
  ['partition_configuration', partitionConfigurationSchema as z.ZodType<unknown>, isPartitionConfiguration, [partition, partitionHp]],
  ['node_info', nodeInfoSchema as z.ZodType<unknown>, isNodeInfo, [node, nodeHp]],
  ['app_info', appInfoSchema as z.ZodType<unknown>, isAppInfo, [app, appHp]],
];

for (const [name, schema, check, seeds] of CASES) {
  test(`${name}: the compiled check accepts exactly what the zod schema accepts (5,000 mutated values)`, () => {
    const r = seededRandom(name.length * 7919);
    let accepted = 0;
    for (const s of seeds) assert.equal(check(s), true, `${name} seed must pass`);
    for (let i = 0; i < 5000; i++) {
      let v: unknown = clone(seeds[i % seeds.length]);
      const rounds = 1 + Math.floor(r() * 3);
      for (let k = 0; k < rounds; k++) v = mutate(v, r);
      const zodOk = schema.safeParse(v).success;
      assert.equal(
        check(v),
        zodOk,
        `${name} disagrees on ${String(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : Number.isNaN(x) ? 'NaN' : x)))} (zod: ${zodOk})`,
      );
      if (zodOk) accepted++;
    }
    // Both outcomes must be exercised, or the test proves little.
    assert.ok(accepted > 200 && accepted < 4800, `accepted ${accepted}`);
  });

  test(`${name}: array schema reports the same errors as z.array(element)`, () => {
    const r = seededRandom(name.length * 104729);
    const fast = structArraySchema(schema, check);
    const full = z.array(schema);
    for (let i = 0; i < 1000; i++) {
      const arr = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, j) => clone(seeds[j % seeds.length]));
      const v = r() < 0.05 ? mutate({ x: arr }, r) : mutate(arr, r);
      const a = fast.safeParse(v);
      const b = full.safeParse(v);
      assert.equal(a.success, b.success);
      if (a.success) assert.equal(a.data, v, 'valid arrays are returned as they are, not copied');
      else
        assert.deepEqual(
          a.error.issues.map((x) => [x.path, x.message]),
          b.error!.issues.map((x) => [x.path, x.message]),
        );
    }
  });
}

test('query_cfg response errors still name the field inside the partition list', () => {
  const bad = { err: 'ERR_OK', appId: 2, partitionCount: 1, isStateful: true, partitions: [partition, { ...partition, ballot: 2 ** 60 }] };
  const res = queryCfgResponseSchema.safeParse(bad);
  assert.equal(res.success, false);
  assert.deepEqual(res.error!.issues[0]!.path, ['partitions', 1, 'ballot']);
});
