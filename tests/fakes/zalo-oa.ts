import { oaMac } from '../../src/channels/zalo-oa/webhook.ts';

/**
 * The webhook side of a local fake of the Zalo Official Account API: deliveries built and signed the way Zalo signs
 * them (`X-ZEvent-Signature: mac=` SHA-256 of app_id + raw body + the body's timestamp + the OA secret key).
 */
export interface OaDelivery {
  rawBody: string;
  headers: Record<string, string>;
}

/** A user's event as Zalo delivers it (`timestamp` in milliseconds, as a string, as Zalo writes it). */
export function oaEvent(
  appId: string,
  name: string,
  userId: string,
  fields: { message?: Record<string, unknown>; at?: number; oaId?: string } = {},
): Record<string, unknown> {
  const echo = name.startsWith('oa_send_');
  const oa = { id: fields.oaId ?? '579745863508352884' };
  const user = { id: userId };
  return {
    app_id: appId,
    user_id_by_app: `app-${userId}`,
    event_name: name,
    sender: echo ? oa : user,
    recipient: echo ? user : oa,
    ...(fields.message ? { message: fields.message } : {}),
    timestamp: String(fields.at ?? Date.now()),
  };
}

/** Signs `body` as Zalo would (the raw text is exactly what is sent). */
export function signedDelivery(body: Record<string, unknown>, secretKey: string, raw = JSON.stringify(body)): OaDelivery {
  const mac = oaMac(String(body.app_id), raw, String(body.timestamp), secretKey);
  return { rawBody: raw, headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${mac}` } };
}
