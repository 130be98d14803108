/** Shared timing helpers: every benchmark measures its floor in the same run and prints the ratio. */
export interface Measurement {
  readonly name: string;
  readonly medianMs: number;
  readonly runs: number;
}

/** Runs `fn` until `minMs` have passed (at least `minRuns` times) and returns the median run time. */
export function measure(name: string, fn: () => unknown, opts: { minMs?: number; minRuns?: number } = {}): Measurement {
  const minMs = opts.minMs ?? 300;
  const minRuns = opts.minRuns ?? 5;
  fn(); // warm-up
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { name, medianMs: times[Math.floor(times.length / 2)]!, runs: times.length };
}

export async function measureAsync(
  name: string,
  fn: () => Promise<unknown>,
  opts: { minMs?: number; minRuns?: number } = {},
): Promise<Measurement> {
  const minMs = opts.minMs ?? 300;
  const minRuns = opts.minRuns ?? 5;
  await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { name, medianMs: times[Math.floor(times.length / 2)]!, runs: times.length };
}

/** Prints each measurement with its ratio to the first one (the floor). */
export function report(ms: readonly Measurement[], extra: (m: Measurement) => string = () => ''): void {
  const floor = ms[0]!;
  const width = Math.max(...ms.map((m) => m.name.length));
  for (const m of ms) {
    const ratio = m === floor ? 'floor' : `${(m.medianMs / floor.medianMs).toFixed(2)}x floor`;
    console.log(`  ${m.name.padEnd(width)}  ${m.medianMs.toFixed(3).padStart(10)} ms  ${ratio.padStart(12)}  (${m.runs} runs) ${extra(m)}`);
  }
}
