/** The lb tick (check_all_partitions, balancer moves) and cure, the partition guardian. */
import { planBalance, type PlannedMove } from './balancer';
import { CT, Level, ctName, type BalanceCount, type Partition, type SimApp, type Step, type StepOrigin } from './types';
import { LearningModel } from './learning';

export abstract class GuardianModel extends LearningModel {
  /** Dead secondaries are removed via the primary (lifecycle.ts). */
  protected abstract scheduleDeadSecondaryRemoval(p: Partition, x: number): void;

  // ------------------------------------------------------------------ the lb tick

  /** check_all_partitions: cure over the partitions needing attention, then the balancer. */
  protected runCheck(gen: number): void {
    const l = this.leader;
    if (!l || l.gen !== gen || this.now < l.readyAt) return;
    const eff = this.effectiveLevel();
    if (eff <= Level.freezed) return;
    const sends = l.addSecondaryEnableFlowControl ? new Map<number, number>() : null;
    let list = [...this.attention];
    // With flow control, partitions without any secondary get their add-secondary first.
    if (sends) list = [...list.filter((p) => p.secondaries.length === 0), ...list.filter((p) => p.secondaries.length > 0)];
    let healthy = true;
    for (const p of list) {
      const ok = this.cure(p, true, sends);
      if (ok && !p.inflight && p.pending.length === 0 && p.removingDead.size === 0) this.attention.delete(p);
      else healthy = false;
    }
    if (!healthy || eff < Level.steady) return;
    // can_run_balancer: no dead node still holds partitions.
    for (const d of l.dead) if (this.nodes[d]!.replicas > 0) return;
    const collected = [...l.alive].every((a) => this.nodes[a]!.collected || this.nodes[a]!.replicas === 0);
    if (!collected) {
      // master reports -1 while replica info is missing (PR #1951); 2.5 reported 0.
      l.balanceCount =
        this.cfg.version === '2.6'
          ? { move_pri: 0, copy_pri: 0, copy_sec: 0, total: -1 }
          : { move_pri: 0, copy_pri: 0, copy_sec: 0, total: 0 };
      this.checkerKey = '';
      return;
    }
    const key = `${this.epoch}:${l.gen}:${l.onlyMovePrimary}:${l.onlyPrimaryBalancer}:${l.ignoredApps.join(',')}`;
    if (key !== this.checkerKey) {
      l.balanceCount = this.countOf(this.plan(true));
      this.checkerKey = key;
    }
    if (eff !== Level.lively) return;
    const moves = this.plan(false);
    if (moves.length === 0) return;
    this.metrics.balancerRounds++;
    for (const m of moves) this.registerBalancerMove(m);
    // balancer_run is re-enqueued right after applying a batch: the first steps go out at once.
    this.clock.after(0, () => this.runCheck(gen));
  }

  protected plan(checker: boolean): PlannedMove[] {
    const l = this.leader!;
    const alive = [...l.alive].sort((a, b) => a - b);
    return planBalance({
      apps: this.apps.filter((a) => !l.ignoredApps.includes(a.id)),
      alive,
      onlyMovePrimary: l.onlyMovePrimary,
      onlyPrimaryBalancer: l.onlyPrimaryBalancer,
      balancerInTurn: l.balancerInTurn,
      checker,
    });
  }

  protected countOf(moves: PlannedMove[]): BalanceCount {
    const c: BalanceCount = { move_pri: 0, copy_pri: 0, copy_sec: 0, total: 0 };
    for (const m of moves) c[m.kind]++;
    c.total = c.move_pri + c.copy_pri + c.copy_sec;
    return c;
  }

  protected registerBalancerMove(m: PlannedMove): void {
    const p = m.p;
    const steps: Step[] = [];
    const o: StepOrigin = 'balancer';
    if (m.kind === 'move_pri') {
      steps.push(
        { type: CT.DOWNGRADE_TO_SECONDARY, target: m.from, node: m.from, origin: o },
        { type: CT.UPGRADE_TO_PRIMARY, target: m.to, node: m.to, origin: o },
      );
    } else if (m.kind === 'copy_pri') {
      steps.push(
        { type: CT.ADD_SECONDARY_FOR_LB, target: m.from, node: m.to, origin: o },
        { type: CT.DOWNGRADE_TO_SECONDARY, target: m.from, node: m.from, origin: o },
        { type: CT.UPGRADE_TO_PRIMARY, target: m.to, node: m.to, origin: o },
        { type: CT.REMOVE, target: m.to, node: m.from, origin: o },
      );
    } else {
      steps.push(
        { type: CT.ADD_SECONDARY_FOR_LB, target: p.primary, node: m.to, origin: o },
        { type: CT.REMOVE, target: p.primary, node: m.from, origin: o },
      );
    }
    p.pending = steps;
    this.attention.add(p);
    this.metrics.proposals++;
    this.record({
      t: this.t(),
      kind: 'proposal',
      gpid: this.gpidOf(p),
      origin: 'balancer',
      balance: m.kind,
      from: this.addr(m.from),
      to: this.addr(m.to),
      actions: steps.map((s) => `${ctName(s.type)}(${this.addr(s.target)}→${this.addr(s.node)})`),
    });
  }

  // ------------------------------------------------------------------ cure (partition guardian)

  /** Returns true when the partition is healthy; sends at most one action. */
  protected cure(p: Partition, fromTick: boolean, sends: Map<number, number> | null): boolean {
    if (p.inflight) {
      if (fromTick && p.inflight.waitingForSlot) this.startLearn(p, p.inflight);
      return false;
    }
    if (p.pending.length > 0) {
      const s = p.pending[0]!;
      if (this.validStep(p, s)) {
        if ((s.type === CT.ADD_SECONDARY || s.type === CT.ADD_SECONDARY_FOR_LB) && !this.flowAllows(s.node, sends, fromTick)) return false;
        this.send(p, s);
        return false;
      }
      this.record({
        t: this.t(),
        kind: 'proposal',
        gpid: this.gpidOf(p),
        origin: s.origin,
        event: 'dropped-invalid',
        action: `${ctName(s.type)}(${this.addr(s.target)}→${this.addr(s.node)})`,
      });
      p.pending = [];
    }
    if (p.primary < 0) return this.onMissingPrimary(p);
    if (p.primary >= 0) {
      for (const s of p.secondaries) if (!this.isAlive(s)) this.scheduleDeadSecondaryRemoval(p, s);
      if (p.removingDead.size > 0) return false;
    }
    const members = 1 + p.secondaries.length;
    if (members < p.maxReplicas) return this.onMissingSecondary(p, fromTick, sends);
    if (p.secondaries.length >= p.maxReplicas) {
      // on_redundant_secondary: remove the secondary on the node with the most replicas.
      let best = -1;
      for (const s of p.secondaries) if (best < 0 || this.nodes[s]!.replicas > this.nodes[best]!.replicas) best = s;
      this.send(p, { type: CT.REMOVE, target: p.primary, node: best, origin: 'cure' });
      return false;
    }
    return true;
  }

  protected flowAllows(node: number, sends: Map<number, number> | null, fromTick: boolean): boolean {
    const l = this.leader!;
    if (!l.addSecondaryEnableFlowControl) return true;
    // From the cure-after-update path, add-secondary waits for the periodic tick.
    if (!fromTick || !sends) return false;
    const c = sends.get(node) ?? 0;
    if (c >= l.addSecondaryMaxCountForOneNode) return false;
    sends.set(node, c + 1);
    return true;
  }

  protected onMissingPrimary(p: Partition): boolean {
    const app = p.app;
    const aliveSecs = p.secondaries.filter((s) => this.isAlive(s));
    if (aliveSecs.length > 0) {
      // newly_partitions::less_primaries: app primaries, app replicas, total primaries, total replicas.
      let best = aliveSecs[0]!;
      for (const s of aliveSecs.slice(1)) if (this.lessPrimaries(app, s, best)) best = s;
      this.send(p, { type: CT.UPGRADE_TO_PRIMARY, target: best, node: best, origin: 'cure' });
      return false;
    }
    if (p.secondaries.length === 0 && p.dropped.length === 0 && p.ballot === 0) {
      let best = -1;
      for (const a of this.leader!.alive) if (best < 0 || this.lessPrimaries(app, a, best)) best = a;
      if (best >= 0) this.send(p, { type: CT.ASSIGN_PRIMARY, target: best, node: best, origin: 'cure' });
      return false;
    }
    // DDD: wait until the last two dropped nodes are alive, then take the most recent one.
    const last = p.dropped.slice(-2);
    if (last.length > 0 && last.every((d) => this.isAlive(d.node))) {
      const n = last[last.length - 1]!.node;
      this.send(p, { type: CT.ASSIGN_PRIMARY, target: n, node: n, origin: 'cure' });
    }
    return false;
  }

  protected lessPrimaries(app: SimApp, a: number, b: number): boolean {
    const na = this.nodes[a]!;
    const nb = this.nodes[b]!;
    const ap = app.prim[a]! + (app.newPrim[a] ?? 0);
    const bp = app.prim[b]! + (app.newPrim[b] ?? 0);
    if (ap !== bp) return ap < bp;
    const ar = app.rep[a]! + (app.newRep[a] ?? 0);
    const br = app.rep[b]! + (app.newRep[b] ?? 0);
    if (ar !== br) return ar < br;
    if (na.primaries + na.newPrimaries !== nb.primaries + nb.newPrimaries)
      return na.primaries + na.newPrimaries < nb.primaries + nb.newPrimaries;
    if (na.replicas + na.newReplicas !== nb.replicas + nb.newReplicas) return na.replicas + na.newReplicas < nb.replicas + nb.newReplicas;
    return a < b;
  }

  protected onMissingSecondary(p: Partition, fromTick: boolean, sends: Map<number, number> | null): boolean {
    const l = this.leader!;
    const replicaCount = 1 + p.secondaries.length;
    const min2pc = this.cfg.mutation2pcMinReplicaCount;
    const last = p.dropped[p.dropped.length - 1];
    let emergency: boolean;
    if (p.maxReplicas > min2pc && replicaCount < min2pc) emergency = true;
    else if (!last) emergency = true;
    else if (this.now > last.time + l.assignDelayMs) emergency = true;
    else emergency = this.blackListed(last.node);
    const isMember = (n: number): boolean => n === p.primary || p.secondaries.includes(n);
    let target = -1;
    if (!emergency) {
      // Only the last dropped node, and only if it came back in time.
      if (last && this.isAlive(last.node) && !isMember(last.node)) target = last.node;
    } else {
      for (let i = p.dropped.length - 1; i >= 0; i--) {
        const d = p.dropped[i]!;
        if (this.isAlive(d.node) && !isMember(d.node)) {
          target = d.node;
          break;
        }
      }
      if (target < 0 || this.blackListed(target)) {
        target = -1;
        const app = p.app;
        for (const a of l.alive) {
          if (isMember(a) || this.blackListed(a)) continue;
          if (target < 0 || this.lessPartitions(app, a, target)) target = a;
        }
      }
    }
    if (target < 0) return false;
    if (!this.flowAllows(target, sends, fromTick)) return false;
    this.send(p, { type: CT.ADD_SECONDARY, target: p.primary, node: target, origin: 'cure' });
    return false;
  }

  /** less_partitions: fewest replicas of this table, then fewest replicas in total. */
  protected lessPartitions(app: SimApp, a: number, b: number): boolean {
    const ar = app.rep[a]! + (app.newRep[a] ?? 0);
    const br = app.rep[b]! + (app.newRep[b] ?? 0);
    if (ar !== br) return ar < br;
    const ra = this.nodes[a]!.replicas + this.nodes[a]!.newReplicas;
    const rb = this.nodes[b]!.replicas + this.nodes[b]!.newReplicas;
    if (ra !== rb) return ra < rb;
    return a < b;
  }
}
