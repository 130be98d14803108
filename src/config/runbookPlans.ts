/**
 * Reads the scale-ins planned in a runbook (`*.runbook.md`) so a config file can warn when its
 * threshold would freeze the cluster during them. Only what matters for the freeze rule: how many
 * nodes are removed before the meta next restarts (dead nodes stay counted until then).
 *
 * The runbook format belongs to the runbook feature; this reads just fenced `pegasus` blocks,
 * `scale-in --nodes A,B` lines, `restart-meta`, and the `cluster:` front-matter field.
 */
import type { RunbookPlan } from './settings';

const FENCE_RE = /^\s{0,3}(`{3,}|~{3,})\s*([^\s{`]*)/;

export function scanRunbook(uri: string, text: string): RunbookPlan | undefined {
  const lines = text.split(/\r?\n/);
  let cluster: string | undefined;
  let i = 0;
  if (lines[0]?.trim() === '---') {
    for (i = 1; i < lines.length && lines[i]!.trim() !== '---'; i++) {
      const m = /^cluster\s*:\s*["']?([^"'#]+?)["']?\s*(#.*)?$/.exec(lines[i]!);
      if (m) cluster = m[1]!.trim();
    }
    i++;
  }
  let fence: string | null = null;
  let inPegasus = false;
  let running = 0;
  let best = 0;
  let bestLine = -1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const f = FENCE_RE.exec(line);
    if (fence === null) {
      if (f) {
        fence = f[1]!;
        inPegasus = f[2] === 'pegasus';
      }
      continue;
    }
    if (f && f[1]!.startsWith(fence[0]!) && f[1]!.length >= fence.length && line.trim() === f[1]) {
      fence = null;
      inPegasus = false;
      continue;
    }
    if (!inPegasus) continue;
    const cmd = line.trim();
    if (/^restart-meta\b/.test(cmd)) {
      running = 0;
      continue;
    }
    const m = /^scale-in\b.*--nodes(?:=|\s+)(\S+)/.exec(cmd);
    if (m) {
      const n = m[1]!.split(',').filter((s) => s.trim().length > 0).length;
      running += n;
      if (running > best) {
        best = running;
        bestLine = i;
      }
    }
  }
  if (best === 0) return undefined;
  const name = uri.replace(/^.*[\\/]/, '');
  return { uri, ...(cluster ? { cluster } : {}), removals: best, line: bestLine, label: `Runbook ${name} (line ${bestLine + 1})` };
}

export function isRunbookUri(uri: string): boolean {
  return /\.runbook\.md$/i.test(uri);
}
