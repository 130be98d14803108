/** Meta servers: leadership, election, fail-over, restarts, the worker lease, runtime settings. */
import { Level, type LeaderState, type SimMeta } from './types';
import type { MetaRole } from './state';
import { LifecycleModel } from './lifecycle';

export abstract class MetaModel extends LifecycleModel {
  // ------------------------------------------------------------------ meta servers

  roleOf(meta: number): MetaRole {
    const m = this.metas[meta];
    if (!m || !m.up) return 'down';
    if (this.leader && this.leader.meta === meta) return this.now >= this.leader.readyAt ? 'leader' : 'leader-starting';
    return 'follower';
  }

  /** The leader's address as followers know it (from the lock service); '' when none. */
  leaderAddress(): string {
    return this.leader ? this.metas[this.leader.meta]!.address : '';
  }

  protected becomeLeader(meta: number, startupMs: number): void {
    const gen = ++this.leaderGen;
    const l: LeaderState = {
      meta,
      gen,
      since: this.now,
      readyAt: this.now + startupMs,
      storedLevel: Level[this.cfg.levelOnStart],
      alive: new Set(),
      dead: new Set(),
      assignDelayMs: this.cfg.assignDelayMs,
      // The configured start value holds for the first leader only (runtime settings die with it).
      blackList: gen === 1 ? this.cfg.blackList.map((a) => this.identOf(a)) : [],
      addSecondaryEnableFlowControl: this.cfg.addSecondaryEnableFlowControl,
      addSecondaryMaxCountForOneNode: this.cfg.addSecondaryMaxCountForOneNode,
      balancerInTurn: false,
      onlyPrimaryBalancer: false,
      onlyMovePrimary: false,
      ignoredApps: [],
      balanceCount: { move_pri: 0, copy_pri: 0, copy_sec: 0, total: 0 },
    };
    this.leader = l;
    this.checkerKey = '';
    this.epoch++;
    // Start-up: every node referenced by a partition config is alive with "last beacon = now";
    // running nodes beacon (and config-sync) right away; unreferenced stopped nodes are forgotten.
    for (const n of this.nodes) {
      if (n.running) {
        l.alive.add(n.idx);
        n.collected = true;
        n.fdGen++;
      } else if (n.parts.size > 0) {
        l.alive.add(n.idx);
        n.collected = false;
        this.scheduleDetection(n, this.now);
      }
    }
    // Pending lb actions live in the old leader's memory only.
    for (const p of this.partitions) {
      if (p.pending.length > 0) p.pending = [];
      this.attention.add(p);
    }
    this.record({ t: this.t(), kind: 'meta', event: 'leader', meta: this.metas[meta]!.address });
    this.soon(startupMs, () => this.leaderReady(gen));
    const tick = (): void => {
      if (this.leader?.gen !== gen) return;
      this.clock.after(this.cfg.lbIntervalMs, tick);
      this.runCheck(gen);
    };
    this.clock.at(Math.max(l.readyAt, this.now + this.cfg.lbIntervalMs), tick);
  }

  /**
   * Worker lease: a replica server stops serving once no leader acked its beacons for
   * `lease - check interval` (failure_detector.cpp); it serves again when a leader is ready.
   */
  protected leaderLost(): void {
    const gen = ++this.leaderLostGen;
    const ms = (this.cfg.fdLeaseSeconds - this.cfg.fdCheckIntervalSeconds) * 1000;
    this.clock.after(Math.max(0, ms), () => {
      if (this.leaderLostGen !== gen || (this.leader && this.now >= this.leader.readyAt)) return;
      this.setWorkersLost(true);
    });
  }

  protected leaderReady(gen: number): void {
    if (this.leader?.gen !== gen) return;
    this.leaderLostGen++;
    this.setWorkersLost(false);
  }

  protected setWorkersLost(lost: boolean): void {
    if (this.workersLost === lost) return;
    this.workersLost = lost;
    this.record({ t: this.t(), kind: 'meta', event: lost ? 'replica-servers-lost-meta' : 'replica-servers-reconnected' });
    for (const p of this.partitions) this.refreshGt(p);
  }

  /** Kills the leader process; a follower takes the lock after `leaderElectionMs`. */
  killLeader(): string {
    const l = this.requireLeader();
    const m = this.metas[l.meta]!;
    this.setMetaUp(m, false);
    this.leader = null;
    this.leaderLost();
    this.record({ t: this.t(), kind: 'meta', event: 'kill', meta: m.address });
    this.scheduleElection(l.meta, this.cfg.leaderElectionMs);
    return m.address;
  }

  /** Zero delays act at once (no clock advance needed), so a manual-clock test sees the result. */
  protected soon(delay: number, fn: () => void): void {
    if (delay <= 0) fn();
    else this.clock.after(delay, fn);
  }

  protected scheduleElection(previous: number, delay: number): void {
    this.soon(delay, () => {
      if (this.leader) return;
      for (let k = 1; k <= this.metas.length; k++) {
        const i = (previous + k) % this.metas.length;
        if (this.metas[i]!.up) {
          this.becomeLeader(i, this.cfg.metaStartupMs);
          return;
        }
      }
    });
  }

  protected setMetaUp(m: SimMeta, up: boolean): void {
    if (m.up === up) return;
    m.up = up;
    if (up) {
      m.startedAt = this.now;
      m.livePct = this.cfg.livePercentage;
      m.minLive = this.cfg.minLiveNodeCount;
    }
    this.listener.metaUpChanged?.(m.idx, up);
  }

  /** Stops one meta process (the leader's death causes a fail-over). */
  stopMeta(meta: number): void {
    const m = this.metas[meta];
    if (!m) throw new Error(`no meta server #${meta}`);
    if (!m.up) return;
    if (this.leader?.meta === meta) {
      this.killLeader();
      return;
    }
    this.setMetaUp(m, false);
    this.record({ t: this.t(), kind: 'meta', event: 'stop', meta: m.address });
  }

  startMeta(meta: number): void {
    const m = this.metas[meta];
    if (!m) throw new Error(`no meta server #${meta}`);
    if (m.up) return;
    this.setMetaUp(m, true);
    this.record({ t: this.t(), kind: 'meta', event: 'start', meta: m.address });
    if (!this.leader) this.scheduleElection(meta - 1 + this.metas.length, 0);
  }

  /** Restarts one meta: down for `metaStartupMs`; a leader hands over to a follower at once. */
  restartMeta(meta: number): void {
    const m = this.metas[meta];
    if (!m) throw new Error(`no meta server #${meta}`);
    const wasLeader = this.leader?.meta === meta;
    if (m.up) this.setMetaUp(m, false);
    if (wasLeader) {
      this.leader = null;
      this.leaderLost();
    }
    this.record({ t: this.t(), kind: 'meta', event: 'restart', meta: m.address });
    if (wasLeader) this.scheduleElection(meta, 0);
    this.soon(this.cfg.metaStartupMs, () => {
      this.setMetaUp(m, true);
      if (!this.leader) this.scheduleElection(meta - 1 + this.metas.length, 0);
    });
  }

  /**
   * Restarts every meta: the processes are down for `metaStartupMs`, then meta #0 takes the lock
   * and loads state for another `metaStartupMs` (ERR_SERVICE_NOT_ACTIVE). The dead set and every
   * runtime setting are forgotten.
   */
  restartAllMetas(): void {
    this.leader = null;
    this.leaderLost();
    const gen = ++this.leaderGen;
    for (const m of this.metas) this.setMetaUp(m, false);
    this.record({ t: this.t(), kind: 'meta', event: 'restart-all' });
    this.soon(this.cfg.metaStartupMs, () => {
      if (this.leaderGen !== gen) return;
      for (const m of this.metas) this.setMetaUp(m, true);
      this.becomeLeader(0, this.cfg.metaStartupMs);
    });
  }

  // ------------------------------------------------------------------ runtime settings

  logSetting(name: string, value: unknown, meta: number): void {
    this.epoch++;
    this.record({ t: this.t(), kind: 'setting', name, value, meta: this.metas[meta]?.address ?? '' });
  }

  /** Nudge the cure loop after a setting that may unblock partitions (e.g. assign delay). */
  settingsChanged(): void {
    this.epoch++;
  }
}
