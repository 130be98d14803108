/**
 * The one place where the engine's codes become English: a catalogue keyed by code (refusals with
 * their fix, notes, why a setting changed, what looks left over), the cluster summary and progress
 * lines, and a `Narrator` that says each thing once per output (one cell, one command): the second
 * time it gives a short back-reference or nothing. Terminal text and notebook markdown both come
 * from here; `--json` carries the codes and values instead.
 */
import { fmtBytes, fmtDuration } from '../../cluster/units';
import type {
  ChangePreview,
  LooksChanged,
  Note,
  Progress,
  Refusal,
  ResultNote,
  SettingChange,
  SettingWhy,
  StateSummary,
} from '../../engine/engine';
import type { ChangePreviewWords } from '../types';

type Words<U extends { code: string }, R> = { readonly [C in U['code']]: (v: Extract<U, { code: C }>) => R };

const list = (xs: readonly string[]): string => xs.join(', ');
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const shown = (v: string): string => v || "''";
const rate = (mb: number): string => (mb === 0 ? 'unlimited (0)' : `${mb} MB/s`);

/** Notes in full: said the first time in an output. */
export const NOTE_WORDS: Words<ResultNote, string> = {
  'min-live-read': (n) =>
    `min_live=${n.value} (${n.source})${n.optionIgnored !== undefined ? `; the engine option minLive=${n.optionIgnored} is ignored: the meta's own value decides when it freezes` : ''}`,
  'min-live-assumed': (n) =>
    `assumed min_live=${n.value}: the meta's /config could not be read: ${n.error}. If the meta's min_live_node_count_for_unfreeze differs, pass it as the engine option minLive`,
  'margin-zero': (n) =>
    `stopping ${list(n.nodes)} leaves freeze margin 0: one unrelated node failure during this step freezes the meta (keep-margin 1 lowers meta.live_percentage further to keep one spare)`,
  'margin-short': (n) =>
    `a freeze margin of ${n.keepMargin} cannot be kept: ${n.aliveAfter} alive would be below min_live ${n.minLive} whatever meta.live_percentage is`,
  'pct-kept-lowered': (n) =>
    `meta.live_percentage stays lowered: restoring ${n.original} now would freeze the meta because it still counts ${plural(n.dead, 'dead node')} ` +
    `(alive*100 = ${n.alive * 100} < pct*(alive+dead) = ${n.original * (n.alive + n.dead)}). Restart the meta servers (restart-meta) so they forget the removed nodes; the config value applies again after the restart` +
    (n.dying?.length
      ? `. This counts ${list(n.dying)} as dead: its stop was issued and the meta declares it dead within the failure-detection grace period`
      : ''),
  'drain-held': (n) =>
    `kept so no replica is placed on the drained node ${n.node}; \`stop-node ${n.node}\`, \`start-node ${n.node}\` or \`restore-settings\` gives it back`,
  'level-kept-steady': (n) =>
    `meta_level stays steady (was ${n.original}): the ${n.op} ${n.outcome === 'cancelled' ? 'was cancelled' : 'failed'} while ${list(n.nodes)} ${n.nodes.length > 1 ? 'are' : 'is'} still up and not fully removed, ` +
    `and ${n.original} would let the balancer move replicas back, so a resume would copy the same data again. Resume the run (it gives ${n.original} back when it finishes), or run restore-settings to set ${n.original} now (undoing the drain)`,
  'not-restored-yet': () => 'not restored yet: run restore-settings',
  'restore-failed': (n) =>
    `restoring settings failed: ${n.error}; once the meta answers again, run restore-settings (the journal keeps the values to restore)`,
  'lock-taken-over': (n) =>
    `took over the stale journal lock of ${n.who} (pid ${n.pid} on ${n.host}, ${n.op} started ${n.started}): that process is gone`,
  'lock-taken-over-unreadable': (n) =>
    `took over the journal lock ${n.path}: it ${n.was === 'empty' ? 'was empty (0 bytes, left by a full disk or a crash while it was written)' : 'named no engine (not a lock record)'}, so no engine held it`,
  'nothing-to-resume': () => 'nothing to resume in the journal for this operation; starting a new run',
  resuming: (n) => `resuming ${n.op} run ${n.run}; finished steps are skipped`,
  retrying: (n) => `${n.what} failed (${n.error}); retrying (a meta fail-over may be in progress)`,
  'setting-reverted': (n) =>
    `${n.name} was back at ${shown(n.found)} (a meta restart, or someone restored it by hand): set to ${shown(n.value)} again for this run`,
  'not-restored-foreign': (n) =>
    `${n.name} not given back: someone else set it to ${shown(n.found)} during this run (it had set ${shown(n.ours)}), so it is theirs now`,
  'restore-retrying': (n) => `restoring settings failed (${n.error}); retrying until a meta leader answers`,
  redrain: (n) =>
    `${n.node} hosts ${plural(n.replicas, 'replica')} again before its stop (placed there after its drain); draining it again first`,
  'drain-again': (n) =>
    `${n.step}: the journal says done, but ${n.node} holds ${n.primaries !== undefined ? plural(n.primaries, 'primary', 'primaries') : plural(n.replicas ?? 0, 'replica')} again (placed there while the run was interrupted); moving them again`,
  'drain-overlaps': (n) =>
    `draining ${n.node} while ${n.previous}'s failure detection runs (${n.previous} holds nothing; ${n.node} is stopped only once the meta sees ${n.previous} gone and every partition is healthy)`,
  'primaries-handed-over': (n) =>
    `handed ${plural(n.primaries, 'primary', 'primaries')} of ${n.node} over to secondaries before the stop (move_pri: a role switch, no copy)`,
  'cure-recreates': (n) =>
    `${n.node} still holds ${plural(n.secondaries, 'secondary', 'secondaries')}: once the meta sees it gone, its cure re-creates them on other nodes ` +
    `(from the stop until then, those partitions run one replica short); drain-node or scale-in would have copied them before the stop`,
  'throttle-set': (n) => `${n.name} on ${n.node}: ${rate(n.from)} -> ${rate(n.to)} for this run`,
  'throttle-reapplied': (n) => `${n.node} came back with ${n.name} ${rate(n.found)}: set to ${rate(n.value)} again`,
  'throttle-restored': (n) => `${n.name} on ${n.node} given back: ${rate(n.value)}`,
  'throttle-kept': (n) =>
    `${n.name} on ${n.node} stays at ${rate(Number(n.value))}: the server refused the value before (${rate(Number(n.original))}): ${n.error}; ` +
    `restarting that replica server brings back its config value (Pegasus 2.5 cannot set 0 at run time)`,
  'throttle-not-restored': (n) =>
    `${n.name} on ${n.node} is still ${rate(Number(n.value))} (before the run: ${rate(Number(n.original))}): ${n.error}; restore-settings tries again`,
  'throttle-gone': (n) => `${n.node} is down: the run's ${n.name} went with its process (it starts with its config value)`,
  'throttle-reapply-failed': (n) => `could not set the run's copy throttle on ${n.node}: ${n.error}; its copies are not throttled`,
  'disk-headroom-warning': (n) =>
    `after the planned moves ${n.nodes.map((x) => `${x.node} would be ${x.pctAfter}% full (${fmtBytes(x.usedAfter)} of ${fmtBytes(x.totalBytes)})`).join('; ')}: ` +
    `above the warning level of ${n.warnPct}% (the limit is ${n.limitPct}%)`,
  'still-alive': (n) =>
    `${n.node} still ALIVE after ${fmtDuration(n.seconds)}; the meta declares a node dead after the fd grace period (${n.fdGraceSeconds} s)`,
  'propose-failed': (n) => `proposing ${n.type} of ${n.gpid} ${n.from} -> ${n.to} failed: ${n.error}; will retry`,
  'in-flight-wait': (n) =>
    `cancelled with ${plural(n.proposals, 'proposal')} still being carried out by the meta (it cannot withdraw a copy it has started): ` +
    `following them (at most ${fmtDuration(n.boundSeconds)}) before the settings go back; touching ${list(n.nodes)}`,
  'in-flight-at-cancel': (n) =>
    `at the cancel ${plural(n.proposals, 'proposal')} ${n.proposals === 1 ? 'was' : 'were'} still in flight` +
    (n.pendingCleared ? ' (level set steady again: the meta dropped those it had not started)' : '') +
    `; after ${fmtDuration(n.waitedSeconds)} ${n.landed} landed` +
    (n.unsettled === 0
      ? ', none left moving'
      : `, ${n.unsettled} not finished (${n.dropped ? 'no target is learning: the meta dropped them' : n.ended === 'stalled' ? `nothing visible changed on them for a while: the meta may still be copying them (a copy shows only when it lands) or dropped them` : n.ended === 'unreadable' ? 'the cluster could not be read' : 'the wait ended: they may still land'}; nodes -d shows where they are)`) +
    `. Per node: ${n.nodes
      .map(
        (x) =>
          `${x.node} ${x.replicas} replica(s)${x.willEnd !== x.replicas ? `, ${x.willEnd} once the rest land` : ''} (${[x.outgoing ? `${x.outgoing} moving off` : '', x.incoming ? `${x.incoming} moving on` : ''].filter(Boolean).join(', ')} at the cancel)`,
      )
      .join('; ')}`,
  uneven: (n) =>
    `not even after the ${n.op}: ${n.tables.map((t) => `${t.table} primaries ${t.primaries.join('..')} (even: ${t.even.join('..')}), replicas ${t.replicas.join('..')}`).join('; ')}; a rebalance is advisable (run rebalance)`,
  'nothing-to-restore': () => 'nothing left to restore: every setting the journal records as changed was given back',
  'no-journal': (n) =>
    `no journal entries for this cluster (${n.journal}): nothing known to restore; ` +
    (n.looksChanged.length
      ? `what looks changed on the cluster: ${n.looksChanged.map((l) => LOOKS_WORDS[l.code](l as never)).join('; ')}`
      : 'nothing on the cluster looks left over from a scale operation'),
};

/** Notes once more in the same output: a few words pointing back. */
const NOTE_AGAIN: Partial<Record<ResultNote['code'], (n: never) => string>> = {
  'pct-kept-lowered': () => 'kept lowered until the metas restart (see above)',
  'drain-held': () => 'kept for the drained node (see above)',
  'level-kept-steady': () => 'kept steady until the drain finishes (see above)',
  'not-restored-yet': () => 'not restored yet',
  'restore-failed': () => 'restore failed (see above)',
  'min-live-read': (n: Extract<Note, { code: 'min-live-read' }>) => `min_live=${n.value} (read from the meta)`,
  'min-live-assumed': (n: Extract<Note, { code: 'min-live-assumed' }>) => `min_live=${n.value} (assumed)`,
};

export const LOOKS_WORDS: Words<LooksChanged, string> = {
  'black-list-set': (l) =>
    `meta.lb.assign_secondary_black_list = ${l.value} (cure never places replicas there); fix: remote_command -t meta-server meta.lb.assign_secondary_black_list clear`,
  'delay-low': (l) =>
    `meta.lb.assign_delay_ms = ${l.ms} ms (lowered: a restarting node loses its replicas at once); fix: remote_command -t meta-server meta.lb.assign_delay_ms DEFAULT`,
  'only-move-primary-set': () =>
    'meta.lb.only_move_primary = true (the balancer only moves primaries); fix, if it was false before: remote_command -t meta-server meta.lb.only_move_primary false',
  'level-steady': () => 'meta_level = steady (no balancer); if it was lively before the run: set_meta_level lively',
  'level-below-steady': (l) => `meta_level = ${l.level} (no reconfiguration runs); once you know why: set_meta_level steady`,
  unreadable: (l) => `the settings could not be read: ${l.error}`,
};

/** Why the engine set a setting. */
export const WHY_WORDS: Words<SettingWhy, string> = {
  'leaving-black-list': () => 'cure must never place a replica on a leaving node',
  'fast-cure': () => 'if a leaving node dies early its replicas are re-created at once',
  'no-balancer-while-leaving': () => 'no balancer while nodes leave',
  'no-balancer-while-joining': () => 'no balancer until every new node is up',
  'only-move-primary': () => 'new nodes receive secondaries first; primaries only move',
  'let-balancer-run': () => 'let the balancer run',
  balanced: () => 'balanced: stop the balancer',
  'pct-lowered': (w) =>
    w.keepMargin !== undefined
      ? `stopping ${w.node} at ${w.from} would leave fewer than ${w.keepMargin} spare node failure(s) before a freeze (alive ${w.alive}, dead ${w.dead}); ${w.to} keeps ${w.keepMargin} (keepMargin)`
      : `stopping ${w.node} would freeze the meta at ${w.from} (alive ${w.alive}, dead ${w.dead}); ${w.to} is the largest value that avoids it`,
  restored: () => 'given back from the journal',
  'meta-restart': (w) => `after the meta restart (before the run: ${shown(w.original)})`,
};

/** A refusal's reason and fix. `option` spells an engine option as this surface writes it (`--force` on a command line). */
export const REFUSAL_WORDS: Words<Refusal, { reason: string; fix: string }> = {
  frozen: (r) => ({
    reason: `the meta is frozen now (alive ${r.alive}, dead ${r.dead}): no reconfiguration can run`,
    fix: 'bring the dead nodes back, or lower meta.live_percentage (freeze-check shows how far), or restart the metas to forget removed nodes',
  }),
  'level-below-steady': (r) => ({
    reason: `the meta level is ${r.level}, below steady: proposals and cure do not run`,
    fix: 'set_meta_level steady, once you know why it was lowered',
  }),
  unhealthy: (r) => ({
    reason: `${r.count} partition(s) are not fully healthy: ${r.sample.map((u) => `${u.gpid} (${u.table}) ${u.health}`).join(', ')}${r.count > r.sample.length ? ', …' : ''}`,
    fix: 'wait until every partition is healthy (wait-healthy) and find out why they were not',
  }),
  'not-a-node': (r) =>
    r.removed
      ? {
          reason: `${r.node} is not listed by the meta any more: run ${r.removed.run} stopped it (${r.removed.at})`,
          fix: 'leave it out; nodes -d lists the nodes the meta knows now',
        }
      : {
          reason:
            `${r.node} is not a node of this cluster (the meta lists ${r.known} node(s)${r.closest ? `; closest known: ${r.closest}` : ''})` +
            (r.listedAs
              ? ` (the meta lists nodes by ${r.listedAs === 'hostname' ? 'hostname' : 'IP address'}: use the form nodes -d prints)`
              : ''),
          fix: `use an address as nodes -d prints it, e.g. ${r.closest ?? r.example ?? 'host:port'}`,
        },
  'already-member': (r) => ({
    reason: `${r.nodes.join(', ')} ${r.nodes.length === 1 ? 'is' : 'are'} already ${r.nodes.length === 1 ? 'a member' : 'members'} of this cluster (the meta lists ${r.nodes.length === 1 ? 'it' : 'them'} ALIVE, serving replicas): a scale-out joins new nodes only`,
    fix: 'name nodes the meta does not list alive yet; to spread replicas over the members as they are, use rebalance',
  }),
  'unalive-with-replicas': (r) => ({
    reason: `${r.node} is UNALIVE but still referenced by partitions: its data cannot be moved away from a dead process`,
    fix: `start ${r.node} again (start-node) or wait until every partition is healthy without it`,
  }),
  'last-replica': (r) => ({
    reason:
      `${r.node} holds the only alive replica of ${plural(r.count, 'partition')} (${r.sample.map((x) => `${x.gpid} (${x.table})`).join(', ')}${r.count > r.sample.length ? ', …' : ''}): ` +
      'stopping it would leave them with no replica at all',
    fix: `start the nodes that held their other replicas and wait-healthy, or drain-node ${r.node} first (it copies each replica elsewhere); stop-node --force stops it anyway`,
  }),
  'listed-twice': () => ({ reason: 'a node is listed twice', fix: 'list each node once' }),
  'replica-count': (r) => ({
    reason: `table ${r.table} keeps ${r.replicas} replicas but only ${r.left} node(s) would be left`,
    fix:
      r.removable === 0
        ? `no node can be removed while ${r.table} keeps ${r.replicas} replicas: add nodes first, or lower ${r.table}'s replica count`
        : `remove at most ${plural(r.removable, 'node')}, add nodes first, or lower ${r.table}'s replica count`,
  }),
  'no-room': (r) => ({
    reason: `${r.table}: ${r.replicas} replicas but only ${r.left} node(s) would be left (${r.partitions} partition(s) on ${list(r.nodes)} have nowhere to go)`,
    fix: 'add nodes first or remove fewer',
  }),
  'min-live': (r) => ({
    reason: `removing ${list(r.nodes)} leaves ${r.aliveAfter} alive, fewer than min_live_node_count_for_unfreeze = ${r.minLive}: the meta would freeze whatever meta.live_percentage is`,
    fix:
      (r.aliveAfter + r.nodes.length - 1 < r.minLive
        ? `no node can be removed without freezing the meta: add nodes first (keep at least ${r.minLive} alive), or lower min_live_node_count_for_unfreeze on the meta (HTTP /updateConfig?min_live_node_count_for_unfreeze=N)`
        : `remove at most ${plural(r.aliveAfter + r.nodes.length - r.minLive, 'node')}, add nodes first, or lower min_live_node_count_for_unfreeze on the meta`) +
      (r.source ? ` (${noteWords(r.source)})` : ''),
  }),
  'drain-held': (r) => ({
    reason: `drain-node of ${list(r.nodes)} keeps settings so no replica is placed there: ${r.settings.map((s) => `${s.name}=${s.current} (was ${s.original})`).join(', ')}`,
    fix: `stop-node ${r.nodes[0]} (or start-node ${r.nodes[0]} to keep it), or restore-settings, first`,
  }),
  'settings-left': (r) => ({
    reason: `an earlier run left settings changed: ${r.settings.map((s) => `${s.name}=${s.current} (was ${s.original})`).join(', ')}${r.keptOnPurpose ? ' — kept on purpose until a meta restart' : ''}`,
    fix: 'resume that run, or restore-settings (or restart-meta when the threshold must wait for it) first',
  }),
  'black-list-present': (r) => ({
    reason: `a secondary black list is already in place (${r.value}): another operation is running on this cluster, or an earlier run left it`,
    fix: 'let a running operation finish; else resume that run, or clear it: remote_command -t meta-server meta.lb.assign_secondary_black_list clear',
  }),
  'delay-lowered': (r) => ({
    reason: `meta.lb.assign_delay_ms is ${r.ms} ms, lowered by another scale operation running now or by an earlier one`,
    fix: 'let a running operation finish; else resume that run, or reset it: remote_command -t meta-server meta.lb.assign_delay_ms DEFAULT',
  }),
  'journal-locked': (r) => ({ reason: r.message, fix: r.fix }),
  'journal-unwritable': (r) => ({ reason: r.message, fix: r.fix }),
  'another-operation': (r) => ({
    reason:
      `another operation is running on this cluster: ` +
      [
        ...(r.holder ? [`${r.holder.who} runs ${r.holder.op} since ${r.holder.started} (lease ${r.holder.path ?? r.holder.cluster})`] : []),
        ...r.marks.map((m) => `${m.name} is ${shown(m.found)}${m.ours ? ` (this run set ${shown(m.ours)})` : ''}`),
        ...(r.nodes.length ? [`it is removing ${list(r.nodes)}`] : []),
      ].join('; '),
    fix: 'wait for it to finish (or ask who runs it), then start again; nothing of this run is left changed',
  }),
  'foreign-change': (r) => ({
    reason:
      `someone else changed settings this run controls, so it stopped: ${r.changes.map((c) => `${c.name} is ${shown(c.found)} (this run set ${shown(c.ours)})`).join(', ')}` +
      (r.nodes.length ? `; another operation is removing ${list(r.nodes)}` : '') +
      (r.holder ? `; ${r.holder.who} runs ${r.holder.op} since ${r.holder.started}` : ''),
    fix: 'find who else operates on this cluster and let one operation finish; then resume or start again (what this run still owned was given back, theirs was left)',
  }),
  'lease-unavailable': (r) => ({
    reason: `the operation lease in ZooKeeper (${r.hosts}) could not be taken: ${r.error}`,
    fix: 'check that the ZooKeeper ensemble named in the cluster entry (zookeeper.hosts) is reachable, or remove the entry to run without a lease',
  }),
  'lease-lost': (r) => ({
    reason: `the operation lease${r.path ? ` ${r.path}` : ''} was lost mid-run (${r.reason}): another run may have taken the cluster, so this one stopped`,
    fix: 'check ZooKeeper and who else operates on this cluster, then resume',
  }),
  'unfinished-run': (r) => ({
    reason: `the journal has an unfinished ${r.op} run (${r.run}, started ${r.at} by ${r.who})`,
    fix: r.same ? 'run it again with resume' : `resume that ${r.op} first, or restore-settings to end it`,
  }),
  'resume-superseded': (r) => ({
    reason: `nothing to resume: ${r.op} run ${r.run} was ${r.by ? `superseded by run ${r.by}` : 'finished'} by another engine since this journal was opened`,
    fix: 'read the journal for its outcome; start a new operation if it is still needed',
  }),
  'copy-throttle-invalid': (r) => ({
    reason: `--copy-rate-mb ${r.value}: a replica server takes only a whole number of MB/s above one copy block (nfs_copy_block_bytes = ${fmtBytes(r.blockBytes)}) per second`,
    fix: `give ${r.minMb} or more, or leave --copy-rate-mb out to keep the throttles in force`,
  }),
  'copy-throttle-unsupported': () => ({
    reason: 'this connection cannot send remote commands to the replica servers, so the copy throttle cannot be set',
    fix: 'leave --copy-rate-mb out (the throttles in force stay), or set nfs.max_copy_rate_megabytes_per_disk with remote_command yourself',
  }),
  'disk-headroom': (r) => ({
    reason:
      `after the planned moves ${r.nodes.map((n) => `${n.node} would be ${n.pctAfter}% full (${fmtBytes(n.usedAfter)} of ${fmtBytes(n.totalBytes)}, ${n.pctBefore}% now)`).join('; ')}: ` +
      `above the fill limit of ${r.limitPct}% (a replica server stops taking data below ${r.minRatio}% free: disk_min_available_space_ratio)`,
    fix: 'add nodes first (scale-out), remove fewer nodes, or migrate onto new nodes instead; --fill-limit sets the limit',
  }),
  'too-many': (r) => ({
    reason: `the cluster has only ${r.alive} alive node(s) (${r.listed} listed): ${r.count} cannot be removed`,
    fix: 'name nodes as nodes -d prints them, at most as many as are alive',
  }),
};

export function refusalWords(r: Refusal): { reason: string; fix: string } {
  return (REFUSAL_WORDS[r.code] as (v: Refusal) => { reason: string; fix: string })(r);
}

export function noteWords(n: ResultNote): string {
  return (NOTE_WORDS[n.code] as (v: ResultNote) => string)(n);
}

export function whyWords(w: SettingWhy): string {
  return (WHY_WORDS[w.code] as (v: SettingWhy) => string)(w);
}

/** The cluster in a few words: leader, level, alive/dead, health, and the leaving nodes' loads. */
export function stateWords(s: StateSummary | undefined): string {
  if (!s) return 'unknown (the cluster could not be read)';
  const parts = [`meta leader ${s.leader}, level ${s.level}; ${s.alive} node(s) alive, ${s.dead} dead`];
  parts.push(
    s.unhealthy === 0
      ? 'every partition healthy'
      : `${s.unhealthy} partition(s) not fully healthy (${s.unhealthySample.map((x) => `${x.gpid} ${x.health}`).join(', ')}${s.unhealthy > s.unhealthySample.length ? ', …' : ''})`,
  );
  for (const n of s.nodes)
    parts.push(
      n.listed
        ? `${n.node}: ${n.alive ? 'ALIVE' : 'UNALIVE'}, ${n.replicas} replica(s), ${n.primaries} primaries`
        : `${n.node}: not listed`,
    );
  return parts.join('; ');
}

/** One progress line from a progress event's numbers. */
export function progressWords(p: Progress): string {
  const parts = [p.phase + (p.node ? ` ${p.node}` : '')];
  if (p.primariesLeft !== undefined) parts.push(`${p.primariesLeft} primaries left`);
  if (p.replicasLeft !== undefined)
    parts.push(p.replicasTotal !== undefined ? `${p.replicasLeft}/${p.replicasTotal} replicas left` : `${p.replicasLeft} replicas left`);
  if (p.proposed !== undefined) parts.push(`${p.proposed} role switch(es) proposed`);
  if (p.tablesUneven !== undefined) parts.push(`${p.tablesUneven} table(s) not within ±1`);
  parts.push(`${p.unhealthy} unhealthy`);
  if (p.bytesPlanned > 0)
    parts.push(
      p.overPlan
        ? `${fmtBytes(p.bytesCopied)} copied, more than the ${fmtBytes(p.bytesPlanned)} planned (${p.overPlan === 'assumed' ? 'replica sizes were assumed: pass --replica-size' : p.overPlan === 'reported' ? 'the data grew during the drain, or other copies ran meanwhile' : 'replicas larger than the size given'})`
        : `${p.estimated ? '~' : ''}${fmtBytes(p.bytesCopied)}/${fmtBytes(p.bytesPlanned)} copied${p.estimated ? ' (estimated)' : ''}`,
    );
  if (p.rate > 0) parts.push(`${fmtBytes(p.rate)}/s`);
  if (p.etaSeconds !== undefined) parts.push(p.etaSeconds < 1 ? 'finishing the last copies' : `ETA ${fmtDuration(p.etaSeconds)}`);
  return parts.join(', ');
}

/** What a note is about, so the same fact about the same thing is recognised again. */
function noteKey(n: ResultNote): string {
  switch (n.code) {
    case 'min-live-read':
    case 'min-live-assumed':
      return 'min-live';
    case 'pct-kept-lowered':
      return 'pct-kept-lowered';
    default:
      return JSON.stringify(n);
  }
}

/**
 * Remembers what one output already said. `note` gives the full sentence the first time, then a
 * short back-reference (or undefined when there is none: say nothing). Margin-zero notes are
 * said per node: a node already named is left out.
 */
export class Narrator {
  private readonly said = new Set<string>();
  private readonly marginNodes = new Set<string>();

  /** The note in words, or undefined when this output said it already and nothing short points back. */
  note(n: ResultNote): string | undefined {
    if (n.code === 'margin-zero') {
      const fresh = n.nodes.filter((x) => !this.marginNodes.has(x));
      if (fresh.length === 0) return undefined;
      for (const x of fresh) this.marginNodes.add(x);
      return noteWords({ ...n, nodes: fresh });
    }
    const key = noteKey(n);
    if (!this.said.has(key)) {
      this.said.add(key);
      return noteWords(n);
    }
    return (NOTE_AGAIN[n.code] as ((v: ResultNote) => string) | undefined)?.(n);
  }

  /** A sentence of the surface's own (a step detail, a setting change): undefined when already said in this output. */
  once(text: string): string | undefined {
    if (this.said.has(`text:${text}`)) return undefined;
    this.said.add(`text:${text}`);
    return text;
  }
}

/** A setting a run will change, as the confirmation lists it. */
export function settingChangeWords(c: SettingChange): string {
  return `${c.name} ${shown(c.from)} → ${shown(c.to)}${c.untilMetaRestart ? ' (stays lowered until a meta restart: restore cannot raise it while the meta counts the removed nodes dead)' : ''}`;
}

/** The confirmation's content: what changes, every warning, the pre-flight verdict, and on resume what is already done. */
export function previewWords(p: ChangePreview, change: string): ChangePreviewWords {
  if (p.restores)
    return {
      change: p.restores.length ? 'give back every setting the journal says was changed and not yet restored' : 'nothing to restore',
      settings: p.restores.map((r) => `${r.name} ${shown(r.value)} → ${shown(r.original)}`),
      warnings: [],
      nothingToChange: p.nothingToChange,
    };
  const verdict =
    p.refusals.length === 0
      ? 'pre-flight passed: the run may start'
      : `pre-flight refuses (the run would stop before changing anything): ${p.refusals.map((r) => `${r.code}: ${refusalWords(r).reason}`).join('; ')}`;
  return {
    change,
    settings: p.settings.map(settingChangeWords),
    warnings: p.warnings.map((n) => noteWords(n)),
    verdict,
    ...(p.resuming ? { done: p.resuming.done.length ? p.resuming.done : [`none yet (resuming run ${p.resuming.run})`] } : {}),
    nothingToChange: p.nothingToChange,
  };
}
