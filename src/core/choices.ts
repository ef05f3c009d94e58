import { fold } from '../text/normalize.ts';
import type { Choice } from './message.ts';

/**
 * Maps what a user typed back to one of the choices shown last: "2", "số 2", "2." or the choice's own label
 * (compared folded, emoji ignored). Channels without buttons (Zalo, the terminal) rely on this.
 */
export function matchChoice(text: string, pending: readonly Choice[] | null | undefined): Choice | undefined {
  if (!pending?.length) return undefined;
  const folded = fold(text);
  const number = /^(?:so |chon |option )?(\d{1,2})$/.exec(folded);
  if (number) return pending[Number(number[1]) - 1];
  if (!folded) return undefined;
  return pending.find((c) => fold(c.label) === folded);
}
