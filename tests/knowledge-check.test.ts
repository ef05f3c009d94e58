import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkKnowledge } from '../src/knowledge/check.ts';
import { KNOWLEDGE } from './helpers/app.ts';

const GOOD = readFileSync(join(KNOWLEDGE, 'guides/vneid-quen-mat-khau.md'), 'utf8');

/** A copy of the real knowledge folder with one guide file added or replaced. */
function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bd-knowledge-'));
  cpSync(KNOWLEDGE, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function problemsFor(name: string, text: string): Promise<string[]> {
  const { problems } = await checkKnowledge(folderWith({ [`guides/${name}`]: text }));
  return problems.filter((p) => p.file.endsWith(name)).map((p) => p.problem);
}

describe('knowledge check', () => {
  it('passes on the shipped knowledge', async () => {
    const { problems, guides } = await checkKnowledge(KNOWLEDGE);
    expect(problems).toEqual([]);
    expect(guides).toBeGreaterThanOrEqual(8);
  });

  it('names what is wrong in the scam-signal and pointer lists, as start-up would', async () => {
    const dir = folderWith({ 'scam-signals.yaml': 'signals: [', 'pointers.yaml': 'topics: 3\n' });
    const problems = (await checkKnowledge(dir)).problems.map((p) => `${p.file.split('/').at(-1)}: ${p.problem}`);
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^scam-signals\.yaml: /), 'pointers.yaml: "topics" must be a list']),
    );
  });

  it('rejects bad front matter', async () => {
    expect(await problemsFor('x.md', '---\nid: [oops\n---\nbody')).toEqual([expect.stringMatching(/not valid YAML/)]);
    expect(await problemsFor('y.md', 'no front matter at all')).toEqual([expect.stringMatching(/no front matter/)]);
  });

  it('names a missing source, a missing verify date and a wrong id', async () => {
    const noSource = GOOD.replace(/sources:\n(  - .*\n)+/, '');
    expect(await problemsFor('vneid-quen-mat-khau.md', noSource)).toContainEqual(expect.stringMatching(/^sources is missing/));
    const noDate = GOOD.replace(/last_verified: .*\n/, '');
    expect(await problemsFor('vneid-quen-mat-khau.md', noDate)).toContainEqual(expect.stringMatching(/^last_verified/));
    expect(await problemsFor('another-name.md', GOOD)).toContainEqual(expect.stringMatching(/must equal the file name/));
  });

  it('requires an official source', async () => {
    const pressOnly = GOOD.replace('https://vneid.gov.vn\n', 'https://example.com/news\n')
      .replace(/  - http:\/\/m\.doisong.*\n/, '')
      .replace(/  - https:\/\/dantri.*\n/, '');
    expect(await problemsFor('vneid-quen-mat-khau.md', pressOnly)).toContainEqual(expect.stringMatching(/no official source/));
  });

  it('rejects a step list longer than a phone screen', async () => {
    const steps = Array.from({ length: 12 }, (_, i) => `${i + 1}. Bước số ${i + 1}.`).join('\n');
    const long = GOOD.replace(/## Các bước\n(\d+\..*\n)+/, `## Các bước\n${steps}\n`);
    expect(await problemsFor('vneid-quen-mat-khau.md', long)).toContainEqual(expect.stringMatching(/12 steps: longer than a phone screen/));
  });

  it('reports duplicate ids and broken related links', async () => {
    // a copy saved under another name that still declares the same id
    const { problems } = await checkKnowledge(folderWith({ 'guides/vneid-quen-mat-khau-ban-sao.md': GOOD }));
    expect(problems.map((p) => p.problem)).toContainEqual(expect.stringMatching(/^duplicate id "vneid-quen-mat-khau" \(also in/));
    const broken = GOOD.replace('related: [', 'related: [khong-co-guide-nay, ');
    expect(await problemsFor('vneid-quen-mat-khau.md', broken)).toContainEqual('related "khong-co-guide-nay" is not a guide id');
  });
});
