import { Agent, request } from 'undici';

/** An error the Zalo Bot API reported (`{ok: false, error_code, description}`), or a transport failure. */
export class ZaloApiError extends Error {
  override name = 'ZaloApiError';
  constructor(
    readonly method: string,
    /** Zalo's `error_code` (408 = long poll ended with no update), or the HTTP status when the body said nothing. */
    readonly code: number,
    readonly description: string,
  ) {
    super(`Zalo ${method} failed (${code}): ${description}`);
  }

  /** getUpdates ended without an update: not an error. */
  get isPollTimeout(): boolean {
    return this.code === 408;
  }
}

export interface ZaloUser {
  id: string;
  account_name: string;
  account_type?: string;
  can_join_groups?: boolean;
}

export interface ZaloSent {
  message_id: string;
  date: number;
}

export interface ZaloClientOptions {
  token: string;
  /** Default `https://bot-api.zaloplatforms.com`. */
  baseUrl?: string;
  /** Per-request timeout for ordinary calls. */
  timeoutMs?: number;
}

/**
 * A small typed client for the Zalo Bot Platform API: `POST {base}/bot<token>/<method>` with a JSON body, answers
 * `{ok, result}`. HTTP 2xx is not enough — `ok` is checked and failures become {@link ZaloApiError}. Connections are
 * reused (one keep-alive agent) and every call has a timeout. The token is in the URL path only and never appears in
 * an error message or a log line.
 */
export class ZaloClient {
  private readonly base: string;
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });

  constructor(private readonly options: ZaloClientOptions) {
    this.base = (options.baseUrl ?? 'https://bot-api.zaloplatforms.com').replace(/\/$/, '');
  }

  /** One API call; `signal` aborts it (a long poll when the channel stops). */
  async call<T>(
    method: string,
    body: Record<string, unknown> = {},
    timeoutMs = this.options.timeoutMs ?? 15_000,
    signal?: AbortSignal,
  ): Promise<T> {
    // whatever Zalo or the network says back may quote the URL, and the token is in it
    const hidden = (text: string) => text.replaceAll(this.options.token, '[hidden]');
    let res;
    let text;
    try {
      res = await request(`${this.base}/bot${this.options.token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        dispatcher: this.agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(signal ? { signal } : {}),
      });
      text = await res.body.text();
    } catch (err) {
      throw new ZaloApiError(method, 0, `network error: ${hidden((err as Error).message)}`);
    }
    let json: { ok?: boolean; result?: T; error_code?: number; description?: string };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      throw new ZaloApiError(method, res.statusCode, `not JSON (HTTP ${res.statusCode})`);
    }
    if (json.ok !== true) {
      throw new ZaloApiError(method, json.error_code ?? res.statusCode, hidden(String(json.description ?? `HTTP ${res.statusCode}`)));
    }
    return json.result as T;
  }

  getMe = () => this.call<ZaloUser>('getMe');
  /** One update, or a {@link ZaloApiError} with `isPollTimeout` when none came within `timeoutSeconds`. */
  getUpdates = (timeoutSeconds = 30, signal?: AbortSignal) =>
    this.call<unknown>('getUpdates', { timeout: String(timeoutSeconds) }, (timeoutSeconds + 5) * 1000, signal);
  setWebhook = (url: string, secretToken: string) =>
    this.call<{ url: string; updated_at: number }>('setWebhook', { url, secret_token: secretToken });
  deleteWebhook = () => this.call<{ url: string; updated_at: number }>('deleteWebhook');
  sendMessage = (chatId: string, text: string) => this.call<ZaloSent>('sendMessage', { chat_id: chatId, text });
  sendPhoto = (chatId: string, photo: string, caption?: string) =>
    this.call<ZaloSent>('sendPhoto', { chat_id: chatId, photo, ...(caption ? { caption } : {}) });
  sendChatAction = (chatId: string, action: 'typing' = 'typing') => this.call<unknown>('sendChatAction', { chat_id: chatId, action });

  async close(): Promise<void> {
    await this.agent.close();
  }
}
