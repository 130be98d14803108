// The wording catalogue and the say-it-once rule: the only tests that pin English sentences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Note, OperationResult } from '../../../src/engine/engine';
import { eventLine, operationResult } from '../../../src/commands/steps/present';
import { Narrator, noteWords, previewWords, progressWords, refusalWords, stateWords } from '../../../src/commands/steps/words';
import { confirmDetail } from '../../../src/commands/confirm';

const kept: Note = { code: 'pct-kept-lowered', original: 65, alive: 3, dead: 2, minLive: 3 };

test('notes in words: the kept threshold with its arithmetic and what to do, min-live read or assumed', () => {
  assert.equal(
    noteWords(kept),
    'meta.live_percentage stays lowered: restoring 65 now would freeze the meta because it still counts 2 dead nodes (alive*100 = 300 < pct*(alive+dead) = 325). ' +
      'Restart the meta servers (restart-meta) so they forget the removed nodes; the config value applies again after the restart',
  );
  assert.equal(
    noteWords({ code: 'min-live-read', value: 3, source: 'read from the meta leader m:1' }),
    'min_live=3 (read from the meta leader m:1)',
  );
  assert.match(
    noteWords({ code: 'min-live-assumed', value: 3, error: 'ECONNREFUSED' }),
    /^assumed min_live=3: the meta's \/config could not be read: ECONNREFUSED/,
  );
  assert.match(
    noteWords({ code: 'margin-zero', nodes: ['a:1', 'b:1'] }),
    /^stopping a:1, b:1 leaves freeze margin 0: one unrelated node failure/,
  );
  assert.equal(
    noteWords({ code: 'nothing-to-restore' }),
    'nothing left to restore: every setting the journal records as changed was given back',
  );
});

test('refusals in words: when no node can be removed the fix says so instead of "at most 0"', () => {
  const none = refusalWords({ code: 'replica-count', table: 'temp', replicas: 3, left: 2, removable: 0 });
  assert.equal(none.reason, 'table temp keeps 3 replicas but only 2 node(s) would be left');
  assert.match(none.fix, /^no node can be removed while temp keeps 3 replicas: add nodes first/);
  assert.doesNotMatch(none.fix, /at most 0/);
  assert.match(refusalWords({ code: 'replica-count', table: 't', replicas: 3, left: 2, removable: 1 }).fix, /^remove at most 1 node,/);
  const gone = refusalWords({ code: 'not-a-node', node: 'a:1', known: 3, removed: { run: 'r1', at: '2026-01-01T00:00:00.000Z' } });
  assert.match(gone.reason, /not listed by the meta any more: run r1 stopped it/);
  assert.doesNotMatch(gone.reason, /closest/);
  assert.match(refusalWords({ code: 'already-member', nodes: ['a:1'] }).reason, /^a:1 is already a member of this cluster/);
  const frozen = refusalWords({ code: 'min-live', nodes: ['a:1'], aliveAfter: 2, minLive: 3 });
  assert.match(frozen.fix, /^no node can be removed without freezing the meta: add nodes first/);
  assert.match(refusalWords({ code: 'black-list-present', value: 'a:1' }).fix, /meta\.lb\.assign_secondary_black_list clear/);
});

test('the narrator says a note in full once, then a short pointer or nothing', () => {
  const say = new Narrator();
  assert.equal(say.note(kept), noteWords(kept));
  assert.equal(say.note(kept), 'kept lowered until the metas restart (see above)');
  // margin 0: per node, a node already named is not named again.
  assert.match(say.note({ code: 'margin-zero', nodes: ['a:1', 'b:1'] })!, /^stopping a:1, b:1 leaves/);
  assert.equal(say.note({ code: 'margin-zero', nodes: ['a:1'] }), undefined);
  assert.match(say.note({ code: 'margin-zero', nodes: ['b:1', 'c:1'] })!, /^stopping c:1 leaves/);
  const ml: Note = { code: 'min-live-read', value: 3, source: 'read from the meta leader m:1 (GET http://m:1/config)' };
  assert.equal(say.note(ml), noteWords(ml));
  assert.equal(say.note(ml), 'min_live=3 (read from the meta)');
  // A new output starts afresh.
  assert.equal(new Narrator().note(kept), noteWords(kept));
});

test('progress: a step that only started says nothing; a finished step says its detail once', () => {
  const say = new Narrator();
  assert.equal(eventLine({ kind: 'step', step: 'level', status: 'started', detail: '' }, say), undefined);
  assert.equal(eventLine({ kind: 'step', step: 'level', status: 'done', detail: 'meta level steady' }, say), 'level: meta level steady');
  assert.equal(eventLine({ kind: 'step', step: 'level', status: 'done', detail: 'meta level steady' }, say), undefined);
  assert.equal(eventLine({ kind: 'warning', note: kept }, say), noteWords(kept));
});

test('an operation result says what the progress already said only as a pointer; the summary repeats no sentence', () => {
  const say = new Narrator();
  eventLine({ kind: 'warning', note: kept }, say);
  const r: OperationResult = {
    op: 'scale-in',
    run: 'r1',
    outcome: 'done',
    notes: [],
    cluster: { leader: 'm:1', level: 'steady', alive: 3, dead: 2, unhealthy: 0, unhealthySample: [], nodes: [] },
    refusals: [],
    settingsLeft: [{ name: 'meta.live_percentage', value: '60', original: '65', reason: kept }],
    stats: { primariesMoved: 1, copiesProposed: 2, bytesCopied: 0, bytesEstimated: 0, elapsedMs: 7000 },
  };
  const out = operationResult('scale-in', r, undefined, say);
  assert.doesNotMatch(out.text, /restoring 65 now would freeze/);
  assert.match(out.text, /60 \(was 65\): kept lowered until the metas restart \(see above\)/);
  assert.equal(out.summary, 'scale-in done after 7s; 1 setting(s) left changed');
  assert.match(out.text, new RegExp(stateWords(r.cluster).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  // Alone (nothing said before), the reason is given in full, once.
  const alone = operationResult('scale-in', r, undefined);
  assert.equal(alone.text.split('restoring 65 now would freeze').length, 2);
});

test('refused results and JSON: the table words each code, the data keeps codes and values', () => {
  const r: OperationResult = {
    op: 'scale-in',
    run: '',
    outcome: 'refused',
    notes: [],
    refusals: [{ code: 'replica-count', table: 'temp', replicas: 3, left: 2, removable: 0 }],
    settingsLeft: [],
    stats: { primariesMoved: 0, copiesProposed: 0, bytesCopied: 0, bytesEstimated: 0, elapsedMs: 0 },
  };
  const out = operationResult('scale-in', r, undefined);
  assert.equal(out.summary, 'scale-in refused (replica-count)');
  assert.match(out.text, /no node can be removed while temp keeps 3 replicas/);
  assert.deepEqual((out.data as OperationResult).refusals, r.refusals);
});

test('one operation per cluster in words: the lease holder and its start time, what changed, the other run’s nodes', () => {
  const holder = {
    who: 'carol@ops-box',
    op: 'migrate',
    started: '2026-01-02T03:04:05.000Z',
    cluster: 'prod',
    path: '/pegasus-ops/locks/prod',
  };
  const lease = refusalWords({ code: 'another-operation', marks: [], nodes: ['10.0.0.3:34801'], holder });
  assert.equal(
    lease.reason,
    'another operation is running on this cluster: carol@ops-box runs migrate since 2026-01-02T03:04:05.000Z (lease /pegasus-ops/locks/prod); it is removing 10.0.0.3:34801',
  );
  const bl = 'meta.lb.assign_secondary_black_list';
  const fc = refusalWords({ code: 'foreign-change', changes: [{ name: bl, ours: 'a:1', found: 'b:1,c:1' }], nodes: ['b:1', 'c:1'] });
  assert.equal(
    fc.reason,
    'someone else changed settings this run controls, so it stopped: meta.lb.assign_secondary_black_list is b:1,c:1 (this run set a:1); another operation is removing b:1, c:1',
  );
  assert.match(refusalWords({ code: 'lease-unavailable', error: 'no answer', hosts: 'zk1:2181' }).reason, /zk1:2181.*no answer/);
  assert.match(noteWords({ code: 'not-restored-foreign', name: bl, found: 'b:1', ours: 'a:1' }), /not given back.*b:1/);
});

test('bytes copied without learning counters are labelled as an estimate, in the result and in progress', () => {
  const base: OperationResult = {
    op: 'scale-in',
    run: 'r1',
    outcome: 'done',
    notes: [],
    refusals: [],
    settingsLeft: [],
    stats: { primariesMoved: 0, copiesProposed: 2, bytesCopied: 2 * 1024 ** 3, bytesEstimated: 2 * 1024 ** 3, elapsedMs: 1000 },
  };
  assert.match(operationResult('scale-in', base, undefined).text, /bytes copied +: ~2\.0 GiB \(estimated from replica sizes/);
  const measured = { ...base, stats: { ...base.stats, bytesEstimated: 0 } };
  assert.match(operationResult('scale-in', measured, undefined).text, /bytes copied +: 2\.0 GiB\n/);
  const p = {
    phase: 'copy replicas',
    node: 'n:1',
    unhealthy: 0,
    bytesCopied: 1024 ** 3,
    bytesPlanned: 2 * 1024 ** 3,
    rate: 0,
    elapsedSeconds: 1,
  };
  assert.match(progressWords({ ...p, estimated: true }), /~1\.0 GiB\/2\.0 GiB copied \(estimated\)/);
  assert.match(progressWords(p), /, 1\.0 GiB\/2\.0 GiB copied/);
});

test('confirmation words: settings with values, warnings, verdict, steps done on resume; restore-settings lists what it gives back', () => {
  const w = previewWords(
    {
      op: 'scale-in',
      settings: [
        { name: 'meta_level', from: 'lively', to: 'steady' },
        { name: 'meta.live_percentage', from: '65', to: '60', untilMetaRestart: true },
      ],
      warnings: [{ code: 'margin-zero', nodes: ['10.0.0.5:34801'] }],
      refusals: [],
      resuming: { run: 'r1', done: ['blacklist', '10.0.0.5:34801:primaries'] },
      nothingToChange: false,
    },
    'remove 10.0.0.5:34801',
  );
  assert.deepEqual(w.settings[0], 'meta_level lively → steady');
  assert.match(w.settings[1]!, /^meta\.live_percentage 65 → 60 \(stays lowered until a meta restart/);
  assert.match(w.warnings[0]!, /freeze margin 0/);
  assert.equal(w.verdict, 'pre-flight passed: the run may start');
  assert.deepEqual(w.done, ['blacklist', '10.0.0.5:34801:primaries']);
  const detail = confirmDetail({ cluster: 'c', command: 'scale-in', production: false, ...w });
  assert.match(detail, /Resuming; already done \(skipped\):\n✓ blacklist\n✓ 10\.0\.0\.5:34801:primaries/);
  assert.match(detail, /Warnings:\n⚠ stopping 10\.0\.0\.5:34801 leaves freeze margin 0/);
  const none = previewWords({ op: 'restore-settings', settings: [], warnings: [], refusals: [], restores: [], nothingToChange: true }, '');
  assert.equal(none.nothingToChange, true);
  const some = previewWords(
    {
      op: 'restore-settings',
      settings: [],
      warnings: [],
      refusals: [],
      restores: [{ name: 'meta.lb.assign_delay_ms', value: '10', original: '60000', reason: { code: 'not-restored-yet' } }],
      nothingToChange: false,
    },
    '',
  );
  assert.deepEqual(some.settings, ['meta.lb.assign_delay_ms 10 → 60000']);
});

test('in-flight-at-cancel words: proposals, landed, dropped, and where each node ends', () => {
  const t = noteWords({
    code: 'in-flight-at-cancel',
    proposals: 4,
    landed: 1,
    unsettled: 3,
    waitedSeconds: 40,
    ended: 'timeout',
    pendingCleared: true,
    dropped: false,
    nodes: [{ node: 'a:1', outgoing: 4, incoming: 0, replicas: 12, willEnd: 9 }],
  });
  assert.match(t, /4 proposals were still in flight/);
  assert.match(t, /1 landed, 3 not finished \(the wait ended: they may still land/);
  assert.match(t, /a:1 12 replica\(s\), 9 once the rest land \(4 moving off at the cancel\)/);
});
