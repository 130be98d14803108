import { test } from 'node:test';
import { harness, hostedOn } from './harness';

test('exp', async () => {
  const out: string[] = [];
  for (const [size, rate] of [[64, 64], [256, 32]])
  for (const kill of ['kill', 'restart'] as const)
  for (const k of [0, 2, 4, 6, 8, 10, 14]) {
    const h = await harness({ version: '2.6', nodes: 6, replicaSizeMb: size, copyRateMb: rate, tables: [{ name: 'temp', partitions: 12, replicas: 3 }, { name: 'u', partitions: 8, replicas: 3 }] }, { engine: { replicaSizeBytes: size << 20, copyRateMBps: rate } });
    try {
      const leaving = ['127.0.0.1:34801'];
      const hosted = hostedOn(h, leaving);
      let n = -1;
      let killed = false;
      h.onSleep = () => {
        if (killed) return;
        if (n < 0 && !h.events.some((e) => e.kind === 'step' && e.step === `${leaving[0]}:replicas` && e.status === 'started')) return;
        n++;
        if (n >= k) { killed = true; if (kill === 'kill') h.sim.model.killLeader(); else h.sim.model.restartAllMetas(); }
      };
      const r = await h.engine.run({ op: 'scale-in', nodes: leaving });
      const m = h.metrics();
      out.push(`${size} ${kill} k=${k} ${r.outcome} hosted=${hosted} copied=${m.replicasCopied} under=${m.partitionSecondsUnderReplicated} t=${m.simulatedSeconds}`);
    } finally {
      await h.close();
    }
  }
  console.log(out.join('\n'));
});
