import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import type { Inbound } from '../src/core/message.ts';
import { TelegramChannel } from '../src/channels/telegram.ts';
import { createServer } from '../src/http/server.ts';
import { startFakeTelegram, textUpdate } from './fakes/telegram.ts';
import { memoryApp } from './helpers/app.ts';
import { webChat } from './helpers/web.ts';

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
    const [r] = await say(newUser(), 'cách trồng cà chua trong chậu');
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

const ABSTAIN = /chưa có hướng dẫn đáng tin cậy|chưa chắc đã hiểu đúng|không muốn đoán/;
const asked = (user: string) =>
  app.db.query<{ question: string; abstained: boolean; top_guide: string | null }>(
    `select a.question, a.abstained, a.top_guide from asks a join users u on u.id = a.user_id where u.external_id = $1 order by a.id`,
    [user],
  );

describe('one reply, no contradictions', () => {
  it('a link question gets the verdict only, not an abstention after it', async () => {
    const user = newUser();
    const replies = await say(user, 'http://vneid-gov.com/capnhat co phai trang that khong');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/^⛔ \*\*vneid-gov\.com là trang giả mạo/);
    // recorded as asked and answered (by the verdict, with no guide): not an abstention for the editors' worklist
    expect((await asked(user)).map((a) => a.abstained)).toEqual([false]);
    const [row] = await app.db.query<{ top_guide: string | null }>('select top_guide from asks order by id desc limit 1');
    expect(row!.top_guide).toBeNull();
  });

  it('an ID-loan scam gets the warning with a line about loans, and nothing that contradicts it', async () => {
    const replies = await say(newUser(), 'vay tien nhanh chi can cccd');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/^⚠️ \*\*Cảnh giác/);
    expect(replies[0]!.text).toMatch(/Vay tiền "chỉ cần căn cước"/);
    expect(replies[0]!.text).not.toMatch(ABSTAIN);
  });

  it('a scam warning is followed by the answer when the message also asks something answerable', async () => {
    const replies = await say(newUser(), 'có người bảo tôi cài anydesk để họ giúp, mà quên mật khẩu vneid thì lấy lại thế nào');
    expect(replies[0]!.text).toMatch(/Cảnh giác/);
    expect(replies[0]!.text).toMatch(/AnyDesk/);
    expect(replies[1]!.text).toMatch(/^\*\*Quên mật khẩu/);
  });

  it('a real loan question is answered as usual, without a scam warning', async () => {
    const replies = await say(newUser(), 'vay von ngan hang chinh sach xa hoi can giay to gi');
    expect(replies.map((r) => r.text).join('\n')).not.toMatch(/Cảnh giác/);
  });

  it('the web chat sends the verdict alone', async () => {
    const server = await createServer(app);
    try {
      const base = await server.listen({ port: 0, host: '127.0.0.1' });
      const replies = await webChat(base)(`sess-${newUser()}-0001`, { text: 'http://vneid-gov.com/capnhat co phai trang that khong' });
      expect(replies).toHaveLength(1);
      expect(replies[0]!.text).toMatch(/giả mạo/);
    } finally {
      await server.close();
    }
  });

  it('Telegram sends the verdict alone', async () => {
    const fake = await startFakeTelegram();
    const tg = new TelegramChannel({ token: fake.token, apiRoot: fake.apiRoot, conversation: app.conversation, db: app.db, log: app.log });
    try {
      await tg.init();
      tg.startPolling();
      fake.push(textUpdate('vneid-gov.com/capnhat co phai trang that khong', 8801));
      fake.push(textUpdate('xin chao', 8801));
      const toChat = () => fake.sent('sendMessage').filter((c) => Number(c.body.chat_id) === 8801);
      // the greeting sent after it marks the end of the link's replies
      await fake.waitFor(() => toChat().length >= 2);
      const texts = toChat().map((c) => String(c.body.text));
      expect(texts[0]).toMatch(/giả mạo/);
      expect(texts[1]).toMatch(/Bình Dân/);
      expect(texts.join('\n')).not.toMatch(ABSTAIN);
    } finally {
      await tg.stop();
      await fake.close();
    }
  });
});

describe('abstention that points somewhere', () => {
  it('a land matter gets a pointer to the commune centre and dichvucong.gov.vn, recorded as an abstention', async () => {
    const user = newUser();
    const [r, more] = await say(user, 'sổ đỏ làm lại ở đâu');
    expect(more).toBeUndefined();
    expect(r!.text).toMatch(/đất đai, sổ đỏ/);
    expect(r!.text).toMatch(/Trung tâm phục vụ hành chính công/);
    expect(r!.text).toMatch(/dichvucong\.gov\.vn/);
    expect(r!.text).toMatch(/\nNguồn: https:\/\//);
    expect(r!.choices!.map((c) => c.id)).toEqual(['human']);
    expect(await asked(user)).toEqual([expect.objectContaining({ question: 'sổ đỏ làm lại ở đâu', abstained: true })]);
  });

  it('marriage, social insurance and birth registration without diacritics each get their own pointer', async () => {
    expect((await say(newUser(), 'dang ky ket hon can giay to gi'))[0]!.text).toMatch(/kết hôn/);
    expect((await say(newUser(), 'luong huu cua toi bao gio duoc tang'))[0]!.text).toMatch(/bảo hiểm xã hội/);
    expect((await say(newUser(), 'lam giay khai sinh cho con o dau'))[0]!.text).toMatch(/khai sinh/);
  });

  it('the pointer question is redacted in asks like every abstention', async () => {
    const user = newUser();
    await say(user, 'so do nha toi bi chay, lam lai o dau, goi giup toi 0912345678');
    const [row] = await asked(user);
    expect(row!.abstained).toBe(true);
    expect(row!.question).not.toMatch(/0912345678/);
    expect(row!.question).toContain('[số điện thoại]');
  });

  it('weather and lottery get one friendly line and what the bot can do', async () => {
    for (const q of ['mai trời có mưa không', 'xo so mien bac hom nay ve so may']) {
      const replies = await say(newUser(), q);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.text).toMatch(/Mình giúp được các việc về VNeID/);
      expect(replies[0]!.text).not.toMatch(ABSTAIN);
    }
  });

  it('an emoji-only message gets a short friendly reply, not the full refusal', async () => {
    const [r] = await say(newUser(), '👍👍🙏');
    expect(r!.text).toMatch(/gõ câu hỏi bằng chữ/);
    expect(r!.text.length).toBeLessThan(140);
    expect(r!.text).not.toMatch(ABSTAIN);
  });
});
