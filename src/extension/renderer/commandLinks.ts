/**
 * Command links in runbook cell output. The notebook output webview opens `command:` links only
 * for a few built-in commands, so a "[Start Simulated Cluster](command:…)" in a cell's markdown did
 * nothing. This extends the built-in markdown renderer: a link to one of OUTPUT_LINK_COMMANDS
 * becomes a button-like link without an href (the webview leaves it alone), and a click posts the
 * command to the extension (outputLinks.ts), which runs it. Runs in the webview (browser).
 */
import { OUTPUT_LINK_COMMANDS } from './linkCommands';

/** The parts of markdown-it and of the renderer API used here (their types are not dependencies). */
interface Token {
  attrGet(name: string): string | null;
  attrSet(name: string, value: string): void;
  attrs: [string, string][] | null;
}
type Rule = (
  tokens: Token[],
  idx: number,
  options: unknown,
  env: unknown,
  self: { renderToken(t: Token[], i: number, o: unknown): string },
) => string;
interface MarkdownIt {
  renderer: { rules: Record<string, Rule | undefined> };
}
interface RendererContext {
  getRenderer(id: string): Promise<{ extendMarkdownIt(f: (md: MarkdownIt) => void): void } | undefined>;
  postMessage?(message: unknown): void;
}

/** A DOM event as far as used here (the project compiles without the DOM library). */
interface DomEvent {
  readonly key?: string;
  composedPath(): unknown[];
  preventDefault(): void;
  stopPropagation(): void;
}
interface DomDocument {
  addEventListener(type: 'click' | 'keydown', listener: (e: DomEvent) => void, capture: boolean): void;
}

export const LINK_ATTR = 'data-pegasus-command';

/** `command:id` or `command:id?<encoded JSON args>` → the id and args, when the id is one output links may run. */
export function parseCommandLink(href: string): { command: string; args: unknown[] } | undefined {
  const m = /^command:([\w.-]+)(?:\?(.*))?$/.exec(href);
  if (!m || !(OUTPUT_LINK_COMMANDS as readonly string[]).includes(m[1]!)) return undefined;
  if (!m[2]) return { command: m[1]!, args: [] };
  try {
    const a: unknown = JSON.parse(decodeURIComponent(m[2]));
    return { command: m[1]!, args: Array.isArray(a) ? a : [a] };
  } catch {
    return undefined;
  }
}

/** The markdown-it plugin: rewrites allowed command links (exported for tests). */
export function commandLinkPlugin(md: MarkdownIt): void {
  const previous = md.renderer.rules.link_open;
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const t = tokens[idx]!;
    const href = t.attrGet('href') ?? '';
    if (parseCommandLink(href)) {
      t.attrs = (t.attrs ?? []).filter(([k]) => k !== 'href');
      t.attrSet(LINK_ATTR, href);
      t.attrSet('role', 'button');
      t.attrSet('tabindex', '0');
      t.attrSet('style', 'cursor:pointer;color:var(--vscode-textLink-foreground);text-decoration:underline');
    }
    return previous ? previous(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
  };
}

/** The link element an event came from (the markdown renderer draws into a shadow root: composedPath sees through it). */
function linkOf(e: DomEvent): string | undefined {
  for (const n of e.composedPath()) {
    const el = n as { getAttribute?: (name: string) => string | null };
    const v = el.getAttribute?.(LINK_ATTR);
    if (v) return v;
  }
  return undefined;
}

export async function activate(ctx: RendererContext): Promise<void> {
  const markdown = await ctx.getRenderer('vscode.markdown-it-renderer');
  if (!markdown) return;
  markdown.extendMarkdownIt(commandLinkPlugin);
  const post = (e: DomEvent): void => {
    const href = linkOf(e);
    const link = href ? parseCommandLink(href) : undefined;
    if (!link || !ctx.postMessage) return;
    e.preventDefault();
    e.stopPropagation();
    ctx.postMessage({ type: 'run-command', ...link });
  };
  const doc = (globalThis as unknown as { document: DomDocument }).document;
  doc.addEventListener('click', post, true);
  doc.addEventListener(
    'keydown',
    (e) => {
      if (e.key === 'Enter' || e.key === ' ') post(e);
    },
    true,
  );
}
