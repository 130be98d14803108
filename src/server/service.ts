/**
 * The language server's state, kept apart from the LSP connection so it can be tested directly:
 * settings, the editor's facts, one cached analysis per open document (by version) and the last
 * good code lenses, which are returned while the file is mid-edit so lenses do not flicker.
 */
import { actionsFor, type Action } from '../config/actions';
import { analyzeConfig, type Analysis, type Lens } from '../config/analysis';
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

interface Cached {
  readonly version: number;
  readonly analysis: Analysis;
  readonly lineLengths: (line: number) => number;
}

export class ConfigService {
  settings: ConfigSettings = DEFAULT_SETTINGS;
  private editor: EditorContext = { clusters: [], runbookPlans: [] };
  private readonly cache = new Map<string, Cached>();
  private readonly lastGoodLenses = new Map<string, Lens[]>();

  constructor(private readonly warn: (message: string) => void = () => undefined) {}

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
    const analysis = analyzeConfig(text, this.context);
    let lengths: number[] | null = null;
    const lineLengths = (line: number): number => {
      lengths ??= text.split(/\r\n|\r|\n/).map((l) => l.length);
      return lengths[line] ?? 0;
    };
    const fresh = { version, analysis, lineLengths };
    this.cache.set(uri, fresh);
    return fresh;
  }

  analysisOf(uri: string, version: number, text: string): Analysis {
    return this.get(uri, version, text).analysis;
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
    return actionsFor(c.analysis, range, c.lineLengths, this.context);
  }
}
