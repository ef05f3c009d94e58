import type { FastifyInstance } from 'fastify';
import matter from 'gray-matter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { createServer } from '../src/http/server.ts';
import { redact } from '../src/text/redact.ts';
import { memoryApp } from './helpers/app.ts';
import { ConsoleClient, seedAccount } from './helpers/console.ts';

let app: App;
let server: FastifyInstance;
let editor: ConsoleClient;
let citizen: number;
let guideIds: string[];

/** The redacted question as the core stores it. */
const PHONE_QUESTION = redact('sổ đỏ làm lại ở đâu, gọi tôi 0912345678 nhé').text;

async function ask(question: string, opts: { abstained: boolean; guide?: string; confidence?: number; daysAgo?: number }) {
  const [row] = await app.db.query<{ id: string }>(
    `insert into asks (user_id, question, top_guide, confidence, abstained, latency_ms, created_at)
     values ($1, $2, $3, $4, $5, 1, now() - make_interval(days => $6)) returning id`,
    [citizen, question, opts.guide ?? null, opts.confidence ?? 0.2, opts.abstained, opts.daysAgo ?? 0],
  );
  return Number(row!.id);
}

async function vote(askId: number, value: 1 | -1, daysAgo = 0, user = citizen) {
  await app.db.query(`insert into feedback (ask_id, user_id, value, created_at) values ($1, $2, $3, now() - make_interval(days => $4))`, [
    askId,
    user,
    value,
    daysAgo,
  ]);
}

async function newCitizen(tag: string) {
  const [row] = await app.db.query<{ id: string }>(`insert into users (channel, external_id) values ('web', $1) returning id`, [
    `content-${tag}-${Date.now()}`,
  ]);
  return Number(row!.id);
}

/** The cards of the worklist page, each with its key and text. */
function groups(body: string) {
  return body
    .split('<div class="card group"')
    .slice(1)
    .map((card) => ({ key: /id="g-([0-9a-f]+)"/.exec(card)![1]!, card }));
}

beforeAll(async () => {
  app = await memoryApp();
  server = await createServer(app);
  citizen = await newCitizen('a');
  guideIds = (await app.db.query<{ id: string }>(`select id from guides where kind = 'guide' order by id`)).map((r) => r.id);
  for (const q of ['so do lam lai o dau', 'Sổ đỏ làm lại ở đâu?', 'sổ đỏ bị mất thì làm lại ở đâu', PHONE_QUESTION])
    await ask(q, { abstained: true, guide: guideIds[0], confidence: 0.31 });
  // a 👎 on an answer to the same question
  await vote(await ask('so do lam lai o dau vay', { abstained: false, guide: guideIds[1], confidence: 0.6 }), -1);
  await ask('quên mật khẩu vneid', { abstained: true, guide: 'vneid-bao-bi-khoa', confidence: 0.4 });
  await ask('quen mat khau vneid thi sao', { abstained: true, guide: 'vneid-bao-bi-khoa', confidence: 0.45 });
  await app.db.query(`insert into handoff_unmet (citizen_id, channel, problem) values ($1, 'web', 'máy tính không in được giấy tờ')`, [
    citizen,
  ]);
  // outside the default range (last 30 days)
  await ask('cau hoi cu tu lau roi', { abstained: true, daysAgo: 90 });
  const who = await seedAccount(app.db, 'editor');
  editor = new ConsoleClient(server);
  await editor.login(who.login, who.password);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

describe('console: unanswered questions', () => {
  it('groups similar questions with their count, redacted examples and the closest guide', async () => {
    const page = await editor.get('/console/unanswered');
    expect(page.statusCode).toBe(200);
    const cards = groups(page.body);
    const soDo = cards.filter((c) => /lam lai o dau|làm lại ở đâu/.test(c.card));
    expect(soDo).toHaveLength(1);
    expect(soDo[0]!.card).toContain('<b>5</b> lần');
    expect(soDo[0]!.card).toContain('👎 1');
    expect(soDo[0]!.card).toContain(`<b>${guideIds[0]}</b>`);
    expect(soDo[0]!.card).toContain('độ tin cậy 31%');
    expect((soDo[0]!.card.match(/<li>/g) ?? []).length).toBe(3);
    const vneid = cards.find((c) => c.card.includes('quên mật khẩu vneid'))!;
    expect(vneid.card).toContain('<b>2</b> lần');
    expect(cards.find((c) => c.card.includes('máy tính không in được giấy tờ'))!.card.replace(/\s+/g, ' ')).toContain(
      'không có tình nguyện viên 1',
    );
    expect(page.body).not.toContain('cau hoi cu tu lau roi');
    // examples are the stored, redacted text; never the number
    expect(PHONE_QUESTION).toContain('[số điện thoại]');
    expect(page.body).not.toContain('0912345678');
    // a wider range (reports read at most a year: a range from 2000 would be cut to the year before `to`)
    const from = new Date(Date.now() - 120 * 86_400_000).toISOString().slice(0, 10);
    const wide = await editor.get(`/console/unanswered?from=${from}`);
    expect(wide.body).toContain('cau hoi cu tu lau roi');
  });

  it('shows a redacted example exactly as stored', async () => {
    const page = await editor.get('/console/unanswered');
    const soDo = groups(page.body).find((c) => c.card.includes('làm lại ở đâu'))!;
    // newest first: the phone question was stored last among the abstentions of that group
    expect(page.body).toContain('[số điện thoại]');
    expect(soDo.card).toMatch(/<li>[^<]*\[số điện thoại\][^<]*<\/li>/);
  });

  it('a decision moves the group to the decided tab and is audited; without the CSRF token it is refused', async () => {
    // a group of its own (the other tests read the groups made in beforeAll)
    await ask('ban sao giay khai sinh lay o dau', { abstained: true, guide: 'vneid-bao-bi-khoa', confidence: 0.4 });
    await ask('lay ban sao giay khai sinh o dau', { abstained: true, guide: 'vneid-bao-bi-khoa', confidence: 0.4 });
    const page = await editor.get('/console/unanswered');
    const birth = groups(page.body).find((c) => c.card.includes('ban sao giay khai sinh lay o dau'))!;
    const refused = await editor.post('/console/unanswered/decide', { key: birth.key, decision: 'covered', guide: guideIds[0]! }, null);
    expect(refused.statusCode).toBe(403);
    expect(await app.db.query('select 1 from console_group_decisions where group_key = $1', [birth.key])).toHaveLength(0);
    await editor.get('/console/unanswered');
    const done = await editor.post('/console/unanswered/decide', { key: birth.key, decision: 'covered', guide: 'vneid-bao-bi-khoa' });
    expect(done.statusCode).toBe(303);
    const after = await editor.get('/console/unanswered');
    expect(groups(after.body).map((g) => g.key)).not.toContain(birth.key);
    expect(after.body).not.toContain('ban sao giay khai sinh lay o dau');
    const decided = await editor.get('/console/unanswered?show=decided');
    const card = groups(decided.body).find((g) => g.key === birth.key)!;
    expect(card.card).toContain('Đã có hướng dẫn: vneid-bao-bi-khoa');
    const [row] = await app.db.query<{ decision: string; guide_id: string; login: string }>(
      'select decision, guide_id, login from console_group_decisions where group_key = $1',
      [birth.key],
    );
    expect(row).toMatchObject({ decision: 'covered', guide_id: 'vneid-bao-bi-khoa' });
    const audits = await app.db.query<{ detail: { group: string; decision: string } }>(
      `select detail from console_audit where action = 'unanswered.decide'`,
    );
    expect(audits.map((a) => a.detail)).toContainEqual(expect.objectContaining({ group: birth.key, decision: 'covered' }));
    // a later question like it joins the decided group instead of coming back
    await ask('xin ban sao giay khai sinh o dau', { abstained: true });
    expect((await editor.get('/console/unanswered')).body).not.toContain('xin ban sao giay khai sinh o dau');
    // a guide that does not exist is refused
    const soDo = groups((await editor.get('/console/unanswered')).body).find((c) => c.card.includes('làm lại ở đâu'))!;
    expect((await editor.post('/console/unanswered/decide', { key: soDo.key, decision: 'covered', guide: 'khong-co' })).statusCode).toBe(
      400,
    );
  });

  it('exports a group as a draft guide skeleton with the front matter of a guide, audited', async () => {
    const page = await editor.get('/console/unanswered');
    const soDo = groups(page.body).find((c) => c.card.includes('làm lại ở đâu'))!;
    const res = await editor.post('/console/unanswered/export', { key: soDo.key });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/markdown');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="[a-z0-9-]+\.md"/);
    const parsed = matter(res.body);
    expect(parsed.data).toMatchObject({ category: expect.any(String), sources: [] });
    expect(parsed.data.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(parsed.data.title).toContain('TODO');
    expect(String(parsed.data.last_verified instanceof Date ? parsed.data.last_verified.toISOString() : parsed.data.last_verified)).toMatch(
      /^\d{4}-\d{2}-\d{2}/,
    );
    expect(parsed.data.questions).toContain('so do lam lai o dau');
    expect(parsed.data.questions).toContain(PHONE_QUESTION);
    expect(parsed.content).toContain('## Các bước');
    const audits = await app.db.query<{ detail: { group: string } }>(`select detail from console_audit where action = 'unanswered.export'`);
    expect(audits.map((a) => a.detail.group)).toContain(soDo.key);
    expect((await editor.post('/console/unanswered/export', { key: soDo.key }, null)).statusCode).toBe(403);
  });

  it('a volunteer may open neither page', async () => {
    const who = await seedAccount(app.db, 'volunteer');
    const browser = new ConsoleClient(server);
    await browser.login(who.login, who.password);
    expect((await browser.get('/console/unanswered')).statusCode).toBe(403);
    expect((await browser.get('/console/guides')).statusCode).toBe(403);
  });
});

describe('console: guides', () => {
  const queue = (body: string) => body.slice(body.indexOf('id="recheck"'), body.indexOf('id="suggestions"'));

  it('puts a guide verified long ago, and one with a rising 👎 share, in the re-verification queue first', async () => {
    const fresh = await app.db.query<{ id: string }>(
      `select id from guides where kind = 'guide' and last_verified > current_date - 100 order by id desc limit 3`,
    );
    const [stale, rising, calm] = fresh.map((r) => r.id) as [string, string, string];
    await app.db.query(`update guides set last_verified = date '2020-01-01' where id = $1`, [stale]);
    // rising: 3 votes in the last 30 days, 2 of them 👎; 2 👍 the 30 days before
    for (const [value, daysAgo] of [
      [-1, 1],
      [-1, 2],
      [1, 3],
      [1, 40],
      [1, 45],
    ] as const)
      await vote(
        await ask('mot cau hoi', { abstained: false, guide: rising, confidence: 0.9, daysAgo }),
        value,
        daysAgo,
        await newCitizen('v'),
      );
    const page = await editor.get('/console/guides');
    expect(page.statusCode).toBe(200);
    const first = queue(page.body);
    expect(first).toContain(`id="guide-${stale}"`);
    expect(first).toContain('kiểm tra lần cuối');
    expect(first).toContain(`id="guide-${rising}"`);
    expect(first).toContain('👎 tăng: 67%');
    expect(first).not.toContain(`id="guide-${calm}"`);
    expect(page.body.indexOf(`id="guide-${stale}"`)).toBeLessThan(page.body.indexOf(`id="guide-${calm}"`));
    // the questions of the last 👎 answers
    expect(page.body.slice(page.body.indexOf(`id="guide-${rising}"`))).toContain('<li>mot cau hoi</li>');
  });

  it('lists the answers volunteers saved until an editor marks them reviewed (audited)', async () => {
    const [row] = await app.db.query<{ id: string }>(`insert into guide_suggestions (question, answer) values ($1, $2) returning id`, [
      'in giấy xác nhận cư trú ở đâu',
      'Vào VNeID, mục Thủ tục hành chính',
    ]);
    const id = Number(row!.id);
    const page = await editor.get('/console/guides');
    expect(page.body).toContain(`id="suggestion-${id}"`);
    expect(page.body).toContain('Vào VNeID, mục Thủ tục hành chính');
    expect((await editor.post(`/console/guides/suggestions/${id}/reviewed`, {}, null)).statusCode).toBe(403);
    await editor.get('/console/guides');
    expect((await editor.post(`/console/guides/suggestions/${id}/reviewed`, {})).statusCode).toBe(303);
    expect((await editor.get('/console/guides')).body).not.toContain(`id="suggestion-${id}"`);
    const [s] = await app.db.query<{ status: string; login: string }>(
      'select s.status, r.login from guide_suggestions s join console_suggestion_reviews r on r.suggestion_id = s.id where s.id = $1',
      [id],
    );
    expect(s!.status).toBe('done');
    const audits = await app.db.query<{ detail: { suggestion: number } }>(
      `select detail from console_audit where action = 'guides.suggestion-reviewed'`,
    );
    expect(audits.map((a) => a.detail.suggestion)).toContain(id);
  });
});
