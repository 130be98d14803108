// The demo (`npm start`) says each thing once per cell: no phrase of 60+ characters twice within
// one cell's output, no progress line for a step that only started, and restore-settings after a
// clean run says there is nothing left to restore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** The output of each cell: from its "▶ [i/n]" line up to the next one (or the run's summary). */
function cells(out: string): { label: string; text: string }[] {
  const parts = out.split(/^(?=▶ \[\d+\/\d+\])/m).slice(1);
  return parts.map((p) => {
    const text = p.split(/^\d+ cell\(s\):/m)[0]!;
    return { label: text.split('\n')[0]!, text };
  });
}

/** 60-character phrases (within a line; whitespace runs count as one space) said twice in one text. */
function repeatedPhrases(text: string, width = 60): string[] {
  const seen = new Map<string, { line: number; at: number }>();
  const repeats = new Set<string>();
  text.split('\n').forEach((raw, line) => {
    const flat = raw.replace(/\s+/g, ' ').trim();
    for (let i = 0; i + width <= flat.length; i++) {
      const w = flat.slice(i, i + width);
      const prev = seen.get(w);
      // Overlapping windows of one long run in a line (a row of dashes) are not a repeat.
      if (prev !== undefined && (prev.line !== line || i - prev.at >= width)) repeats.add(w);
      else if (prev === undefined) seen.set(w, { line, at: i });
    }
  });
  return [...repeats];
}

test('repeatedPhrases finds a sentence said twice and ignores one said once', () => {
  const s = 'the meta would freeze because it still counts 2 dead nodes (see the arithmetic)';
  assert.deepEqual(repeatedPhrases(`a ${s} b`), []);
  assert.ok(repeatedPhrases(`a ${s}\n  … ${s} c`).length > 0);
  assert.deepEqual(repeatedPhrases('x'.repeat(59) + '\n' + 'x'.repeat(59)), []);
});

test('demo: each cell says each thing once, no bare "started" lines, nothing left to restore at the end', { timeout: 120_000 }, () => {
  // Progress and cell headers go to stderr, results to stdout: read them interleaved, as a terminal shows them.
  const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" --import tsx src/cli/main.ts demo --time-scale 40 2>&1`], {
    encoding: 'utf8',
    timeout: 110_000,
  });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const all = cells(r.stdout);
  assert.ok(all.length >= 9, r.stdout);
  for (const c of all) {
    // The runner echoes the cell's command in its progress header (stderr) and its result heading (stdout): framing, not a message.
    const said = c.text.replace(/^(▶|##) \[\d+\/\d+\].*$/gm, '');
    assert.deepEqual(repeatedPhrases(said), [], `${c.label}\n${said}`);
    assert.doesNotMatch(c.text, /: started$/m, c.label);
  }
  const restore = all.find((c) => /restore-settings$/.test(c.label));
  assert.ok(restore, 'the demo runs restore-settings');
  assert.match(restore.text, /nothing left to restore/);
  assert.doesNotMatch(restore.text, /no journal entries/);
});
