/** Proposals and their execution (send, complete, abort) and learning (LT_APP / LT_LOG copies sharing a node's rate). */
import { CT, Level, ctName, type Inflight, type Learn, type LearnStats, type Partition, type SimNode, type Step } from './types';
import { MB, ModelState, RETRY_MS } from './state';

/** Learns copy SST files of this size (rocksdb's default target file size): counters advance per file. */
export const LEARN_FILE_BYTES = 64 * MB;

/** Every learning counter a replica reports, at zero (a new replica, or one after a restart). */
export function emptyStats(): LearnStats {
  return {
    learn_count: 0,
    learn_rounds: 0,
    learn_copy_files: 0,
    learn_copy_file_bytes: 0,
    learn_copy_buffer_bytes: 0,
    learn_lt_cache_responses: 0,
    learn_lt_app_responses: 0,
    learn_lt_log_responses: 0,
    learn_resets: 0,
    learn_failed_count: 0,
    learn_successful_count: 0,
  };
}

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
      const l = inf.learn;
      const n = this.nodes[l.node]!;
      this.changingSender(l.from, n, () => {
        n.learns = n.learns.filter((x) => x !== l);
      });
      this.statsOf(n, l.p).learn_failed_count++;
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
    const total = full ? p.bytes : Math.round(p.bytes * this.cfg.logDeltaFraction);
    const learn: Learn = { p, node: n.idx, from: p.primary, total, remaining: total, credited: 0, full, inflight: inf };
    inf.learn = learn;
    this.changingSender(p.primary, n, () => n.learns.push(learn));
    const st = this.statsOf(n, p);
    st.learn_count++;
    st.learn_rounds++;
    if (full) st.learn_lt_app_responses++;
    else st.learn_lt_log_responses++;
    n.recentLearn.starts++;
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
  }

  /** The learner-side counters of replica `p` on node `n` (created with the replica's first learn). */
  protected statsOf(n: SimNode, p: Partition): LearnStats {
    let st = n.learnStats.get(p);
    if (!st) n.learnStats.set(p, (st = emptyStats()));
    return st;
  }

  /**
   * A learn served by `sender` starts or ends: every learn that sender serves changes rate, so the
   * learners involved are brought up to now before the change and rescheduled after it.
   */
  protected changingSender(sender: number, learner: SimNode, change: () => void): void {
    const touched = new Set<SimNode>([learner]);
    if (this.sendLimited(sender)) for (const m of this.nodes) if (m.learns.some((l) => l.from === sender)) touched.add(m);
    for (const m of touched) this.updateLearns(m);
    change();
    for (const m of touched) this.scheduleLearnCompletion(m);
  }

  /** Bytes per simulated ms a node can send: its bandwidth and nfs.max_send_rate_megabytes_per_disk (0 = no limit). */
  protected sendRate(idx: number): number {
    const n = this.nodes[idx];
    if (!n) return Infinity;
    const caps = [this.cfg.sendRateMb, n.nfsSendRateMb].filter((x) => x > 0);
    return caps.length === 0 ? Infinity : (Math.min(...caps) * MB) / 1000;
  }

  protected sendLimited(idx: number): boolean {
    return this.sendRate(idx) !== Infinity;
  }

  /** Learns each sender serves right now (only counted for senders with a limit). */
  private sending(idx: number): number {
    let k = 0;
    for (const m of this.nodes) for (const l of m.learns) if (l.from === idx) k++;
    return k;
  }

  /** One learn's rate: its share of the receiver's rate, capped by its share of the sender's (a copy runs at the slower end). */
  protected learnShare(n: SimNode, l: Learn): number {
    const recv = this.learnRate(n) / n.learns.length;
    if (!this.sendLimited(l.from)) return recv;
    return Math.min(recv, this.sendRate(l.from) / Math.max(1, this.sending(l.from)));
  }

  /** Bytes per simulated ms a node receives: its bandwidth, capped by nfs.max_copy_rate_megabytes_per_disk (0 = no cap). */
  protected learnRate(n: SimNode): number {
    return n.nfsCopyRateMb > 0 ? Math.min(this.bytesPerMs, (n.nfsCopyRateMb * MB) / 1000) : this.bytesPerMs;
  }

  /** Brings every running learn's progress (and its counters) up to now before a read; rates and timers are unchanged. */
  syncLearns(): void {
    for (const n of this.nodes) if (n.learns.length > 0) this.updateLearns(n);
  }

  /** Changes a replica server's NFS send cap; the learns it serves continue at the new rate. */
  setNfsSendRate(idx: number, mb: number): void {
    const n = this.nodes[idx]!;
    const touched = this.nodes.filter((m) => m.learns.some((l) => l.from === idx));
    for (const m of touched) this.updateLearns(m);
    n.nfsSendRateMb = mb;
    for (const m of touched) this.scheduleLearnCompletion(m);
    this.record({ t: this.t(), kind: 'setting', name: 'nfs.max_send_rate_megabytes_per_disk', value: mb, node: n.address });
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

  /** Processor sharing: the node's copy rate is split evenly among its running learns (each capped by its sender). */
  protected updateLearns(n: SimNode): void {
    const dt = this.now - n.learnUpdatedAt;
    n.learnUpdatedAt = this.now;
    if (dt <= 0 || n.learns.length === 0 || !n.running) return;
    for (const l of n.learns) {
      const d = Math.min(this.learnShare(n, l) * dt, l.remaining);
      l.remaining -= d;
      this.metrics.bytesCopied += d;
      this.creditFiles(n, l);
    }
  }

  /** Adds the files a learn finished since the last call to the learner's counters (the last, partial file at completion). */
  protected creditFiles(n: SimNode, l: Learn): void {
    const copied = l.total - l.remaining;
    const due = l.remaining <= 0.5 ? l.total : Math.floor(copied / LEARN_FILE_BYTES) * LEARN_FILE_BYTES;
    if (due <= l.credited) return;
    const files = Math.ceil(due / LEARN_FILE_BYTES) - Math.ceil(l.credited / LEARN_FILE_BYTES);
    const st = this.statsOf(n, l.p);
    st.learn_copy_file_bytes += due - l.credited;
    st.learn_copy_files += files;
    n.recentLearn.copyFileBytes += due - l.credited;
    n.recentLearn.copyFiles += files;
    l.credited = due;
  }

  protected scheduleLearnCompletion(n: SimNode): void {
    const gen = ++n.learnGen;
    if (n.learns.length === 0) return;
    let min = Infinity;
    for (const l of n.learns) min = Math.min(min, l.remaining / this.learnShare(n, l));
    const ms = Math.max(0, Math.ceil(min));
    this.clock.after(ms, () => {
      if (n.learnGen !== gen) return;
      this.updateLearns(n);
      const done = n.learns.filter((l) => l.remaining <= 0.5);
      n.learns = n.learns.filter((l) => l.remaining > 0.5);
      for (const l of done) {
        this.metrics.bytesCopied += l.remaining;
        l.remaining = 0;
        this.creditFiles(n, l);
        this.statsOf(n, l.p).learn_successful_count++;
        if (l.full) this.metrics.replicasCopied++;
        else this.metrics.incrementalLearns++;
        l.inflight.learn = null;
        this.record({ t: this.t(), kind: 'learn', gpid: this.gpidOf(l.p), event: 'done', node: n.address, bytes: l.total });
      }
      this.scheduleLearnCompletion(n);
      // Senders with a limit now serve fewer learns: their other learners speed up.
      for (const from of new Set(done.map((l) => l.from)))
        if (this.sendLimited(from))
          for (const m of this.nodes)
            if (m !== n && m.learns.some((l) => l.from === from)) {
              this.updateLearns(m);
              this.scheduleLearnCompletion(m);
            }
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
