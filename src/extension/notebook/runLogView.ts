/**
 * The run log as a person reads it: a markdown document built from the JSONL next to a runbook,
 * one section per editor/CLI session (its cells in order, with status, duration and result) and
 * one per engine operation (who, cluster, steps, settings changed and given back, outcome).
 * Pure (no `vscode` import): showRunLog.ts opens it in the markdown preview.
 */
import { journalRecordSchema, type JournalRecord } from '../../engine/journal';
import { cellRecordSchema, type CellRecord } from '../../runbook/runLog';

export interface RunLogContents {
  readonly cells: readonly CellRecord[];
  readonly engine: readonly JournalRecord[];
  /** Lines that were neither (a torn last line after a crash, or foreign text). */
  readonly skipped: number;
}

export function parseRunLog(text: string): RunLogContents {
  const cells: CellRecord[] = [];
  const engine: JournalRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    // Cell records are journal `event`s too: try the narrower shape first.
    const c = cellRecordSchema.safeParse(json);
    if (c.success) {
      cells.push(c.data);
      continue;
    }
    const j = journalRecordSchema.safeParse(json);
    if (j.success) engine.push(j.data);
    else skipped++;
  }
  return { cells, engine, skipped };
}

/** Table cells: no pipes or line breaks, inline code kept short. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function code(s: string): string {
  const one = s.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? s;
  const text = one.length > 80 ? `${one.slice(0, 79)}…` : one;
  return `\`${text.replace(/`/g, "'")}\``;
}

function when(iso: string): string {
  return iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')
    .replace(/Z$/, '');
}

function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
}

const STATUS: Record<string, string> = {
  succeeded: '✓ succeeded',
  failed: '✗ failed',
  cancelled: '■ cancelled',
  skipped: '– skipped',
  interrupted: '⚠ interrupted (no end recorded)',
};

function sessionSection(session: string, recs: readonly CellRecord[]): string[] {
  const first = recs[0]!.cell;
  const out = [
    `## Session \`${session}\``,
    '',
    `${first.who} against **${first.cluster}** (${first.host === 'cli' ? 'pegasus-ops run' : 'editor'}), from ${when(recs[0]!.at)} to ${when(recs[recs.length - 1]!.at)} UTC${first.resumes ? `; resumes session \`${first.resumes}\`` : ''}`,
    '',
    '| started (UTC) | cell | command | status | took | result |',
    '|---|---|---|---|---:|---|',
  ];
  // One row per cell run: its start and end records paired by cell index, in start order.
  const open = new Map<number, CellRecord>();
  const rows: { start: CellRecord; end?: CellRecord }[] = [];
  for (const r of recs) {
    if (r.cell.status === 'started') {
      const row = { start: r };
      rows.push(row);
      open.set(r.cell.index, r);
      continue;
    }
    const started = open.get(r.cell.index);
    const row = started ? rows.find((x) => x.start === started && !x.end) : undefined;
    if (row) row.end = r;
    else rows.push({ start: r, end: r });
    open.delete(r.cell.index);
  }
  for (const { start, end } of rows) {
    const c = start.cell;
    const status = end ? end.cell.status : 'interrupted';
    const detail =
      end && end.cell.status !== 'started'
        ? end.cell.error && end.cell.status !== 'succeeded'
          ? end.cell.error
          : (end.cell.summary ?? '')
        : '';
    out.push(
      `| ${when(start.at)} | ${c.index + 1}${c.name ? ` ${cell(c.name)}` : ''} | ${cell(code(c.command))} | ${STATUS[status] ?? status} | ${duration(end?.cell.durationMs)} | ${cell(detail)} |`,
    );
  }
  return out;
}

function operationSection(run: string, recs: readonly JournalRecord[]): string[] {
  const begin = recs.find((r): r is Extract<JournalRecord, { t: 'begin' }> => r.t === 'begin');
  const end = [...recs].reverse().find((r): r is Extract<JournalRecord, { t: 'end' }> => r.t === 'end');
  const out = [
    `## Operation ${begin ? `**${begin.op}**` : ''} \`${run}\``,
    '',
    begin
      ? `${begin.who} on **${begin.cluster}**, started ${when(begin.at)} UTC${end ? `, ended ${when(end.at)} UTC: **${end.outcome}**${end.message ? ` — ${end.message}` : ''}` : ' — no end recorded (still running, or interrupted: resume continues it)'}`
      : 'No begin record (the log starts mid-operation).',
  ];
  const steps = recs.filter((r): r is Extract<JournalRecord, { t: 'step' }> => r.t === 'step' && r.status !== 'started');
  if (steps.length > 0) {
    out.push('', '| at (UTC) | step | status | detail |', '|---|---|---|---|');
    for (const s of steps) out.push(`| ${when(s.at)} | ${cell(s.step)} | ${s.status} | ${cell(s.detail ?? '')} |`);
  }
  const settings = recs.filter((r) => r.t === 'setting' || r.t === 'restored' || r.t === 'kept');
  if (settings.length > 0) {
    out.push('', 'Settings:', '');
    for (const s of settings) {
      if (s.t === 'setting')
        out.push(`- ${when(s.at)} \`${s.name}\`: ${s.before || "''"} → ${s.after || "''"}${s.why ? ` (${s.why})` : ''}`);
      else if (s.t === 'restored') out.push(`- ${when(s.at)} \`${s.name}\` given back: ${s.value || "''"} (${s.how})`);
      else if (s.t === 'kept') out.push(`- ${when(s.at)} \`${s.name}\` kept at ${s.value || "''"}: ${s.reason}`);
    }
  }
  const events = recs.filter((r): r is Extract<JournalRecord, { t: 'event' }> => r.t === 'event');
  if (events.length > 0) {
    out.push('', 'Events:', '');
    for (const e of events) out.push(`- ${when(e.at)} ${e.kind}: ${e.message}`);
  }
  return out;
}

/** The whole log as markdown; `name` is the log's file name, `rawPath` where the JSONL itself is. */
export function renderRunLog(text: string, name: string, rawPath?: string): string {
  const log = parseRunLog(text);
  const out = [`# Run log: ${name}`, ''];
  const sessions = new Map<string, CellRecord[]>();
  for (const r of log.cells) sessions.set(r.run, [...(sessions.get(r.run) ?? []), r]);
  const runs = new Map<string, JournalRecord[]>();
  for (const r of log.engine) runs.set(r.run, [...(runs.get(r.run) ?? []), r]);
  out.push(
    `${sessions.size} session(s) of cells, ${runs.size} engine operation(s)${log.skipped ? `; ${log.skipped} line(s) that are not log records were left out` : ''}.${rawPath ? ` Records as written: \`${rawPath}\`` : ''}`,
  );
  if (sessions.size === 0 && runs.size === 0) out.push('', '_Nothing recorded yet._');
  for (const [s, recs] of sessions) out.push('', ...sessionSection(s, recs));
  for (const [r, recs] of runs) out.push('', ...operationSection(r, recs));
  return out.join('\n') + '\n';
}
