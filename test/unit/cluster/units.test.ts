import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmtBytes, fmtDuration } from '../../../src/cluster/units';

test('fmtBytes: binary units, one decimal below 100, whole numbers from 100 and for bytes', () => {
  assert.equal(fmtBytes(0), '0 B');
  assert.equal(fmtBytes(1023), '1023 B');
  assert.equal(fmtBytes(1024), '1.0 KiB');
  assert.equal(fmtBytes(1536), '1.5 KiB');
  assert.equal(fmtBytes(512 * 1024 * 1024), '512 MiB');
  assert.equal(fmtBytes(1 << 30), '1.0 GiB');
  assert.equal(fmtBytes(2048 * 1024 ** 4), '2048 TiB');
});

test('fmtDuration: seconds, minutes with padded seconds, hours with padded minutes', () => {
  assert.equal(fmtDuration(0), '0s');
  assert.equal(fmtDuration(59.4), '59s');
  assert.equal(fmtDuration(75), '1m15s');
  assert.equal(fmtDuration(605), '10m05s');
  assert.equal(fmtDuration(3600 + 5 * 60 + 59), '1h05m');
});
