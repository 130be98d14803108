/**
 * The Pegasus config language server (bundled as dist/server.js). Wires the pure analysis core
 * in src/config to LSP: debounced diagnostics, hovers, completions, quick fixes and the
 * threshold-calculator code lens. Runs under vscode-languageclient (IPC) or standalone:
 *   node dist/server.js --stdio
 *
 * Custom notification (client → server) `pegasus/context`: the connected clusters' live node
 * counts and meta servers, and the pending scale-ins planned in open runbooks (see `editorContextSchema`).
 */
import {
  CodeAction,
  CodeActionKind,
  CodeLensRefreshRequest,
  CompletionItemKind,
  createConnection,
  DiagnosticSeverity,
  DiagnosticTag,
  DidChangeConfigurationNotification,
  MarkupKind,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeLens,
  type CompletionItem,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ConfigService } from './service';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const service = new ConfigService((m) => connection.console.warn(m));

let canPullConfiguration = false;
let canRefreshLenses = false;
const timers = new Map<string, ReturnType<typeof setTimeout>>();

const SEVERITY = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
} as const;

const describe = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));

/** Logs to the client's console; a failure to log (the connection gone) is dropped, never thrown. */
function logFailure(name: string, err: unknown): void {
  try {
    connection.console.error(`pegasus-config ${name} failed: ${describe(err).slice(0, 4000)}`);
  } catch {
    // nothing left to tell
  }
}

/** Handlers never throw to the client: a bug in one feature must not take the server down. */
function guard<A extends unknown[], R>(name: string, fallback: R, fn: (...a: A) => R): (...a: A) => R {
  return (...a: A) => {
    try {
      return fn(...a);
    } catch (err) {
      logFailure(name, err);
      return fallback;
    }
  };
}

/** A message to the client: it can fail while being built (a string past V8's limit) or sent. */
function send(name: string, message: () => Promise<unknown>): void {
  try {
    message().catch((err: unknown) => logFailure(name, err));
  } catch (err) {
    logFailure(name, err);
  }
}

// The last line of defence: whatever escapes the guards is logged, and the server keeps serving.
process.on('uncaughtException', (err) => logFailure('uncaught', err));
process.on('unhandledRejection', (err) => logFailure('unhandled', err));

connection.onInitialize((params): InitializeResult => {
  canPullConfiguration = !!params.capabilities.workspace?.configuration;
  canRefreshLenses = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  const init = (params.initializationOptions ?? {}) as { settings?: unknown; context?: unknown };
  // Bad options must not refuse the session: the defaults serve until the client sends better ones.
  guard('initialize', undefined, () => {
    if (init.settings !== undefined) service.setSettings(init.settings);
    if (init.context !== undefined) service.setEditorContext(init.context);
  })();
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['[', '='] },
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
    },
    serverInfo: { name: 'pegasus-config', version: '0.1.0' },
  };
});

connection.onInitialized(() => {
  if (canPullConfiguration) {
    send('register', () => connection.client.register(DidChangeConfigurationNotification.type, { section: 'pegasus.config' }));
    void pullSettings();
  }
});

async function pullSettings(): Promise<void> {
  try {
    const raw: unknown = await connection.workspace.getConfiguration('pegasus.config');
    service.setSettings(raw);
    refreshAll();
  } catch (err) {
    connection.console.warn(`pegasus-config: could not read settings (${String(err)}); keeping the current ones.`);
  }
}

connection.onDidChangeConfiguration(
  guard('configuration', undefined, (change: { settings: unknown }) => {
    if (canPullConfiguration) void pullSettings();
    else {
      const s = (change.settings as { pegasus?: { config?: unknown } } | undefined)?.pegasus?.config;
      if (s !== undefined) service.setSettings(s);
      refreshAll();
    }
  }),
);

connection.onNotification(
  'pegasus/context',
  guard('context', undefined, (payload: unknown) => {
    service.setEditorContext(payload);
    refreshAll();
  }),
);

/** One message or related note is at most this long: a key name can be a megabyte of garbage. */
const MAX_MESSAGE = 2000;
const MAX_RELATED = 20;
const clip = (m: string): string => (m.length > MAX_MESSAGE ? `${m.slice(0, MAX_MESSAGE)}… (${m.length} chars)` : m);
const count = (n: number): string => n.toLocaleString('en-US');

function publish(uri: string): void {
  const doc = documents.get(uri);
  if (!doc) return;
  const text = doc.getText();
  const { findings, omitted, bounded } = service.findingsOf(uri, doc.version, text);
  const diagnostics: Diagnostic[] = findings.map((f) => ({
    range: f.range,
    severity: SEVERITY[f.severity],
    code: f.code,
    source: 'pegasus-ops',
    message: clip(f.message),
    ...(f.related?.length
      ? {
          relatedInformation: f.related.slice(0, MAX_RELATED).map((r) => ({ location: { uri, range: r.range }, message: clip(r.message) })),
        }
      : {}),
    ...(f.unnecessary ? { tags: [DiagnosticTag.Unnecessary] } : {}),
    ...(f.data ? { data: f.data } : {}),
  }));
  if (bounded) {
    diagnostics.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Warning,
      code: 'document-too-large',
      source: 'pegasus-ops',
      message:
        `This file is too large to check whole (${count(bounded.totalChars)} characters, ${count(bounded.totalLines)} lines): ` +
        `only its first ${count(bounded.analyzedLines)} lines were checked.`,
    });
  }
  if (omitted > 0) {
    const end = doc.positionAt(text.length);
    diagnostics.push({
      range: { start: end, end },
      severity: DiagnosticSeverity.Information,
      code: 'too-many-problems',
      source: 'pegasus-ops',
      message: `${count(omitted)} more problems are not shown (at most ${count(findings.length)} are listed per file).`,
    });
  }
  send('diagnostics', () => connection.sendDiagnostics({ uri, version: doc.version, diagnostics }));
}

function schedule(uri: string, delay: number): void {
  const t = timers.get(uri);
  if (t) clearTimeout(t);
  if (delay <= 0) {
    timers.delete(uri);
    guard('diagnostics', undefined, publish)(uri);
    return;
  }
  timers.set(
    uri,
    setTimeout(() => {
      timers.delete(uri);
      guard('diagnostics', undefined, publish)(uri);
    }, delay),
  );
}

function refreshAll(): void {
  for (const d of documents.all()) schedule(d.uri, 0);
  if (canRefreshLenses) send('codeLens refresh', () => connection.sendRequest(CodeLensRefreshRequest.type));
}

documents.onDidOpen(guard('open', undefined, (e) => schedule(e.document.uri, 0)));
documents.onDidChangeContent(guard('change', undefined, (e) => schedule(e.document.uri, service.settings.validationDelayMs)));
documents.onDidClose(
  guard('close', undefined, (e) => {
    const t = timers.get(e.document.uri);
    if (t) clearTimeout(t);
    timers.delete(e.document.uri);
    service.forget(e.document.uri);
    send('diagnostics', () => connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }));
  }),
);

connection.onCodeLens(
  guard('codeLens', [] as CodeLens[], (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    return service.lensesOf(doc.uri, doc.version, doc.getText()).map((l) => ({
      range: l.range,
      command: { title: l.title, tooltip: l.tooltip, command: l.command, arguments: [{ ...l.args, uri: doc.uri }] },
    }));
  }),
);

connection.onHover(
  guard('hover', null, (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return null;
    const h = service.hoverOf(doc.uri, doc.version, doc.getText(), params.position);
    return h ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: h.range } : null;
  }),
);

connection.onCompletion(
  guard('completion', [] as CompletionItem[], (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const line = doc
      .getText({ start: { line: params.position.line, character: 0 }, end: { line: params.position.line + 1, character: 0 } })
      .replace(/\r?\n$/, '');
    return service.completionsOf(doc.uri, doc.version, doc.getText(), params.position, line).map((c) => ({
      label: c.label,
      kind: c.kind === 'section' ? CompletionItemKind.Module : c.kind === 'key' ? CompletionItemKind.Property : CompletionItemKind.Value,
      ...(c.detail ? { detail: c.detail } : {}),
      ...(c.documentation ? { documentation: { kind: MarkupKind.Markdown, value: c.documentation } } : {}),
      insertText: c.insertText,
    }));
  }),
);

connection.onCodeAction(
  guard('codeAction', [] as CodeAction[], (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const uri = doc.uri;
    return service.actionsOf(uri, doc.version, doc.getText(), params.range).map((a) => {
      const diag = params.context.diagnostics.filter(
        (d) => a.finding && d.code === a.finding.code && d.range.start.line === a.finding.range.start.line,
      );
      return {
        title: a.title,
        kind: a.kind === 'quickfix' ? CodeActionKind.QuickFix : CodeActionKind.RefactorRewrite,
        ...(diag.length ? { diagnostics: diag } : {}),
        ...(a.preferred ? { isPreferred: true } : {}),
        edit: { changes: { [uri]: a.edits.map((e) => ({ range: e.range, newText: e.newText })) } },
      };
    });
  }),
);

documents.listen(connection);
connection.listen();
