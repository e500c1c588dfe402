import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildNotice } from '../lambda/ami-compliance/notice';
import { DOC_EXAMPLE } from './lambda/fixtures/notice-example';

const DOC = path.join(__dirname, '..', 'docs', 'freshness.md');

/** The fenced block that follows `<!-- notice:<name> -->` in the doc. */
function block(doc: string, name: string): string {
  const match = new RegExp(`<!-- notice:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!match) throw new Error(`docs/freshness.md has no <!-- notice:${name} --> block`);
  return match[1];
}

describe('docs/freshness.md', () => {
  const doc = fs.readFileSync(DOC, 'utf8');
  const notice = buildNotice(DOC_EXAMPLE);

  test('the plain-text example is what the code produces', () => {
    expect(block(doc, 'text')).toBe(notice.text);
  });

  test('the Chatbot example is what the code produces', () => {
    expect(JSON.parse(block(doc, 'chat'))).toEqual(notice.chat);
  });
});
