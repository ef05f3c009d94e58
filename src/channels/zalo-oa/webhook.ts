import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The Zalo Official Account webhook (Open API v3), checked before anything is recorded: every delivery carries
 * `X-ZEvent-Signature: mac=<hex>`, the plain SHA-256 (not an HMAC) of `app_id + rawBody + timestamp + OA secret key`,
 * where `timestamp` is the body's own field (milliseconds, as a string). The mac is computed over the raw bytes
 * received, never over re-serialised JSON, and compared in constant time.
 *
 * @example
 * const check = checkOaDelivery(rawBody, req.headers['x-zevent-signature'], { appId, secretKey, now: new Date() });
 * if (!check.ok) log.warn({ reason: check.reason }, 'zalo-oa: delivery refused'); // still answer 200 (see below)
 *
 * Zalo disables a webhook that keeps failing, so refusals are answered 200 too and only logged.
 */

/** How old a delivery may be: Zalo retries a failed one after 30 s, 5, 15 and 30 min and 1 h (about 1 h 51 min in all). */
export const MAX_DELIVERY_AGE_MS = 3 * 3600_000;
/** How far ahead of our clock a timestamp may be (clocks differ a little). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** The mac Zalo puts in `X-ZEvent-Signature` (after `mac=`), as lowercase hex. */
export function oaMac(appId: string, rawBody: string, timestamp: string, secretKey: string): string {
  return createHash('sha256').update(`${appId}${rawBody}${timestamp}${secretKey}`, 'utf8').digest('hex');
}

/** Ids Zalo may write as bare 64-bit integers, which JSON.parse would round: quoted first, so they stay exact. */
const BIG_ID = /("(?:id|msg_id|app_id|user_id_by_app)"\s*:\s*)(\d{16,})/g;
const quoteBigIds = (raw: string) => raw.replace(BIG_ID, '$1"$2"');

export type DeliveryCheck =
  | { ok: true; body: Record<string, unknown>; timestamp: number }
  | { ok: false; reason: 'unsigned' | 'malformed' | 'wrong-app' | 'bad-signature' | 'stale' | 'future' };

/**
 * Checks one webhook delivery: the signature header is present, the body is a JSON object for our app with a
 * timestamp, the mac matches, and the timestamp is neither older than {@link MAX_DELIVERY_AGE_MS} nor ahead of `now`
 * by more than {@link MAX_CLOCK_SKEW_MS}. A replay inside that window passes here and is stopped by the intake's
 * de-duplication on `msg_id`.
 */
export function checkOaDelivery(
  rawBody: string,
  header: string | string[] | undefined,
  options: { appId: string; secretKey: string; now: Date },
): DeliveryCheck {
  const signature = typeof header === 'string' ? /^\s*mac=([0-9a-fA-F]{64})\s*$/.exec(header)?.[1] : undefined;
  if (!signature) return { ok: false, reason: 'unsigned' };
  let body: unknown;
  try {
    body = JSON.parse(quoteBigIds(rawBody));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, reason: 'malformed' };
  const fields = body as Record<string, unknown>;
  const stamp = typeof fields.timestamp === 'string' || typeof fields.timestamp === 'number' ? String(fields.timestamp) : undefined;
  if (!stamp || !/^\d{1,16}$/.test(stamp)) return { ok: false, reason: 'malformed' };
  if (String(fields.app_id ?? '') !== options.appId) return { ok: false, reason: 'wrong-app' };
  const expected = Buffer.from(oaMac(options.appId, rawBody, stamp, options.secretKey), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature.toLowerCase(), 'hex'))) return { ok: false, reason: 'bad-signature' };
  const at = Number(stamp);
  const now = options.now.getTime();
  if (at < now - MAX_DELIVERY_AGE_MS) return { ok: false, reason: 'stale' };
  if (at > now + MAX_CLOCK_SKEW_MS) return { ok: false, reason: 'future' };
  return { ok: true, body: fields, timestamp: at };
}
