/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { createServer } from '../src/http/server.ts';
import { memoryApp } from './helpers/app.ts';

/**
 * The web chat in a real browser on a cheap phone's screen (390×844): Debian's chromium driven by playwright-core.
 * Skipped, saying so, where /usr/bin/chromium is missing (`apt-get install -y chromium`; .ci/run installs it).
 */
const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '..');
const SHOTS = join(ROOT, 'test-results');
const have = existsSync(CHROMIUM);
if (!have) console.warn(`web-browser.test.ts skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

/** Ten questions a citizen asks, each answered with a guide and its choices. */
const QUESTIONS = [
  'quen mat khau vneid',
  'cai vneid tren iphone nhu the nao',
  'Tự đăng ký tài khoản định danh mức 1 trên điện thoại được không?',
  'xin ly lich tu phap tren dien thoai',
  'nhap sai passcode nhieu lan bi khoa',
  'doi so dien thoai tai khoan vneid',
  'tich hop giay phep lai xe vao vneid',
  'nop ho so tren dich vu cong quoc gia',
  'dang ky tai khoan muc 2',
  'lam the nao de biet trang web gia mao',
];

describe.skipIf(!have)('the web chat on a 390×844 phone (chromium)', () => {
  let app: App;
  let server: FastifyInstance;
  let base: string;
  let browser: BrowserContext;
  let profile: string;
  let page: Page;

  beforeAll(async () => {
    app = await memoryApp();
    server = await createServer(app);
    base = await server.listen({ port: 0, host: '127.0.0.1' });
    const { chromium } = await import('playwright-core');
    profile = await mkdtemp(join(tmpdir(), 'binhdan-chromium-'));
    // a new empty profile (playwright passes it as --user-data-dir)
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    await mkdir(SHOTS, { recursive: true });
  });
  // each test opens the chat as a new visitor (a session and settings of its own), whatever ran before it
  beforeEach(async () => {
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(base);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.locator('#dock .choices button').first().waitFor();
  });
  afterEach(() => page?.close());

  /** Types `q`, sends it, and waits for its answer. */
  const ask = async (q: string) => {
    const answers = await page.locator('#log .msg.bot:not(.typing)').count();
    await page.locator('#t').fill(q);
    await page.locator('#t').press('Enter');
    await page.locator(`#log .msg.bot:not(.typing) >> nth=${answers}`).waitFor();
    await page.locator('#log .typing').waitFor({ state: 'detached' });
  };
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  /** Where the answer of the last turn starts, where its last button ends, and the screen's visible part of the log. */
  const geometry = () =>
    page.evaluate(() => {
      const log = document.getElementById('log')!.getBoundingClientRect();
      const form = document.getElementById('f')!.getBoundingClientRect();
      const all = [...document.querySelectorAll('#log > .msg')];
      const lastMe = all.map((e) => e.classList.contains('me')).lastIndexOf(true);
      const answer = all.slice(lastMe + 1);
      const first = answer[0]!.getBoundingClientRect();
      // the latest reply's buttons stand in the dock above the text box; earlier replies keep theirs
      const buttons = [...document.querySelectorAll('#dock .choices button')].map((b) => b.getBoundingClientRect());
      const every = [...document.querySelectorAll('.choices button')].map((b) => b.getBoundingClientRect().height);
      const last = buttons.at(-1);
      return {
        log: { top: log.top, bottom: log.bottom },
        formTop: form.top,
        first: { top: first.top },
        last: last ? { top: last.top, bottom: last.bottom } : undefined,
        heights: every,
      };
    });

  it('after each of 10 replies: the answer starts at the top, its last button is fully visible above the input', async () => {
    for (const [i, q] of QUESTIONS.entries()) {
      await ask(q);
      const g = await geometry();
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(SHOTS, `web-chat-${String(i + 1).padStart(2, '0')}.png`) });
      const where = `reply ${i + 1} ("${q}")`;
      // the first line of the answer at the top of the visible log, not above it and not half a screen down
      expect(g.first.top, where).toBeGreaterThanOrEqual(g.log.top - 1);
      expect(g.first.top, where).toBeLessThanOrEqual(g.log.top + 24);
      expect(g.last, `${where} has choices`).toBeDefined();
      expect(g.last!.top, where).toBeGreaterThanOrEqual(g.log.top);
      expect(g.last!.bottom, where).toBeLessThanOrEqual(g.formTop + 0.5);
      expect(g.formTop, where).toBeLessThan(844);
      for (const h of g.heights) expect(h, where).toBeGreaterThanOrEqual(48);
    }
    // emoji are drawn: in colour by the phone, or by the font shipped with the page
    const emoji = await page.evaluate(() => ({
      fallback: document.documentElement.classList.contains('emoji-fallback'),
      shipped: document.fonts.check('20px "Binh Dan Emoji"', '👍'),
    }));
    if (emoji.fallback) expect(emoji.shipped).toBe(true);
    await copyFile(join(SHOTS, 'web-chat-01.png'), join(SHOTS, 'web-chat-phone.png'));
  });

  it('a reload restores the last 20 messages, and the last buttons still answer', async () => {
    for (const q of QUESTIONS) await ask(q);
    await page.reload();
    await page.locator('#log .msg >> nth=19').waitFor();
    expect(await page.locator('#log .msg').count()).toBe(20);
    expect(await page.locator('#log .msg.me').last().textContent()).toBe(QUESTIONS.at(-1));
    const buttons = page.locator('#dock .choices button');
    expect(await buttons.count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'web-chat-reloaded.png') });
    const before = await page.locator('#log .msg.bot').count();
    await buttons.first().click();
    await page.locator(`#log .msg.bot:not(.typing) >> nth=${before}`).waitFor();
    expect(await page.locator('#log .msg.bot').last().textContent()).not.toMatch(/cũ|hết hạn/);
  });

  it('"chữ to" makes the text larger and is remembered on the device; a long paste is counted, not cut', async () => {
    const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    const normal = await size();
    await page.locator('#big').click();
    expect(await size()).toBeGreaterThan(normal);
    await page.reload();
    await page.locator('#log .msg >> nth=0').waitFor();
    expect(await page.locator('#big').getAttribute('aria-pressed')).toBe('true');
    expect(await size()).toBeGreaterThan(normal);
    await page.locator('#t').fill('a'.repeat(2500));
    await page.locator('#count.over').waitFor();
    expect(await page.locator('#t').inputValue()).toHaveLength(2500);
    expect(await page.locator('#count').textContent()).toMatch(/dài quá.*2\.500 \/ 2\.000/);
    expect(await page.locator('#send').isDisabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'web-chat-big-text.png') });
    await page.locator('#big').click();
  });
});
