/** Proposals and their execution (send, complete, abort) and learning (LT_APP / LT_LOG copies sharing a node's rate). */
import { CT, Level, ctName, type Inflight, type Learn, type Partition, type SimNode, type Step } from './types';
import { MB, ModelState, RETRY_MS } from './state';

export abstract class LearningModel extends ModelState {
  /** Cure right after a config update (guardian.ts). */
  protected abstract cure(p: Partition, fromTick: boolean, sends: Map<number, number> | null): boolean;

  // ------------------------------------------------------------------ proposals and their execution

  protected validStep(p: Partition, s: Step): boolean {
    if (!this.isAlive(s.target) || !this.isAlive(s.node)) return false;
    const member = s.node === p.primary || p.secondaries.includes(s.node);
    switch (s.type) {
      case CT.ASSIGN_PRIMARY:
        return p.primary < 0 && s.target === s.node;
      case CT.UPGRADE_TO_PRIMARY:
        return p.primary < 0 && p.secondaries.includes(s.node) && s.target === s.node;
      case CT.DOWNGRADE_TO_SECONDARY:
        return p.primary === s.node && s.target === s.node;
      case CT.ADD_SECONDARY:
      case CT.ADD_SECONDARY_FOR_LB:
        return p.primary === s.target && !member && (s.type === CT.ADD_SECONDARY_FOR_LB || 1 + p.secondaries.length < p.maxReplicas);
      case CT.DOWNGRADE_TO_INACTIVE:
      case CT.REMOVE:
        return p.primary === s.target && p.secondaries.includes(s.node);
      default:
        return false;
    }
  }

  /**
   * Replicas being added (or primaries being assigned) count for the candidate ordering right away,
   * as newly_partitions does, so one tick does not pile every new replica onto the same node.
   */
  protected setInflight(p: Partition, inf: Inflight | null): void {
    const old = p.inflight;
    if (old) this.countNewly(p, old, -1);
    p.inflight = inf;
    if (inf) this.countNewly(p, inf, 1);
  }

  protected countNewly(p: Partition, inf: Inflight, d: number): void {
    const s = inf.step;
    const n = this.nodes[s.node]!;
    if (s.type === CT.ADD_SECONDARY || s.type === CT.ADD_SECONDARY_FOR_LB || s.type === CT.ASSIGN_PRIMARY) {
      p.app.newRep[s.node] = (p.app.newRep[s.node] ?? 0) + d;
      n.newReplicas += d;
    }
    if (s.type === CT.ASSIGN_PRIMARY || s.type === CT.UPGRADE_TO_PRIMARY) {
      p.app.newPrim[s.node] = (p.app.newPrim[s.node] ?? 0) + d;
      n.newPrimaries += d;
    }
  }

  protected send(p: Partition, s: Step): void {
    const inf: Inflight = { step: s, waitingForSlot: false, learn: null };
    this.setInflight(p, inf);
    this.attention.add(p);
    if (s.type === CT.ADD_SECONDARY || s.type === CT.ADD_SECONDARY_FOR_LB) {
      this.startLearn(p, inf);
      return;
    }
    this.clock.after(this.cfg.reconfigMs, () => this.complete(p, inf));
  }

  /** The replica reports the change; the meta accepts it only above freezed. */
  protected complete(p: Partition, inf: Inflight): void {
    if (p.inflight !== inf) return;
    const s = inf.step;
    // The replica that reports the change must be up, and the meta must accept it (above freezed).
    if (!this.leader || this.effectiveLevel() <= Level.freezed || !this.nodes[s.target]!.running) {
      this.clock.after(RETRY_MS, () => this.complete(p, inf));
      return;
    }
    if (!this.stillApplicable(p, s)) {
      this.setInflight(p, null);
      this.dropPendingFront(p, s);
      p.pending = [];
      this.attention.add(p);
      return;
    }
    let logType: number = s.type;
    switch (s.type) {
      case CT.ASSIGN_PRIMARY:
        this.setConfig(p, s.node, p.secondaries);
        break;
      case CT.UPGRADE_TO_PRIMARY:
        this.setConfig(
          p,
          s.node,
          p.secondaries.filter((x) => x !== s.node),
        );
        break;
      case CT.DOWNGRADE_TO_SECONDARY:
        this.setConfig(p, -1, [...p.secondaries, s.node]);
        break;
      case CT.DOWNGRADE_TO_INACTIVE:
        this.setConfig(
          p,
          p.primary,
          p.secondaries.filter((x) => x !== s.node),
        );
        this.addDropped(p, s.node);
        break;
      case CT.REMOVE:
        this.setConfig(
          p,
          p.primary,
          p.secondaries.filter((x) => x !== s.node),
        );
        break;
      case CT.ADD_SECONDARY:
      case CT.ADD_SECONDARY_FOR_LB:
        // The learner finished: CT_UPGRADE_TO_SECONDARY.
        this.setConfig(p, p.primary, [...p.secondaries, s.node]);
        this.nodes[s.node]!.collected = false;
        logType = CT.UPGRADE_TO_SECONDARY;
        break;
    }
    this.logConfig(p, logType, s.node, s.origin);
    this.setInflight(p, null);
    this.dropPendingFront(p, s);
    // Cure right after the update: sends the next step of a proposal list, or the next fix.
    this.cure(p, false, null);
  }

  protected stillApplicable(p: Partition, s: Step): boolean {
    switch (s.type) {
      case CT.ASSIGN_PRIMARY:
        return p.primary < 0;
      case CT.UPGRADE_TO_PRIMARY:
        return p.primary < 0 && p.secondaries.includes(s.node);
      case CT.DOWNGRADE_TO_SECONDARY:
        return p.primary === s.node;
      case CT.DOWNGRADE_TO_INACTIVE:
      case CT.REMOVE:
        return p.primary >= 0 && p.secondaries.includes(s.node);
      case CT.ADD_SECONDARY:
      case CT.ADD_SECONDARY_FOR_LB:
        return p.primary >= 0 && p.primary !== s.node && !p.secondaries.includes(s.node);
      default:
        return false;
    }
  }

  protected dropPendingFront(p: Partition, s: Step): void {
    if (p.pending[0] === s) p.pending.shift();
  }

  protected abortInflight(p: Partition, why: string): void {
    const inf = p.inflight;
    if (!inf) return;
    if (inf.learn) {
      const n = this.nodes[inf.learn.node]!;
      this.updateLearns(n);
      n.learns = n.learns.filter((x) => x !== inf.learn);
      this.scheduleLearnCompletion(n);
    }
    this.setInflight(p, null);
    // A failed step invalidates the rest of its proposal list.
    if (inf.step.origin !== 'cure') p.pending = [];
    this.attention.add(p);
    this.record({
      t: this.t(),
      kind: 'learn',
      gpid: this.gpidOf(p),
      event: 'aborted',
      action: ctName(inf.step.type),
      node: this.addr(inf.step.node),
      why,
    });
  }

  // ------------------------------------------------------------------ learning

  protected startLearn(p: Partition, inf: Inflight): void {
    const s = inf.step;
    const n = this.nodes[s.node]!;
    if (!n.running || p.primary < 0 || !this.nodes[p.primary]!.running) {
      // The learner or learnee is down: the add fails; cure decides again.
      this.abortInflight(p, 'learner or learnee down');
      return;
    }
    // A dropped replica that is still on disk needs only the log delta (LT_LOG); otherwise LT_APP.
    const full = !p.dropped.some((d) => d.node === s.node) || p.closedOn.has(s.node);
    if (full && n.learns.filter((x) => x.full).length >= this.cfg.learnAppMaxConcurrentCount) {
      inf.waitingForSlot = true;
      return;
    }
    inf.waitingForSlot = false;
    const total = full ? p.app.replicaBytes : Math.round(p.app.replicaBytes * this.cfg.logDeltaFraction);
    this.updateLearns(n);
    const learn: Learn = { p, node: n.idx, total, remaining: total, full, inflight: inf };
    inf.learn = learn;
    n.learns.push(learn);
    this.record({
      t: this.t(),
      kind: 'learn',
      gpid: this.gpidOf(p),
      event: 'start',
      node: n.address,
      from: this.addr(p.primary),
      bytes: total,
      mode: full ? 'LT_APP' : 'LT_LOG',
    });
    this.scheduleLearnCompletion(n);
  }

  /** Bytes per simulated ms a node receives: its bandwidth, capped by nfs.max_copy_rate_megabytes_per_disk (0 = no cap). */
  protected learnRate(n: SimNode): number {
    return n.nfsCopyRateMb > 0 ? Math.min(this.bytesPerMs, (n.nfsCopyRateMb * MB) / 1000) : this.bytesPerMs;
  }

  /** Changes a replica server's NFS copy cap; running learns continue at the new rate. */
  setNfsCopyRate(idx: number, mb: number): void {
    const n = this.nodes[idx]!;
    this.updateLearns(n);
    n.nfsCopyRateMb = mb;
    this.scheduleLearnCompletion(n);
    this.record({ t: this.t(), kind: 'setting', name: 'nfs.max_copy_rate_megabytes_per_disk', value: mb, node: n.address });
  }

  /**
   * replica.kill_partition on a node: replicas it holds that are not members any more are closed,
   * so a later re-add needs a full copy (the meta's dropped lists are unchanged).
   */
  killPartitions(idx: number, appId?: number, pidx?: number): number {
    let closed = 0;
    for (const a of this.apps) {
      if (appId !== undefined && a.id !== appId) continue;
      for (const p of a.partitions) {
        if (pidx !== undefined && p.pidx !== pidx) continue;
        if (p.dropped.some((d) => d.node === idx) && !p.closedOn.has(idx)) {
          p.closedOn.add(idx);
          closed++;
        }
      }
    }
    this.record({
      t: this.t(),
      kind: 'node',
      event: 'kill_partition',
      node: this.nodes[idx]!.address,
      app: appId ?? 'all',
      partition: pidx ?? 'all',
      closed,
    });
    return closed;
  }

  /** Processor sharing: the node's copy rate is split evenly among its running learns. */
  protected updateLearns(n: SimNode): void {
    const dt = this.now - n.learnUpdatedAt;
    n.learnUpdatedAt = this.now;
    if (dt <= 0 || n.learns.length === 0 || !n.running) return;
    const share = (this.learnRate(n) * dt) / n.learns.length;
    for (const l of n.learns) {
      const d = Math.min(share, l.remaining);
      l.remaining -= d;
      this.metrics.bytesCopied += d;
    }
  }

  protected scheduleLearnCompletion(n: SimNode): void {
    const gen = ++n.learnGen;
    if (n.learns.length === 0) return;
    let min = Infinity;
    for (const l of n.learns) min = Math.min(min, l.remaining);
    const ms = Math.max(0, Math.ceil((min * n.learns.length) / this.learnRate(n)));
    this.clock.after(ms, () => {
      if (n.learnGen !== gen) return;
      this.updateLearns(n);
      const done = n.learns.filter((l) => l.remaining <= 0.5);
      n.learns = n.learns.filter((l) => l.remaining > 0.5);
      for (const l of done) {
        this.metrics.bytesCopied += l.remaining;
        l.remaining = 0;
        if (l.full) this.metrics.replicasCopied++;
        else this.metrics.incrementalLearns++;
        l.inflight.learn = null;
        this.record({ t: this.t(), kind: 'learn', gpid: this.gpidOf(l.p), event: 'done', node: n.address, bytes: l.total });
      }
      this.scheduleLearnCompletion(n);
      for (const l of done) this.complete(l.p, l.inflight);
      // A slot freed: learners waiting for it start at the next tick (the primary re-sends).
    });
  }

  // ------------------------------------------------------------------ manual proposals

  /**
   * RPC_CM_PROPOSE_BALANCER: registers the list when the partition has none pending (else
   * ERR_INVALID_PARAMETERS); with `force` the first action is sent at once, at any level.
   */
  proposeBalancer(appId: number, pidx: number, actions: { target: number; node: number; type: number }[], force: boolean): string {
    const app = this.apps.find((a) => a.id === appId);
    if (!app || pidx < 0 || pidx >= app.partitionCount) return 'ERR_INVALID_PARAMETERS';
    const p = app.partitions[pidx]!;
    if (p.pending.length > 0 && !force) return 'ERR_INVALID_PARAMETERS';
    const steps: Step[] = [];
    for (const a of actions) {
      let target = a.target;
      if (target < 0) {
        if (p.primary < 0) return 'ERR_INVALID_PARAMETERS';
        target = p.primary;
      }
      if (a.node < 0) return 'ERR_INVALID_PARAMETERS';
      steps.push({ type: a.type as Step['type'], target, node: a.node, origin: 'manual' });
    }
    if (steps.length === 0) return 'ERR_INVALID_PARAMETERS';
    this.metrics.proposals++;
    this.record({
      t: this.t(),
      kind: 'proposal',
      gpid: this.gpidOf(p),
      origin: 'manual',
      force,
      actions: steps.map((s) => `${ctName(s.type)}(${this.addr(s.target)}→${this.addr(s.node)})`),
    });
    p.pending = steps;
    this.attention.add(p);
    if (force && !p.inflight) this.send(p, steps[0]!);
    return 'ERR_OK';
  }
}
