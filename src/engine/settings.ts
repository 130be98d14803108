/** Journaled meta settings: set, re-apply after a leader change, restore (retrying), and what looks changed without a journal. */
import { fmtDuration } from '../cluster/units';
import { decideRestorePct } from './freezeGuard';
import type { OpenSetting } from './journal';
import { JournalFileError } from './journalFiles';
import { aliveDead } from './model';
import { SettingError } from './metaPort';
import { META_LEVEL_VALUE, type MetaLevel } from '../pegasus/types';
import type { ForeignValue, Note, SettingWhy } from './notes';
import type { SettingName } from './ports';
import { type SettingLeft, type Outcome, EngineError, RefusedError, type LooksChanged, type RunCtx } from './types';
import type { OpContext } from './context';

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
  readonly outcome: Exclude<Outcome, 'refused'>;
}

/** What a run does with open settings besides giving back its own. */
export interface RestoreExtra {
  /** A finished drain-node: keep these settings of the run in force for the drained node instead of giving them back. */
  readonly hold?: { readonly node: string; readonly names: readonly SettingName[] };
  /** stop-node / start-node of a drained node: also give back what its drain-node kept. */
  readonly giveBackHeldFor?: string;
  /** Settings someone else changed during the run (name → value found): left to them, not given back. */
  readonly foreign?: ReadonlyMap<SettingName, string>;
}

/** The settings a finished drain-node keeps: the black list (cure would pick the empty node first) and the level at steady (no balancer refilling it). */
export const DRAIN_HELD: readonly SettingName[] = ['meta.lb.assign_secondary_black_list', 'meta_level'];

/** Equal as the meta means it: the black list is a set of addresses; other values ignore case and spaces around. */
export function sameValue(name: SettingName, a: string, b: string): boolean {
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

export async function reapply(cx: OpContext, rc: RunCtx): Promise<void> {
  const open = cx.deps.journal.openSettings();
  const reapplied: { name: SettingName; value: string; found: string }[] = [];
  for (const s of open) {
    const cur = await cx.deps.cluster.getSetting(s.name, rc.signal);
    if (!sameValue(s.name, cur, s.current)) {
      await cx.deps.cluster.setSetting(s.name, s.current, rc.signal);
      reapplied.push({ name: s.name, value: s.current, found: cur });
    }
  }
  rc.leaderChanged = false;
  // The journal line is for people reading the run log; the event carries the data.
  const msg = reapplied.length
    ? `meta leader ${rc.leader}: re-applied ${reapplied.map((x) => `${x.name}=${x.value} (found ${x.found})`).join(', ')}`
    : `meta leader ${rc.leader}: the settings in force match the journal`;
  cx.deps.journal.append({ t: 'event', kind: 'leader', message: msg }, cx.date());
  cx.emit({ kind: 'leader', leader: rc.leader, reapplied });
  // Proposals are lost with the old leader's memory: the drain loops re-propose on their own.
  cx.book.proposals.clear();
}

/** The nodes of a black list that are not this run's: the other operation's, as far as the meta tells. */
export function otherNodes(blackList: string, mine: ReadonlySet<string>): string[] {
  return blackList
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x && !mine.has(x));
}

/**
 * The settings this run controls, read back on every poll. One found at its value from before the
 * run was lost, not taken (a meta restart not told yet, or a restore by hand): it is set again. Any
 * other value is someone else's: the run stops with `foreign-change` within this poll, and its
 * restore leaves that setting to them. A lease that expired stops it the same way.
 */
export async function checkOwned(cx: OpContext, rc: RunCtx): Promise<void> {
  const lost = rc.lease?.lost();
  if (lost !== undefined)
    throw new RefusedError([{ code: 'lease-lost', reason: lost, ...(rc.lease ? { path: rc.lease.holder.path } : {}) }]);
  const changes: ForeignValue[] = [];
  for (const s of cx.deps.journal.openSettings(rc.run)) {
    if (s.heldFor !== undefined) continue;
    const found = await cx.retrying(rc, `reading ${s.name}`, () => cx.deps.cluster.getSetting(s.name, rc.signal));
    if (sameValue(s.name, found, s.current)) continue;
    if (sameValue(s.name, found, s.original)) {
      await cx.retrying(rc, `setting ${s.name}`, () => cx.deps.cluster.setSetting(s.name, s.current, rc.signal));
      cx.emit({ kind: 'warning', note: { code: 'setting-reverted', name: s.name, value: s.current, found } });
      continue;
    }
    changes.push({ name: s.name, ours: s.current, found });
  }
  if (changes.length === 0) return;
  for (const c of changes) rc.foreign.set(c.name, c.found);
  const bl = changes.find((c) => c.name === 'meta.lb.assign_secondary_black_list');
  const msg = changes.map((c) => `${c.name}=${c.found} (this run set ${c.ours})`).join(', ');
  cx.deps.journal.append({ t: 'event', kind: 'foreign-change', message: msg }, cx.date());
  throw new RefusedError([{ code: 'foreign-change', changes, nodes: bl ? otherNodes(bl.found, rc.excluded) : [] }]);
}

/** Sets a runtime setting (journaled first); true when it changed, and then a `setting` event has said so. */
export async function setSetting(cx: OpContext, rc: RunCtx, name: SettingName, value: string, why: SettingWhy): Promise<boolean> {
  const cur = await cx.retrying(rc, `reading ${name}`, () => cx.deps.cluster.getSetting(name, rc.signal));
  if (sameValue(name, cur, value)) return false;
  // Journal first: a crash between the two lines must not lose the value before.
  cx.deps.journal.append({ t: 'setting', name, before: cur, after: value, why: why.code }, cx.date());
  await cx.retrying(rc, `setting ${name}`, () => cx.deps.cluster.setSetting(name, value, rc.signal));
  cx.emit({ kind: 'setting', name, from: cur, to: value, why });
  return true;
}

/** A kept setting's reason as the journal stores it (the note as JSON, so `leftOpen` can give the code back). */
function keptRecord(note: Note): string {
  return JSON.stringify(note);
}

/** The note of a journal `kept` reason; a reason written as words (older journals) reads as "not restored yet". */
export function keptNote(reason: string | undefined): Note {
  if (reason === undefined) return { code: 'not-restored-yet' };
  try {
    const n = JSON.parse(reason) as Note;
    if (n && typeof n === 'object' && typeof n.code === 'string') return n;
  } catch {
    // words: fall through
  }
  return { code: 'not-restored-yet' };
}

/**
 * `restore`, retried through transient failures (a meta fail-over or restart in progress) for up
 * to the leader timeout of the engine's clock; each attempt is idempotent (restored settings are
 * journaled and not open any more).
 */
export async function restoreRetrying(
  cx: OpContext,
  run: string | undefined,
  pendingStops: ReadonlySet<string>,
  keepSteady?: KeepSteady,
  extra: RestoreExtra = {},
): Promise<SettingLeft[]> {
  const start = cx.clock.now();
  let warned = false;
  for (;;) {
    try {
      return await restore(cx, AbortSignal.timeout(60_000), run, pendingStops, keepSteady, extra);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      // The meta answered and refused: waiting will not change that.
      if (e instanceof SettingError) throw e;
      // Neither is a journal that cannot be written (disk full, read-only).
      if (e instanceof JournalFileError) throw e;
      if (cx.clock.now() - start >= cx.timeouts.leaderMs)
        throw new EngineError(
          `the meta did not answer for ${fmtDuration((cx.clock.now() - start) / 1000)} while restoring settings: ${msg}`,
        );
      if (!warned) cx.emit({ kind: 'warning', note: { code: 'restore-retrying', error: msg } });
      warned = true;
      await cx.clock.sleep(cx.options.pollIntervalMs);
    }
  }
}

/** Gives back every open setting from the journal; the threshold only when that cannot freeze the meta. */
export async function restore(
  cx: OpContext,
  signal: AbortSignal,
  run?: string,
  pendingStops: ReadonlySet<string> = new Set(),
  keepSteady?: KeepSteady,
  extra: RestoreExtra = {},
): Promise<SettingLeft[]> {
  const mine = cx.deps.journal.openSettings(run);
  const names = new Set(mine.map((s) => s.name));
  const held =
    extra.giveBackHeldFor === undefined
      ? []
      : cx.deps.journal.openSettings().filter((s) => s.heldFor === extra.giveBackHeldFor && !names.has(s.name));
  const open = [...mine, ...held].sort((a, b) => SETTING_ORDER.indexOf(a.name) - SETTING_ORDER.indexOf(b.name));
  const left: SettingLeft[] = [];
  for (const s of open) {
    const cur = await cx.deps.cluster.getSetting(s.name, signal);
    if (extra.foreign?.has(s.name) && !sameValue(s.name, cur, s.current)) {
      // Someone else's value now: giving ours back would undo their operation, not ours.
      cx.deps.journal.append({ t: 'restored', name: s.name, value: cur, how: 'foreign' }, cx.date());
      cx.emit({ kind: 'info', note: { code: 'not-restored-foreign', name: s.name, found: cur, ours: s.current } });
      continue;
    }
    if (extra.hold?.names.includes(s.name)) {
      // Given back now, cure would place new replicas on the empty, still-alive node first and undo the drain.
      const reason: Note = { code: 'drain-held', node: extra.hold.node };
      cx.deps.journal.append({ t: 'kept', name: s.name, value: cur, reason: keptRecord(reason), heldFor: extra.hold.node }, cx.date());
      cx.emit({ kind: 'info', note: reason });
      left.push({ name: s.name, value: cur, original: s.original, reason });
      continue;
    }
    const orig = s.original.trim() as MetaLevel;
    if (s.name === 'meta_level' && keepSteady && orig in META_LEVEL_VALUE && META_LEVEL_VALUE[orig] > META_LEVEL_VALUE.steady) {
      const reason: Note = {
        code: 'level-kept-steady',
        op: keepSteady.op,
        outcome: keepSteady.outcome,
        nodes: keepSteady.nodes,
        original: orig,
      };
      cx.deps.journal.append({ t: 'kept', name: s.name, value: cur, reason: keptRecord(reason) }, cx.date());
      cx.emit({ kind: 'warning', note: reason });
      left.push({ name: s.name, value: cur, original: s.original, reason });
      continue;
    }
    if (s.name === 'meta.live_percentage') {
      const st = await cx.deps.cluster.readState(signal);
      const ad = aliveDead(st);
      // A node whose stop was issued but is still listed ALIVE will be counted dead within the fd grace period.
      const dying = st.nodes.filter((n) => n.alive && pendingStops.has(n.address)).map((n) => n.address);
      const alive = ad.alive - dying.length;
      const dead = ad.dead + dying.length;
      const dec = decideRestorePct(Number(s.original), alive, dead, (await cx.minLive(st.leader, signal)).value);
      if (dec.kind === 'keep') {
        // A node whose stop was issued counts as dead: the meta declares it so within the fd grace period.
        const reason: Note = dying.length > 0 ? { ...dec.note, dying } : dec.note;
        cx.deps.journal.append({ t: 'kept', name: s.name, value: cur, reason: keptRecord(reason) }, cx.date());
        cx.emit({ kind: 'warning', note: reason });
        left.push({ name: s.name, value: cur, original: s.original, reason });
        continue;
      }
    }
    if (sameValue(s.name, cur, s.original)) {
      cx.deps.journal.append({ t: 'restored', name: s.name, value: cur, how: 'unchanged' }, cx.date());
      continue;
    }
    await cx.deps.cluster.setSetting(s.name, s.original, signal);
    cx.deps.journal.append({ t: 'restored', name: s.name, value: s.original, how: 'set' }, cx.date());
    cx.emit({ kind: 'setting', name: s.name, from: cur, to: s.original, why: { code: 'restored' } });
  }
  return left;
}

/** Settings that look left over from a scale operation whose journal is gone. */
export async function looksChanged(cx: OpContext): Promise<LooksChanged[]> {
  const signal = AbortSignal.timeout(30_000);
  const out: LooksChanged[] = [];
  const bl = (await cx.deps.cluster.getSetting('meta.lb.assign_secondary_black_list', signal)).trim();
  if (bl) out.push({ code: 'black-list-set', value: bl });
  const delay = Number(await cx.deps.cluster.getSetting('meta.lb.assign_delay_ms', signal));
  if (Number.isFinite(delay) && delay < cx.options.lowDelayThresholdMs) out.push({ code: 'delay-low', ms: delay });
  const omp = (await cx.deps.cluster.getSetting('meta.lb.only_move_primary', signal)).trim();
  if (omp === 'true') out.push({ code: 'only-move-primary-set' });
  const level = (await cx.deps.cluster.getSetting('meta_level', signal)).trim() as MetaLevel;
  if (level === 'steady') out.push({ code: 'level-steady' });
  else if (level in META_LEVEL_VALUE && META_LEVEL_VALUE[level] < META_LEVEL_VALUE.steady) out.push({ code: 'level-below-steady', level });
  return out;
}

export function leftOpen(cx: OpContext): SettingLeft[] {
  return cx.deps.journal.openSettings().map((s: OpenSetting) => ({
    name: s.name,
    value: s.current,
    original: s.original,
    reason: keptNote(s.keptReason),
  }));
}
