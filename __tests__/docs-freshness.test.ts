import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildNotice } from '../lambda/ami-compliance/notice';
import { DOC_EXAMPLE } from './lambda/fixtures/notice-example';

/** The docs that show a rendered notice: the Freshness guide and the README's Freshness section. */
const DOCS = ['docs/freshness.md', 'README.md'];

/** The fenced block that follows `<!-- notice:<name> -->` in the doc. */
function block(doc: string, file: string, name: string): string {
  const match = new RegExp(`<!-- notice:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!match) throw new Error(`${file} has no <!-- notice:${name} --> block`);
  return match[1];
}

describe.each(DOCS)('%s', (file) => {
  const doc = fs.readFileSync(path.join(__dirname, '..', file), 'utf8');
  const notice = buildNotice(DOC_EXAMPLE);

  test('the plain-text example is what the code produces', () => {
    expect(block(doc, file, 'text')).toBe(notice.text);
  });

  test('the Chatbot example is what the code produces', () => {
    expect(JSON.parse(block(doc, file, 'chat'))).toEqual(notice.chat);
  });
});
