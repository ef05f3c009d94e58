import { replacePersonal, type PersonalKind } from '../text/redact.ts';

/** Placeholder stems by kind: `[SĐT_1]`, `[SỐ_ĐỊNH_DANH_1]`… — readable to a model, unmistakable to us. */
const STEM: Record<PersonalKind, string> = {
  id: 'SỐ_ĐỊNH_DANH',
  phone: 'SĐT',
  code: 'MÃ',
  email: 'EMAIL',
  name: 'TÊN',
};

const PLACEHOLDER = /\[(SỐ_ĐỊNH_DANH|SĐT|MÃ|EMAIL|TÊN)_(\d+)\]/gu;

/**
 * Pseudonymisation for one turn: personal data (found by text/redact.ts) becomes numbered placeholders before any
 * text leaves the process, and comes back in the answer shown to the citizen. The mapping lives only in this object,
 * in memory, for the length of the turn; it is never stored, logged or sent.
 */
export class Vault {
  private readonly byValue = new Map<string, string>();
  private readonly byPlaceholder = new Map<string, string>();
  private readonly counts = new Map<PersonalKind, number>();

  /** The text with each personal value replaced by its placeholder (the same value → the same placeholder). */
  hide(text: string): string {
    return replacePersonal(text, (kind, value) => this.placeholderOf(kind, value)).text;
  }

  /**
   * The text with the placeholders this vault made put back; unknown placeholders stay as they are. A name becomes
   * `nameAs` instead ("bạn"): stored replies are redacted by pattern, and a name alone has none to catch it.
   */
  reveal(text: string, nameAs?: string): string {
    return text.replace(PLACEHOLDER, (m, stem: string) =>
      nameAs !== undefined && stem === STEM.name ? nameAs : (this.byPlaceholder.get(m) ?? m),
    );
  }

  private placeholderOf(kind: PersonalKind, value: string): string {
    const key = `${kind}:${kind === 'name' || kind === 'email' ? value.replace(/\s+/g, ' ').trim() : value.replace(/\D/g, '')}`;
    let placeholder = this.byValue.get(key);
    if (!placeholder) {
      const n = (this.counts.get(kind) ?? 0) + 1;
      this.counts.set(kind, n);
      placeholder = `[${STEM[kind]}_${n}]`;
      this.byValue.set(key, placeholder);
      this.byPlaceholder.set(placeholder, value);
    }
    return placeholder;
  }
}
