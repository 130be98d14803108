/**
 * The language server's state, kept apart from the LSP connection so it can be tested directly:
 * settings, the editor's facts, one cached analysis per open document (by version) and the last
 * good code lenses, which are returned while the file is mid-edit so lenses do not flicker.
 */
import { actionsFor, type Action } from '../config/actions';
import { analyzeConfig, type Analysis, type Finding, type Lens } from '../config/analysis';
import { completionsAt, type CompletionEntry } from '../config/completion';
import { hoverAt, type HoverResult } from '../config/hover';
import type { Position, Range } from '../config/parser';
import { describeZodError } from '../cluster/profile';
import {
  DEFAULT_SETTINGS,
  editorContextSchema,
  parseSettings,
  type AnalysisContext,
  type ConfigSettings,
  type EditorContext,
} from '../config/settings';

/**
 * What one document may cost. Past them a generated or corrupt file (a million duplicate lines)
 * would make a diagnostics message longer than V8 can build, or stall every other request.
 */
export const LIMITS = { maxDiagnostics: 1000, maxChars: 5_000_000, maxLines: 200_000 } as const;
export type Limits = { readonly [K in keyof typeof LIMITS]: number };

/** Set when a document was over the limits and only its beginning was analyzed. */
export interface Bounded {
  readonly analyzedLines: number;
  readonly totalLines: number;
  readonly totalChars: number;
}

export interface DocumentFindings {
  /** At most `maxDiagnostics`, the most severe first when some had to be left out. */
  readonly findings: readonly Finding[];
  /** How many findings were left out. */
  readonly omitted: number;
  readonly bounded?: Bounded;
}

interface Cached {
  readonly version: number;
  readonly analysis: Analysis;
  readonly bounded: Bounded | undefined;
  readonly lineLengths: (line: number) => number;
}

const RANK = { error: 0, warning: 1, information: 2, hint: 3 } as const;

/** The document itself, or its first whole lines within the limits. */
export function boundedText(text: string, limits: Limits = LIMITS): { text: string; bounded?: Bounded } {
  let totalLines = 1;
  let keepEnd = -1; // index just past the last line kept
  let keptLines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (totalLines <= limits.maxLines && i < limits.maxChars) {
      keepEnd = i + 1;
      keptLines = totalLines;
    }
    totalLines++;
  }
  if (text.length <= limits.maxChars && totalLines <= limits.maxLines) return { text };
  // One giant line: keep its first maxChars characters.
  if (keepEnd < 0) return { text: text.slice(0, limits.maxChars), bounded: { analyzedLines: 1, totalLines, totalChars: text.length } };
  return { text: text.slice(0, keepEnd), bounded: { analyzedLines: keptLines, totalLines, totalChars: text.length } };
}

export class ConfigService {
  settings: ConfigSettings = DEFAULT_SETTINGS;
  private editor: EditorContext = { clusters: [], runbookPlans: [] };
  private readonly cache = new Map<string, Cached>();
  private readonly lastGoodLenses = new Map<string, Lens[]>();

  constructor(
    private readonly warn: (message: string) => void = () => undefined,
    private readonly limits: Limits = LIMITS,
  ) {}

  get context(): AnalysisContext {
    return {
      settings: this.settings,
      clusters: this.editor.clusters,
      activeCluster: this.editor.activeCluster,
      runbookPlans: this.editor.runbookPlans,
    };
  }

  setSettings(raw: unknown): void {
    const { settings, problems } = parseSettings(raw);
    for (const p of problems) this.warn(p);
    this.settings = settings;
    this.cache.clear();
  }

  setEditorContext(raw: unknown): void {
    const r = editorContextSchema.safeParse(raw);
    if (!r.success) {
      this.warn(`pegasus/context ignored: ${describeZodError(r.error, 'context')}`);
      return;
    }
    this.editor = r.data;
    this.cache.clear();
  }

  forget(uri: string): void {
    this.cache.delete(uri);
    this.lastGoodLenses.delete(uri);
  }

  private get(uri: string, version: number, text: string): Cached {
    const c = this.cache.get(uri);
    if (c && c.version === version) return c;
    const { text: checked, bounded } = boundedText(text, this.limits);
    const analysis = analyzeConfig(checked, this.context);
    let lengths: number[] | null = null;
    const lineLengths = (line: number): number => {
      lengths ??= text.split(/\r\n|\r|\n/).map((l) => l.length);
      return lengths[line] ?? 0;
    };
    const fresh = { version, analysis, bounded, lineLengths };
    this.cache.set(uri, fresh);
    return fresh;
  }

  analysisOf(uri: string, version: number, text: string): Analysis {
    return this.get(uri, version, text).analysis;
  }

  /** The findings to publish: capped at `maxDiagnostics`, saying how many were left out and whether the file was cut. */
  findingsOf(uri: string, version: number, text: string): DocumentFindings {
    const { analysis, bounded } = this.get(uri, version, text);
    const all = analysis.findings;
    const max = this.limits.maxDiagnostics;
    const findings =
      all.length <= max
        ? all
        : all
            .map((f, i) => ({ f, i }))
            .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i)
            .slice(0, max)
            .sort((a, b) => a.i - b.i)
            .map((x) => x.f);
    return { findings, omitted: all.length - findings.length, ...(bounded ? { bounded } : {}) };
  }

  /** Lenses for this version, or the last good ones while the file cannot be read (mid-edit). */
  lensesOf(uri: string, version: number, text: string): Lens[] {
    if (!this.settings.codeLens) return [];
    const a = this.get(uri, version, text).analysis;
    const midEdit = a.hasSyntaxErrors || (a.doc.sectionByName.has('meta_server') && (!a.pct || !a.minLive));
    const last = this.lastGoodLenses.get(uri);
    if (midEdit && last) return last;
    this.lastGoodLenses.set(uri, a.lenses);
    return a.lenses;
  }

  hoverOf(uri: string, version: number, text: string, pos: Position): HoverResult | null {
    return hoverAt(this.get(uri, version, text).analysis, pos);
  }

  completionsOf(uri: string, version: number, text: string, pos: Position, lineText: string): CompletionEntry[] {
    return completionsAt(this.get(uri, version, text).analysis, pos, lineText);
  }

  actionsOf(uri: string, version: number, text: string, range: Range): Action[] {
    const c = this.get(uri, version, text);
    return actionsFor(c.analysis, range, c.lineLengths);
  }
}
