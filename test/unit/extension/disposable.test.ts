// The extension's Disposable base (src/extension/disposable.ts): owned disposables go once, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposable } from '../../../src/extension/disposable';

class Owner extends Disposable {
  readonly cleaned: string[] = [];
  add(name: string): void {
    this.own({ dispose: () => this.cleaned.push(name) });
  }
  override dispose(): void {
    this.cleaned.push('own cleanup');
    super.dispose();
  }
}

test('owned disposables are disposed once, in the order they were added, after the subclass cleanup', () => {
  const o = new Owner();
  o.add('a');
  o.add('b');
  assert.equal(o.isDisposed, false);
  o.dispose();
  o.dispose();
  assert.deepEqual(o.cleaned, ['own cleanup', 'a', 'b', 'own cleanup']);
  assert.equal(o.isDisposed, true);
});

test('a disposable added after dispose is disposed at once', () => {
  const o = new Owner();
  o.dispose();
  o.add('late');
  assert.deepEqual(o.cleaned, ['own cleanup', 'late']);
});
