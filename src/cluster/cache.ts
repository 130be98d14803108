/**
 * A snapshot shared by readers that do not need the very latest state (completions, hovers,
 * read-only steps): at most one fetch in flight, reused while younger than the asked age.
 */
import type { MetaClientLike } from './client';
import { fetchSnapshot, type FetchSnapshotOptions } from './fetch';
import type { ClusterSnapshot } from './snapshot';

export interface SnapshotCache {
  /** Returns a snapshot no older than `maxAgeMs`, fetching one when needed. */
  get(maxAgeMs: number, signal?: AbortSignal): Promise<ClusterSnapshot>;
  /** Drops the cached snapshot (after a command that changed the cluster). */
  invalidate(): void;
  /** The cached snapshot, however old, without fetching. */
  peek(): ClusterSnapshot | undefined;
}

export function createSnapshotCache(
  client: MetaClientLike,
  opts: Omit<FetchSnapshotOptions, 'signal' | 'onTopLevel'> = {},
  now: () => number = Date.now,
): SnapshotCache {
  let cached: { snap: ClusterSnapshot; at: number } | undefined;
  let inFlight: Promise<ClusterSnapshot> | undefined;
  let generation = 0;
  return {
    get(maxAgeMs, signal) {
      if (cached && now() - cached.at <= maxAgeMs) return Promise.resolve(cached.snap);
      if (!inFlight) {
        const gen = generation;
        const started = now();
        // The shared fetch is not tied to one caller's signal: another caller may still want it.
        inFlight = fetchSnapshot(client, opts).then(
          (snap) => {
            if (gen === generation) cached = { snap, at: started };
            inFlight = undefined;
            return snap;
          },
          (e: unknown) => {
            inFlight = undefined;
            throw e;
          },
        );
      }
      const p = inFlight;
      if (!signal) return p;
      return new Promise<ClusterSnapshot>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        p.then(
          (s) => {
            signal.removeEventListener('abort', onAbort);
            resolve(s);
          },
          (e: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(e);
          },
        );
      });
    },
    invalidate() {
      generation++;
      cached = undefined;
    },
    peek() {
      return cached?.snap;
    },
  };
}
