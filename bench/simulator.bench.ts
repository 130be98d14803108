/**
 * Simulator at scale: 1,000 replica servers, 100 tables, 100,000 partitions in one process. The
 * goal is to keep up with `--time-scale 100`, i.e. 100 simulated seconds per wall second or more,
 * in every phase (steady, node deaths with cure, lively scale-out with learning).
 */
import { SimModel } from '../src/simulator/model/model';
import { runRemoteCommand } from '../src/simulator/model/commands';
import { Level } from '../src/simulator/model/types';
import { measure, report, type Measurement } from './harness';

export async function run(): Promise<void> {
  const tables = Array.from({ length: 100 }, (_, i) => ({ name: `t${i}`, partitions: 1000, replicas: 3 }));
  const opts = { version: '2.6' as const, nodes: 1000, tables, replicaSizeMb: 1024, copyRateMb: 100 };
  let m = new SimModel(opts);
  const floor = measure('floor: one pass over 100,000 partitions', () => {
    let s = 0;
    for (const p of m.partitions) s += p.ballot + p.secondaries.length;
    return s;
  });
  const build = measure('build the cluster (1,000 nodes, 100k partitions)', () => (m = new SimModel(opts)), { minRuns: 3, minMs: 0 });
  // A rehearsal twin: the same cluster loaded from an exact topology (addresses, placement), validated.
  const nodeAddresses = m.nodes.map((n) => `10.${(n.idx >> 8) & 255}.${n.idx & 255}.1:34801`);
  const placement = Object.fromEntries(
    m.apps.map((a) => [
      a.name,
      a.partitions.map((p) => ({ primary: nodeAddresses[p.primary]!, secondaries: p.secondaries.map((x) => nodeAddresses[x]!) })),
    ]),
  );
  const twin = measure(
    'build a twin from an exact placement (addresses, 100k partitions, validated)',
    () => new SimModel({ ...opts, nodes: undefined, nodeAddresses, placement }),
    { minRuns: 3, minMs: 0 },
  );
  m.advance(60);
  const chunk = 60;
  const steady = measure(`advance ${chunk} s, steady and healthy`, () => m.advance(chunk), { minRuns: 5, minMs: 0 });
  runRemoteCommand(m, m.leader!.meta, 'meta.lb.assign_delay_ms', ['10']);
  let victim = 0;
  const death = measure(
    `stop 1 node, advance ${chunk} s (FD, re-election, cure, learning)`,
    () => {
      m.stopNode(victim++);
      m.advance(chunk);
    },
    { minRuns: 5, minMs: 0 },
  );
  for (let i = 0; i < 20; i++) m.addNode();
  m.controlMetaLevel(Level.lively);
  const lively = measure(`advance ${chunk} s, lively after adding 20 empty nodes`, () => m.advance(chunk), { minRuns: 10, minMs: 0 });
  const rate = (x: Measurement, simSeconds: number): string => `${Math.round(simSeconds / (x.medianMs / 1000))} sim-s/wall-s (goal ≥ 100)`;
  report([floor, build, twin, steady, death, lively], (x) => (x === steady || x === death || x === lively ? rate(x, chunk) : ''));
  console.log(
    `  after: copied ${m.metrics.replicasCopied} replicas, ${m.metrics.balancerRounds} balancer rounds, ${m.clock.pending} queued events`,
  );
}
