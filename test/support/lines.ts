/** Line-by-line checks of column-aligned shell output: the expected lines are written out, spaces and all. */
import assert from 'node:assert/strict';

/** `expected` occurs in `text` as consecutive whole lines, from the first line equal to `expected[0]`. */
export function assertLines(text: string, expected: readonly string[]): void {
  const lines = text.split('\n');
  const i = lines.indexOf(expected[0]!);
  // Not found: compare with every line, so the failure shows the whole output next to what was expected.
  assert.deepEqual(i < 0 ? lines : lines.slice(i, i + expected.length), expected);
}
