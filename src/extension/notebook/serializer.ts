/**
 * NotebookSerializer for `*.runbook.md`: a thin adapter over src/runbook/format. Each cell keeps
 * the source it was read from in its metadata so an unchanged runbook is written back byte for
 * byte; outputs are transient (never written into the markdown).
 */
import * as vscode from 'vscode';
import type { CellOptions } from '../../runbook/cellOptions';
import { formatProblem, type RunbookProblem } from '../../runbook/diagnostics';
import { CELL_LANGUAGE, parseRunbook, serializeRunbook, type CodeCellSource, type Eol, type RunbookCell } from '../../runbook/format';
import type { FrontMatter } from '../../runbook/frontMatter';

export const NOTEBOOK_TYPE = 'pegasus-runbook';

/** Notebook metadata: what lies outside the cells. */
export interface RunbookNotebookMeta {
  readonly bom: boolean;
  readonly frontMatterRaw: string;
  readonly frontMatter: FrontMatter;
  readonly trailer: string;
  readonly eol: Eol;
  readonly problems: readonly RunbookProblem[];
}

/** Cell metadata: how the cell was written, and its options. */
export interface RunbookCellMeta {
  readonly options?: CellOptions;
  readonly before?: string;
  readonly raw?: string;
  readonly code?: CodeCellSource;
  readonly line?: number;
}

export function notebookMeta(nb: vscode.NotebookDocument | { metadata: Record<string, unknown> }): RunbookNotebookMeta | undefined {
  return nb.metadata?.runbook as RunbookNotebookMeta | undefined;
}

export function cellMeta(cell: vscode.NotebookCell | vscode.NotebookCellData): RunbookCellMeta {
  return ((cell.metadata as Record<string, unknown> | undefined)?.runbook as RunbookCellMeta | undefined) ?? {};
}

export class RunbookSerializer implements vscode.NotebookSerializer {
  constructor(private readonly onProblems?: (problems: readonly RunbookProblem[]) => void) {}

  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    // ignoreBOM keeps a BOM in the text: the round trip must be exact.
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(content);
    const doc = parseRunbook(text);
    if (doc.problems.length) this.onProblems?.(doc.problems);
    const cells = doc.cells.map((c) => {
      const data = new vscode.NotebookCellData(
        c.kind === 'code' ? vscode.NotebookCellKind.Code : vscode.NotebookCellKind.Markup,
        c.value,
        c.kind === 'code' ? CELL_LANGUAGE : 'markdown',
      );
      const meta: RunbookCellMeta = {
        ...(c.options && Object.keys(c.options).length ? { options: c.options } : {}),
        ...(c.before !== undefined ? { before: c.before } : {}),
        ...(c.raw !== undefined ? { raw: c.raw } : {}),
        ...(c.code ? { code: c.code } : {}),
        ...(c.line !== undefined ? { line: c.line } : {}),
      };
      data.metadata = { runbook: meta };
      return data;
    });
    const nb = new vscode.NotebookData(cells);
    const meta: RunbookNotebookMeta = {
      bom: doc.bom,
      frontMatterRaw: doc.frontMatterRaw,
      frontMatter: doc.frontMatter,
      trailer: doc.trailer,
      eol: doc.eol,
      problems: doc.problems,
    };
    nb.metadata = { runbook: meta };
    return nb;
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    const meta = notebookMeta(data as { metadata: Record<string, unknown> }) ?? {
      bom: false,
      frontMatterRaw: '',
      frontMatter: {},
      trailer: '\n',
      eol: '\n' as Eol,
      problems: [],
    };
    const cells: RunbookCell[] = data.cells.map((c) => {
      const m = cellMeta(c);
      if (c.kind === vscode.NotebookCellKind.Code && c.languageId !== CELL_LANGUAGE) {
        // A code cell in another language is kept as a fenced block inside the markdown.
        const fence = '```';
        return {
          kind: 'markup',
          value: `${fence}${c.languageId}\n${c.value}\n${fence}`,
          ...(m.before !== undefined ? { before: m.before } : {}),
        };
      }
      const kind = c.kind === vscode.NotebookCellKind.Code ? 'code' : 'markup';
      return {
        kind,
        value: c.value,
        ...(kind === 'code' ? { options: m.options ?? {} } : {}),
        ...(m.before !== undefined ? { before: m.before } : {}),
        // Source is only meaningful for a cell of the same kind as when it was read.
        ...(m.raw !== undefined && (kind === 'code') === (m.code !== undefined) ? { raw: m.raw } : {}),
        ...(kind === 'code' && m.code ? { code: m.code } : {}),
      };
    });
    return new TextEncoder().encode(
      serializeRunbook({ bom: meta.bom, frontMatterRaw: meta.frontMatterRaw, trailer: meta.trailer, eol: meta.eol, cells }),
    );
  }
}

export function describeProblems(problems: readonly RunbookProblem[], file: string): string {
  return problems.map((p) => formatProblem(p, file)).join('\n');
}
