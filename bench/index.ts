/**
 * `npm run bench`: runs every benchmark under bench/ (files named *.bench.ts exporting
 * `run(): Promise<void>`), each of which prints its own measurements and ratios side by side.
 * Usage: npm run bench [-- name-substring ...]
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort();
  for (const f of files) {
    console.log(`\n=== ${f.replace(/\.bench\.ts$/, '')} ===`);
    const mod = (await import(join(__dirname, f))) as { run(): Promise<void> };
    await mod.run();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
