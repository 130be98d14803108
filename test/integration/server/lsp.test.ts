/**
 * Drives the language server over --stdio with raw JSON-RPC, as an editor would: initialize,
 * open, diagnostics, code lens, code action, change, context notification, close, shutdown.
 * Runs the source through tsx; set PEGASUS_LSP_SERVER=dist/server.js to test the bundle instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import {
  CodeAction,
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  ConfigurationRequest,
  HoverRequest,
  InitializeRequest,
  MarkupContent,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  type ConfigurationParams,
  type Diagnostic,
  type PublishDiagnosticsParams,
  type RequestType,
  type RequestType0,
} from 'vscode-languageserver';

const ROOT = join(__dirname, '..', '..', '..');

/** A JSON-RPC message as read off the wire: a request, a response or a notification. */
interface Message {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

class RpcClient {
  private buf = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, (m: Message) => void>();
  readonly notifications: Message[] = [];
  private waiters: (() => void)[] = [];
  readonly serverRequests: string[] = [];

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly settings: unknown,
  ) {
    child.stdout.on('data', (d: Buffer) => this.onData(d));
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const headerEnd = this.buf.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const m = /Content-Length: (\d+)/i.exec(this.buf.subarray(0, headerEnd).toString('ascii'));
      if (!m) throw new Error('bad header');
      const len = Number(m[1]);
      if (this.buf.length < headerEnd + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(headerEnd + 4, headerEnd + 4 + len).toString('utf8')) as Message;
      this.buf = this.buf.subarray(headerEnd + 4 + len);
      this.dispatch(msg);
    }
  }

  private dispatch(msg: Message): void {
    if (msg.method && msg.id !== undefined) {
      // a request from the server to us
      this.serverRequests.push(msg.method);
      const result = msg.method === ConfigurationRequest.method ? (msg.params as ConfigurationParams).items.map(() => this.settings) : null;
      this.write({ jsonrpc: '2.0', id: msg.id, result });
    } else if (msg.method) {
      this.notifications.push(msg);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    } else if (msg.id !== undefined) {
      this.pending.get(msg.id)?.(msg);
      this.pending.delete(msg.id);
    }
  }

  private write(obj: unknown): void {
    const body = Buffer.from(JSON.stringify(obj), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  /** The request's protocol type gives the params and the result their types. */
  request<R>(type: RequestType0<R, unknown>): Promise<R>;
  request<P, R>(type: RequestType<P, R, unknown>, params: P): Promise<R>;
  request(type: { method: string }, params: unknown = null): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => (m.error ? reject(new Error(JSON.stringify(m.error))) : resolve(m.result)));
      this.write({ jsonrpc: '2.0', id, method: type.method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.write({ jsonrpc: '2.0', method, params });
  }

  /** Resolves with the first notification (already received or coming) that matches. */
  async waitFor(pred: (m: Message) => boolean, what: string, timeoutMs = 20_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.notifications.length; seen++) if (pred(this.notifications[seen]!)) return this.notifications[seen]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.notifications.map((n) => n.method))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

const URI = 'file:///work/cluster/config.ini';
const TEXT = [
  '# pegasus-ops: nodes=10',
  '[meta_server]',
  '  node_live_percentage_threshold_for_update = 50',
  '  min_live_node_count_for_unfreeze = 3',
  '  min_live_node_count_for_unfreeze = 1',
  '  replica_asign_delay_ms_for_dropouts = 600000',
  '[replication]',
  '  fd_lease_seconds = 20',
  '  fd_grace_seconds = 20',
  '',
].join('\n');

const published = (m: Message): PublishDiagnosticsParams | undefined =>
  m.method === PublishDiagnosticsNotification.method ? (m.params as PublishDiagnosticsParams) : undefined;
const diagsFor = (uri: string, pred: (d: Diagnostic[]) => boolean) => (m: Message) => {
  const p = published(m);
  return p !== undefined && p.uri === uri && pred(p.diagnostics);
};
/** The diagnostics a publish notification (found by `diagsFor`) carries. */
const diagnosticsOf = (m: Message): PublishDiagnosticsParams => {
  const p = published(m);
  assert.ok(p, `not a publishDiagnostics notification: ${m.method}`);
  return p;
};
const codesOf = (d: Diagnostic[]) => d.map((x) => x.code).sort();
/** The code action titled `title` (or whose title starts with it, when `prefix`); fails naming the titles offered. */
const actionTitled = (actions: (CodeAction | { title: string })[] | null, title: string, prefix = false): CodeAction => {
  const a = actions?.find((x) => (prefix ? x.title.startsWith(title) : x.title === title));
  assert.ok(a && CodeAction.is(a), JSON.stringify(actions?.map((x) => x.title)));
  return a;
};

test('LSP over --stdio: diagnostics, code lens, code actions, context, debounce, close', async () => {
  const server = process.env.PEGASUS_LSP_SERVER;
  const args = server ? [join(ROOT, server), '--stdio'] : ['--import', 'tsx', join(ROOT, 'src/server/main.ts'), '--stdio'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const client = new RpcClient(child, { validationDelayMs: 50, tolerateNodeLosses: 1 });
  try {
    const init = await client.request(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { configuration: true, codeLens: { refreshSupport: true } } },
    });
    assert.equal(init.serverInfo?.name, 'pegasus-config');
    assert.ok(init.capabilities.codeLensProvider);
    client.notify('initialized', {});

    client.notify('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'pegasus-config', version: 1, text: TEXT } });
    const first = await client.waitFor(
      diagsFor(URI, (d) => d.length === 3),
      'the first diagnostics',
    );
    const firstDiagnostics = diagnosticsOf(first).diagnostics;
    assert.deepEqual(codesOf(firstDiagnostics), ['duplicate-key', 'fd-grace-not-above-lease', 'unknown-key']);
    const unknown = firstDiagnostics.find((d) => d.code === 'unknown-key');
    assert.ok(unknown && typeof unknown.message === 'string');
    assert.equal(unknown.severity, 2);
    assert.equal(unknown.source, 'pegasus-ops');
    assert.match(unknown.message, /Did you mean "replica_assign_delay_ms_for_dropouts"/);
    const grace = firstDiagnostics.find((d) => d.code === 'fd-grace-not-above-lease');
    assert.ok(grace);
    assert.equal(grace.severity, 1);
    assert.deepEqual(grace.range.start, { line: 8, character: 21 });
    assert.ok(client.serverRequests.includes('workspace/configuration'), 'settings are pulled from the client');

    const lenses = await client.request(CodeLensRequest.type, { textDocument: { uri: URI } });
    assert.ok(lenses && lenses.length >= 2);
    const lens = lenses[0]!;
    assert.equal(lens.range.start.line, 2);
    assert.ok(lens.command);
    assert.match(lens.command.title, /^Freezes after 6 more down \(10 nodes, /);
    assert.match(lens.command.tooltip ?? '', /^5 of 10 nodes can go down, one after another, before the meta freezes \(nodes= comment\)/);
    assert.equal(lens.command.command, 'pegasus.config.openCalculator');
    const lensArgs = lens.command.arguments?.[0] as { uri: string; alive: number };
    assert.equal(lensArgs.uri, URI);
    assert.equal(lensArgs.alive, 10);

    const actions = await client.request(CodeActionRequest.type, {
      textDocument: { uri: URI },
      range: { start: { line: 5, character: 3 }, end: { line: 5, character: 3 } },
      context: { diagnostics: [unknown] },
    });
    const rename = actionTitled(actions, 'Change to "replica_assign_delay_ms_for_dropouts"');
    assert.equal(rename.kind, 'quickfix');
    assert.equal(rename.isPreferred, true);
    assert.deepEqual(rename.diagnostics, [unknown]);
    assert.equal(rename.edit?.changes?.[URI]?.[0]?.newText, 'replica_assign_delay_ms_for_dropouts');

    // A runbook planning to remove 6 of the 10 nodes: the threshold now freezes mid-scale-in.
    client.notify('pegasus/context', {
      runbookPlans: [{ uri: 'file:///w/s.runbook.md', removals: 6, line: 4, label: 'Runbook s.runbook.md (line 5)' }],
    });
    const planned = await client.waitFor(
      diagsFor(URI, (d) => d.some((x) => x.code === 'threshold-freezes-scale-in')),
      'the scale-in warning',
    );
    const warn = diagnosticsOf(planned).diagnostics.find((d) => d.code === 'threshold-freezes-scale-in');
    assert.ok(warn);
    assert.equal(warn.range.start.line, 2);
    assert.ok(client.serverRequests.includes('workspace/codeLens/refresh'), 'lenses are refreshed when the context changes');
    const fix = await client.request(CodeActionRequest.type, {
      textDocument: { uri: URI },
      range: warn.range,
      context: { diagnostics: [warn] },
    });
    const apply = actionTitled(fix, 'Set node_live_percentage_threshold_for_update to 40', true);
    assert.deepEqual(apply.edit?.changes?.[URI]?.[0], {
      range: { start: { line: 2, character: 46 }, end: { line: 2, character: 48 } },
      newText: '40',
    });

    // Edits are debounced: three quick changes, one publish for the last version.
    const before = client.notifications.length;
    const fixed = TEXT.replace('= 50', '= 40')
      .replace('  min_live_node_count_for_unfreeze = 1\n', '')
      .replace('asign', 'assign')
      .replace('fd_grace_seconds = 20', 'fd_grace_seconds = 22');
    for (let v = 2; v <= 4; v++) {
      client.notify('textDocument/didChange', {
        textDocument: { uri: URI, version: v },
        contentChanges: [{ text: v === 4 ? fixed : `${TEXT}\n# typing ${v}` }],
      });
    }
    const clean = await client.waitFor(
      diagsFor(URI, (d) => d.length === 0),
      'clean diagnostics after the fix',
    );
    assert.equal(diagnosticsOf(clean).version, 4);
    const publishes = client.notifications.slice(before).filter((m) => m.method === 'textDocument/publishDiagnostics');
    assert.equal(publishes.length, 1, 'one publish for three quick edits');

    const completion = await client.request(CompletionRequest.type, { textDocument: { uri: URI }, position: { line: 3, character: 0 } });
    assert.ok(completion);
    const items = Array.isArray(completion) ? completion : completion.items;
    assert.ok(items.some((c) => c.label === 'meta_function_level_on_start' && c.insertText === 'meta_function_level_on_start = steady'));

    const hover = await client.request(HoverRequest.type, { textDocument: { uri: URI }, position: { line: 2, character: 6 } });
    assert.ok(hover && MarkupContent.is(hover.contents), JSON.stringify(hover));
    assert.match(hover.contents.value, /meta\.live_percentage/);

    client.notify('textDocument/didClose', { textDocument: { uri: URI } });
    const closed = client.notifications.length;
    await client.waitFor(
      (m) => client.notifications.indexOf(m) >= closed && diagsFor(URI, (d) => d.length === 0)(m),
      'cleared diagnostics on close',
    );

    await client.request(ShutdownRequest.type);
    client.notify('exit', null);
    assert.equal(await exited, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill();
  }
});

test('LSP over --stdio: a huge document gets capped diagnostics and the server keeps answering', async () => {
  const server = process.env.PEGASUS_LSP_SERVER;
  const args = server ? [join(ROOT, server), '--stdio'] : ['--import', 'tsx', join(ROOT, 'src/server/main.ts'), '--stdio'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const client = new RpcClient(child, {});
  try {
    await client.request(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
    client.notify('initialized', {});

    // 1.5M duplicate keys, 72 MB: one diagnostic each would be a message past V8's string limit.
    const huge = 'file:///work/cluster/huge.ini';
    const hugeText = '[meta_server]\n' + '  replica_assign_delay_ms_for_dropouts = 600000\n'.repeat(1_500_000);
    client.notify('textDocument/didOpen', { textDocument: { uri: huge, languageId: 'pegasus-config', version: 1, text: hugeText } });
    const got = diagnosticsOf(
      await client.waitFor(
        diagsFor(huge, (d) => d.length > 0),
        'the capped diagnostics',
        30_000,
      ),
    ).diagnostics;
    assert.equal(got.filter((d) => d.code === 'duplicate-key').length, 1000);
    assert.equal(got.length, 1002);
    const tooLarge = got.find((d) => d.code === 'document-too-large');
    assert.ok(tooLarge, 'one notice that only the beginning was checked');
    assert.deepEqual(tooLarge.range.start, { line: 0, character: 0 });
    const summary = got.at(-1)!;
    assert.equal(summary.code, 'too-many-problems');
    assert.deepEqual(summary.range.start, { line: 1_500_001, character: 0 }, 'the summary sits at the end of the file');
    assert.ok(typeof summary.message === 'string');
    assert.match(summary.message, /^[\d,]+ more/);

    // The server still answers: a hover on the first key.
    const hover = await client.request(HoverRequest.type, { textDocument: { uri: huge }, position: { line: 1, character: 6 } });
    assert.ok(hover && MarkupContent.is(hover.contents), JSON.stringify(hover));
    // Past the checked part there is nothing to say, and saying nothing is not a failure.
    assert.equal(
      await client.request(HoverRequest.type, { textDocument: { uri: huge }, position: { line: 1_000_000, character: 6 } }),
      null,
    );

    // 150k duplicate lines under a 4,000-character URI: within the size bounds, so capped but not cut.
    const longUri = `file:///work/${'d'.repeat(4000)}/config.ini`;
    const longText = '[replication]\n' + '  fd_lease_seconds = 20\n'.repeat(150_000);
    client.notify('textDocument/didOpen', { textDocument: { uri: longUri, languageId: 'pegasus-config', version: 1, text: longText } });
    const long = diagnosticsOf(
      await client.waitFor(
        diagsFor(longUri, (d) => d.length > 0),
        'the long-URI diagnostics',
        30_000,
      ),
    ).diagnostics;
    assert.equal(long.length, 1001);
    assert.equal(long.at(-1)!.code, 'too-many-problems');
    assert.ok(!long.some((d) => d.code === 'document-too-large'));

    await client.request(ShutdownRequest.type);
    client.notify('exit', null);
    assert.equal(await exited, 0, stderr);
    assert.doesNotMatch(stderr, /RangeError/);
  } finally {
    if (child.exitCode === null) child.kill();
  }
});
