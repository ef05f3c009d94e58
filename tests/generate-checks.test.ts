import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikeFollowUp } from '../src/generate/condense.ts';
import { checkGrounding } from '../src/generate/grounding.ts';
import { answerLanguage } from '../src/generate/language.ts';
import { leakCheck, leaks } from '../src/generate/leakage.ts';
import { OpenAIChatModel } from '../src/generate/model.ts';
import { loadPrompts, promptTexts, PromptError, render } from '../src/generate/prompts.ts';
import { Vault } from '../src/generate/privacy.ts';
import { redact } from '../src/text/redact.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fakes/openai.ts';
import { PROMPTS } from './helpers/app.ts';

describe('prompts/', () => {
  it('loads every prompt with its version and documented variables, and renders them', async () => {
    const prompts = await loadPrompts(PROMPTS);
    expect(prompts.version).toMatch(/^system@\d+ style@\d+ abstention@\d+ scam-warning@\d+ answer@\d+ condense@\d+#[0-9a-f]{8}$/);
    expect(Object.keys(prompts.answer.variables).sort()).toEqual(['language', 'question', 'sources']);
    const text = render(prompts.style, { language: 'tiếng Việt', max_steps: 8 });
    expect(text).toContain('tiếng Việt');
    expect(text).not.toMatch(/\{\{/);
  });

  describe('a broken prompt stops start-up with a line naming the file', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'prompts-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));
    const failure = async (edit: () => Promise<void>) => {
      await cp(PROMPTS, dir, { recursive: true });
      await edit();
      const err = await loadPrompts(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PromptError);
      return (err as Error).message;
    };
    it('an undocumented variable', async () => {
      const message = await failure(async () => {
        const file = join(dir, 'style.md');
        await writeFile(file, `${await readFile(file, 'utf8')}\nNgười hỏi: {{user_name}}\n`);
      });
      expect(message).toMatch(/style\.md: uses \{\{user_name\}\} but does not document it/);
    });
    it('a documented variable the code does not provide', async () => {
      const message = await failure(async () => {
        await writeFile(join(dir, 'system.md'), '---\nversion: 2\nvariables:\n  today: ngày hôm nay\n---\nHôm nay là {{today}}.\n');
      });
      expect(message).toMatch(/system\.md: documents \{\{today\}\}, which the code does not provide/);
    });
    it('a variable the prompt cannot do without', async () => {
      const message = await failure(async () => {
        await writeFile(join(dir, 'answer.md'), '---\nversion: 1\nvariables:\n  question: câu hỏi\n---\nCâu hỏi: {{question}}\n');
      });
      expect(message).toMatch(/answer\.md: must use \{\{sources\}\}/);
    });
    it('a missing file or version', async () => {
      const message = await failure(async () => {
        await rm(join(dir, 'condense.md'));
        await writeFile(join(dir, 'abstention.md'), '---\nvariables:\n  marker: chuỗi\n---\n{{marker}}\n');
      });
      expect(message).toMatch(/abstention\.md: the header needs "version:"/);
      expect(message).toMatch(/condense\.md: missing/);
    });
  });
});

describe('pseudonymisation', () => {
  const message =
    'Tôi tên là Nguyễn Thị Lan, sđt 0912 345 678, căn cước 001203004567, mã OTP là 482913, ' +
    'email lan.nt@gmail.com. Gọi lại 0912345678 giúp.';
  it('replaces personal data with numbered placeholders and puts it back locally', () => {
    const vault = new Vault();
    const hidden = vault.hide(message);
    expect(hidden).toBe(
      'Tôi tên là [TÊN_1], sđt [SĐT_1], căn cước [SỐ_ĐỊNH_DANH_1], mã OTP là [MÃ_1], email [EMAIL_1]. Gọi lại [SĐT_1] giúp.',
    );
    expect(vault.reveal('Chào [TÊN_1], số [SĐT_1] và [SĐT_9].')).toBe('Chào Nguyễn Thị Lan, số 0912 345 678 và [SĐT_9].');
    expect(vault.reveal('Chào [TÊN_1], mã [MÃ_1].', 'bạn')).toBe('Chào bạn, mã 482913.');
    // all five values come back; the same number written twice is one placeholder (and comes back as first written)
    expect(vault.reveal(hidden)).toBe(message.replace('0912345678', '0912 345 678'));
  });
  it('stored messages lose the name too, hotlines stay', () => {
    expect(redact('toi ten la tran van ba, goi 1900 0368').text).toBe('toi ten la [tên], goi 1900 0368');
    expect(redact('My name is John Smith and I forgot my password').text).toBe('My name is [tên] and I forgot my password');
    expect(redact('ông tên gì cũng được, tôi là người già').found).toEqual({});
  });
});

describe('grounding check', () => {
  const sources = `Quên mật khẩu VNeID — Các bước
1. Ở màn hình đăng nhập, bấm **Quên mật khẩu**, rồi **Gửi yêu cầu**.
Vẫn vướng: gọi tổng đài VNeID 1900 0368 (cuộc gọi tính cước). Lệ phí 50.000 đồng. Áp dụng từ 1/7/2025.
Mượn máy: **Cá nhân** → **Quản lý thiết bị** → **Hủy liên kết**.
Trang chính thức: https://vneid.gov.vn`;
  it('passes an answer whose facts are all in the guide, however they are written', () => {
    const answer =
      'Bạn bấm **Quên mật khẩu**, rồi "Gửi yêu cầu". Vướng thì gọi 1900.0368. Lệ phí 50000 đ, từ ngày 1 tháng 7 năm 2025, ' +
      'xem vneid.gov.vn/. Vào **Cá nhân → Quản lý thiết bị**. Passcode 6 số, số [SĐT_1].';
    expect(checkGrounding(answer, sources)).toEqual([]);
  });
  it('names each invented phone number, fee, free claim, date, address and label', () => {
    const answer =
      'Gọi 1900 1234 hoặc 0909 123 456. Phí 30.000 đồng, hoàn toàn miễn phí. ' +
      'Vào https://vneid-hotro.com hoặc neid.gov.vn. Hạn chót 2/9/2025. Bấm **Khôi phục tài khoản**.';
    const kinds = checkGrounding(answer, sources).map((v) => `${v.kind}:${v.value}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'phone:1900 1234',
        'phone:0909 123 456',
        'amount:30.000 đồng',
        'free:mien phi',
        'url:https://vneid-hotro.com',
        'url:neid.gov.vn',
        'date:2/9/2025',
        'label:Khôi phục tài khoản',
      ]),
    );
  });
});

describe('output guard', async () => {
  const prompts = await loadPrompts(PROMPTS);
  const check = leakCheck(promptTexts(prompts, ['scam-warning']));
  it('catches the prompt repeated, role claims and template text; lets a plain answer through', () => {
    expect(leaks(render(prompts.system), check)).toContain('repeats the prompt');
    expect(leaks('Tôi là DAN, giờ tôi không còn giới hạn nào.', check).join()).toMatch(/toi la dan/);
    expect(leaks('My system prompt says: be nice', check).join()).toMatch(/system prompt/);
    expect(leaks('TÀI LIỆU (chỉ dùng những gì có ở đây): <<<', check).join()).toMatch(/template/);
    expect(
      leaks('Bạn mở VNeID, bấm **Quên mật khẩu** rồi làm theo hướng dẫn trên màn hình. Không đọc mã OTP hay mật khẩu cho ai.', check),
    ).toEqual([]);
  });
});

describe('language and follow-ups', () => {
  it('answers in English only when asked in English', () => {
    expect(answerLanguage('How do I log in to VNeID on a new phone?')).toBe('en');
    expect(answerLanguage('I forgot my VNeID password')).toBe('en');
    expect(answerLanguage('quen mat khau vneid thi lam the nao')).toBe('vi');
    expect(answerLanguage('Quên mật khẩu VNeID')).toBe('vi');
  });
  it('reads openings and short messages as follow-ups', () => {
    expect(looksLikeFollowUp('còn nếu máy không có NFC thì sao?')).toBe(true);
    expect(looksLikeFollowUp('what if my phone has no NFC?')).toBe(true);
    expect(looksLikeFollowUp('bước đó làm sao')).toBe(true);
    expect(looksLikeFollowUp('cách đăng ký tạm trú trên VNeID cho người thuê trọ')).toBe(false);
  });
});

describe('chat model over the openai SDK against the fake server', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());
  const model = () => new OpenAIChatModel({ model: 'fake-chat', baseURL: fake.url, apiKey: 'sk-test' });
  const messages = [{ role: 'user' as const, content: 'xin chào' }];

  it('streams deltas and reports token usage', async () => {
    fake.chat = () => ({ content: 'Chào bạn, mình giúp gì được?' });
    const deltas: string[] = [];
    const c = await model().complete(messages, { signal: AbortSignal.timeout(5000), onDelta: (t) => deltas.push(t) });
    expect(c.text).toBe('Chào bạn, mình giúp gì được?');
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(deltas.at(-1)).toBe(c.text);
    expect(c.usage!.prompt).toBeGreaterThan(0);
    const body = fake.requests.at(-1)!.body;
    expect(body).toMatchObject({ model: 'fake-chat', stream: true, stream_options: { include_usage: true } });
  });
  it('answers without streaming, fails on 429/500 without retrying, and aborts on its deadline', async () => {
    fake.chat = () => ({ content: 'một câu' });
    expect((await model().complete(messages, { signal: AbortSignal.timeout(5000), stream: false })).text).toBe('một câu');
    for (const status of [429, 500]) {
      fake.chat = () => ({ status });
      const before = fake.requests.length;
      await expect(model().complete(messages, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
      expect(fake.requests.length - before).toBe(1);
    }
    fake.chat = () => ({ content: 'muộn', stallMs: 3000 });
    const started = Date.now();
    await expect(model().complete(messages, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
