/**
 * A cancel mid-drain follows the copies the meta is still carrying out, and a resumed run reports
 * the whole operation: totals across every session and the before picture of its first start.
 * The meta cannot withdraw a proposal it executes; setting the level steady clears the pending
 * ones (apache/incubator-pegasus master src/meta/meta_service.cpp on_control_meta_level,
 * src/meta/server_state.cpp clear_proposals).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Note } from '../../../src/engine/engine';
import { harness, hostedOn, stepStarted } from '../../support/engineHarness';

type InFlight = Extract<Note, { code: 'in-flight-at-cancel' }>;

test('[2.6] cancel mid-drain: what was in flight is followed to the end; per node where it ends; resume totals cover both sessions', async () => {
  const h = await harness({ version: '2.6', nodes: 6, tables: [{ name: 'temp', partitions: 24, replicas: 3 }] });
  try {
    const node = '127.0.0.1:34801';
    const hostedAtStart = hostedOn(h, [node]);
    const ac = new AbortController();
    let sleepsInReplicas = 0;
    h.onSleep = () => {
      // A few polls into the copies: some landed, some still learning.
      if (stepStarted(h, `${node}:replicas`) && ++sleepsInReplicas === 1) ac.abort();
    };
    const r1 = await h.engine.run({ op: 'scale-in', nodes: [node] }, { signal: ac.signal });
    h.onSleep = undefined;
    assert.equal(r1.outcome, 'cancelled', JSON.stringify(r1));
    assert.ok(r1.stats.copiesProposed > 0, JSON.stringify(r1.stats));

    const inFlight = r1.notes.find((n): n is InFlight => n.code === 'in-flight-at-cancel');
    assert.ok(inFlight, `a cancel with copies moving says so: ${JSON.stringify(r1.notes)}`);
    assert.ok(inFlight.proposals > 0);
    // Copies that were learning landed; the ones the meta had not started were dropped by the level set steady again.
    assert.ok(inFlight.ended === 'settled' || inFlight.ended === 'stalled', JSON.stringify(inFlight));
    assert.equal(inFlight.landed + inFlight.unsettled, inFlight.proposals);
    assert.ok(inFlight.landed > 0, `a copy that was learning at the cancel lands: ${JSON.stringify(inFlight)}`);
    // Followed in simulated seconds: a dropped proposal is told by a short quiet period, not the stuck timeout.
    assert.ok(inFlight.waitedSeconds < 120, JSON.stringify(inFlight));
    assert.equal(inFlight.pendingCleared, true, 'the level was steady: setting it again clears pending proposals');
    const leaving = inFlight.nodes.find((n) => n.node === node);
    assert.ok(leaving && leaving.outgoing > 0, JSON.stringify(inFlight.nodes));
    // Where each node ends is where it really is: nothing moves after the result.
    const hostedAfterCancel = hostedOn(h, [node]);
    assert.equal(leaving.replicas, hostedAfterCancel);
    // Without learning counters an unfinished copy may still be learning: it is counted as landing, and said as unknown.
    assert.equal(inFlight.dropped, false);
    assert.equal(leaving.willEnd, hostedAfterCancel - inFlight.unsettled);
    assert.equal(r1.cluster?.nodes.find((n) => n.node === node)?.replicas, hostedAfterCancel);
    for (let i = 0; i < 30; i++) await h.clock.sleep(1000);
    assert.equal(hostedOn(h, [node]), hostedAfterCancel, 'no copy of the cancelled run lands after its result');
    assert.ok(hostedAfterCancel < hostedAtStart, 'some copies landed before the result');

    // The step that was cancelled journaled what it had done.
    const cancelledStep = h.journal.all().find((x) => x.t === 'step' && x.step === `${node}:replicas` && x.status === 'failed');
    assert.ok(
      cancelledStep?.t === 'step' && cancelledStep.totals && cancelledStep.totals.copiesProposed > 0,
      JSON.stringify(cancelledStep),
    );

    // The confirmation of the resume says what is already done.
    const preview = await h.engine.previewChange({ op: 'scale-in', nodes: [node] }, { resume: true });
    assert.equal(preview.resuming?.run, r1.run);
    assert.ok(preview.resuming?.done.includes(`${node}:primaries`), JSON.stringify(preview.resuming));
    assert.ok(!preview.resuming?.done.includes(`${node}:replicas`), 'the cancelled step is not done');
    assert.deepEqual(preview.refusals, []);

    const r2 = await h.engine.resume();
    assert.equal(r2?.outcome, 'done', JSON.stringify(r2));
    assert.equal(hostedOn(h, [node]), 0);
    // The whole operation's totals: the first session's proposals and bytes are part of them.
    assert.ok(r2.stats.copiesProposed >= hostedAtStart, `proposed ${r2.stats.copiesProposed} for ${hostedAtStart} hosted`);
    assert.ok(r2.stats.copiesProposed > r1.stats.copiesProposed);
    assert.ok(r2.stats.bytesCopied >= hostedAtStart * 64 * 1024 * 1024 * 0.9, `bytes ${r2.stats.bytesCopied}`);
    // The before picture is the first start's, not the resume's.
    assert.equal(r2.before?.find((l) => l.address === node)?.replicas, hostedAtStart);
    assert.deepEqual(r2.before, r1.before);
  } finally {
    await h.close();
  }
});

test('[2.6] a cancel with nothing in flight says nothing about in-flight copies', async () => {
  const h = await harness({ version: '2.6', nodes: 5, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
  try {
    const ac = new AbortController();
    h.onSleep = () => {
      if (stepStarted(h, 'blacklist')) ac.abort();
    };
    const r = await h.engine.run({ op: 'scale-in', nodes: ['127.0.0.1:34801'] }, { signal: ac.signal });
    assert.equal(r.outcome, 'cancelled');
    assert.equal(
      r.notes.some((n) => n.code === 'in-flight-at-cancel'),
      false,
    );
    assert.equal(r.before?.find((l) => l.address === '127.0.0.1:34801')?.replicas, hostedOn(h, ['127.0.0.1:34801']));
  } finally {
    await h.close();
  }
});
