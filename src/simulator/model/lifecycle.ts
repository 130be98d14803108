/** Replica servers: add/stop/start, failure detection (beacons, grace, dead set) and config-sync. */
import { CT, Level, type Partition, type SimNode } from './types';
import { RETRY_MS } from './state';
import { GuardianModel } from './guardian';

export abstract class LifecycleModel extends GuardianModel {
  // ------------------------------------------------------------------ replica servers

  /** By `ip:port` (and `localhost:port` / `host:port` spellings of the same loopback address). */
  findNode(address: string): SimNode | undefined {
    const i = this.byAddress.get(address) ?? this.byHost.get(address);
    if (i !== undefined) return this.nodes[i];
    const m = /^(?:localhost|\[?::1\]?):(\d+)$/.exec(address);
    const j = m ? this.byAddress.get(`127.0.0.1:${m[1]}`) : undefined;
    return j !== undefined ? this.nodes[j] : undefined;
  }

  /** A black-list entry as the meta's identity of that node (other spellings of a known node are accepted). */
  identOf(address: string): string {
    const n = this.findNode(address);
    return n ? this.ident(n.idx) : address;
  }

  /** Adds an empty replica server; it registers with the meta at its first beacon. */
  addNode(): SimNode {
    const n = this.createNode();
    this.listener.nodeUpChanged?.(n.idx, true);
    this.scheduleConfigSync(n);
    this.record({ t: this.t(), kind: 'node', event: 'add', node: n.address });
    this.onBeacon(n);
    return n;
  }

  stopNode(idx: number): void {
    const n = this.nodes[idx]!;
    if (!n.running) return;
    this.updateLearns(n);
    n.running = false;
    n.stoppedAt = this.now;
    this.listener.nodeUpChanged?.(idx, false);
    for (const p of n.parts) {
      this.refreshGt(p);
      // Learning from a primary that stopped fails.
      if (p.primary === idx && p.inflight?.learn) this.abortInflight(p, 'learnee stopped');
    }
    for (const l of [...n.learns]) this.abortInflight(l.p, 'learner stopped');
    this.record({ t: this.t(), kind: 'node', event: 'stop', node: n.address });
    const l = this.leader;
    if (l && l.alive.has(idx)) {
      // Beacons go out at start, then at start + phase + k * interval.
      const beacon = this.cfg.fdBeaconIntervalSeconds * 1000;
      const first = n.startedAt + n.beaconPhase;
      const lastBeacon = this.now < first ? n.startedAt : first + Math.floor((this.now - first) / beacon) * beacon;
      this.scheduleDetection(n, Math.max(lastBeacon, l.since, n.startedAt));
    }
  }

  startNode(idx: number): void {
    const n = this.nodes[idx]!;
    if (n.running) return;
    n.running = true;
    n.startedAt = this.now;
    n.learnUpdatedAt = this.now;
    n.nfsCopyRateMb = 0;
    n.nfsSendRateMb = 0;
    // Metrics and perf counters live in the process: a restart starts them from zero.
    n.learnStats.clear();
    Object.assign(n.recentLearn, { copyFileBytes: 0, copyFiles: 0, starts: 0 });
    this.listener.nodeUpChanged?.(idx, true);
    for (const p of n.parts) this.refreshGt(p);
    this.record({ t: this.t(), kind: 'node', event: 'start', node: n.address });
    this.onBeacon(n);
  }

  /** The meta's FD declares the node dead at the first check after last beacon + grace. */
  protected scheduleDetection(n: SimNode, lastBeacon: number): void {
    const l = this.leader!;
    const check = this.cfg.fdCheckIntervalSeconds * 1000;
    const threshold = lastBeacon + this.cfg.fdGraceSeconds * 1000;
    const k = Math.floor((threshold - l.since) / check) + 1;
    const at = l.since + k * check;
    const gen = ++n.fdGen;
    const lgen = l.gen;
    this.clock.at(at, () => {
      if (n.fdGen !== gen || n.running || this.leader?.gen !== lgen) return;
      this.markDead(n);
    });
  }

  /** First beacon of a (re)started node: it joins the alive set and sends its replica info. */
  protected onBeacon(n: SimNode): void {
    n.fdGen++;
    const l = this.leader;
    if (!l) return;
    n.collected = true;
    if (l.alive.has(n.idx)) return;
    l.dead.delete(n.idx);
    l.alive.add(n.idx);
    this.epoch++;
    this.record({ t: this.t(), kind: 'node', event: 'alive', node: n.address });
  }

  protected markDead(n: SimNode): void {
    const l = this.leader!;
    l.alive.delete(n.idx);
    l.dead.add(n.idx);
    n.collected = false;
    this.epoch++;
    this.record({ t: this.t(), kind: 'node', event: 'dead', node: n.address });
    for (const p of [...n.parts]) this.onPartitionNodeDead(p, n.idx);
  }

  protected onPartitionNodeDead(p: Partition, x: number): void {
    this.attention.add(p);
    if (p.inflight && (p.inflight.step.node === x || p.inflight.step.target === x || p.primary === x)) this.abortInflight(p, 'node dead');
    if (p.primary === x) {
      this.metaRemovePrimary(p, x);
    } else if (p.secondaries.includes(x) && p.primary >= 0) {
      this.scheduleDeadSecondaryRemoval(p, x);
    }
  }

  /** downgrade_primary_to_inactive: the meta writes the config itself (allowed above blind). */
  protected metaRemovePrimary(p: Partition, x: number): void {
    const lgen = this.leader!.gen;
    const attempt = (): void => {
      if (this.leader?.gen !== lgen || p.primary !== x || this.leader.alive.has(x)) return;
      if (this.effectiveLevel() <= Level.blind) {
        this.clock.after(RETRY_MS, attempt);
        return;
      }
      this.setConfig(p, -1, p.secondaries);
      this.addDropped(p, x);
      this.logConfig(p, CT.DOWNGRADE_TO_INACTIVE, x, 'meta');
      this.cure(p, false, null);
    };
    attempt();
  }

  /** downgrade_secondary_to_inactive via the primary: a replica-initiated update (needs > freezed). */
  protected scheduleDeadSecondaryRemoval(p: Partition, x: number): void {
    if (p.removingDead.has(x)) return;
    p.removingDead.add(x);
    const lgen = this.leader!.gen;
    const attempt = (): void => {
      if (this.leader?.gen !== lgen || !p.secondaries.includes(x) || this.leader.alive.has(x) || p.primary < 0) {
        p.removingDead.delete(x);
        return;
      }
      if (this.effectiveLevel() <= Level.freezed) {
        this.clock.after(RETRY_MS, attempt);
        return;
      }
      p.removingDead.delete(x);
      this.setConfig(
        p,
        p.primary,
        p.secondaries.filter((s) => s !== x),
      );
      this.addDropped(p, x);
      this.logConfig(p, CT.DOWNGRADE_TO_INACTIVE, x, 'meta');
      this.cure(p, false, null);
    };
    this.clock.after(this.cfg.reconfigMs, attempt);
  }

  protected scheduleConfigSync(n: SimNode): void {
    const every = this.cfg.configSyncIntervalMs;
    const first = this.now + ((n.syncPhase - (this.now % every) + every) % every || every);
    const run = (): void => {
      if (n.running && this.leader) n.collected = true;
      this.clock.after(every, run);
    };
    this.clock.at(first, run);
  }
}
