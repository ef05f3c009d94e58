import { describe, expect, it } from 'vitest';
import { CHOICE_PAYLOAD_PREFIX, parseOaEvent } from '../src/channels/zalo-oa/event.ts';
import { checkOaDelivery, MAX_DELIVERY_AGE_MS, oaMac } from '../src/channels/zalo-oa/webhook.ts';
import { oaEvent, signedDelivery } from './fakes/zalo-oa.ts';

const APP = '1234567890123456789';
const KEY = 'oa-secret-key-for-tests';
const NOW = new Date('2026-12-07T09:00:00+07:00');
const check = (rawBody: string, header: string | undefined, now = NOW) =>
  checkOaDelivery(rawBody, header, { appId: APP, secretKey: KEY, now });
const text = (said: string, at = NOW.getTime()) =>
  signedDelivery(oaEvent(APP, 'user_send_text', '8426001', { message: { msg_id: `m-${said.length}`, text: said }, at }), KEY);

describe('Zalo OA webhook signatures', () => {
  it('accepts a delivery signed the way Zalo signs, over the raw body', () => {
    const d = text('quen mat khau vneid');
    const r = check(d.rawBody, d.headers['x-zevent-signature']);
    expect(r).toMatchObject({ ok: true, timestamp: NOW.getTime() });
    // the mac is plain SHA-256 of app_id + body + timestamp + key (not an HMAC, not the App Secret)
    expect(d.headers['x-zevent-signature']).toBe(`mac=${oaMac(APP, d.rawBody, String(NOW.getTime()), KEY)}`);
    // the same JSON written with other spacing is other bytes: its mac differs, and the raw one is what counts
    const spaced = JSON.stringify(JSON.parse(d.rawBody), null, 1);
    expect(check(spaced, d.headers['x-zevent-signature'])).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check(spaced, signedDelivery(JSON.parse(d.rawBody), KEY, spaced).headers['x-zevent-signature'])).toMatchObject({ ok: true });
  });

  it('refuses unsigned, forged, tampered, stale, future, foreign and malformed deliveries, giving the reason', () => {
    const d = text('xin chao');
    const mac = d.headers['x-zevent-signature']!;
    expect(check(d.rawBody, undefined)).toEqual({ ok: false, reason: 'unsigned' });
    expect(check(d.rawBody, mac.replace('mac=', ''))).toEqual({ ok: false, reason: 'unsigned' });
    expect(check(d.rawBody, 'mac=abc')).toEqual({ ok: false, reason: 'unsigned' });
    expect(check(d.rawBody, signedDelivery(JSON.parse(d.rawBody), 'another-key').headers['x-zevent-signature'])).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(check(d.rawBody.replace('xin chao', 'xin chai'), mac)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check(d.rawBody, mac.toUpperCase().replace('MAC=', 'mac='))).toMatchObject({ ok: true }); // hex case does not matter
    const old = text('cu', NOW.getTime() - MAX_DELIVERY_AGE_MS - 1000);
    expect(check(old.rawBody, old.headers['x-zevent-signature'])).toEqual({ ok: false, reason: 'stale' });
    const retried = text('lan thu lai', NOW.getTime() - 2 * 3600_000); // Zalo's last retry comes about 1 h 51 min later
    expect(check(retried.rawBody, retried.headers['x-zevent-signature'])).toMatchObject({ ok: true });
    const ahead = text('tuong lai', NOW.getTime() + 3600_000);
    expect(check(ahead.rawBody, ahead.headers['x-zevent-signature'])).toEqual({ ok: false, reason: 'future' });
    const foreign = signedDelivery({ ...JSON.parse(d.rawBody), app_id: '999' }, KEY);
    expect(check(foreign.rawBody, foreign.headers['x-zevent-signature'])).toEqual({ ok: false, reason: 'wrong-app' });
    for (const raw of [
      '{"app_id":',
      '[1,2]',
      'null',
      '"x"',
      JSON.stringify({ app_id: APP }),
      JSON.stringify({ app_id: APP, timestamp: 'soon' }),
    ])
      expect(check(raw, mac), raw).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses every one of 500 random forgeries of a real delivery (a byte of the body or of the mac changed)', () => {
    const d = text('toi muon dang ky tai khoan dinh danh muc 2');
    const mac = d.headers['x-zevent-signature']!;
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    let refused = 0;
    for (let i = 0; i < 500; i++) {
      const inBody = i % 2 === 0;
      const target = inBody ? d.rawBody : mac;
      const at = inBody ? random(target.length) : 4 + random(64);
      const flipped = String.fromCharCode(target.charCodeAt(at) === 0x61 ? 0x62 : 0x61);
      const changed = target.slice(0, at) + flipped + target.slice(at + 1);
      if (changed === target) continue;
      const r = inBody ? check(changed, mac) : check(d.rawBody, changed);
      if (!r.ok) refused++;
      else throw new Error(`a forgery passed: ${inBody ? changed : d.rawBody} / ${inBody ? mac : changed}`);
    }
    expect(refused).toBeGreaterThan(450);
  });
});

describe('Zalo OA events', () => {
  const parse = (name: string, message?: Record<string, unknown>, userId = '8426001') => {
    const d = signedDelivery(oaEvent(APP, name, userId, { ...(message ? { message } : {}), at: NOW.getTime() }), KEY);
    const r = check(d.rawBody, d.headers['x-zevent-signature']);
    if (!r.ok) throw new Error(r.reason);
    return parseOaEvent(r.body);
  };

  it('reads text, our button payloads, media, follows, submitted info and the OA echoes', () => {
    expect(parse('user_send_text', { msg_id: 'a1', text: 'quen mat khau' })).toEqual({
      name: 'user_send_text',
      kind: 'text',
      userId: '8426001',
      msgId: 'a1',
      text: 'quen mat khau',
      at: NOW.getTime(),
    });
    expect(parse('user_send_text', { msg_id: 'a2', text: `${CHOICE_PAYLOAD_PREFIX}more:guide-1` })).toMatchObject({
      kind: 'choice',
      choice: 'more:guide-1',
    });
    // a citizen typing a # is just text
    expect(parse('user_send_text', { msg_id: 'a3', text: '#hoi' })).toMatchObject({ kind: 'text', text: '#hoi' });
    expect(parse('user_send_image', { msg_id: 'a4', attachments: [] })).toMatchObject({ kind: 'media', mediaType: 'photo' });
    expect(parse('user_send_sticker', { msg_id: 'a5' })).toMatchObject({ kind: 'media', mediaType: 'sticker' });
    expect(parse('user_send_audio', { msg_id: 'a6' })).toMatchObject({ kind: 'media', mediaType: 'voice' });
    expect(parse('user_send_location', { msg_id: 'a7' })).toMatchObject({ kind: 'media', mediaType: 'location' });
    expect(parse('user_submit_info')).toMatchObject({ kind: 'submit-info', userId: '8426001' });
    // no msg_id: a key of its own, the same on a redelivery
    expect(parse('follow')).toMatchObject({ kind: 'follow', msgId: `follow:8426001:${NOW.getTime()}` });
    expect(parse('unfollow')).toMatchObject({ kind: 'unfollow' });
    // an echo of what the OA sent is about the user it went to
    expect(parse('oa_send_text', { msg_id: 'e1', text: 'Chào bác' })).toMatchObject({ kind: 'echo', userId: '8426001', text: 'Chào bác' });
    expect(parse('user_reacted_message', { msg_id: 'r1' })).toBeUndefined();
  });

  it('keeps 64-bit ids exact (Zalo may write them as bare numbers)', () => {
    const raw =
      `{"app_id":"${APP}","event_name":"user_send_text","sender":{"id":5912345678901234567},` +
      `"recipient":{"id":579745863508352884},"message":{"msg_id":9012345678901234567,"text":"a"},"timestamp":"${NOW.getTime()}"}`;
    const d = signedDelivery(JSON.parse(raw), KEY, raw);
    const r = check(d.rawBody, d.headers['x-zevent-signature']);
    if (!r.ok) throw new Error(r.reason);
    expect(parseOaEvent(r.body)).toMatchObject({ userId: '5912345678901234567', msgId: '9012345678901234567' });
  });
});
