import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandLinkPlugin, LINK_ATTR, parseCommandLink } from '../../../../src/extension/renderer/commandLinks';

/** A link_open token as markdown-it makes it (attrs as [name, value] pairs). */
function token(href: string) {
  const t = {
    attrs: [['href', href]] as [string, string][] | null,
    attrGet: (n: string) => t.attrs?.find(([k]) => k === n)?.[1] ?? null,
    attrSet: (n: string, v: string) => {
      t.attrs = [...(t.attrs ?? []).filter(([k]) => k !== n), [n, v]];
    },
  };
  return t;
}

function render(href: string): Record<string, string> {
  const md = { renderer: { rules: {} as Record<string, unknown> } };
  commandLinkPlugin(md as never);
  const t = token(href);
  const rule = md.renderer.rules.link_open as (...a: unknown[]) => string;
  rule([t], 0, {}, {}, { renderToken: () => '<a>' });
  return Object.fromEntries(t.attrs ?? []);
}

test('a link to an output command loses its href (the webview would drop the click) and carries the command', () => {
  const a = render('command:pegasus.startSimulatedCluster');
  assert.equal(a.href, undefined);
  assert.equal(a[LINK_ATTR], 'command:pegasus.startSimulatedCluster');
  assert.equal(a.role, 'button');
  // Anything else is left as it was: other commands stay blocked by the webview, web links work as before.
  assert.deepEqual(render('command:workbench.action.terminal.new'), { href: 'command:workbench.action.terminal.new' });
  assert.deepEqual(render('https://pegasus.apache.org'), { href: 'https://pegasus.apache.org' });
});

test('command links parse with their JSON arguments; unknown commands and bad arguments do not', () => {
  assert.deepEqual(parseCommandLink('command:pegasus.addCluster'), { command: 'pegasus.addCluster', args: [] });
  assert.deepEqual(parseCommandLink(`command:pegasus.startSimulatedCluster?${encodeURIComponent(JSON.stringify([{ nodes: 3 }]))}`), {
    command: 'pegasus.startSimulatedCluster',
    args: [{ nodes: 3 }],
  });
  assert.equal(parseCommandLink('command:pegasus.runbook.resume'), undefined);
  assert.equal(parseCommandLink('command:pegasus.addCluster?%7Bnot-json'), undefined);
});
