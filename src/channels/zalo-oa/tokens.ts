import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';
import type { Db } from '../../db/index.ts';
import type { Logger } from '../../log.ts';

/**
 * The Zalo OA's OAuth v4 tokens, kept in Postgres (`zalo_oa_tokens`, one OA per deployment). The access token lives
 * about 25 h; the refresh token about 3 months and is **single-use**: every refresh returns a new one, and losing it
 * means a person must connect the OA again. So:
 * - one process refreshes at a time: it takes a lease on the row (`refreshing_until`), the others wait for it;
 * - the call to Zalo is made outside any transaction; the new pair is stored only if the row still holds the refresh
 *   token that was used (a stale lease-holder cannot overwrite a newer pair);
 * - a refresh Zalo rejects puts the row in `needs-authorisation` with the reason, logged once as an error naming the
 *   connect page — never a silent stop.
 *
 * @example
 * const store = new OaTokenStore({ db, oauth: new OaOAuthClient({ appId, appSecret }), log });
 * const client = new OaClient({ accessToken: () => store.accessToken() });
 */

export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  /** Seconds. */
  expiresIn: number;
  refreshExpiresIn?: number;
}

/** A failed token call. `rejected`: Zalo answered and refused the code or refresh token (a retry will not help). */
export class OaOAuthError extends Error {
  override name = 'OaOAuthError';
  constructor(
    message: string,
    readonly rejected: boolean,
  ) {
    super(message);
  }
}

/** What the store needs of Zalo's OAuth endpoint. */
export interface OaOAuth {
  /** Zalo's page where the OA's admin approves the app (`{oauthBase}/v4/oa/permission`). */
  permissionUrl(o: { redirectUri: string; codeChallenge: string; state: string }): string;
  exchange(code: string, codeVerifier: string): Promise<TokenResponse>;
  refresh(refreshToken: string): Promise<TokenResponse>;
}

/** `POST {oauthBase}/v4/oa/access_token`, form-encoded, the App Secret in the `secret_key` header. */
export class OaOAuthClient implements OaOAuth {
  private readonly base: string;
  constructor(private readonly options: { appId: string; appSecret: string; oauthBase?: string; timeoutMs?: number }) {
    this.base = (options.oauthBase ?? 'https://oauth.zaloapp.com').replace(/\/$/, '');
  }

  permissionUrl(o: { redirectUri: string; codeChallenge: string; state: string }): string {
    const q = new URLSearchParams({
      app_id: this.options.appId,
      redirect_uri: o.redirectUri,
      code_challenge: o.codeChallenge,
      state: o.state,
    });
    return `${this.base}/v4/oa/permission?${q.toString()}`;
  }

  exchange(code: string, codeVerifier: string): Promise<TokenResponse> {
    return this.token({ grant_type: 'authorization_code', code, code_verifier: codeVerifier });
  }

  refresh(refreshToken: string): Promise<TokenResponse> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  private async token(fields: Record<string, string>): Promise<TokenResponse> {
    const { appId, appSecret, timeoutMs = 15_000 } = this.options;
    const hide = (s: string) => Object.values(fields).reduce((t, v) => t.replaceAll(v, '[hidden]'), s.replaceAll(appSecret, '[hidden]'));
    let status: number;
    let text: string;
    try {
      const res = await request(`${this.base}/v4/oa/access_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: appSecret },
        body: new URLSearchParams({ app_id: appId, ...fields }).toString(),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw new OaOAuthError(`zalo-oa token call failed: ${hide((err as Error).message)}`, false);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new OaOAuthError(`zalo-oa token call: HTTP ${status}, not JSON`, false);
    }
    if (typeof body.access_token === 'string' && typeof body.refresh_token === 'string') {
      return {
        accessToken: body.access_token,
        refreshToken: body.refresh_token,
        expiresIn: Number(body.expires_in) || 90_000,
        ...(body.refresh_token_expires_in ? { refreshExpiresIn: Number(body.refresh_token_expires_in) } : {}),
      };
    }
    const said = hide(String(body.error_description ?? body.error_name ?? body.message ?? `HTTP ${status}`));
    // Zalo answered with an error about what we sent: the code or refresh token is not good (again: HTTP 5xx is not that)
    throw new OaOAuthError(`zalo-oa token call refused (${String(body.error ?? status)}): ${said}`, status < 500);
  }
}

export type OaState = 'off' | 'needs-authorisation' | 'connected';

/** PKCE: a verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** An authorisation's verifier is kept this long (Zalo's authorisation code lives 10 minutes). */
const AUTHORISATION_TTL_MS = 15 * 60_000;
/** A refresh starts this long before the access token expires. */
export const REFRESH_BEFORE_MS = 60 * 60_000;
/** How long a refreshing process holds the row. */
export const REFRESH_LEASE_MS = 30_000;

export class OaTokenStore {
  private readonly now: () => Date;
  constructor(private readonly options: { db: Db; oauth: OaOAuth; log: Logger; now?: () => Date; connectUrl?: string }) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Starts a PKCE authorisation: the Zalo page to send the operator to (see {@link OaOAuth.permissionUrl}), whose
   * callback brings back `code` and `state` for {@link finishAuthorisation}.
   */
  async startAuthorisation(o: { redirectUri: string }): Promise<string> {
    const { verifier, challenge } = pkcePair();
    const state = randomBytes(16).toString('hex');
    await this.options.db.query(`delete from zalo_oa_authorisations where created_at < $1`, [
      new Date(this.now().getTime() - AUTHORISATION_TTL_MS),
    ]);
    await this.options.db.query(`insert into zalo_oa_authorisations (state, code_verifier, created_at) values ($1, $2, $3)`, [
      state,
      verifier,
      this.now(),
    ]);
    return this.options.oauth.permissionUrl({ redirectUri: o.redirectUri, codeChallenge: challenge, state });
  }

  /** The callback: the verifier of `state` (used once), the code exchanged, the tokens stored. */
  async finishAuthorisation(state: string, code: string): Promise<void> {
    const [row] = await this.options.db.query<{ code_verifier: string }>(
      `delete from zalo_oa_authorisations where state = $1 and created_at > $2 returning code_verifier`,
      [state, new Date(this.now().getTime() - AUTHORISATION_TTL_MS)],
    );
    if (!row) throw new OaOAuthError('this authorisation is unknown or too old: start again at /zalo-oa/connect', true);
    const tokens = await this.options.oauth.exchange(code, row.code_verifier);
    await this.options.db.query(
      `insert into zalo_oa_tokens (id, access_token, refresh_token, access_expires_at, refresh_expires_at, state, problem,
                                   refreshing_until, refreshed_at, updated_at)
       values (true, $1, $2, $3, $4, 'connected', null, null, $5, $5)
       on conflict (id) do update set access_token = excluded.access_token, refresh_token = excluded.refresh_token,
         access_expires_at = excluded.access_expires_at, refresh_expires_at = excluded.refresh_expires_at,
         state = 'connected', problem = null, refreshing_until = null, refreshed_at = excluded.refreshed_at,
         updated_at = excluded.updated_at`,
      [tokens.accessToken, tokens.refreshToken, ...this.expiries(tokens), this.now()],
    );
    this.options.log.info('zalo-oa: connected (tokens stored)');
  }

  /** Where the OA stands, and why when it needs a person. */
  async state(): Promise<{ state: OaState; problem?: string }> {
    const [row] = await this.options.db.query<{ state: OaState; problem: string | null }>(`select state, problem from zalo_oa_tokens`);
    if (!row) return { state: 'off' };
    return { state: row.state, ...(row.problem ? { problem: row.problem } : {}) };
  }

  /** The access token to call the API with, refreshed first when it is about to expire (by this or another process). */
  async accessToken(): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const [row] = await this.options.db.query<{ access_token: string | null; state: OaState; due: boolean; busy: boolean }>(
        `select access_token, state, access_expires_at < $1 as due, coalesce(refreshing_until > $2, false) as busy from zalo_oa_tokens`,
        [new Date(this.now().getTime() + REFRESH_BEFORE_MS), this.now()],
      );
      if (!row || row.state !== 'connected' || !row.access_token) throw new OaOAuthError('the Zalo OA is not connected', true);
      if (!row.due) return row.access_token;
      if (!row.busy) {
        const r = await this.refresh();
        if (r === 'rejected') throw new OaOAuthError('the Zalo OA must be authorised again', true);
        continue;
      }
      await new Promise((ok) => setTimeout(ok, 100)); // another process is refreshing: its result is in the row soon
    }
    throw new OaOAuthError('the Zalo OA token refresh did not finish', false);
  }

  /**
   * Refreshes now if the access token is due and this process can take the lease. `busy`: another holds it, or has
   * just refreshed (not due any more); `rejected`: Zalo refused the refresh token (the row now says
   * `needs-authorisation`).
   */
  async refresh(): Promise<'refreshed' | 'busy' | 'rejected'> {
    const { db, oauth, log } = this.options;
    const now = this.now();
    // still due: another process may have refreshed between our read and this lease (then there is nothing to do)
    const [held] = await db.query<{ refresh_token: string }>(
      `update zalo_oa_tokens set refreshing_until = $1
        where state = 'connected' and (refreshing_until is null or refreshing_until < $2) and access_expires_at < $3
        returning refresh_token`,
      [new Date(now.getTime() + REFRESH_LEASE_MS), now, new Date(now.getTime() + REFRESH_BEFORE_MS)],
    );
    if (!held) return 'busy';
    let tokens: TokenResponse;
    try {
      tokens = await oauth.refresh(held.refresh_token);
    } catch (err) {
      if (err instanceof OaOAuthError && err.rejected) {
        await db.query(
          `update zalo_oa_tokens set state = 'needs-authorisation', problem = $2, refreshing_until = null, updated_at = $3
            where refresh_token = $1`,
          [held.refresh_token, `Zalo refused the refresh token: ${err.message}`, this.now()],
        );
        log.error(
          { connect: this.options.connectUrl ?? '/zalo-oa/connect' },
          'zalo-oa: the OA must be authorised again (its refresh token was refused): open the connect page',
        );
        return 'rejected';
      }
      await db.query(`update zalo_oa_tokens set refreshing_until = null where refresh_token = $1`, [held.refresh_token]);
      throw err;
    }
    const stored = await db.query(
      `update zalo_oa_tokens set access_token = $2, refresh_token = $3, access_expires_at = $4, refresh_expires_at = $5,
              refreshing_until = null, refreshed_at = $6, updated_at = $6
        where refresh_token = $1 returning id`,
      [held.refresh_token, tokens.accessToken, tokens.refreshToken, ...this.expiries(tokens), this.now()],
    );
    if (!stored.length) log.warn('zalo-oa: a newer token pair was stored meanwhile; this refresh result is dropped');
    return 'refreshed';
  }

  private expiries(t: TokenResponse): [Date, Date] {
    const at = this.now().getTime();
    return [new Date(at + t.expiresIn * 1000), new Date(at + (t.refreshExpiresIn ?? 90 * 86_400) * 1000)];
  }
}
