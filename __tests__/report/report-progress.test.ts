/** The progress bar: drawn on a terminal only, never into a log. */
import { PassThrough } from 'node:stream';
import { progressOn } from '../../modules/report/progress';

function stream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  Object.assign(s, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: s, text: () => text };
}

test('on a terminal, the bar counts account/regions, instances and failures', () => {
  const tty = stream(true);
  const progress = progressOn(tty.stream, 3);
  progress.regionDone(1000, false);
  progress.regionDone(0, true);
  progress.stop();
  expect(tty.text()).toMatch(/2\/3 account-regions \| 1000 instances \| 1 failed/);
});

test('not on a terminal (a CI log, a pipe), nothing is written', () => {
  const log = stream(false);
  const progress = progressOn(log.stream, 3);
  progress.regionDone(1000, false);
  progress.stop();
  expect(log.text()).toBe('');
});
