import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigService } from '../../../src/server/service';

const GOOD = '[meta_server]\nnode_live_percentage_threshold_for_update = 50\n';

test('the last good lenses are kept while the file is mid-edit, and dropped on close', () => {
  const s = new ConfigService();
  s.setSettings({ nodeCount: 10 });
  const good = s.lensesOf('u', 1, GOOD);
  assert.ok(good.length > 0);
  // value being retyped: not a number for a moment
  assert.deepEqual(s.lensesOf('u', 2, GOOD.replace('50', '')), good);
  // a half-typed section header elsewhere
  assert.deepEqual(s.lensesOf('u', 3, `${GOOD}[repl`), good);
  // back to a readable file: fresh lenses
  const fresh = s.lensesOf('u', 4, GOOD.replace('50', '60'));
  assert.notDeepEqual(fresh, good);
  assert.equal(fresh[0]!.args.pct, 60);
  s.forget('u');
  assert.deepEqual(s.lensesOf('u', 5, `${GOOD}[repl`).length > 0, true, 'nothing cached after close: computes from the text');
});

test('analyses are cached by version and recomputed when the editor context changes', () => {
  const warnings: string[] = [];
  const s = new ConfigService((m) => warnings.push(m));
  const a1 = s.analysisOf('u', 1, GOOD);
  assert.equal(s.analysisOf('u', 1, GOOD), a1);
  s.setEditorContext({ clusters: [{ name: 'prod', alive: 4, dead: 0 }] });
  const a2 = s.analysisOf('u', 1, GOOD);
  assert.notEqual(a2, a1);
  assert.equal(a2.nodes!.alive, 4);
  s.setEditorContext({ clusters: [{ name: '', alive: -1 }] });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /pegasus\/context ignored: context\.clusters\[0\]/);
  assert.equal(s.analysisOf('u', 1, GOOD).nodes!.alive, 4, 'a bad payload keeps the previous context');
  s.setSettings({ codeLens: false });
  assert.deepEqual(s.lensesOf('u', 1, GOOD), []);
});
