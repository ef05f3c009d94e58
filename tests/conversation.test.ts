import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import type { Inbound } from '../src/core/message.ts';
import { memoryApp } from './helpers/app.ts';

let app: App;
beforeAll(async () => {
  app = await memoryApp();
});
afterAll(() => app?.close());

let n = 0;
const newUser = () => `u${++n}-${Date.now()}`;
const say = (userId: string, text: string, channel = 'terminal') => app.conversation.handle({ channel, userId, kind: 'text', text });
const press = (userId: string, choice: string) => app.conversation.handle({ channel: 'web', userId, kind: 'choice', choice });

describe('conversation core', () => {
  it('answers a how-to question with steps, the official source, the date and choices', async () => {
    const [r] = await say(newUser(), 'lam sao dang nhap vneid tren may moi');
    expect(r!.text).toMatch(/^\*\*Đăng nhập VNeID/);
    expect(r!.text).toMatch(/\n1\. /);
    expect(r!.text).toMatch(/Nguồn: https:\/\/[^ ]+\.gov\.vn[^ ]* · cập nhật \d{2}\/\d{2}\/\d{4}$/);
    expect(r!.choices!.map((c) => c.label)).toEqual(expect.arrayContaining(['👍 Hữu ích', '👎 Chưa đúng', '🙋 Hỏi tình nguyện viên']));
  });

  it('abstains honestly, offering close guides and a volunteer', async () => {
    const [r] = await say(newUser(), 'mai trời có mưa không');
    expect(r!.text).toMatch(/không muốn đoán/);
    expect(r!.choices!.at(-1)!.id).toBe('human');
  });

  it('maps a typed number back to the choice shown last (channels without buttons)', async () => {
    const user = newUser();
    const [answer] = await say(user, 'quên mật khẩu vneid');
    const relatedIndex = answer!.choices!.findIndex((c) => c.id.startsWith('guide:'));
    const [guide] = await say(user, String(relatedIndex + 1));
    expect(guide!.text).toContain(answer!.choices![relatedIndex]!.label.replace('📄 ', ''));
  });

  it('stores 👍/👎 feedback against the answer', async () => {
    const user = newUser();
    const [answer] = await say(user, 'cách đổi số điện thoại trên vneid');
    const down = answer!.choices!.find((c) => c.label.startsWith('👎'))!;
    const [r] = await app.conversation.handle({ channel: 'terminal', userId: user, kind: 'choice', choice: down.id });
    expect(r!.choices?.[0]?.id).toBe('human');
    const rows = await app.db.query<{ value: number; top_guide: string }>(
      `select f.value, a.top_guide from feedback f join asks a on a.id = f.ask_id join users u on u.id = f.user_id
        where u.external_id = $1`,
      [user],
    );
    expect(rows).toEqual([{ value: -1, top_guide: 'vneid-doi-so-dien-thoai' }]);
  });

  it('stores messages with ID numbers, phone numbers and codes redacted', async () => {
    const user = newUser();
    await say(user, 'số căn cước của tôi là 001203004567, điện thoại 0987654321, mã OTP 556677, quên mật khẩu vneid');
    const rows = await app.db.query<{ text: string }>(
      `select m.text from messages m join users u on u.id = m.user_id where u.external_id = $1 and m.direction = 'in'`,
      [user],
    );
    expect(rows[0]!.text).not.toMatch(/001203004567|0987654321|556677/);
    expect(rows[0]!.text).toContain('[số định danh]');
    const asks = await app.db.query<{ question: string }>(`select question from asks order by id desc limit 1`);
    expect(asks[0]!.question).not.toMatch(/001203004567|0987654321|556677/);
  });

  it('warns first on a scam story, then answers', async () => {
    const replies = await say(newUser(), 'có người xưng công an gọi bảo tôi phải cập nhật định danh mức 2 qua điện thoại');
    expect(replies[0]!.text).toMatch(/Cảnh giác/);
    expect(replies.length).toBeGreaterThanOrEqual(2);
  });

  it('judges links and stops when the message is only a link', async () => {
    const replies = await say(newUser(), 'http://vneid-gov.com/cap-nhat');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/giả mạo/);
    const apk = await say(newUser(), 'họ gửi link tai-vneid.net/VNeID.apk bảo cài để cập nhật');
    expect(apk.map((r) => r.text).join('\n')).toMatch(/tuyệt đối không cài/);
  });

  it('greets on /start and plain words, helps on /help', async () => {
    expect((await say(newUser(), '/start'))[0]!.text).toMatch(/Bình Dân/);
    expect((await say(newUser(), 'Xin chào!'))[0]!.text).toMatch(/Bình Dân/);
    expect((await say(newUser(), '/help@BinhDanBot'))[0]!.text).toMatch(/Mình giúp được gì/);
  });

  it('answers stickers and photos kindly, without storing them', async () => {
    const photo: Inbound = { channel: 'web', userId: newUser(), kind: 'media', mediaType: 'photo' };
    const [r] = await app.conversation.handle(photo);
    expect(r!.text).toMatch(/Đừng gửi ảnh căn cước/);
    const rows = await app.db.query<{ text: string }>(
      `select text from messages m join users u on u.id = m.user_id where u.external_id = $1`,
      [photo.userId],
    );
    expect(rows[0]!.text).toBe('[photo]');
  });

  it('asks to shorten a huge message instead of processing it', async () => {
    const [r] = await say(newUser(), 'vneid '.repeat(2000));
    expect(r!.text).toMatch(/dài quá/);
  });

  it('opens a volunteer request from the button or plain words', async () => {
    const user = newUser();
    const [answer] = await say(user, 'quen mat khau vneid', 'web');
    const human = answer!.choices!.find((c) => c.label === '🙋 Hỏi tình nguyện viên')!;
    expect((await press(user, human.id))[0]!.text).toMatch(/tình nguyện viên|người thật/);
    expect((await say(newUser(), 'cho tôi gặp người thật'))[0]!.text).toMatch(/người thật/);
  });
});
