/**
 * The human help desk as one feature. Citizens open a request (one line about the problem), volunteers (registered
 * by an operator or with an invite) claim it and talk to the citizen through the bot, which stays silent until the
 * volunteer closes it; then the citizen rates it. Everything is in the database (tickets, relayed messages, the
 * push outbox), so a restart loses nothing and any process can serve any message.
 *
 * This file only wires the actors together: citizen.ts, volunteer.ts, relay.ts (the interception), announce.ts and
 * duty.ts; their SQL is in tickets.ts, volunteers.ts and involvement-store.ts, their texts in render.ts.
 */
import { on, type Command, type Feature, type Turn } from '../core/feature.ts';
import type { Reply } from '../core/message.ts';
import { humanChoice } from '../shared/choices.ts';
import { claimChoice, rateChoice, ticketChoice } from './choices.ts';
import { cancelRequest, openRequest, rate, sendLastQuestion } from './citizen.ts';
import { openDesk, type Desk, type HandoffDeps } from './desk.ts';
import { intercept } from './relay.ts';
import { claim, claimCommand, close, giveBack, join, listWaiting, saveAnswer, transfer } from './volunteer.ts';

export type { HandoffDeps, HandoffSettings } from './desk.ts';

/** Whole messages that ask for a person. */
const PHRASES = [
  'cho tôi gặp người thật',
  'gặp người thật',
  'nói chuyện với người',
  'nói chuyện với người thật',
  'tình nguyện viên',
  'hỏi tình nguyện viên',
  'cần người giúp',
];

export function handoffFeature(deps: HandoffDeps): Feature {
  const desk = openDesk(deps);
  const act =
    <R>(action: (desk: Desk, turn: Turn) => Promise<R>) =>
    (turn: Turn) =>
      action(desk, turn);
  const volunteerCommand = (description: string, action: (desk: Desk, turn: Turn) => Promise<Reply[]>): Command => ({
    description: `Tình nguyện viên: ${description}`,
    run: act(action),
    hidden: true,
  });
  const open = act(openRequest);
  return {
    name: 'handoff',
    intercept: act(intercept),
    commands: {
      tinhnguyenvien: { description: 'Gặp tình nguyện viên', run: open },
      nguoithat: { description: 'Gặp tình nguyện viên', run: open, hidden: true },
      thamgia: volunteerCommand('tham gia bằng mã mời', join),
      nhan: volunteerCommand('nhận một yêu cầu', claimCommand),
      yeucau: volunteerCommand('các yêu cầu đang chờ', listWaiting),
      xong: volunteerCommand('đã giúp xong', close),
      tra: volunteerCommand('trả yêu cầu về hàng chờ', giveBack),
      chuyen: volunteerCommand('chuyển cho người khác', transfer),
      luu: volunteerCommand('lưu câu trả lời làm gợi ý', saveAnswer),
    },
    phrases: Object.fromEntries(PHRASES.map((p) => [p, open])),
    choices: [
      on(humanChoice, (turn) => open(turn)),
      on(ticketChoice, (turn, { action }) => (action === 'cancel' ? cancelRequest(desk, turn) : sendLastQuestion(desk, turn))),
      on(claimChoice, (turn, { ticket }) => claim(desk, turn, ticket)),
      on(rateChoice, (turn, { ticket, stars }) => rate(desk, turn, ticket, stars)),
    ],
  };
}
