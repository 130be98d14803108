/** Anything with a `dispose()`: VS Code disposables, event subscriptions, clients. */
export interface DisposableLike {
  dispose(): unknown;
}

/**
 * Base for classes that own disposables: `own()` registers one, `dispose()` disposes them once, in
 * the order they were registered. Subclasses with more to clean up override `dispose()` and call
 * `super.dispose()`.
 */
export class Disposable implements DisposableLike {
  private readonly owned: DisposableLike[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Registers `d` to be disposed with this object (at once when this one is already disposed). */
  protected own<T extends DisposableLike>(d: T): T {
    if (this.disposed) d.dispose();
    else this.owned.push(d);
    return d;
  }

  protected ownAll(...ds: DisposableLike[]): void {
    for (const d of ds) this.own(d);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.owned.splice(0)) d.dispose();
  }
}
