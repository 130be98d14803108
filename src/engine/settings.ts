/** Journaled meta settings: set, re-apply after a leader change, restore (retrying), and what looks changed without a journal. */
import { fmtDuration } from '../cluster/units';
import { decideRestorePct } from './freezeGuard';
import type { OpenSetting } from './journal';
import { aliveDead } from './model';
import { SettingError } from './metaPort';
import { META_LEVEL_VALUE, type MetaLevel } from '../pegasus/types';
import type { SettingName } from './ports';
import { type SettingLeft, type Outcome, EngineError, type RunCtx } from './types';
import type { ScaleEngine } from './engine';

/** Restore order: the black list and the delay first, the level last (the balancer comes back only once the rest is back). */
const SETTING_ORDER: readonly SettingName[] = [
  'meta.lb.assign_secondary_black_list',
  'meta.lb.assign_delay_ms',
  'meta.lb.only_move_primary',
  'meta.live_percentage',
  'meta_level',
];

/** Why a scale-in's restore keeps the level at steady: the drain of these nodes did not finish. */
interface KeepSteady {
  readonly op: string;
  readonly nodes: readonly string[];
  readonly outcome: Outcome;
}

/** What a run does with open settings besides giving back its own. */
export interface RestoreExtra {
  /** A finished drain-node: keep these settings of the run in force for the drained node instead of giving them back. */
  readonly hold?: { readonly node: string; readonly names: readonly SettingName[] };
  /** stop-node / start-node of a drained node: also give back what its drain-node kept. */
  readonly giveBackHeldFor?: string;
}

/** The `settingsLeft` reason of a setting a finished drain-node keeps (B14). */
export function heldReason(node: string): string {
  return `kept so no replica is placed on the drained node; \`stop-node\` or \`restore-settings\` gives it back (${node}; \`start-node ${node}\` too)`;
}

/** The settings a finished drain-node keeps: the black list (cure would pick the empty node first) and the level at steady (no balancer refilling it). */
export const DRAIN_HELD: readonly SettingName[] = ['meta.lb.assign_secondary_black_list', 'meta_level'];

/** Equal as the meta means it: the black list is a set of addresses; other values ignore case and spaces around. */
function sameValue(name: SettingName, a: string, b: string): boolean {
  if (name === 'meta.lb.assign_secondary_black_list') {
    const norm = (x: string): string =>
      x
        .split(',')
        .map((y) => y.trim())
        .filter(Boolean)
        .sort()
        .join(',');
    return norm(a) === norm(b);
  }
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export async function reapply(eng: ScaleEngine, rc: RunCtx): Promise<void> {
  const open = eng.d.journal.openSettings();
  const changed: string[] = [];
  for (const s of open) {
    const cur = await eng.d.cluster.getSetting(s.name, rc.signal);
    if (!sameValue(s.name, cur, s.current)) {
      await eng.d.cluster.setSetting(s.name, s.current, rc.signal);
      changed.push(`${s.name}=${s.current} (found ${cur})`);
    }
  }
  rc.leaderChanged = false;
  const msg = changed.length
    ? `meta leader ${rc.leader}: re-applied ${changed.join(', ')}`
    : `meta leader ${rc.leader}: the settings in force match the journal`;
  eng.d.journal.append({ t: 'event', kind: 'leader', message: msg }, eng.date());
  eng.emit({ kind: 'leader', leader: rc.leader, message: msg });
  // Proposals are lost with the old leader's memory: the drain loops re-propose on their own.
  eng.proposals.clear();
}

export async function setSetting(eng: ScaleEngine, rc: RunCtx, name: SettingName, value: string, why: string): Promise<void> {
  const cur = await eng.retrying(rc, `reading ${name}`, () => eng.d.cluster.getSetting(name, rc.signal));
  if (sameValue(name, cur, value)) return;
  // Journal first: a crash between the two lines must not lose the value before.
  eng.d.journal.append({ t: 'setting', name, before: cur, after: value, why }, eng.date());
  await eng.retrying(rc, `setting ${name}`, () => eng.d.cluster.setSetting(name, value, rc.signal));
  eng.emit({ kind: 'setting', name, from: cur, to: value, message: `${name}: ${cur || "''"} -> ${value || "''"} (${why})` });
}

/**
 * `restore`, retried through transient failures (a meta fail-over or restart in progress) for up
 * to the leader timeout of the engine's clock; each attempt is idempotent (restored settings are
 * journaled and not open any more).
 */
export async function restoreRetrying(
  eng: ScaleEngine,
  run: string | undefined,
  pendingStops: ReadonlySet<string>,
  keepSteady?: KeepSteady,
  extra: RestoreExtra = {},
): Promise<SettingLeft[]> {
  const start = eng.clock.now();
  let warned = false;
  for (;;) {
    try {
      return await restore(eng, AbortSignal.timeout(60_000), run, pendingStops, keepSteady, extra);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      // The meta answered and refused: waiting will not change that.
      if (e instanceof SettingError) throw e;
      if (eng.clock.now() - start >= eng.t.leaderMs)
        throw new EngineError(
          `the meta did not answer for ${fmtDuration((eng.clock.now() - start) / 1000)} while restoring settings: ${msg}`,
        );
      if (!warned) eng.emit({ kind: 'warning', message: `restoring settings failed (${msg}); retrying until a meta leader answers` });
      warned = true;
      await eng.clock.sleep(eng.o.pollIntervalMs);
    }
  }
}

/** Gives back every open setting from the journal; the threshold only when that cannot freeze the meta. */
export async function restore(
  eng: ScaleEngine,
  signal: AbortSignal,
  run?: string,
  pendingStops: ReadonlySet<string> = new Set(),
  keepSteady?: KeepSteady,
  extra: RestoreExtra = {},
): Promise<SettingLeft[]> {
  const mine = eng.d.journal.openSettings(run);
  const names = new Set(mine.map((s) => s.name));
  const held =
    extra.giveBackHeldFor === undefined
      ? []
      : eng.d.journal.openSettings().filter((s) => s.heldFor === extra.giveBackHeldFor && !names.has(s.name));
  const open = [...mine, ...held].sort((a, b) => SETTING_ORDER.indexOf(a.name) - SETTING_ORDER.indexOf(b.name));
  const left: SettingLeft[] = [];
  for (const s of open) {
    const cur = await eng.d.cluster.getSetting(s.name, signal);
    if (extra.hold?.names.includes(s.name)) {
      // B14: given back now, cure would place new replicas on the empty, still-alive node first and undo the drain.
      const reason = heldReason(extra.hold.node);
      eng.d.journal.append({ t: 'kept', name: s.name, value: cur, reason, heldFor: extra.hold.node }, eng.date());
      eng.emit({ kind: 'info', message: `${s.name} stays ${cur || "''"} (was ${s.original || "''"}): ${reason}` });
      left.push({ name: s.name, value: cur, original: s.original, reason });
      continue;
    }
    const orig = s.original.trim() as MetaLevel;
    if (s.name === 'meta_level' && keepSteady && orig in META_LEVEL_VALUE && META_LEVEL_VALUE[orig] > META_LEVEL_VALUE.steady) {
      const reason =
        `meta_level stays ${cur} (was ${orig}): the ${keepSteady.op} ${keepSteady.outcome === 'cancelled' ? 'was cancelled' : 'failed'} while ${keepSteady.nodes.join(', ')} ${keepSteady.nodes.length > 1 ? 'are' : 'is'} still up and not fully removed, ` +
        `and ${orig} would let the balancer move replicas back onto ${keepSteady.nodes.length > 1 ? 'them' : 'it'}, so a resume would copy the same data again. ` +
        `Resume the run (it gives ${orig} back when it finishes), or run restore-settings to set ${orig} now (undoing the drain)`;
      eng.d.journal.append({ t: 'kept', name: s.name, value: cur, reason }, eng.date());
      eng.emit({ kind: 'warning', message: reason });
      left.push({ name: s.name, value: cur, original: s.original, reason });
      continue;
    }
    if (s.name === 'meta.live_percentage') {
      const st = await eng.d.cluster.readState(signal);
      const ad = aliveDead(st);
      // A node whose stop was issued but is still listed ALIVE will be counted dead within the fd grace period.
      const dying = st.nodes.filter((n) => n.alive && pendingStops.has(n.address)).map((n) => n.address);
      const alive = ad.alive - dying.length;
      const dead = ad.dead + dying.length;
      const dec = decideRestorePct(Number(s.original), alive, dead, (await eng.minLive(st.leader, signal)).value);
      if (dec.kind === 'keep' && dying.length > 0) {
        const reason = `${dec.reason} This counts ${dying.join(', ')} as dead: its stop was issued and the meta will declare it dead within the failure-detection grace period.`;
        eng.d.journal.append({ t: 'kept', name: s.name, value: cur, reason }, eng.date());
        eng.emit({ kind: 'warning', message: reason });
        left.push({ name: s.name, value: cur, original: s.original, reason });
        continue;
      }
      if (dec.kind === 'keep') {
        eng.d.journal.append({ t: 'kept', name: s.name, value: cur, reason: dec.reason }, eng.date());
        eng.emit({ kind: 'warning', message: dec.reason });
        left.push({ name: s.name, value: cur, original: s.original, reason: dec.reason });
        continue;
      }
    }
    if (sameValue(s.name, cur, s.original)) {
      eng.d.journal.append({ t: 'restored', name: s.name, value: cur, how: 'unchanged' }, eng.date());
      continue;
    }
    await eng.d.cluster.setSetting(s.name, s.original, signal);
    eng.d.journal.append({ t: 'restored', name: s.name, value: s.original, how: 'set' }, eng.date());
    eng.emit({
      kind: 'setting',
      name: s.name,
      from: cur,
      to: s.original,
      message: `${s.name} restored to ${s.original || "''"} (journal)`,
    });
  }
  return left;
}

/** Settings that look left over from a scale operation whose journal is gone, each with the command that fixes it. */
export async function looksChanged(eng: ScaleEngine): Promise<string[]> {
  const signal = AbortSignal.timeout(30_000);
  const out: string[] = [];
  const bl = (await eng.d.cluster.getSetting('meta.lb.assign_secondary_black_list', signal)).trim();
  if (bl)
    out.push(
      `meta.lb.assign_secondary_black_list = ${bl} (cure never places replicas there); fix: remote_command -t meta-server meta.lb.assign_secondary_black_list clear`,
    );
  const delay = Number(await eng.d.cluster.getSetting('meta.lb.assign_delay_ms', signal));
  if (Number.isFinite(delay) && delay < eng.o.lowDelayThresholdMs)
    out.push(
      `meta.lb.assign_delay_ms = ${delay} ms (lowered: a restarting node loses its replicas at once); fix: remote_command -t meta-server meta.lb.assign_delay_ms DEFAULT`,
    );
  const omp = (await eng.d.cluster.getSetting('meta.lb.only_move_primary', signal)).trim();
  if (omp === 'true')
    out.push(
      `meta.lb.only_move_primary = true (the balancer only moves primaries); fix, if it was false before: remote_command -t meta-server meta.lb.only_move_primary false`,
    );
  const level = (await eng.d.cluster.getSetting('meta_level', signal)).trim() as MetaLevel;
  if (level === 'steady') out.push(`meta_level = steady (no balancer); if it was lively before the run: set_meta_level lively`);
  else if (level in META_LEVEL_VALUE && META_LEVEL_VALUE[level] < META_LEVEL_VALUE.steady)
    out.push(`meta_level = ${level} (no reconfiguration runs); once you know why: set_meta_level steady`);
  return out;
}

export function leftOpen(eng: ScaleEngine): SettingLeft[] {
  return eng.d.journal.openSettings().map((s: OpenSetting) => ({
    name: s.name,
    value: s.current,
    original: s.original,
    reason: s.keptReason ?? 'not restored yet: run restore-settings',
  }));
}
