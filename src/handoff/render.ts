import { createHash } from 'node:crypto';
import { reply, type Choice, type Reply } from '../core/message.ts';
import { guideChoice } from '../shared/choices.ts';
import { claimChoice, rateChoice, ticketChoice } from './choices.ts';
import type { Ticket } from './tickets.ts';

/** The ids of the desk's buttons (their codecs are in choices.ts). */
const HANDOFF = {
  sendLast: ticketChoice.make({ action: 'last' }),
  cancel: ticketChoice.make({ action: 'cancel' }),
  claim: (ticketId: number) => claimChoice.make({ ticket: ticketId }),
  rate: (ticketId: number, stars: number | 'skip') => rateChoice.make({ ticket: ticketId, stars: String(stars) as '1' }),
} as const;

const CHANNEL_NAMES: Record<string, string> = { telegram: 'Telegram', zalo: 'Zalo', web: 'web chat', console: 'bảng điều khiển' };
export const channelName = (channel: string) => CHANNEL_NAMES[channel] ?? channel;

/** What volunteers call a citizen: stable per citizen, never a phone number or platform id. */
export function pseudonym(citizenId: number): string {
  const code = createHash('sha256')
    .update(`binhdan-citizen:${citizenId}`)
    .digest('base64url')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 4)
    .toUpperCase();
  return `Người dân ${code}`;
}

export const ASK_PROBLEM = (last?: string) =>
  reply(
    'Mình sẽ chuyển bạn tới một **tình nguyện viên** (người thật) của Tổ công nghệ số cộng đồng.\n' +
      'Bạn viết giúp **một câu** về việc cần giúp nhé, ví dụ: "không đăng nhập được VNeID trên máy mới".' +
      (last ? `\n\nHoặc gửi luôn câu bạn vừa hỏi:\n«${last}»` : ''),
    [...(last ? [{ id: HANDOFF.sendLast, label: '✅ Gửi câu vừa hỏi' }] : []), { id: HANDOFF.cancel, label: '✖️ Thôi, không cần' }],
  );

export function queuedConfirmation(
  ticket: Ticket,
  position: number,
  onDuty: boolean,
  dutyHours: readonly [number, number],
  waitMinutes: number,
): Reply {
  const ahead = position <= 1 ? 'Bạn là người **tiếp theo** trong hàng chờ.' : `Bạn đang ở **vị trí ${position}** trong hàng chờ.`;
  const when = onDuty
    ? `Tình nguyện viên đang trực; thường bạn sẽ được trả lời trong khoảng **${waitMinutes} phút**.`
    : `Bây giờ ngoài giờ trực (${dutyHours[0]}:00–${dutyHours[1]}:00), nên có thể phải chờ tới **${dutyHours[0]}:00 sáng**. ` +
      'Yêu cầu của bạn vẫn được giữ.';
  return reply(
    `📨 Đã gửi yêu cầu **#${ticket.id}**: «${ticket.problem}»\n${ahead}\n${when}\n\n` +
      'Khi tình nguyện viên nhận, họ sẽ nhắn bạn ngay tại đây. ' +
      'Trong lúc chờ, bạn vẫn có thể hỏi mình như thường. Gõ /huy để hủy yêu cầu.\n' +
      '🔒 Đừng gửi mã OTP, mật khẩu hay ảnh căn cước cho bất kỳ ai, kể cả tình nguyện viên.',
  );
}

export const alreadyWaiting = (ticket: Ticket, position: number) =>
  reply(
    `Yêu cầu **#${ticket.id}** của bạn đang chờ (vị trí ${position}). Tình nguyện viên sẽ nhắn bạn ngay tại đây. Gõ /huy nếu muốn hủy.`,
  );

export const CANCELLED = reply('Đã hủy yêu cầu. Khi cần người giúp, bạn gõ /tinhnguyenvien nhé.');
export const NOTHING_TO_CANCEL = reply('Bạn không có yêu cầu nào đang chờ.');

/** Where a person can help when no volunteer is online: the guides on community teams and hotlines. */
const IN_PERSON: Choice[] = [
  { id: guideChoice.make({ guide: 'to-cong-nghe-so-cong-dong' }), label: '📄 Tổ công nghệ số cộng đồng' },
  { id: guideChoice.make({ guide: 'tong-dai-ho-tro' }), label: '📄 Các tổng đài hỗ trợ chính thức' },
];
const IN_PERSON_TEXT =
  '• Tổ công nghệ số cộng đồng ở thôn, tổ dân phố của bạn.\n' +
  '• Công an xã/phường (các việc về VNeID, căn cước).\n' +
  '• Trung tâm phục vụ hành chính công của xã/phường (thủ tục, hồ sơ).';

export const NO_ONLINE_HELP = reply(
  `Hiện chưa có tình nguyện viên trực tuyến trên kênh này. Bạn có thể nhờ người thật giúp trực tiếp:\n${IN_PERSON_TEXT}`,
  IN_PERSON,
);

export const nobodyCame = (ticket: Ticket, minutes: number) =>
  reply(
    `😔 Xin lỗi bạn, đã ${minutes} phút mà chưa có tình nguyện viên nào rảnh để nhận yêu cầu **#${ticket.id}**. ` +
      'Yêu cầu vẫn được giữ trong hàng chờ, có người rảnh sẽ nhắn bạn. ' +
      `Trong lúc đó, bạn có thể nhờ người thật giúp trực tiếp:\n${IN_PERSON_TEXT}\n` +
      'Hoặc gọi tổng đài chính thức (xem hướng dẫn bên dưới). Gõ /huy nếu không cần nữa.',
    IN_PERSON,
  );

export function announcement(ticket: Ticket, again = false): Reply {
  return reply(
    `${again ? '⏰ Vẫn chờ người nhận' : '🆘 Yêu cầu mới'} **#${ticket.id}** · ${channelName(ticket.channel)} · ` +
      `${pseudonym(ticket.citizenId)}\n«${ticket.problem}»\n` +
      `Bấm Nhận để giúp (hoặc gõ /nhan ${ticket.id}).`,
    [{ id: HANDOFF.claim(ticket.id), label: `🙋 Nhận #${ticket.id}` }],
  );
}

/** At most `max` characters, cut between code points (never inside an emoji), with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
}

export const VOLUNTEER_COMMANDS =
  'Mọi tin bạn nhắn ở đây sẽ tới người dân, ký tên bạn. Lệnh: /xong khi đã giúp xong · /tra trả yêu cầu về hàng chờ · ' +
  '/chuyen <tên> chuyển cho tình nguyện viên khác · /luu lưu câu trả lời vừa rồi làm gợi ý cập nhật hướng dẫn.';

/** What the volunteer who takes a request gets: the problem, the recent conversation (redacted) and the commands. */
export function handoverNote(ticket: Ticket, recent: { direction: 'in' | 'out'; text: string }[]): Reply {
  const lines = recent.map((m) => `${m.direction === 'in' ? '👤' : '🤖'} ${clip(m.text, 300)}`);
  return reply(
    `📋 Yêu cầu **#${ticket.id}** · ${channelName(ticket.channel)} · ${pseudonym(ticket.citizenId)}\nVấn đề: «${ticket.problem}»\n\n` +
      (lines.length ? `Trò chuyện gần đây (số cá nhân đã được che):\n${lines.join('\n')}\n\n` : '') +
      VOLUNTEER_COMMANDS,
  );
}

export const volunteerJoined = (ticket: Ticket, name: string) =>
  reply(
    `👋 Tình nguyện viên **${name}** đã nhận yêu cầu #${ticket.id} và sẽ nhắn bạn ngay tại đây.\n` +
      '🔒 Xin nhớ: không ai cần mã OTP, mật khẩu hay ảnh căn cước của bạn để hướng dẫn.',
  );

export const fromVolunteer = (name: string, text: string) => reply(`👤 **${name}** (tình nguyện viên):\n${text}`);
export const fromCitizen = (ticket: Ticket, text: string) => reply(`💬 #${ticket.id} · ${pseudonym(ticket.citizenId)}:\n${text}`);

export const PHOTO_REFUSED = reply(
  '⚠️ Mình không chuyển ảnh cho tình nguyện viên. Đừng gửi ảnh căn cước, giấy tờ hay màn hình có mã OTP cho ai qua tin nhắn. ' +
    'Bạn mô tả bằng chữ giúp mình nhé (ví dụ: "màn hình báo sai mật khẩu").',
);
export const photoWithheld = (ticket: Ticket) =>
  reply(`ℹ️ #${ticket.id}: người dân vừa gửi một ảnh; bot không chuyển ảnh (để bảo vệ giấy tờ cá nhân) và đã nhắc họ mô tả bằng chữ.`);

export function rateRequest(ticket: Ticket, name: string): Reply {
  return reply(
    `✅ Tình nguyện viên **${name}** đã kết thúc cuộc trò chuyện #${ticket.id}. Từ giờ mình (trợ lý tự động) trả lời bạn như trước.\n\n` +
      'Bạn chấm điểm giúp nhé: 1 là chưa tốt, 5 là rất tốt.',
    [1, 2, 3, 4, 5].map((n) => ({ id: HANDOFF.rate(ticket.id, n), label: '⭐'.repeat(n) })),
  );
}

export const ASK_COMMENT = reply('Cảm ơn bạn đã chấm điểm! Bạn có muốn nhắn thêm góp ý không? Cứ gõ góp ý ngay bây giờ.', [
  { id: HANDOFF.rate(0, 'skip'), label: 'Không, cảm ơn' },
]);
export const THANKS = reply('Cảm ơn bạn! Cần gì cứ hỏi mình nhé.');

export const returnedToQueue = (ticket: Ticket) =>
  reply(`ℹ️ Tình nguyện viên vừa phải dừng. Yêu cầu #${ticket.id} của bạn đã quay lại hàng chờ, một người khác sẽ nhắn bạn sớm.`);
export const transferredTo = (ticket: Ticket, name: string) =>
  reply(`ℹ️ Yêu cầu #${ticket.id} của bạn được chuyển cho tình nguyện viên **${name}**, người sẽ tiếp tục giúp bạn ngay tại đây.`);

export const NOT_A_VOLUNTEER = reply(
  'Lệnh này chỉ dành cho tình nguyện viên đã đăng ký. ' +
    'Nếu bạn muốn làm tình nguyện viên, hãy liên hệ Tổ công nghệ số cộng đồng nơi bạn ở để nhận mã mời.',
);

// What volunteers are told back when they act.
export const CLAIM_HOW = reply('Gõ /nhan kèm số yêu cầu, ví dụ: /nhan 12.');
export const claimed = (ticketId: number, name: string) => reply(`✅ ${name} đã nhận yêu cầu #${ticketId}.`);
export const alreadyTaken = (ticketId: number, holder: string | null) =>
  reply(`Yêu cầu #${ticketId} đã có ${holder ?? 'tình nguyện viên khác'} nhận rồi.`);
export const stillHolding = (held: number) => reply(`Bạn đang giữ yêu cầu #${held}. Gõ /xong hoặc /tra trước khi nhận yêu cầu khác.`);
export const noLongerWaiting = (ticketId: number) => reply(`Yêu cầu #${ticketId} không còn chờ nữa (đã hủy hoặc đã xong).`);
export const NOT_HOLDING = reply('Bạn không giữ yêu cầu nào. Gõ /yeucau để xem các yêu cầu đang chờ.');
export const QUEUE_EMPTY = reply('Không có yêu cầu nào đang chờ. Cảm ơn bạn!');

export const closed = (ticketId: number, name: string) =>
  reply(`Đã đóng yêu cầu #${ticketId}. Cảm ơn ${name}! Nếu câu trả lời vừa rồi nên có trong hướng dẫn, gõ /luu.`);
export const closeChanged = (ticketId: number) => reply(`Yêu cầu #${ticketId} đã thay đổi; gõ /yeucau.`);
export const givenBack = (ticketId: number, back: boolean) =>
  reply(back ? `Đã trả yêu cầu #${ticketId} về hàng chờ.` : `Yêu cầu #${ticketId} đã thay đổi.`);

export const transferWho = (others: { id: number; name: string }[]) =>
  reply(`Chuyển cho ai? Gõ /chuyen <tên hoặc số>. Đang có: ${others.map((o) => `${o.name} (${o.id})`).join(', ') || 'chưa có ai khác'}.`);
export const noSuchVolunteer = (key: string) => reply(`Không tìm thấy tình nguyện viên "${key}" đang hoạt động.`);
export const busyElsewhere = (name: string) => reply(`${name} đang bận một yêu cầu khác.`);
export const transferFailed = (ticketId: number) => reply(`Không chuyển được yêu cầu #${ticketId}; thử lại sau.`);
export const transferred = (ticketId: number, name: string) => reply(`Đã chuyển yêu cầu #${ticketId} cho ${name}.`);

export const NOTHING_TO_SAVE = reply('Chưa có yêu cầu nào của bạn để lưu.');
export const SAVE_HOW = reply('Gõ /luu <câu trả lời nên có trong hướng dẫn>, hoặc nhắn câu trả lời cho người dân trước rồi gõ /luu.');
export const saved = (problem: string) =>
  reply(`📝 Đã lưu gợi ý cập nhật hướng dẫn cho câu hỏi «${problem}». Người biên tập nội dung sẽ xem lại.`);

export const JOIN_HOW = reply('Gõ /thamgia kèm mã mời bạn nhận từ người quản lý, ví dụ: /thamgia TNV-ABCD-EFGH.');
export const JOIN_CHANNELS = reply('Tình nguyện viên dùng Telegram hoặc Zalo để nhận yêu cầu.');
export const INVITE_REFUSED = reply('Mã mời không đúng, đã dùng rồi hoặc đã hết hạn. Bạn xin người quản lý mã mới nhé.');
export const welcome = (name: string) =>
  reply(
    `🎉 Chào ${name}! Bạn đã là tình nguyện viên của Bình Dân. Yêu cầu mới sẽ được báo cho bạn; gõ /yeucau để xem hàng chờ.\n` +
      VOLUNTEER_COMMANDS,
  );
