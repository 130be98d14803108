// Runs the unit and integration suites with node's built-in test runner (TypeScript via tsx).
// Node 20's --test does not expand globs, so the files are listed here.
// Only *.test.ts under test/unit and test/integration run; shared fakes and fixtures live in test/support.
// Usage: node scripts/run-unit-tests.mjs [path-substring ...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ['test/unit', 'test/integration']
  .flatMap((d) => walk(d))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files], {
  stdio: 'inherit',
});
process.exit(res.status ?? 1);
