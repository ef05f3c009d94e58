import { escapeHtml } from '../text/html.ts';

/** Markup that is already safe: the output of {@link html}, or a constant the code wrote. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function part(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(part).join('');
  return escapeHtml(String(v));
}

/**
 * HTML with every interpolated value escaped, unless it is itself {@link Html}: text a citizen or volunteer typed can
 * never become markup. Arrays are joined; `null`, `undefined` and `false` print nothing.
 * @example html`<td>${row.question}</td>` // "<script>" shows as text
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += part(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** A constant string of markup the code wrote (never user text). */
export const raw = (markup: string): Html => new Html(markup);
