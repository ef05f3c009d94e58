import { matchChoice } from '../core/choices.ts';
import { on, type Feature, type Handler, type Turn } from '../core/feature.ts';
import { humanChoice } from '../shared/choices.ts';
import { reply, type Reply } from '../core/message.ts';
import type { Db, Queryable } from '../db/index.ts';
import { localHour } from '../learn/time.ts';
import { enqueuePush, type Push } from '../push/outbox.ts';
import { redact } from '../safety/redact.ts';
import * as say from './render.ts';
import { claimChoice, rateChoice, ticketChoice } from './render.ts';
import {
  addTicketMessage, awaitingCommentOf, claimTicket, commentTicket, createDraft, event, getTicket, heldBy, lastQuestion,
  moveTicket, openTicketOf, queuePosition, queueTicket, rateTicket, recentConversation, typicalWaitMinutes, type Ticket,
} from './tickets.ts';
import { findVolunteer, INVITE_PATTERN, redeemInvite, volunteerById, volunteerOf, listVolunteers, type Volunteer } from './volunteers.ts';

export interface HandoffSettings {
  /** Telegram group where new requests are announced (`VOLUNTEER_CHAT_ID`). */
  volunteerChatId?: string;
  /** Also announce privately, on duty, to every active volunteer who is free (always, when there is no group). */
  notifyPrivately: boolean;
  /** Hours volunteers are on duty, local time: [start, end). */
  dutyHours: readonly [number, number];
  /** Re-announce a request nobody took after this many minutes… */
  reannounceMinutes: number;
  /** …and tell the citizen honestly, with the in-person options, after this many. */
  giveUpMinutes: number;
  /** The wait promised when there is not enough history to measure it. */
  expectedMinutes: number;
}

export interface HandoffDeps {
  db: Db;
  settings: HandoffSettings;
  /** Channels whose users can receive pushes (the terminal cannot). */
  pushChannels: ReadonlySet<string>;
  /** Called after pushes were queued, so they go out now rather than at the next poll. */
  kick?: () => void;
  now?: () => Date;
}

/** A draft waits this long for its problem line, a rating this long for its comment; then they are forgotten. */
export const DRAFT_MINUTES = 30;

/**
 * The human help desk. Citizens open a request (one line about the problem), volunteers (registered by an operator
 * or with an invite) claim it and talk to the citizen through the bot, which stays silent until the volunteer closes
 * it; then the citizen rates it. Everything is in the database (tickets, relayed messages, the push outbox), so a
 * restart loses nothing and any process can serve any message. Every volunteer action checks, server-side, that the
 * sender is an active volunteer and holds the request.
 */
export function handoffFeature(deps: HandoffDeps): Feature {
  const { db, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const push = async (...pushes: Push[]) => {
    await enqueuePush(db, ...pushes);
    deps.kick?.();
  };
  /**
   * A state change and the messages it causes, in one transaction — a crash never leaves a request changed with nobody
   * told, or a message stored and not sent — then the push worker is woken.
   */
  const atomically = async <T>(work: (tx: Queryable) => Promise<T>): Promise<T> => {
    const result = await db.transaction(work);
    deps.kick?.();
    return result;
  };
  const relay = (ticketId: number, from: 'citizen' | 'volunteer', stored: string, volunteerId: number | null, out: Push) =>
    atomically(async (tx) => {
      await addTicketMessage(tx, ticketId, from, stored, volunteerId, now());
      await enqueuePush(tx, out);
    });
  const toCitizen = (t: Ticket, r: Reply): Push => ({ channel: t.channel, address: t.address, reply: r, userId: t.citizenId });
  const toVolunteer = (v: Volunteer, r: Reply): Push => ({ channel: v.channel, address: v.address, reply: r, userId: v.userId });

  async function queue(turn: Turn, problem: string): Promise<Reply[]> {
    const ticket = await queueTicket(db, turn.user.id, say.clip(redact(problem.trim()).text, 300), now());
    // (were the process to stop right here, the sweeper re-announces it: nothing waits unseen)
    await push(...(await announcements(db, settings, ticket, false, now())));
    const onDuty = isOnDuty(settings, now());
    const wait = (await typicalWaitMinutes(db)) ?? settings.expectedMinutes;
    return [say.queuedConfirmation(ticket, await queuePosition(db, ticket), onDuty, settings.dutyHours, wait)];
  }

  /** Whether a request can reach anyone: the volunteer group, or an active volunteer on a channel that is on. */
  async function deskReachable(): Promise<boolean> {
    if (settings.volunteerChatId && deps.pushChannels.has('telegram')) return true;
    const [row] = await db.query(
      `select 1 from volunteers v join users u on u.id = v.user_id where v.active and u.channel = any($1::text[]) limit 1`,
      [[...deps.pushChannels]],
    );
    return row !== undefined;
  }

  const open: Handler = async (turn) => {
    // honest at once: no request is taken that nobody could ever see
    if (!deps.pushChannels.has(turn.user.channel) || !(await deskReachable())) return [say.NO_ONLINE_HELP];
    const current = await openTicketOf(db, turn.user.id);
    if (current?.status === 'waiting') return [say.alreadyWaiting(current, await queuePosition(db, current))];
    const inline = argument(turn);
    if (inline) return queue(turn, inline);
    if (current?.status !== 'draft') await createDraft(db, turn.user.id, now());
    return [say.ASK_PROBLEM(await lastQuestion(db, turn.user.id))];
  };

  const cancel = async (turn: Turn): Promise<Reply[]> => {
    const current = await openTicketOf(db, turn.user.id);
    if (!current || current.status === 'active') return [say.NOTHING_TO_CANCEL];
    await moveTicket(db, current.id, { from: ['draft', 'waiting'], to: 'cancelled', now: now() });
    await event(db, current.id, 'cancelled');
    return [say.CANCELLED];
  };

  /** The volunteer sending this turn, or a refusal. */
  const asVolunteer = async (turn: Turn): Promise<Volunteer | Reply[]> => (await volunteerOf(db, turn.user.id)) ?? [say.NOT_A_VOLUNTEER];

  async function claim(turn: Turn, ticketId: number): Promise<Reply[]> {
    const v = await asVolunteer(turn);
    if (Array.isArray(v)) return v;
    const result = await claimTicket(db, ticketId, v.id, now(), (tx, ticket) => handOver(tx, ticket, v));
    deps.kick?.();
    if (!result.ok) {
      if (result.reason === 'taken') return [reply(`Yêu cầu #${ticketId} đã có ${result.holder ?? 'tình nguyện viên khác'} nhận rồi.`)];
      if (result.reason === 'busy') return [reply(`Bạn đang giữ yêu cầu #${result.held}. Gõ /xong hoặc /tra trước khi nhận yêu cầu khác.`)];
      return [reply(`Yêu cầu #${ticketId} không còn chờ nữa (đã hủy hoặc đã xong).`)];
    }
    return [reply(`✅ ${v.name} đã nhận yêu cầu #${ticketId}.`)];
  }

  /** The volunteer now holding `ticket` gets the context; the citizen learns who is helping. */
  async function handOver(tx: Queryable, ticket: Ticket, v: Volunteer, transferred = false): Promise<void> {
    const recent = await recentConversation(tx, ticket.citizenId);
    await enqueuePush(
      tx,
      toVolunteer(v, say.handoverNote(ticket, recent)),
      toCitizen(ticket, transferred ? say.transferredTo(ticket, v.name) : say.volunteerJoined(ticket, v.name)),
    );
  }

  /** A volunteer command about the request they hold. */
  const holding = (run: (v: Volunteer, t: Ticket, turn: Turn) => Promise<Reply[]>): Handler => async (turn) => {
    const v = await asVolunteer(turn);
    if (Array.isArray(v)) return v;
    const t = await heldBy(db, v.id);
    if (!t) return [reply('Bạn không giữ yêu cầu nào. Gõ /yeucau để xem các yêu cầu đang chờ.')];
    return run(v, t, turn);
  };
  const argument = (turn: Turn) => turn.command?.args || undefined;

  const close = holding(async (v, t) => {
    const closed = await atomically(async (tx) => {
      if (!(await moveTicket(tx, t.id, { from: ['active'], to: 'closed', now: now(), heldBy: v.id }))) return false;
      await event(tx, t.id, 'closed', v.id);
      await enqueuePush(tx, toCitizen(t, say.rateRequest(t, v.name)));
      return true;
    });
    if (!closed) return [reply(`Yêu cầu #${t.id} đã thay đổi; gõ /yeucau.`)];
    return [reply(`Đã đóng yêu cầu #${t.id}. Cảm ơn ${v.name}! Nếu câu trả lời vừa rồi nên có trong hướng dẫn, gõ /luu.`)];
  });

  const giveBack = holding(async (v, t) => {
    const back = await atomically(async (tx) => {
      if (!(await moveTicket(tx, t.id, { from: ['active'], to: 'waiting', volunteerId: null, now: now(), heldBy: v.id }))) return false;
      await event(tx, t.id, 'returned', v.id);
      const queued = (await getTicket(tx, t.id))!;
      await enqueuePush(tx, toCitizen(queued, say.returnedToQueue(queued)), ...(await announcements(tx, settings, queued, true, now())));
      return true;
    });
    return [reply(back ? `Đã trả yêu cầu #${t.id} về hàng chờ.` : `Yêu cầu #${t.id} đã thay đổi.`)];
  });

  const transfer = holding(async (v, t, turn) => {
    const key = argument(turn);
    const options = (await listVolunteers(db, { activeOnly: true })).filter((o) => o.id !== v.id);
    if (!key) return [reply(`Chuyển cho ai? Gõ /chuyen <tên hoặc số>. Đang có: ${options.map((o) => `${o.name} (${o.id})`).join(', ') || 'chưa có ai khác'}.`)];
    const to = await findVolunteer(db, key);
    if (!to || to.id === v.id) return [reply(`Không tìm thấy tình nguyện viên "${key}" đang hoạt động.`)];
    if (await heldBy(db, to.id)) return [reply(`${to.name} đang bận một yêu cầu khác.`)];
    const moved = await atomically(async (tx) => {
      if (!(await moveTicket(tx, t.id, { from: ['active'], to: 'active', volunteerId: to.id, now: now(), heldBy: v.id }))) return false;
      await event(tx, t.id, 'transferred', v.id, String(to.id));
      await handOver(tx, (await getTicket(tx, t.id))!, to, true);
      return true;
    }).catch((err: { code?: string }) => (err.code === '23505' ? false : Promise.reject(err)));
    if (!moved) return [reply(`Không chuyển được yêu cầu #${t.id}; thử lại sau.`)];
    return [reply(`Đã chuyển yêu cầu #${t.id} cho ${to.name}.`)];
  });

  const save: Handler = async (turn) => {
    const v = await asVolunteer(turn);
    if (Array.isArray(v)) return v;
    const [t] = await db.query<{ id: string; problem: string }>(
      `select id, problem from tickets where volunteer_id = $1 and status in ('active', 'closed') order by coalesce(closed_at, claimed_at) desc nulls last limit 1`,
      [v.id],
    );
    if (!t) return [reply('Chưa có yêu cầu nào của bạn để lưu.')];
    const answer = argument(turn) ?? (await db.query<{ text: string }>(
      `select text from ticket_messages where ticket_id = $1 and sender = 'volunteer' order by id desc limit 1`, [t.id],
    ))[0]?.text;
    if (!answer) return [reply('Gõ /luu <câu trả lời nên có trong hướng dẫn>, hoặc nhắn câu trả lời cho người dân trước rồi gõ /luu.')];
    await db.query('insert into guide_suggestions (ticket_id, volunteer_id, question, answer) values ($1, $2, $3, $4)', [t.id, v.id, t.problem, redact(answer).text]);
    return [reply(`📝 Đã lưu gợi ý cập nhật hướng dẫn cho câu hỏi «${t.problem}». Người biên tập nội dung sẽ xem lại.`)];
  };

  const list: Handler = async (turn) => {
    const v = await asVolunteer(turn);
    if (Array.isArray(v)) return v;
    const waiting = await db.query<{ id: string }>(`select id from tickets where status = 'waiting' order by queued_at, id limit 8`);
    if (!waiting.length) return [reply('Không có yêu cầu nào đang chờ. Cảm ơn bạn!')];
    const tickets = await Promise.all(waiting.map((w) => getTicket(db, Number(w.id))));
    return tickets.map((t) => say.announcement(t!));
  };

  const join: Handler = async (turn) => {
    const code = INVITE_PATTERN.exec(turn.text)?.[0];
    if (!code) return [reply('Gõ /thamgia kèm mã mời bạn nhận từ người quản lý, ví dụ: /thamgia TNV-ABCD-EFGH.')];
    if (!deps.pushChannels.has(turn.user.channel) || turn.user.channel === 'web') return [reply('Tình nguyện viên dùng Telegram hoặc Zalo để nhận yêu cầu.')];
    const v = await redeemInvite(db, code, turn.user.id, now());
    if (!v) return [reply('Mã mời không đúng, đã dùng rồi hoặc đã hết hạn. Bạn xin người quản lý mã mới nhé.')];
    return [reply(`🎉 Chào ${v.name}! Bạn đã là tình nguyện viên của Bình Dân. Yêu cầu mới sẽ được báo cho bạn; gõ /yeucau để xem hàng chờ.\n${say.VOLUNTEER_COMMANDS}`)];
  };

  const rate = async (turn: Turn, id: number, stars: string): Promise<Reply[]> => {
    if (stars === 'skip') {
      const t = await awaitingCommentOf(db, turn.user.id, new Date(now().getTime() - DRAFT_MINUTES * 60_000));
      if (t) await commentTicket(db, t.id, null);
      return [say.THANKS];
    }
    const ok = await rateTicket(db, id, turn.user.id, Number(stars));
    return ok ? [say.ASK_COMMENT] : [say.THANKS];
  };

  /** Messages that belong to a person, not to the bot: the relay, the problem line, the comment. */
  async function intercept(turn: Turn): Promise<Reply[] | undefined> {
    const { user, inbound, text } = turn;
    const isCommand = text.startsWith('/');
    const words = inbound.kind === 'text' && text !== '' && !isCommand && !inbound.choice && !inbound.inGroup;
    // for the bot's own questions, a typed number that picks one of the choices shown last is a choice, not an answer
    const freeText = words && !matchChoice(text, user.pending);
    const current = await openTicketOf(db, user.id);
    if (current?.status === 'active') {
      const v = current.volunteerId === null ? undefined : await volunteerById(db, current.volunteerId);
      if (inbound.kind === 'media' || inbound.kind === 'other') {
        if (v) await push(toVolunteer(v, say.photoWithheld(current)));
        return [say.PHOTO_REFUSED];
      }
      if (inbound.kind === 'choice' || !text || !v || inbound.inGroup) return undefined;
      const redacted = redact(text).text;
      await relay(current.id, 'citizen', redacted, null, toVolunteer(v, say.fromCitizen(current, redacted)));
      return [];
    }
    if (current && turn.command?.name === 'huy' && !turn.command.args) return cancel(turn);
    if (current?.status === 'draft' && freeText && now().getTime() - current.createdAt.getTime() < DRAFT_MINUTES * 60_000) return queue(turn, text);
    const v = words ? await volunteerOf(db, user.id) : undefined;
    if (v) {
      const held = await heldBy(db, v.id);
      if (held) {
        await relay(held.id, 'volunteer', redact(text).text, v.id, toCitizen(held, say.fromVolunteer(v.name, text)));
        return [];
      }
    }
    if (freeText) {
      const t = await awaitingCommentOf(db, user.id, new Date(now().getTime() - DRAFT_MINUTES * 60_000));
      if (t) {
        await commentTicket(db, t.id, redact(text).text.slice(0, 1000));
        return [say.THANKS];
      }
    }
    return undefined;
  }

  const claimCommand: Handler = async (turn) => {
    const id = Number(argument(turn));
    return Number.isInteger(id) && id > 0 ? claim(turn, id) : [reply('Gõ /nhan kèm số yêu cầu, ví dụ: /nhan 12.')];
  };

  return {
    name: 'handoff',
    intercept,
    commands: {
      tinhnguyenvien: { description: 'Gặp tình nguyện viên', run: open },
      nguoithat: { description: 'Gặp tình nguyện viên', run: open, hidden: true },
      thamgia: { description: 'Tình nguyện viên: tham gia bằng mã mời', run: join, hidden: true },
      nhan: { description: 'Tình nguyện viên: nhận một yêu cầu', run: claimCommand, hidden: true },
      yeucau: { description: 'Tình nguyện viên: các yêu cầu đang chờ', run: list, hidden: true },
      xong: { description: 'Tình nguyện viên: đã giúp xong', run: close, hidden: true },
      tra: { description: 'Tình nguyện viên: trả yêu cầu về hàng chờ', run: giveBack, hidden: true },
      chuyen: { description: 'Tình nguyện viên: chuyển cho người khác', run: transfer, hidden: true },
      luu: { description: 'Tình nguyện viên: lưu câu trả lời làm gợi ý', run: save, hidden: true },
    },
    phrases: Object.fromEntries(
      ['cho tôi gặp người thật', 'gặp người thật', 'nói chuyện với người', 'nói chuyện với người thật', 'tình nguyện viên', 'hỏi tình nguyện viên', 'cần người giúp'].map((p) => [p, open]),
    ),
    choices: [
      on(humanChoice, (turn) => open(turn)),
      on(ticketChoice, async (turn, { action }) => {
        if (action === 'cancel') return cancel(turn);
        const current = await openTicketOf(db, turn.user.id);
        const last = await lastQuestion(db, turn.user.id);
        if (current?.status !== 'draft' || !last) return open(turn);
        return queue(turn, last);
      }),
      on(claimChoice, (turn, { ticket }) => claim(turn, ticket)),
      on(rateChoice, (turn, { ticket, stars }) => rate(turn, ticket, stars)),
    ],
  };
}

/** Whether volunteers are on duty at `at` (local hours [start, end); start > end wraps midnight; 0-24 is always). */
export function isOnDuty(settings: Pick<HandoffSettings, 'dutyHours'>, at: Date): boolean {
  const [start, end] = settings.dutyHours;
  const h = localHour(at);
  if (allDay(settings)) return true;
  return start <= end ? h >= start && h < end : h >= start || h < end;
}

/** A duty window of the whole day (0-24, or 7-7). */
export const allDay = (settings: Pick<HandoffSettings, 'dutyHours'>) => (settings.dutyHours[1] - settings.dutyHours[0] + 24) % 24 === 0;

/**
 * Where a request is announced: the volunteer group, and/or privately to every free active volunteer — privately only
 * on duty (nobody's phone buzzes at night; the request waits in the queue and in the group).
 */
export async function announcements(db: Queryable, settings: HandoffSettings, ticket: Ticket, again: boolean, now = new Date()): Promise<Push[]> {
  const message = say.announcement(ticket, again);
  const pushes: Push[] = [];
  if (settings.volunteerChatId) pushes.push({ channel: 'telegram', address: settings.volunteerChatId, reply: message });
  if ((settings.notifyPrivately || !settings.volunteerChatId) && isOnDuty(settings, now)) {
    const free = await db.query<{ channel: string; address: string; user_id: string }>(
      `select u.channel, coalesce(u.push_address, u.external_id) as address, u.id as user_id
         from volunteers v join users u on u.id = v.user_id
        where v.active and u.reachable and not exists (select 1 from tickets t where t.volunteer_id = v.id and t.status = 'active')`,
    );
    for (const f of free) pushes.push({ channel: f.channel, address: f.address, reply: message, userId: Number(f.user_id) });
  }
  await event(db, ticket.id, again ? 'reannounced' : 'announced', null, `${pushes.length} recipients`);
  return pushes;
}
