/**
 * What would keep this test process alive after its tests: referenced handles (sockets, servers,
 * timers, child processes) other than the process's own stdio. A file whose tests pass but which
 * leaves one of these open makes `node --test` wait until its 120 s file timeout (seen in CI for
 * templates.test.ts); `assertNoLeaks` turns that into an immediate failure naming the handle.
 */
import assert from 'node:assert/strict';

interface Handle {
  constructor?: { name?: string };
  hasRef?: () => boolean;
  _handle?: { hasRef?: () => boolean; fd?: number } | null;
  fd?: number;
  destroyed?: boolean;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
  address?: () => unknown;
  pid?: number;
  spawnargs?: string[];
  _idleTimeout?: number;
  _onTimeout?: unknown;
}

function referenced(h: Handle): boolean {
  if (typeof h.hasRef === 'function') return h.hasRef();
  const inner = h._handle;
  if (inner && typeof inner.hasRef === 'function') return inner.hasRef();
  return true;
}

function isStdio(h: Handle): boolean {
  const fd = h.fd ?? h._handle?.fd;
  return (
    (h as unknown) === process.stdin ||
    (h as unknown) === process.stdout ||
    (h as unknown) === process.stderr ||
    (fd !== undefined && fd >= 0 && fd <= 2)
  );
}

function describe(h: Handle): string {
  const kind = h.constructor?.name ?? typeof h;
  switch (kind) {
    case 'Socket':
      return `Socket :${h.localPort ?? '?'} -> ${h.remoteAddress ?? '?'}:${h.remotePort ?? '?'}${h.destroyed ? ' (destroyed)' : ''}`;
    case 'Server':
      return `Server ${JSON.stringify(h.address?.())}`;
    case 'Timeout':
      return `Timeout ${h._idleTimeout} ms: ${String(h._onTimeout).replace(/\s+/g, ' ').slice(0, 160)}`;
    case 'ChildProcess':
      return `ChildProcess ${h.pid} ${(h.spawnargs ?? []).join(' ')}`;
    default:
      return kind;
  }
}

/**
 * Referenced handles that would keep the process alive, described. Timers are not handles in
 * Node 20: `getActiveResourcesInfo` counts the referenced ones (minus `ownTimers` the caller holds).
 */
export function liveHandles(ownTimers = 0): string[] {
  const p = process as unknown as { _getActiveHandles(): Handle[] };
  const handles = p
    ._getActiveHandles()
    .filter((h) => !isStdio(h) && referenced(h))
    .map(describe);
  const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length - ownTimers;
  return timers > 0 ? [...handles, `${timers} referenced timer(s) (setTimeout/setInterval not cleared or unref'd)`] : handles;
}

/** Waits up to `graceMs` for closing handles to finish, then fails naming whatever is still open. */
export async function assertNoLeaks(graceMs = 2000): Promise<void> {
  const end = Date.now() + graceMs;
  let left = liveHandles();
  while (left.length > 0 && Date.now() < end) {
    await new Promise<void>((r) => setTimeout(r, 50)); // referenced: a wait must not let the loop end mid-check
    left = liveHandles();
  }
  assert.deepEqual(left, [], `still open after the tests (the process would not exit):\n${left.join('\n')}`);
}
