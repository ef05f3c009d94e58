import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { App } from '../../src/app.ts';
import { addVolunteer } from '../../src/handoff/volunteers.ts';
import { ConsoleClient, seedAccount } from './console.ts';

/**
 * Rounds of a browser claim (the inbox's claim button) racing a Telegram volunteer's `/nhan <id>` on the same request,
 * both through the conversation core as their channels send them, one of them started up to `spreadMs` ms after the
 * other. Returns, per round, the two answers and how many claims the request recorded; the winner closes the request
 * so both are free for the next round.
 */
export async function raceClaims(app: App, server: FastifyInstance, rounds: number, tag: string, spreadMs = 20) {
  const telegramId = `${tag}-tg-${Date.now()}`;
  const tg = await addVolunteer(app.db, { channel: 'telegram', externalId: telegramId, name: 'Tùng' });
  const account = await seedAccount(app.db, 'volunteer', 'Quân');
  const browser = new ConsoleClient(server);
  await browser.login(account.login, account.password);
  await browser.get('/console/inbox'); // registers the account as a volunteer, and gives the form's token
  const csrf = browser.csrf();
  const act = async (fields: Record<string, string>) => {
    const res = await server.inject({
      method: 'POST',
      url: '/console/inbox/act',
      headers: {
        cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      payload: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
    });
    if (res.statusCode !== 200) throw new Error(`inbox action ${fields.action}: ${res.statusCode} ${res.body}`);
    return (res.json() as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
  };
  const telegram = (text: string) =>
    app.conversation.handle({ channel: 'telegram', userId: telegramId, kind: 'text', text }).then((r) => r.map((x) => x.text).join('\n'));

  const results: { id: number; telegram: string; console: string; claims: number; holder: number | null }[] = [];
  for (let i = 0; i < rounds; i++) {
    const [confirm] = await app.conversation.handle({
      channel: 'telegram',
      userId: `${tag}-citizen-${Date.now()}-${i}`,
      kind: 'text',
      text: `/tinhnguyenvien van de so ${i}`,
    });
    const id = Number(/#(\d+)/.exec(confirm!.text)?.[1]);
    if (!id) throw new Error(`no request opened: ${confirm?.text}`);
    // one side starts a little after the other, by a different amount each round (from spreadMs before to spreadMs
    // after), so that the two turns meet in the claim itself and either may win
    const offset = ((i * 7) % (2 * spreadMs)) - spreadMs;
    const after = <T>(ms: number, start: () => Promise<T>) => new Promise((ok) => setTimeout(ok, Math.max(0, ms))).then(start);
    const [byTelegram, byConsole] = await Promise.all([
      after(offset, () => telegram(`/nhan ${id}`)),
      after(-offset, () => act({ action: 'claim', ticket: String(id) })),
    ]);
    const [row] = await app.db.query<{ n: number; volunteer_id: string | null }>(
      `select (select count(*)::int from ticket_events where ticket_id = $1 and kind = 'claimed') as n,
              (select volunteer_id from tickets where id = $1) as volunteer_id`,
      [id],
    );
    results.push({
      id,
      telegram: byTelegram,
      console: byConsole,
      claims: row!.n,
      holder: row!.volunteer_id === null ? null : Number(row!.volunteer_id),
    });
    if (byTelegram.startsWith('✅')) await telegram('/xong');
    if (byConsole.startsWith('✅')) await act({ action: 'close', ticket: String(id) });
  }
  return { results, telegramVolunteer: tg.id };
}

/** Each round of {@link raceClaims} had exactly one winner, the loser was told who holds it, and one claim was made. */
export function expectOneWinnerEach({ results, telegramVolunteer }: Awaited<ReturnType<typeof raceClaims>>): void {
  for (const r of results) {
    const won = [r.telegram, r.console].filter((a) => a.startsWith('✅'));
    expect(won, `${r.telegram} | ${r.console}`).toHaveLength(1);
    expect([r.telegram, r.console].find((a) => !a.startsWith('✅'))).toMatch(new RegExp(`#${r.id} đã có (Tùng|Quân) nhận rồi`));
    expect(r.claims).toBe(1);
    expect(r.holder === telegramVolunteer).toBe(r.telegram.startsWith('✅'));
  }
}
