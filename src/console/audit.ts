import type { Queryable } from '../db/index.ts';
import type { Account } from './accounts.ts';

/**
 * Every console action that changes something or exports data, with who, what and when. `detail` holds ids and
 * choices, never a citizen's text.
 * @example await audit(db, account, 'export.csv', { page: 'overview' }, req.ip);
 */
export async function audit(
  db: Queryable,
  who: Pick<Account, 'id' | 'login'> | undefined,
  action: string,
  detail: Record<string, unknown> = {},
  address?: string,
): Promise<void> {
  await db.query('insert into console_audit (account_id, login, action, detail, address) values ($1, $2, $3, $4, $5)', [
    who?.id ?? null,
    who?.login ?? null,
    action,
    JSON.stringify(detail),
    address ?? null,
  ]);
}

export interface AuditRow {
  at: Date;
  login: string | null;
  action: string;
  detail: Record<string, unknown>;
  address: string | null;
}

export async function recentAudit(db: Queryable, limit = 200): Promise<AuditRow[]> {
  return db.query<AuditRow>('select at, login, action, detail, address from console_audit order by id desc limit $1', [limit]);
}
