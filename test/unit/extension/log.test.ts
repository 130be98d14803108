// The extension's tagged logger (src/extension/log.ts): lines carry their feature's tag and reach
// the attached channel only while it is attached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachLogChannel, logger } from '../../../src/extension/log';

function fakeChannel() {
  const lines: [string, string][] = [];
  const at = (level: string) => (m: string) => lines.push([level, m]);
  return { lines, channel: { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as never };
}

test('tagged loggers prefix their lines; nested tags stack; levels are kept', () => {
  const { lines, channel } = fakeChannel();
  const explorer = logger.tagged('explorer');
  explorer.info('before attach'); // dropped: no channel yet
  const attached = attachLogChannel(channel);
  try {
    logger.info('root');
    explorer.warn('refresh failed');
    explorer.tagged('sim').error('gone');
  } finally {
    attached.dispose();
  }
  explorer.info('after detach');
  assert.deepEqual(lines, [
    ['info', 'root'],
    ['warn', '[explorer] refresh failed'],
    ['error', '[explorer] [sim] gone'],
  ]);
});
