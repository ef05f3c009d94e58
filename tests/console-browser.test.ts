/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { POLL_MS } from '../src/console/inbox.ts';
import { ROLLUP_TASK } from '../src/console/rollup.ts';
import { createLogger } from '../src/log.ts';
import { serve, type Serving } from '../src/serve.ts';
import { startFakeTelegram, textUpdate, type FakeTelegram } from './fakes/telegram.ts';
import { testConfig } from './helpers/app.ts';
import { createTestDatabase, pgAvailable } from './helpers/pg.ts';
import { freePort } from './helpers/proc.ts';
import { waitUntil } from './helpers/wait.ts';

/**
 * The console as its users meet it: the assistant started as `npm start` starts it (`serve`: HTTP, the Telegram
 * channel long-polling a fake Bot API, the background jobs), a real chromium (Debian's, driven by playwright-core).
 * First run from the link in the start-up log → operator login → the overview's charts drawn from real conversations
 * → the unanswered groups → an invited volunteer claims a Telegram citizen's request in the inbox and replies, and the
 * citizen receives it. Once on the embedded database, once on the PostgreSQL server. Screenshots go to test-results/.
 */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(resolve(import.meta.dirname, '..'), 'test-results');
const have = existsSync(CHROMIUM);
if (!have) console.warn(`console-browser.test.ts skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
const pg = have && (await pgAvailable());

/** Questions citizens ask on the web chat before the console opens: answered ones, three the guides do not cover, a scam link. */
const ANSWERED = [
  'quen mat khau vneid',
  'cai vneid tren iphone',
  'xin ly lich tu phap tren dien thoai',
  'nop ho so tren dich vu cong quoc gia',
];
const UNCOVERED = ['xin giay phep xay dung nha o o dau', 'giay phep xay dung nha o lam the nao', 'thu tuc xin giay phep xay dung nha'];
const SCAM = 'http://vneid-gov.com/capnhat co phai trang that khong';

interface Started {
  app: App;
  serving: Serving;
  /** The start-up log, as JSON lines. */
  log: string[];
  drop?: () => Promise<void>;
}

/** The assistant on `database`, its log captured, Telegram pointed at the fake, on a free loopback port. */
async function start(database: 'pglite' | 'postgres', telegram: FakeTelegram): Promise<Started> {
  const port = await freePort();
  const log: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void log.push(line) });
  const env: Record<string, string> = {
    PORT: String(port),
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    VOLUNTEER_HOURS: '0-24',
    MESSAGES_PER_USER_PER_MINUTE: '0',
  };
  if (database === 'postgres') {
    const db = await createTestDatabase(inject('pgFixtureDb') || undefined);
    const app = await createApp(testConfig({ ...env, DATABASE_URL: db.url }), logger, { progress: () => {} });
    return { app, serving: await serve(app, { port, host: '127.0.0.1' }), log, drop: db.drop };
  }
  const fixture = inject('fixtureDataDir');
  const app = await createApp(testConfig(env), logger, {
    memory: true,
    progress: () => {},
    ...(fixture ? { loadDataDir: new Blob([await readFile(fixture)]) } : {}),
  });
  return { app, serving: await serve(app, { port, host: '127.0.0.1' }), log };
}

/** Every chart on the page has been drawn: chart.js attached to the canvas and painted some pixels. */
async function chartsDrawn(page: Page): Promise<number> {
  await page.waitForFunction(() => {
    const canvases = [...document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]')];
    const chart = (window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): unknown } }).Chart;
    return canvases.length > 0 && canvases.every((c) => chart?.getChart(c));
  });
  return page.evaluate(() => {
    let painted = 0;
    for (const c of document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]')) {
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++;
      if (ink > 500) painted++;
    }
    return painted;
  });
}

describe.skipIf(!have).each([
  ['pglite', true],
  ['postgres', pg],
] as const)('the console in chromium, on %s', (database, available) => {
  let telegram: FakeTelegram;
  let started: Started;
  let browser: Browser;
  const skip = !available;

  beforeAll(async () => {
    if (skip) return;
    telegram = await startFakeTelegram(`123456:${'x'.repeat(30)}`);
    started = await start(database, telegram);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
    });
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await started?.serving.stop();
    await started?.app.close();
    await started?.drop?.();
    await telegram?.close();
  });

  it.skipIf(skip)(
    'first run → operator → charts → unanswered groups → a volunteer helps a Telegram citizen',
    { timeout: 180_000 },
    async () => {
      const { app, serving, log } = started;
      const base = serving.address;
      // what citizens asked (through the real conversation core, as the web chat would)
      // (each citizen's conversation then moved back a few days, so the charts have more than one day to draw)
      let n = 0;
      for (const text of [...ANSWERED, ...UNCOVERED, SCAM, ...ANSWERED.slice(0, 2)]) {
        const userId = `citizen-${++n}`;
        await app.conversation.handle({ channel: 'web', userId, kind: 'text', text });
        const days = (n * 5) % 12;
        for (const [table, column] of [
          ['messages', 'user_id'],
          ['asks', 'user_id'],
        ] as const)
          await app.db.query(
            `update ${table} set created_at = created_at - make_interval(days => $2)
            where ${column} = (select id from users where channel = 'web' and external_id = $1)`,
            [userId, days],
          );
      }

      // the rollup ran at start, before these days had data: counted again, as the nightly job counts a day that is over
      await serving.background.idle(ROLLUP_TASK);
      await app.db.query('delete from report_rollup');
      serving.background.kick(ROLLUP_TASK);
      await serving.background.idle(ROLLUP_TASK);
      expect((await app.db.query('select 1 from report_counts')).length).toBeGreaterThan(0);

      // 1. first run: the link the start-up log printed, opened as printed (its host is this machine's loopback)
      const line = log.find((l) => l.includes('no operator yet'));
      expect(line, log.join('')).toBeDefined();
      const link = (JSON.parse(line!) as { link: string }).link.replace('//localhost:', '//127.0.0.1:');
      expect(link).toMatch(new RegExp(`^${base}/console/setup/`));
      const laptop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const op = await laptop.newPage();
      op.setDefaultTimeout(20_000);
      await op.goto(link);
      await op.fill('#login', 'mai');
      await op.fill('#name', 'Chị Mai');
      await op.fill('#password', 'mot-mat-khau-that-dai');
      await op.click('button[type=submit]');
      await op.waitForURL(`${base}/console`);
      // log out, and in again through the login page
      await op.click('text=Đăng xuất');
      await op.waitForURL(/\/console\/login/);
      await op.fill('#login', 'mai');
      await op.fill('#password', 'mot-mat-khau-that-dai');
      await op.click('button[type=submit]');
      await op.waitForURL(`${base}/console`);

      // 2. the overview: every chart drawn, and the numbers in its table view are the conversations above
      const charts = await op.locator('canvas[data-chart]').count();
      expect(charts).toBeGreaterThanOrEqual(3);
      expect(await chartsDrawn(op)).toBe(charts);
      const body = await op.locator('main').innerText();
      expect(body).toMatch(/Xem dạng bảng/);
      const [{ questions }] = (await app.db.query<{ questions: number }>(
        `select count(*)::int as questions from asks where left(question, 7) <> '[chọn] '`,
      )) as [{ questions: number }];
      expect(questions).toBeGreaterThanOrEqual(ANSWERED.length + UNCOVERED.length);
      const figure = async (label: string) => Number(/^\s*(\d+)/.exec(await op.locator('.figure', { hasText: label }).innerText())?.[1]);
      expect(await figure('câu hỏi')).toBe(questions);
      expect(await figure('cảnh báo lừa đảo')).toBe(1);
      expect(await figure('người dân nhắn tin')).toBe(n);
      await op.screenshot({ path: join(SHOTS, `console-overview-${database}.png`), fullPage: true });

      // 3. the editors' worklist: the three building-permit questions are one group, with the closest guide
      await op.goto(`${base}/console/unanswered`);
      const group = op.locator('.card', { hasText: UNCOVERED[0]! }).first();
      await expect.poll(() => group.innerText()).toMatch(/giay phep xay dung nha o lam the nao/);
      expect(await group.innerText()).toMatch(/^\s*3 lần/);
      // a link the assistant judged is an answer, not a question for the editors
      expect(await op.locator('main').innerText()).not.toContain('vneid-gov.com');
      await op.screenshot({ path: join(SHOTS, `console-unanswered-${database}.png`), fullPage: true });

      // 4. the operator invites a volunteer; the volunteer sets a password on a phone and opens the inbox
      await op.goto(`${base}/console/accounts`);
      await op.fill('#login', 'lan');
      await op.fill('#name', 'Lan');
      await op.selectOption('#role', 'volunteer');
      await op.click('text=Tạo liên kết mời');
      const invite = (await op.locator('#setup-link').innerText()).replace('//localhost:', '//127.0.0.1:');
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const lan = await phone.newPage();
      lan.setDefaultTimeout(20_000);
      // the inbox checks for news every POLL_MS: on this page the clock is the test's, moved on while waiting
      await lan.clock.install();
      const whenPolled = async (what: Locator) =>
        expect
          .poll(
            async () => {
              await lan.clock.runFor(POLL_MS);
              return what.count();
            },
            { timeout: 30_000 },
          )
          .toBeGreaterThan(0);
      await lan.goto(invite);
      await lan.fill('#password', 'tinh-nguyen-vien-xa-ta');
      await lan.click('button[type=submit]');
      await lan.waitForURL(`${base}/console/inbox`);
      await expect.poll(() => lan.locator('main').innerText()).toMatch(/Đang chờ/);

      // 5. a citizen on Telegram asks for a person; the request appears in the open inbox without a reload
      const chat = 770_000 + Math.floor(Math.random() * 9999);
      const toCitizen = () =>
        telegram
          .sent('sendMessage')
          .filter((c) => Number(c.body.chat_id) === chat)
          .map((c) => String(c.body.text));
      telegram.push(textUpdate('/tinhnguyenvien toi khong dang nhap duoc vneid, so toi 0912345678', chat));
      await telegram.waitFor(() => toCitizen().some((t) => t.includes('Đã gửi yêu cầu')), 30_000);
      const id = Number(/#(\d+)/.exec(toCitizen().find((t) => t.includes('Đã gửi yêu cầu'))!)![1]);
      const claim = lan.locator(`button:has-text("Nhận #${id}")`).first();
      await whenPolled(claim);
      expect(await lan.locator('#waiting').innerText()).toContain('[số điện thoại]');
      expect(await lan.content()).not.toContain('0912345678');
      await claim.click();
      await lan.locator('#held').waitFor();
      expect(await lan.locator('#held').innerText()).toContain(`#${id}`);

      // 6. the volunteer replies (a typed <script> stays text); the citizen receives it on Telegram, signed
      const reply = 'Chào bác, bác mở VNeID, bấm "Quên mật khẩu" nhé <script>alert(1)</script>';
      await lan.fill('#reply', reply);
      await lan.click('#held button:has-text("Gửi")');
      // Telegram's HTML parse mode: what the citizen reads is the text with its entities decoded
      const read = (t: string) =>
        t
          .replace(/<\/?b>/g, '')
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&');
      await telegram.waitFor(() => toCitizen().some((t) => read(t).includes(reply)), 30_000);
      const got = toCitizen().find((t) => read(t).includes(reply))!;
      expect(read(got)).toMatch(/^👤 Lan \(tình nguyện viên\):\n/);
      expect(got).toContain('&lt;script&gt;'); // the tag reaches the citizen as text, never as markup
      await lan.locator('#conversation').getByText('bấm "Quên mật khẩu" nhé', { exact: false }).waitFor();
      expect(await lan.locator('#conversation script').count()).toBe(0);
      // the citizen answers on Telegram; it shows in the open inbox without a reload
      telegram.push(textUpdate('cam on chau, bac vao duoc roi', chat));
      await whenPolled(lan.locator('#feed').getByText('cam on chau, bac vao duoc roi', { exact: false }));
      await lan.screenshot({ path: join(SHOTS, `console-inbox-${database}.png`), fullPage: true });

      // 7. done: the citizen is asked for a rating
      await lan.click('text=Đã giúp xong');
      await telegram.waitFor(
        () => telegram.sent('sendMessage').some((c) => Number(c.body.chat_id) === chat && c.body.reply_markup),
        30_000,
      );
      await waitUntil(async () => {
        const [t] = await app.db.query<{ status: string }>('select status from tickets where id = $1', [id]);
        return t?.status === 'closed';
      }, `ticket #${id} closed`);
      await phone.close();
      await laptop.close();
    },
  );
});
