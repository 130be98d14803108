/**
 * The behaviour model of a Pegasus cluster as the meta leader and the replica servers see it:
 * failure detection, the freeze rule, cure (partition guardian), proposals, learning, the greedy
 * balancer, meta restart and fail-over, and ground-truth outcome metrics. Pure: no sockets, no
 * wall time. Everything happens in events of a `SimClock`, so a run is deterministic for a seed.
 *
 * Scale: partitions that need attention (unhealthy, pending proposals, in flight) live in an index
 * (`attention`); the lb tick only visits those. Per-table and per-node counts are kept up to date on
 * every config change, so the balancer and the views never rescan all partitions for counts.
 *
 * One class, built in layers (one concept per file; each layer sees only the ones below it, and
 * `protected abstract` declares the few calls that go up): `state.ts` (state, config changes, freeze,
 * ground truth, log) → `learning.ts` (proposals, learning) → `guardian.ts` (lb tick, cure) →
 * `lifecycle.ts` (replica servers, failure detection) → `meta.ts` (leadership, restarts, settings) →
 * `SimModel` here (construction, clock, read-only helpers). Import `SimModel` from here only.
 */
import { versionDefaults, type SimOptionsInput } from './options';
import { MetaModel } from './meta';

export type { MetaRole, ModelListener } from './state';

export class SimModel extends MetaModel {
  constructor(input: SimOptionsInput = {}, epochMs = Date.UTC(2026, 0, 1)) {
    super(input, epochMs);
    for (let i = 0; i < this.cfg.metas; i++) {
      this.metas.push({
        idx: i,
        address: `127.0.0.1:${34601 + i}`,
        up: true,
        startedAt: 0,
        livePct: this.cfg.livePercentage,
        minLive: this.cfg.minLiveNodeCount,
      });
    }
    for (let i = 0; i < this.cfg.nodes; i++) this.createNode();
    // Dead at start: down before the partitions are placed, so the ground truth counts them.
    for (const i of this.cfg.deadNodes) Object.assign(this.nodes[i]!, { running: false, stoppedAt: 0 });
    for (const t of this.cfg.tables) this.createApp(t);
    for (const n of this.nodes) this.scheduleConfigSync(n);
    this.becomeLeader(0, 0);
    for (const i of this.cfg.deadNodes) {
      const n = this.nodes[i]!;
      n.fdGen++; // cancels the start-up detection becomeLeader scheduled for it
      this.markDead(n);
    }
  }

  // ------------------------------------------------------------------ clock

  advance(seconds: number): void {
    this.clock.advanceBy(seconds * 1000);
  }

  /** For tests and views: a consistent copy of the derived per-node counts. */
  nodeCounts(): { address: string; alive: boolean; running: boolean; primaries: number; replicas: number }[] {
    return this.nodes.map((n) => ({
      address: n.address,
      alive: this.isAlive(n.idx),
      running: n.running,
      primaries: n.primaries,
      replicas: n.replicas,
    }));
  }

  versionInfo(): { version: string; gitSha: string } {
    const d = versionDefaults[this.cfg.version];
    return { version: d.serverVersion, gitSha: d.gitSha };
  }

  /** Known to the leader: alive first, then dead (each sorted). Empty without a leader. */
  knownNodes(): { idx: number; alive: boolean }[] {
    const l = this.leader;
    if (!l) return [];
    // Host-name identities (2.6 `hostnames`) sort as host_port does: host text, then port.
    const named = this.cfg.version === '2.6' && this.cfg.hostnames !== false;
    const byAddr = named
      ? (a: number, b: number): number => compareHostPort(this.nodes[a]!.host, this.nodes[b]!.host)
      : (a: number, b: number): number => compareAddress(this.nodes[a]!.address, this.nodes[b]!.address);
    return [
      ...[...l.alive].sort(byAddr).map((idx) => ({ idx, alive: true })),
      ...[...l.dead].sort(byAddr).map((idx) => ({ idx, alive: false })),
    ];
  }
}

/** rpc_address order (IPv4 as a number, then port), as the meta sorts its node list. */
export function compareAddress(a: string, b: string): number {
  const key = (x: string): [number, number] => {
    const i = x.lastIndexOf(':');
    const ip = x
      .slice(0, i)
      .split('.')
      .reduce((acc, o) => acc * 256 + Number(o), 0);
    return [ip, Number(x.slice(i + 1))];
  };
  const [ia, pa] = key(a);
  const [ib, pb] = key(b);
  return ia - ib || pa - pb;
}

/** host_port order: the host text, then the port. */
export function compareHostPort(a: string, b: string): number {
  const i = a.lastIndexOf(':');
  const j = b.lastIndexOf(':');
  const ha = a.slice(0, i);
  const hb = b.slice(0, j);
  return ha < hb ? -1 : ha > hb ? 1 : Number(a.slice(i + 1)) - Number(b.slice(j + 1));
}
