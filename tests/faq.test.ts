import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { MAX_CHOICE_ID_BYTES } from '../src/core/choices.ts';
import { moreChoiceId } from '../src/ask/render.ts';

const STALE_CHOICE = 'Lựa chọn này đã cũ. Bạn gõ lại câu hỏi giúp mình nhé.';
import { TelegramChannel } from '../src/channels/telegram.ts';
import { ZaloChannel } from '../src/channels/zalo/channel.ts';
import { ZaloClient } from '../src/channels/zalo/client.ts';
import { createServer } from '../src/http/server.ts';
import { checkKnowledge } from '../src/knowledge/check.ts';
import { FAQ_PAGE_CHARS, paginate, parseFaqBody, splitLong } from '../src/knowledge/faq.ts';
import { parseGuide } from '../src/knowledge/guide.ts';
import { audienceList, faqId, ImportFaqError, importFaq } from '../src/knowledge/import-faq.ts';
import { loadGuides } from '../src/knowledge/load.ts';
import { callbackUpdate, startFakeTelegram, textUpdate, type FakeTelegram } from './fakes/telegram.ts';
import { startFakeZalo, zaloText, type FakeZalo } from './fakes/zalo.ts';
import { KNOWLEDGE, memoryApp } from './helpers/app.ts';

const ROOT = resolve(import.meta.dirname, '..');
const today = new Date().toISOString().slice(0, 10);

/** An FAQ entry file: front matter fields (undefined = left out) and the answer. */
function faqFile(fields: Record<string, string | string[] | undefined>, answer: string): string {
  const lines = ['---', 'kind: faq'];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) lines.push(`${k}:`, ...v.map((x) => `  - ${x}`));
    else lines.push(`${k}: ${v}`);
  }
  return [...lines, '---', answer, ''].join('\n');
}

const GOOD = (id: string, question: string, extra: Record<string, string | string[] | undefined> = {}) =>
  faqFile(
    {
      id,
      questions: [question],
      sources: ['https://dichvucong.gov.vn/p/home/dvc-cau-hoi-pho-bien.html'],
      last_verified: '2026-01-05',
      ministry: 'Bộ Tư pháp',
      audience: 'Công dân',
      ...extra,
    },
    'Bạn nộp hồ sơ trên **Cổng Dịch vụ công quốc gia** và theo dõi kết quả trong mục Hồ sơ của tôi.\n\n' +
      '- Chuẩn bị bản chụp giấy tờ.\n- Nộp lệ phí theo số tiền cổng hiển thị.',
  );

/** A copy of the real knowledge folder with files added (paths relative to it). */
function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bd-faq-'));
  cpSync(KNOWLEDGE, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function problemsIn(files: Record<string, string>): Promise<string[]> {
  const { problems } = await checkKnowledge(folderWith(files));
  return problems.map((p) => `${p.file.replace(/^.*\/(faq|guides)\//, '$1/')}: ${p.problem}`);
}

describe('FAQ entries: parsing and checks', () => {
  it('parses an FAQ entry into a guide of kind faq, with a derived title, the whole answer indexed and pages', () => {
    const g = parseGuide('faq/x.md', GOOD('faq-nop-ho-so', 'Nộp hồ sơ trực tuyến ở đâu?'), 'faq-nop-ho-so', 'faq');
    expect(g).toMatchObject({
      kind: 'faq',
      id: 'faq-nop-ho-so',
      title: 'Nộp hồ sơ trực tuyến ở đâu?',
      titleDerived: true,
      category: 'dich-vu-cong',
      ministry: 'Bộ Tư pháp',
      audience: ['Công dân'],
      steps: [],
      lastVerified: '2026-01-05',
      answer: 'Bạn nộp hồ sơ trên **Cổng Dịch vụ công quốc gia** và theo dõi kết quả trong mục Hồ sơ của tôi.',
    });
    expect(g.sections).toEqual([
      { heading: 'Trả lời', lines: [g.answer, 'Chuẩn bị bản chụp giấy tờ.', 'Nộp lệ phí theo số tiền cổng hiển thị.'] },
    ]);
    expect(g.pages).toEqual([`${g.answer}\n\n- Chuẩn bị bản chụp giấy tờ.\n- Nộp lệ phí theo số tiền cổng hiển thị.`]);

    // no title, no question: the answer's first sentence, cut at a word to at most 90 characters
    const long = faqFile(
      { id: 'faq-dai', sources: ['https://dichvucong.gov.vn'], last_verified: '2026-01-05' },
      'Người dân có thể nộp hồ sơ đăng ký thường trú cho con dưới mười bốn tuổi qua Cổng Dịch vụ công quốc gia ' +
        'hoặc ứng dụng định danh điện tử. Câu sau.',
    );
    const derived = parseGuide('faq/faq-dai.md', long, 'faq-dai', 'faq');
    expect(derived.titleDerived).toBe(true);
    expect(derived.title.length).toBeLessThanOrEqual(90);
    expect(derived.title).toMatch(/^Người dân có thể nộp hồ sơ .*[^ ]…$/);
    expect('Người dân có thể nộp hồ sơ đăng ký thường trú cho con dưới mười bốn tuổi qua Cổng Dịch vụ công quốc gia').toContain(
      derived.title.slice(0, -1),
    );

    // a guide stays a guide
    const guide = parseGuide(
      'guides/vneid-quen-mat-khau.md',
      readFileSync(join(KNOWLEDGE, 'guides/vneid-quen-mat-khau.md'), 'utf8'),
      'vneid-quen-mat-khau',
    );
    expect(guide).toMatchObject({ kind: 'guide', titleDerived: false, audience: [], pages: [] });
  });

  it('accepts good FAQ entries in faq/ and its subfolders, and loads them beside the guides', async () => {
    const dir = folderWith({
      'faq/faq-nop-ho-so.md': GOOD('faq-nop-ho-so', 'Nộp hồ sơ trực tuyến ở đâu?', { title: 'Nộp hồ sơ trực tuyến' }),
      'faq/ha-noi/faq-tra-cuu.md': GOOD('faq-tra-cuu', 'Tra cứu hồ sơ đã nộp thế nào?'),
    });
    expect((await checkKnowledge(dir)).problems).toEqual([]);
    const { guides } = await loadGuides(dir);
    expect(guides.filter((g) => g.kind === 'faq').map((g) => [g.id, g.title, g.titleDerived])).toEqual([
      ['faq-nop-ho-so', 'Nộp hồ sơ trực tuyến', false],
      ['faq-tra-cuu', 'Tra cứu hồ sơ đã nộp thế nào?', true],
    ]);
    expect(guides.filter((g) => g.kind === 'guide').length).toBeGreaterThanOrEqual(8);
  });

  it('names an empty answer, a missing source, a missing or bad date and a duplicate question', async () => {
    const empty = faqFile(
      { id: 'faq-rong', questions: ['Câu hỏi không có trả lời?'], sources: ['https://dichvucong.gov.vn'], last_verified: '2026-01-05' },
      '',
    );
    const noSource = GOOD('faq-khong-nguon', 'Hỏi không nguồn?', { sources: undefined });
    const noDate = GOOD('faq-khong-ngay', 'Hỏi không ngày?', { last_verified: undefined });
    const badDate = GOOD('faq-sai-ngay', 'Hỏi sai ngày?', { last_verified: '2026-02-31' });
    const future = GOOD('faq-tuong-lai', 'Hỏi ngày tương lai?', { last_verified: '2999-01-01' });
    const first = GOOD('faq-mot', 'Đăng ký tạm trú online được không?');
    const twin = GOOD('faq-hai', 'dang ky tam tru ONLINE duoc khong');
    const problems = await problemsIn({
      'faq/faq-rong.md': empty,
      'faq/faq-khong-nguon.md': noSource,
      'faq/faq-khong-ngay.md': noDate,
      'faq/faq-sai-ngay.md': badDate,
      'faq/faq-tuong-lai.md': future,
      'faq/a/faq-mot.md': first,
      'faq/b/faq-hai.md': twin,
    });
    expect(problems).toContain('faq/faq-rong.md: the answer is empty: write the official answer below the front matter');
    expect(problems).toContainEqual(expect.stringMatching(/^faq\/faq-khong-nguon\.md: sources is missing/));
    expect(problems).toContainEqual(expect.stringMatching(/^faq\/faq-khong-ngay\.md: last_verified is missing/));
    expect(problems).toContainEqual(expect.stringMatching(/^faq\/faq-sai-ngay\.md: last_verified "2026-02-31" must be a real date/));
    expect(problems).toContain('faq/faq-tuong-lai.md: last_verified 2999-01-01 is in the future');
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^faq\/b\/faq-hai\.md: duplicate question "dang ky tam tru ONLINE duoc khong" \(also in .*faq\/a\/faq-mot\.md\)$/,
      ),
    );
    expect(problems).toHaveLength(6);
  });

  it('reports an id used both by a guide and an FAQ entry, and a file name that is not the id', async () => {
    const problems = await problemsIn({
      'faq/vneid-quen-mat-khau.md': GOOD('vneid-quen-mat-khau', 'Một câu hỏi khác hẳn?'),
      'faq/ten-khac.md': GOOD('faq-that', 'Câu hỏi thứ ba?'),
      [`faq/faq-${'dai-'.repeat(15)}x.md`]: GOOD(`faq-${'dai-'.repeat(15)}x`, 'Câu hỏi thứ tư?'),
    });
    expect(problems).toContain(
      `faq/faq-${'dai-'.repeat(15)}x.md: id has 65 characters (at most 58, so that a button naming it stays within 64 bytes)`,
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^faq\/vneid-quen-mat-khau\.md: duplicate id "vneid-quen-mat-khau" \(also in .*guides\/vneid-quen-mat-khau\.md\)/,
      ),
    );
    expect(problems).toContain('faq/ten-khac.md: id "faq-that" must equal the file name "ten-khac"');
  });
});

describe('FAQ entries: pages of one phone screen', () => {
  const sentence = (i: number) => `Câu số ${i} nói về việc nộp hồ sơ trực tuyến trên cổng dịch vụ công của tỉnh.`;
  const paragraph = (i: number, n = 4) => Array.from({ length: n }, (_, k) => sentence(i * 10 + k)).join(' ');

  it('cuts between paragraphs and list items, never inside one, at most 900 characters a page', () => {
    const items = Array.from({ length: 8 }, (_, i) => `- Giấy tờ thứ ${i + 1}: bản chụp rõ nét, đủ bốn góc, không bị lóa sáng.`).join('\n');
    const markdown = [paragraph(1), paragraph(2), items, paragraph(3), paragraph(4), paragraph(5)].join('\n\n');
    const { pages, lines } = parseFaqBody(markdown);
    expect(pages.length).toBeGreaterThan(1);
    const wholes = [paragraph(1), paragraph(2), ...lines.slice(2, 10).map((l) => `- ${l}`), paragraph(3), paragraph(4), paragraph(5)];
    for (const page of pages) {
      expect(page.length).toBeLessThanOrEqual(FAQ_PAGE_CHARS);
      // every page is whole blocks, in order
      for (const part of page.split(/\n\n|\n/)) expect(wholes).toContain(part);
    }
    expect(pages.flatMap((p) => p.split(/\n\n|\n/))).toEqual(wholes);
  });

  it('cuts a single paragraph longer than a page at a sentence, and a sentence longer than a page at a word', () => {
    const huge = paragraph(1, 40); // ~3,000 characters
    const pages = paginate([{ text: huge }]);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const p of pages) {
      expect(p.length).toBeLessThanOrEqual(FAQ_PAGE_CHARS);
      expect(p).toMatch(/^Câu số \d+ .*tỉnh\.$/);
    }
    expect(pages.join(' ')).toBe(huge);

    const endless = Array.from({ length: 300 }, (_, i) => `từ${i}`).join(' '); // one "sentence", ~1,500 characters
    const cut = splitLong(endless);
    expect(cut.length).toBe(2);
    for (const p of cut) expect(p.length).toBeLessThanOrEqual(FAQ_PAGE_CHARS);
    expect(cut.join(' ')).toBe(endless);

    // a bold label cut in two stays bold on both pages
    const bold = splitLong(`**${paragraph(2, 20)}**`);
    expect(bold.length).toBeGreaterThan(1);
    for (const p of bold) expect(p).toMatch(/^\*\*.*\*\*$/);
  });

  it('keeps choice ids within 64 bytes, hashing a long guide id', () => {
    expect(moreChoiceId('faq-lam-the-nao-5ca138', 1)).toBe('more:faq-lam-the-nao-5ca138:1');
    const longId = `faq-${'rat-dai-'.repeat(10)}abc`;
    const id = moreChoiceId(longId, 12);
    expect(Buffer.byteLength(id)).toBeLessThanOrEqual(MAX_CHOICE_ID_BYTES);
    expect(id).toMatch(/^more:#[0-9a-f]{16}:12$/);
    expect(faqId('Làm thế nào để tra cứu hồ sơ đã nộp trên Cổng Dịch vụ công quốc gia?').length).toBeLessThanOrEqual(50);
  });
});

describe('knowledge import-faq', () => {
  const CSV = [
    'cauHoi,cauTraLoi,link,boNganh,phanLoai',
    '"Làm sao tra cứu hồ sơ đã nộp trên cổng?","Bạn vào mục **Tra cứu hồ sơ**.',
    'Nhập mã hồ sơ rồi bấm Tìm kiếm.",https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html,' +
      "Văn phòng Chính phủ,\"['Công dân', 'Doanh nghiệp']\"",
    ',"Trả lời mà không có câu hỏi",https://dichvucong.gov.vn,,[]',
    '"Nộp lệ phí trực tuyến bằng cách nào?","Chọn hình thức thanh toán trực tuyến mà cổng hiển thị, nộp đúng số tiền.",' +
      'https://dichvucong.gov.vn/p/home/dvc-thanh-toan.html,,[]',
    '',
    '"LÀM SAO TRA CỨU HỒ SƠ ĐÃ NỘP TRÊN CỔNG","Trùng câu hỏi với dòng 2",https://dichvucong.gov.vn,,',
    '"Sửa thông tin hồ sơ đã gửi được không?","",https://dichvucong.gov.vn,,',
    '"Hồ sơ bị trả lại thì làm gì?","Bạn đọc lý do trả lại, bổ sung giấy tờ rồi nộp lại.",,Bộ Công an,Công dân',
  ].join('\n');

  it('imports a CSV, reports skipped rows by line, and a second run writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bd-import-'));
    writeFileSync(join(dir, 'hoi-dap.csv'), CSV);
    const out = join(dir, 'faq');
    const first = await importFaq({ file: join(dir, 'hoi-dap.csv'), outDir: out });
    expect(first).toMatchObject({ written: 2, unchanged: 0 });
    expect(first.skipped).toEqual([
      { line: 4, reason: 'empty question' },
      { line: 7, reason: 'duplicate question (same as line 2)' },
      { line: 8, reason: 'empty answer' },
      { line: 9, reason: 'no source (no link in the row and no --source)' },
    ]);
    const names = readdirSync(out).sort();
    expect(names).toEqual(
      [`${faqId('Làm sao tra cứu hồ sơ đã nộp trên cổng?')}.md`, `${faqId('Nộp lệ phí trực tuyến bằng cách nào?')}.md`].sort(),
    );
    const text = readFileSync(join(out, `${faqId('Làm sao tra cứu hồ sơ đã nộp trên cổng?')}.md`), 'utf8');
    expect(text).toContain('kind: faq');
    expect(text).toContain(`last_verified: ${today}`);
    const g = parseGuide('x.md', text, faqId('Làm sao tra cứu hồ sơ đã nộp trên cổng?'), 'faq');
    expect(g).toMatchObject({
      title: 'Làm sao tra cứu hồ sơ đã nộp trên cổng?',
      questions: ['Làm sao tra cứu hồ sơ đã nộp trên cổng?'],
      ministry: 'Văn phòng Chính phủ',
      audience: ['Công dân', 'Doanh nghiệp'],
    });
    expect(g.pages).toEqual(['Bạn vào mục **Tra cứu hồ sơ**.\n\nNhập mã hồ sơ rồi bấm Tìm kiếm.']);

    const mtimes = names.map((n) => statSync(join(out, n)).mtimeMs);
    const second = await importFaq({ file: join(dir, 'hoi-dap.csv'), outDir: out, today: '2099-01-01' });
    expect(second).toMatchObject({ written: 0, unchanged: 2 });
    expect(second.skipped).toHaveLength(4);
    expect(names.map((n) => statSync(join(out, n)).mtimeMs)).toEqual(mtimes);

    // --source fills the row without a link; --last-verified rewrites the date
    const third = await importFaq({
      file: join(dir, 'hoi-dap.csv'),
      outDir: out,
      source: 'https://dichvucong.gov.vn',
      lastVerified: '2026-01-02',
    });
    expect(third).toMatchObject({ written: 3, unchanged: 0 });
    expect(readFileSync(join(out, `${faqId('Hồ sơ bị trả lại thì làm gì?')}.md`), 'utf8')).toMatch(
      /last_verified: 2026-01-02[\s\S]*ministry: Bộ Công an\naudience:\n  - Công dân\n/,
    );

    // the imported files pass the checker in a knowledge folder
    const knowledge = folderWith({});
    cpSync(out, join(knowledge, 'faq'), { recursive: true });
    expect((await checkKnowledge(knowledge)).problems).toEqual([]);
  });

  it('imports JSONL with other column names, lists and bad lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bd-import-'));
    const rows = [
      JSON.stringify({
        question: 'Đổi địa chỉ thư điện tử trên cổng ở đâu?',
        answer: 'Vào **Tài khoản**, chọn Thông tin cá nhân.',
        url: 'https://dichvucong.gov.vn/p/home/tai-khoan.html',
        audience: ['Công dân'],
      }),
      'không phải JSON',
      JSON.stringify({
        question: 'Ai được dùng tài khoản tổ chức?',
        answer: '<p>Doanh nghiệp đã đăng ký.</p><ul><li>Có mã số thuế</li><li>Có chữ ký số</li></ul>',
        url: 'https://dichvucong.gov.vn',
        ministry: 'Bộ Tài chính',
        audience: "['Doanh nghiệp']",
      }),
      JSON.stringify({ question: '   ', answer: 'Không có câu hỏi.', url: 'https://dichvucong.gov.vn' }),
    ];
    writeFileSync(join(dir, 'hoi-dap.jsonl'), `${rows.join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await importFaq({ file: join(dir, 'hoi-dap.jsonl'), outDir: out, idPrefix: 'hn' });
    expect(r).toMatchObject({
      written: 2,
      unchanged: 0,
      skipped: [
        { line: 2, reason: 'not a JSON object' },
        { line: 4, reason: 'empty question' },
      ],
    });
    const file = `${faqId('Ai được dùng tài khoản tổ chức?', 'hn')}.md`;
    expect(readdirSync(out)).toContain(file);
    expect(file).toMatch(/^hn-ai-duoc-dung-tai-khoan-to-[0-9a-f]{6}\.md$/);
    const g = parseGuide(file, readFileSync(join(out, file), 'utf8'), file.replace(/\.md$/, ''), 'faq');
    expect(g).toMatchObject({ ministry: 'Bộ Tài chính', audience: ['Doanh nghiệp'], answer: 'Doanh nghiệp đã đăng ký.' });
    expect(g.pages[0]).toBe('Doanh nghiệp đã đăng ký.\n\n- Có mã số thuế\n- Có chữ ký số');
    expect((await importFaq({ file: join(dir, 'hoi-dap.jsonl'), outDir: out, idPrefix: 'hn' })).written).toBe(0);

    expect(audienceList("['Công dân', 'Doanh nghiệp']")).toEqual(['Công dân', 'Doanh nghiệp']);
    expect(audienceList('[]')).toEqual([]);
    expect(audienceList('["Hộ kinh doanh"]')).toEqual(['Hộ kinh doanh']);
  });

  it('stops with a clear message naming the columns found, and the command prints the summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bd-import-'));
    writeFileSync(join(dir, 'sai.csv'), 'tieuDe,noiDung\n"a","b"\n');
    const err = await importFaq({ file: join(dir, 'sai.csv'), outDir: join(dir, 'out') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFaqError);
    expect((err as Error).message).toMatch(/no question column \(cauHoi, question, q.*the file has: "tieuDe", "noiDung"/);
    await expect(importFaq({ file: join(dir, 'khong-co.csv'), outDir: dir })).rejects.toThrow(/cannot read/);

    writeFileSync(join(dir, 'hoi-dap.csv'), CSV);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'knowledge', 'import-faq', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, LOG_LEVEL: 'silent' },
      });
    const ok = cli(join(dir, 'hoi-dap.csv'), '--out', join(dir, 'faq'));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(
      'written 2, unchanged 0, skipped 4\nline 4: empty question\nline 7: duplicate question (same as line 2)\n' +
        'line 8: empty answer\nline 9: no source (no link in the row and no --source)\n',
    );
    const bad = cli(join(dir, 'sai.csv'), '--out', join(dir, 'faq'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/error: no question column .*"tieuDe", "noiDung"/);
  }, 60_000);
});

/** The FAQ entries of the end-to-end tests: a long official answer (three pages), and one with an id too long for a choice id. */
const QUESTION = 'Thủ tục cấp phép tổ chức lễ hội truyền thống của thôn được giải quyết trong bao lâu?';
/** 58 characters: `guide:<id>` fits in 64 bytes, `more:<id>:1` does not. */
const LONG_ID = 'faq-cap-phep-le-hoi-truyen-thong-cua-thon-xom-ban-lang-abc';
const PARAGRAPHS = Array.from(
  { length: 7 },
  (_, i) =>
    `Đoạn ${i + 1}. Ban tổ chức lễ hội nộp hồ sơ đề nghị tại bộ phận một cửa của xã, ` +
    `gồm văn bản đề nghị, chương trình lễ hội và danh sách người phụ trách. ` +
    `Cán bộ tiếp nhận kiểm tra hồ sơ và hẹn ngày trả kết quả; khi cần bổ sung, người nộp được báo ngay để sửa trong ngày.`,
);
const SOURCE = 'https://dichvucong.gov.vn/p/home/dvc-cau-hoi-pho-bien.html';

describe('"Xem tiếp": an FAQ answer a page at a time, on every channel', () => {
  let app: App;
  let server: FastifyInstance;
  let base: string;
  let telegram: FakeTelegram;
  let zaloFake: FakeZalo;
  let tg: TelegramChannel;
  let zalo: ZaloChannel;
  const page1 = () => PARAGRAPHS.slice(0, 3).join('\n\n');

  beforeAll(async () => {
    const knowledge = folderWith({
      'faq/xa-mau/faq-le-hoi-truyen-thong.md': faqFile(
        {
          id: 'faq-le-hoi-truyen-thong',
          questions: [QUESTION],
          sources: [SOURCE],
          last_verified: '2026-01-05',
          ministry: 'Bộ Văn hóa, Thể thao và Du lịch',
        },
        PARAGRAPHS.join('\n\n'),
      ),
      [`faq/${LONG_ID}.md`]: faqFile(
        {
          id: LONG_ID,
          title: 'Lễ hội của thôn xóm',
          questions: ['Hồ sơ xin tổ chức hội làng ở xóm gồm những gì?'],
          sources: [SOURCE],
          last_verified: '2026-01-05',
        },
        PARAGRAPHS.join('\n\n'),
      ),
    });
    app = await memoryApp({ KNOWLEDGE_DIR: knowledge });
    expect(app.ingestSummary.problems).toEqual([]);
    server = await createServer(app);
    base = await server.listen({ port: 0, host: '127.0.0.1' });
    telegram = await startFakeTelegram();
    tg = new TelegramChannel({
      token: telegram.token,
      apiRoot: telegram.apiRoot,
      conversation: app.conversation,
      db: app.db,
      log: app.log,
    });
    await tg.init();
    tg.startPolling();
    zaloFake = await startFakeZalo();
    zalo = new ZaloChannel({
      client: new ZaloClient({ token: zaloFake.token, baseUrl: zaloFake.base, timeoutMs: 5000 }),
      conversation: app.conversation,
      db: app.db,
      log: app.log,
      pollSeconds: 1,
    });
    await zalo.init();
    zalo.startPolling();
  }, 120_000);
  afterAll(async () => {
    await tg?.stop();
    await zalo?.stop();
    await telegram?.close();
    await zaloFake?.close();
    await server?.close();
    await app?.close();
  });

  type WebReply = { text: string; html: string; choices: { id: string; label: string }[] };
  const chat = async (body: Record<string, string>): Promise<WebReply[]> => {
    const res = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { replies: WebReply[] }).replies;
  };

  it('stores the pages and the kind', async () => {
    const [row] = await app.db.query<{ kind: string; pages: string[]; ministry: string; audience: string[] }>(
      `select kind, pages, ministry, audience from guides where id = 'faq-le-hoi-truyen-thong'`,
    );
    expect(row).toMatchObject({ kind: 'faq', ministry: 'Bộ Văn hóa, Thể thao và Du lịch', audience: [] });
    expect(row!.pages).toHaveLength(3);
    const [guide] = await app.db.query<{ kind: string; pages: string[] }>(
      `select kind, pages from guides where id = 'vneid-quen-mat-khau'`,
    );
    expect(guide).toEqual({ kind: 'guide', pages: [] });
  });

  it('web: the question gets page 1 with "Xem tiếp"; pressing it gives page 2, then 3, each with the citation', async () => {
    const [first] = await chat({ session: 'faq-web-1', text: QUESTION });
    expect(first!.text.startsWith(`**${QUESTION}**\n\n${page1()}\n\nNguồn: ${SOURCE} · cập nhật 05/01/2026`)).toBe(true);
    expect(first!.choices.map((c) => c.label)).toEqual(['Xem tiếp', '👍 Hữu ích', '👎 Chưa đúng', '🙋 Hỏi tình nguyện viên']);
    expect(first!.choices[0]!.id).toBe('more:faq-le-hoi-truyen-thong:1');

    const [second] = await chat({ session: 'faq-web-1', choice: first!.choices[0]!.id });
    expect(second!.text).toBe(`${PARAGRAPHS.slice(3, 6).join('\n\n')}\n\n(phần 2/3)\n\nNguồn: ${SOURCE} · cập nhật 05/01/2026`);
    expect(second!.choices[0]).toEqual({ id: 'more:faq-le-hoi-truyen-thong:2', label: 'Xem tiếp' });
    const [third] = await chat({ session: 'faq-web-1', choice: second!.choices[0]!.id });
    expect(third!.text).toBe(`${PARAGRAPHS[6]}\n\n(phần 3/3)\n\nNguồn: ${SOURCE} · cập nhật 05/01/2026`);
    expect(third!.choices.map((c) => c.label)).toEqual(['🙋 Hỏi tình nguyện viên']);
  });

  it('web: a forged "more" id gets a short friendly reply', async () => {
    for (const forged of [
      'more:khong-co-muc-nay:1',
      'more:faq-le-hoi-truyen-thong:9',
      'more:faq-le-hoi-truyen-thong:abc',
      'more:faq-le-hoi-truyen-thong:0',
      'more:',
      'more:vneid-quen-mat-khau:1',
      `more:#${'0'.repeat(16)}:1`,
      "more:x' or 1=1 --:1",
    ]) {
      const replies = await chat({ session: 'faq-web-2', choice: forged });
      expect(replies.map((r) => r.text)).toEqual([STALE_CHOICE]);
    }
  });

  it('web: an entry whose id is too long for a choice id pages through a hashed id', async () => {
    const [first] = await chat({ session: 'faq-web-3', text: 'Hồ sơ xin tổ chức hội làng ở xóm gồm những gì?' });
    expect(first!.text).toMatch(/^\*\*Lễ hội của thôn xóm\*\*/);
    const more = first!.choices.find((c) => c.label === 'Xem tiếp')!;
    expect(Buffer.byteLength(more.id)).toBeLessThanOrEqual(64);
    expect(more.id).toMatch(/^more:#[0-9a-f]{16}:1$/);
    const [second] = await chat({ session: 'faq-web-3', choice: more.id });
    expect(second!.text).toContain('(phần 2/3)');
  });

  it(
    'Telegram: page 1 with a "Xem tiếp" button; pressing it sends page 2 with the citation; ' + 'a forged button is answered kindly',
    async () => {
      const toChat = (id: number) => telegram.sent().filter((c) => Number(c.body.chat_id) === id);
      telegram.push(textUpdate(QUESTION, 7101));
      await telegram.waitFor(() => toChat(7101).length > 0);
      const first = toChat(7101)[0]!.body;
      expect(first.text).toMatch(new RegExp(`^<b>${QUESTION.replace(/\?/g, '\\?')}</b>\\n\\nĐoạn 1\\.`));
      const buttons = first.reply_markup.inline_keyboard.flat() as { text: string; callback_data: string }[];
      expect(buttons[0]).toEqual({ text: 'Xem tiếp', callback_data: 'more:faq-le-hoi-truyen-thong:1' });

      const press = (data: string) => telegram.push(callbackUpdate(data, 7101));
      press(buttons[0]!.callback_data);
      await telegram.waitFor(() => toChat(7101).length > 1);
      const second = toChat(7101)[1]!.body;
      expect(second.text).toMatch(/^Đoạn 4\./);
      expect(second.text).toContain('(phần 2/3)');
      expect(second.text).toContain(`Nguồn: ${SOURCE} · cập nhật 05/01/2026`);
      expect((second.reply_markup.inline_keyboard.flat() as { text: string }[])[0]!.text).toBe('Xem tiếp');

      press('more:faq-le-hoi-truyen-thong:77');
      await telegram.waitFor(() => toChat(7101).length > 2);
      expect(toChat(7101)[2]!.body.text).toMatch(/^Lựa chọn này đã cũ/);
    },
  );

  it('Zalo: page 1 with "Xem tiếp" as choice 1; replying "1" sends page 2 with the citation', async () => {
    zaloFake.push(zaloText(QUESTION, 'zfaq1').result);
    await zaloFake.waitFor(() => zaloFake.sent('zfaq1').length > 0);
    const first = zaloFake
      .sent('zfaq1')
      .map((c) => c.body.text as string)
      .join('\n');
    expect(first.startsWith(`${QUESTION}\n\nĐoạn 1.`)).toBe(true);
    expect(first).toContain(`Nguồn: ${SOURCE}`);
    expect(first).toMatch(/\n1\. Xem tiếp\n/);

    zaloFake.push(zaloText('1', 'zfaq1').result);
    await zaloFake.waitFor(() => zaloFake.sent('zfaq1').length > 1);
    const second = zaloFake.sent('zfaq1')[1]!.body.text as string;
    expect(second).toMatch(/^Đoạn 4\./);
    expect(second).toContain('(phần 2/3)');
    expect(second).toContain(`Nguồn: ${SOURCE} · cập nhật 05/01/2026`);
    expect(second).toMatch(/\n1\. Xem tiếp\n/);
  });
});
