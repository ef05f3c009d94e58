import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of a webhook's secret header (hashed first, so lengths never leak or throw). */
export function sameSecret(header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const a = createHash('sha256').update(header).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}
