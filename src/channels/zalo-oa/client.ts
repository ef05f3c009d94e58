import { Agent, request } from 'undici';

/**
 * An error the OA Open API reported (`{error: <non-zero>, message}`), or a transport failure (`error` then holds the
 * HTTP status, or 0 when there was no answer).
 *
 * Codes that matter for sending (`../shared/facts/zalo-api.md` §2.4): `-230`/`-232` the citizen has not interacted for
 * 7 days, `-211`/`-218` quota used up, `-1471`/`-1472` promotion caps, `-32` rate limit, `-216`/`-220`/`-124` a bad
 * access token, `-213` not a follower.
 */
export class OaApiError extends Error {
  override name = 'OaApiError';
  constructor(
    readonly path: string,
    readonly error: number,
    readonly description: string,
  ) {
    super(`Zalo OA ${path} failed (${error}): ${description}`);
  }
}

/** A button of a template message: `oa.query.hide` sends `payload` back to the OA as the user's text, unseen. */
export interface OaButton {
  title: string;
  type: 'oa.query.hide';
  payload: string;
}

/** What a consultation ("tư vấn") message carries: text, and optionally buttons under it. */
export type OaMessage = { text: string } | { text: string; attachment: { type: 'template'; payload: { buttons: OaButton[] } } };

export interface OaClientOptions {
  /** The OA's access token now (from the token store; refreshed there). */
  accessToken: () => Promise<string>;
  /** Default `https://openapi.zalo.me`. */
  apiBase?: string;
  timeoutMs?: number;
}

/**
 * A small client for the OA Open API v3: JSON bodies, the token in the `access_token` header (never in a URL, an
 * error or a log line), `error: 0` checked (HTTP 200 is not enough), one keep-alive agent, a timeout on every call.
 */
export class OaClient {
  private readonly base: string;
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });

  constructor(private readonly options: OaClientOptions) {
    this.base = (options.apiBase ?? 'https://openapi.zalo.me').replace(/\/$/, '');
  }

  /** One call; returns `data`. */
  async call<T>(path: string, body: Record<string, unknown>): Promise<T> {
    const token = await this.options.accessToken();
    let res;
    let text;
    try {
      res = await request(`${this.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', access_token: token },
        body: JSON.stringify(body),
        dispatcher: this.agent,
        headersTimeout: this.options.timeoutMs ?? 15_000,
        bodyTimeout: this.options.timeoutMs ?? 15_000,
      });
      text = await res.body.text();
    } catch (err) {
      throw new OaApiError(path, 0, (err as Error).message.replaceAll(token, '[hidden]'));
    }
    let parsed: { error?: unknown; message?: unknown; data?: T } | undefined;
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    const code = typeof parsed?.error === 'number' ? parsed.error : res.statusCode >= 400 ? res.statusCode : parsed ? 0 : res.statusCode;
    if (!parsed || code !== 0) {
      const said = typeof parsed?.message === 'string' ? parsed.message : `HTTP ${res.statusCode}`;
      throw new OaApiError(path, code === 0 ? res.statusCode : code, said.replaceAll(token, '[hidden]'));
    }
    return parsed.data as T;
  }

  /** A consultation message to a user of the OA (`/v3.0/oa/message/cs`). */
  sendCs(userId: string, message: OaMessage): Promise<{ message_id: string; user_id: string }> {
    return this.call('/v3.0/oa/message/cs', { recipient: { user_id: userId }, message });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
