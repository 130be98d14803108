/**
 * The MetaClient against a hostile meta (test/support/hostileMeta.ts): every attack ends in a typed
 * PegasusError or a clean answer, in bounded time, and a headless run printing the outcome lets no
 * control byte through to the terminal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecodeLimitError, MetaClient, PegasusError } from '../../../src/pegasus';
import { describeError } from '../../../src/commands/errors';
import { terminalSafe } from '../../../src/commands/safeText';
import { runRunbook } from '../../../src/runbook/headless';
import type { ClusterProfile } from '../../../src/cluster/profile';
import { ATTACKS, startHostileMeta, type Attack } from '../../support/hostileMeta';

/** C0 controls other than tab and newline, DEL and C1 controls: none may reach a terminal. */
function firstControl(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x0a && c !== 0x09) || (c >= 0x7f && c <= 0x9f)) return i;
  }
  return -1;
}

const client = (addresses: string[]) =>
  new MetaClient({ metaServers: addresses, timeoutMs: 2000, attemptTimeoutMs: 1000, retryDelayMs: 50 });

/** What each attack must end in; `clean` means the reply is well-formed (only its strings are hostile). */
const EXPECT: Record<Attack, 'error' | 'clean' | 'either'> = {
  oversized: 'error',
  truncated: 'error',
  amplified: 'error',
  nested: 'error',
  slow: 'error',
  reset: 'error',
  'wrong-seqid': 'error',
  'escape-error': 'error',
  'escape-strings': 'either',
};

for (const attack of ATTACKS) {
  test(`hostile meta, ${attack}: a typed error or a clean answer within 5 s; nothing printed carries a control byte`, async () => {
    const meta = await startHostileMeta(attack);
    const c = client(meta.addresses);
    try {
      const t0 = performance.now();
      const outcome = await c.listNodes().then(
        (nodes) => ({ ok: true as const, nodes }),
        (e: unknown) => ({ ok: false as const, e }),
      );
      const ms = performance.now() - t0;
      assert.ok(ms < 5000, `${attack} took ${Math.round(ms)} ms`);
      if (EXPECT[attack] === 'error') assert.equal(outcome.ok, false, `${attack} was accepted`);
      if (!outcome.ok) {
        assert.ok(outcome.e instanceof PegasusError, `${attack}: ${String(outcome.e)}`);
        if (attack === 'amplified') assert.ok(outcome.e instanceof DecodeLimitError, String(outcome.e));
        const d = describeError(outcome.e);
        const shown = terminalSafe(`${d.name}: ${d.message}\n  what to do: ${d.fix}\n`);
        assert.equal(firstControl(shown), -1, JSON.stringify(shown.slice(0, 300)));
        assert.ok(shown.length < 20_000, `${attack}: ${shown.length} characters printed for one error`);
      } else {
        assert.ok(Array.isArray(outcome.nodes));
      }
    } finally {
      c.close();
      await meta.close();
    }
  });
}

test('hostile meta: a headless `nodes -d` cell prints no control byte whatever the meta sends', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  try {
    const file = join(dir, 'look.runbook.md');
    writeFileSync(file, '# Look\n\n```pegasus\nnodes -d\n```\n');
    for (const attack of ['escape-error', 'escape-strings', 'truncated', 'amplified'] as const) {
      const meta = await startHostileMeta(attack);
      const c = client(meta.addresses);
      let printed = '';
      try {
        const profile = { name: 'hostile', metaServers: meta.addresses } as ClusterProfile;
        const t0 = performance.now();
        await runRunbook({ file, profile, client: c, out: (s) => (printed += s), err: (s) => (printed += s), progressIntervalMs: 0 });
        assert.ok(performance.now() - t0 < 10_000);
      } finally {
        c.close();
        await meta.close();
      }
      const at = firstControl(printed);
      assert.equal(at, -1, `${attack}: control byte ${JSON.stringify(printed[at])} at ${at} in ${JSON.stringify(printed.slice(0, 400))}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
