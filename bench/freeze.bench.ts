import { freezeMargin } from '../src/cluster/freeze';
import { measure, report } from './harness';

export async function run(): Promise<void> {
  const inputs = Array.from({ length: 1000 }, (_, i) => ({ alive: 10 + (i % 990), dead: i % 7, pct: 50 + (i % 30), minLive: 3 }));
  const floor = measure('floor: sum the inputs', () => {
    let s = 0;
    for (const x of inputs) s += x.alive + x.dead + x.pct;
    return s;
  });
  const margin = measure('freezeMargin over 1,000 clusters', () => {
    let s = 0;
    for (const x of inputs) s += freezeMargin(x);
    return s;
  });
  report([floor, margin]);
}
