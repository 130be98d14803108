/**
 * Pictures of runbook outputs as HTML (no DOM needed, so it is unit-tested in Node): the plan as a
 * step timeline with the freeze margin of every step, live progress, and the replica distribution
 * per node before and after. Colours come from the editor theme's CSS variables, so light, dark
 * and high-contrast themes all work.
 */
import type { DistributionVisual, PlanVisual, ProgressVisual, ResultVisual, Visual } from '../../runbook/visual';
import { fmtBytes, fmtDuration } from '../../cluster/units';

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const C = {
  fg: 'var(--vscode-foreground)',
  muted: 'var(--vscode-descriptionForeground)',
  border: 'var(--vscode-panel-border, var(--vscode-editorWidget-border, rgba(128,128,128,.35)))',
  primary: 'var(--vscode-charts-blue, #3794ff)',
  secondary: 'var(--vscode-charts-purple, #b180d7)',
  leaving: 'var(--vscode-charts-red, #f14c4c)',
  joining: 'var(--vscode-charts-green, #89d185)',
  warn: 'var(--vscode-charts-yellow, #cca700)',
  ok: 'var(--vscode-charts-green, #89d185)',
  track: 'var(--vscode-editorWidget-background, rgba(128,128,128,.12))',
};

export const STYLE = `
.pgv{font-family:var(--vscode-font-family);font-size:12px;color:${C.fg};line-height:1.35;max-width:980px}
.pgv h3{font-size:13px;margin:4px 0 8px;font-weight:600}
.pgv .legend{display:flex;gap:14px;flex-wrap:wrap;color:${C.muted};margin:2px 0 8px}
.pgv .sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.pgv .dist{display:grid;grid-template-columns:minmax(150px,max-content) 1fr max-content;gap:3px 10px;align-items:center}
.pgv .addr{font-family:var(--vscode-editor-font-family);white-space:nowrap}
.pgv .addr.dead .a{opacity:.55;text-decoration:line-through}
.pgv .tag{font-size:10px;border-radius:3px;padding:0 4px;margin-left:6px;border:1px solid currentColor}
.pgv .bars{display:flex;flex-direction:column;gap:2px}
.pgv .bar{display:flex;height:9px;background:${C.track};border-radius:2px;overflow:hidden}
.pgv .bar.before{opacity:.45;height:6px}
.pgv .bar span{display:block;height:100%}
.pgv .num{color:${C.muted};font-variant-numeric:tabular-nums;white-space:nowrap}
.pgv .cards{display:flex;gap:8px;flex-wrap:wrap;margin:4px 0 10px}
.pgv .card{border:1px solid ${C.border};border-radius:4px;padding:4px 8px;min-width:90px}
.pgv .card b{display:block;font-size:14px}
.pgv .card i{font-style:normal;color:${C.muted}}
.pgv .steps{display:grid;grid-template-columns:max-content minmax(160px,max-content) 1fr max-content;gap:4px 10px;align-items:center;margin-bottom:12px}
.pgv .kind{font-size:10px;text-transform:uppercase;letter-spacing:.04em;color:${C.muted}}
.pgv .gauge{position:relative;height:12px;background:${C.track};border-radius:2px}
.pgv .gauge .alive{position:absolute;left:0;top:0;bottom:0;border-radius:2px}
.pgv .gauge .thr{position:absolute;top:-2px;bottom:-2px;width:2px;background:${C.fg}}
.pgv .problem{color:${C.leaving};margin:4px 0}
.pgv .progress{height:10px;background:${C.track};border-radius:3px;overflow:hidden;margin:6px 0}
.pgv .progress span{display:block;height:100%;background:${C.primary}}
.pgv .counters{display:flex;gap:8px;flex-wrap:wrap}
.pgv .state-failed,.pgv .state-cancelled{color:${C.leaving}}
.pgv .state-succeeded{color:${C.ok}}
.pgv table{border-collapse:collapse;margin:2px 0 10px;font-variant-numeric:tabular-nums}
.pgv th,.pgv td{border:1px solid ${C.border};padding:2px 8px;text-align:left;vertical-align:top}
.pgv thead th{font-weight:600}
.pgv table.kv th{font-weight:normal;color:${C.muted};white-space:nowrap}
.pgv .ttitle{font-weight:600;margin-top:6px}
.pgv pre{font-family:var(--vscode-editor-font-family);white-space:pre-wrap;margin:0}
.pgv .dist + .ttitle,.pgv .steps + h3{margin-top:10px}
.pgv .disk{position:relative;height:6px;background:${C.track};border-radius:2px;margin-top:2px}
.pgv .disk span{position:absolute;left:0;top:0;bottom:0;border-radius:2px}
.pgv .disk .was{opacity:.45}
.pgv .disk .lim{position:absolute;top:-2px;bottom:-2px;width:2px;background:${C.leaving}}
.pgv .fillnums{display:block}
`;

function pct(n: number, max: number): string {
  return `${max > 0 ? Math.max(0, Math.min(100, (n / max) * 100)).toFixed(2) : 0}%`;
}

function bar(c: { primaries: number; secondaries: number }, max: number, cls: string): string {
  return `<div class="bar ${cls}"><span style="width:${pct(c.primaries, max)};background:${C.primary}"></span><span style="width:${pct(c.secondaries, max)};background:${C.secondary}"></span></div>`;
}

type Fill = NonNullable<DistributionVisual['nodes'][number]['fill']>;

/** Over the limit: the leaving colour; above the warning level: the warning colour (theme charts colours). */
function fillColour(pctAfter: number, v: DistributionVisual): string {
  if (v.fillLimitPct !== undefined && pctAfter > v.fillLimitPct) return C.leaving;
  if (v.fillWarnPct !== undefined && pctAfter > v.fillWarnPct) return C.warn;
  return C.ok;
}

const pctOf = (used: number, total: number): number => (total > 0 ? Math.round((used / total) * 1000) / 10 : 0);

/** The disk bar: used now (faint) under used after (solid), and the fill limit as a line. */
function diskBar(f: Fill, v: DistributionVisual): string {
  const after = pctOf(f.usedAfter, f.totalBytes);
  const lim = v.fillLimitPct !== undefined ? `<span class="lim" style="left:calc(${v.fillLimitPct}% - 1px)"></span>` : '';
  return (
    `<div class="disk" title="disk ${pctOf(f.usedBefore, f.totalBytes)}% → ${after}% of ${esc(fmtBytes(f.totalBytes))}">` +
    `<span style="width:${pct(f.usedAfter, f.totalBytes)};background:${fillColour(after, v)}"></span>` +
    `<span class="was" style="width:${pct(f.usedBefore, f.totalBytes)};background:${C.fg}"></span>${lim}</div>`
  );
}

function fillNums(f: Fill, v: DistributionVisual): string {
  const before = pctOf(f.usedBefore, f.totalBytes);
  const after = pctOf(f.usedAfter, f.totalBytes);
  const data =
    f.dataBefore === f.dataAfter ? esc(fmtBytes(f.dataBefore)) : `${esc(fmtBytes(f.dataBefore))} → <b>${esc(fmtBytes(f.dataAfter))}</b>`;
  const disk = before === after ? `${before}%` : `${before}% → <b style="color:${fillColour(after, v)}">${after}%</b>`;
  return `<span class="fillnums">data ${data} · disk ${disk} of ${esc(fmtBytes(f.totalBytes))}</span>`;
}

export function renderDistribution(v: DistributionVisual): string {
  const hasAfter = v.nodes.some((n) => n.after);
  const max = Math.max(
    1,
    ...v.nodes.map((n) => Math.max(n.before.primaries + n.before.secondaries, n.after ? n.after.primaries + n.after.secondaries : 0)),
  );
  const legend =
    `<div class="legend"><span><span class="sw" style="background:${C.primary}"></span>primaries</span>` +
    `<span><span class="sw" style="background:${C.secondary}"></span>secondaries</span>` +
    (hasAfter ? `<span>thin bar: ${esc(v.beforeLabel)} · thick bar: ${esc(v.afterLabel)}</span>` : '') +
    (v.nodes.some((n) => n.fill)
      ? `<span>disk bar: faint ${esc(v.beforeLabel)}, solid ${esc(v.afterLabel)}${v.fillLimitPct !== undefined ? `; red line: fill limit ${v.fillLimitPct}%` : ''}</span>`
      : '') +
    `<span><span class="sw" style="background:${C.leaving}"></span>leaving</span><span><span class="sw" style="background:${C.joining}"></span>joining</span></div>`;
  const rows = v.nodes
    .map((n) => {
      const tag =
        n.mark === 'leaving'
          ? `<span class="tag" style="color:${C.leaving}">leaving</span>`
          : n.mark === 'joining'
            ? `<span class="tag" style="color:${C.joining}">joining</span>`
            : '';
      const total = (c: { primaries: number; secondaries: number }) => c.primaries + c.secondaries;
      const nums = n.after
        ? `${total(n.before)} → <b>${total(n.after)}</b> <span title="primaries">(${n.before.primaries} → ${n.after.primaries} P)</span>`
        : `<b>${total(n.before)}</b> (${n.before.primaries} P)`;
      const bars =
        (n.after ? bar(n.before, max, 'before') + bar(n.after, max, 'after') : bar(n.before, max, 'after')) +
        (n.fill ? diskBar(n.fill, v) : '');
      const fill = n.fill ? fillNums(n.fill, v) : '';
      return `<div class="addr${n.alive ? '' : ' dead'}" title="${n.alive ? 'ALIVE' : 'UNALIVE'}"><span class="a">${esc(n.address)}</span>${tag}</div><div class="bars">${bars}</div><div class="num">${nums}${fill}</div>`;
    })
    .join('');
  return `<h3>${esc(v.title)}</h3>${legend}<div class="dist" role="img" aria-label="${esc(v.title)}">${rows}</div>`;
}

export function renderPlan(v: PlanVisual): string {
  const cards = v.summary.map((s) => `<div class="card"><b>${esc(s.value)}</b><i>${esc(s.label)}</i></div>`).join('');
  const steps = v.steps
    .map((s, i) => {
      const total = s.alive + s.dead;
      const share = total ? (s.alive / total) * 100 : 100;
      const thr = s.lowerPctTo ?? s.pct;
      const colour = s.refused || s.frozen ? C.leaving : s.lowerPctTo !== undefined || s.margin === 0 ? C.warn : C.ok;
      const what =
        s.kind === 'stop' || s.kind === 'start'
          ? `${s.alive} alive / ${s.dead} dead`
          : `${s.primariesMoved} primaries moved, ${s.copies} copies, ${fmtBytes(s.bytes)}, ~${fmtDuration(s.seconds)}`;
      const note = s.refused
        ? `<span style="color:${C.leaving}">refused: ${esc(s.refused)}</span>`
        : s.frozen
          ? `<span style="color:${C.leaving}">FREEZES</span>`
          : s.lowerPctTo !== undefined
            ? `<span style="color:${C.warn}">threshold → ${s.lowerPctTo}</span>`
            : `margin ${s.margin}`;
      const fill = s.fill?.length
        ? `<div class="num">disk fill: ${s.fill.map((f) => `${esc(f.node)} ${f.pctBefore}% → ${f.pctAfter}%`).join(', ')}</div>`
        : '';
      return (
        `<div class="kind">${i + 1}. ${esc(s.kind)}</div><div>${esc(s.label)}<div class="num">${esc(what)}</div>${fill}</div>` +
        `<div class="gauge" title="alive share ${share.toFixed(1)}% vs threshold ${thr}%"><div class="alive" style="width:${share.toFixed(2)}%;background:${colour}"></div><div class="thr" style="left:calc(${thr}% - 1px)"></div></div>` +
        `<div class="num">${note}</div>`
      );
    })
    .join('');
  const problems = v.problems.map((p) => `<div class="problem">⚠ ${esc(p)}</div>`).join('');
  return (
    `<h3>${esc(v.title)}</h3><div class="cards">${cards}</div>${problems}` +
    `<div class="legend"><span>gauge: share of nodes alive after the step; the line is the live-percentage threshold (below it the meta freezes)</span></div>` +
    `<div class="steps">${steps}</div>` +
    (v.distribution ? renderDistribution(v.distribution) : '')
  );
}

export function renderProgress(v: ProgressVisual): string {
  const frac = v.fraction;
  const counters = v.counters
    .map(
      (c) =>
        `<div class="card"><b>${c.unit === 'bytes' ? `${fmtBytes(c.value)}${c.total !== undefined ? ` / ${fmtBytes(c.total)}` : ''}` : `${c.value}${c.total !== undefined ? ` / ${c.total}` : ''}`}</b><i>${esc(c.label)}</i></div>`,
    )
    .join('');
  return (
    `<h3>${esc(v.title)} <span class="state-${v.state}">${v.state === 'running' ? '' : esc(v.state)}</span></h3>` +
    `<div>${esc(v.message)}</div>` +
    (frac !== undefined
      ? `<div class="progress" role="progressbar" aria-valuenow="${Math.round(frac * 100)}"><span style="width:${(frac * 100).toFixed(1)}%"></span></div>`
      : '') +
    `<div class="counters">${counters}${v.elapsedMs !== undefined ? `<div class="card"><b>${fmtDuration(v.elapsedMs / 1000)}</b><i>elapsed</i></div>` : ''}</div>` +
    (v.distribution ? renderDistribution(v.distribution) : '')
  );
}

function cell(c: string | number | boolean | null): string {
  return c === null ? '' : esc(c);
}

/** Tables the way the markdown alternative shows them, plus the picture first when there is one. */
export function renderResult(v: ResultVisual): string {
  const pic = v.picture
    ? v.picture.view === 'distribution'
      ? renderDistribution(v.picture)
      : v.picture.view === 'plan'
        ? renderPlan(v.picture)
        : renderProgress(v.picture)
    : '';
  const tables = v.tables
    .map((t) => {
      const head = t.kind === 'keyValue' ? '' : `<thead><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>`;
      const body = t.rows
        .map(
          (r) =>
            `<tr>${t.columns.map((_, i) => (t.kind === 'keyValue' && i === 0 ? `<th>${cell(r[i] ?? null)}</th>` : `<td>${cell(r[i] ?? null)}</td>`)).join('')}</tr>`,
        )
        .join('');
      return `${t.title ? `<div class="ttitle">${esc(t.title)}</div>` : ''}<table class="${t.kind === 'keyValue' ? 'kv' : 'grid'}">${head}<tbody>${body}</tbody></table>`;
    })
    .join('');
  const text = v.text !== undefined ? `<pre>${esc(v.text)}</pre>` : '';
  return `${pic}${tables}${text}`;
}

export function renderVisual(v: Visual): string {
  const body =
    v.view === 'distribution'
      ? renderDistribution(v)
      : v.view === 'plan'
        ? renderPlan(v)
        : v.view === 'progress'
          ? renderProgress(v)
          : renderResult(v);
  return `<style>${STYLE}</style><div class="pgv">${body}</div>`;
}
