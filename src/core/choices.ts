import { fold } from '../text/normalize.ts';
import type { Choice } from './message.ts';

/** Longest choice id a channel accepts (Telegram's callback data), in bytes. */
export const MAX_CHOICE_ID_BYTES = 64;

/**
 * What one field of a choice id holds: `'int'` a non-negative integer (at most 15 digits), `'slug'` an id of letters,
 * digits, `-`, `_` and `.` (guide, course and FAQ ids), a list of the words allowed, or a pattern the whole value
 * must match. A field never contains `:`, the separator.
 */
export type FieldKind = 'int' | 'slug' | readonly string[] | RegExp;

type FieldValue<K> = K extends 'int' ? number : K extends readonly (infer W)[] ? W : string;

/** The typed arguments of a codec with these fields. */
export type ChoiceArgs<F extends Record<string, FieldKind>> = { -readonly [K in keyof F]: FieldValue<F[K]> };

/**
 * One kind of button, e.g. a quiz answer: its name and typed fields, written as `name:field1:field2` in the order
 * the fields are declared. Features make ids with {@link ChoiceCodec.make} and receive them parsed; nothing else
 * builds or splits ids by hand.
 *
 * @example
 * const quizAnswer = defineChoice('quiz', { course: 'slug', lesson: 'int', option: 'int' });
 * quizAnswer.make({ course: 'vneid', lesson: 2, option: 1 }); // 'quiz:vneid:2:1'
 * quizAnswer.parse('quiz:vneid:2:x'); // undefined
 */
export interface ChoiceCodec<A = Record<string, never>> {
  readonly name: string;
  /**
   * The handler decides who may press it, not the core: a button shown to a group (the volunteers' group), where the
   * presser is not the one it was shown to, and which grants nothing its command would not (`claim:12` is `/nhan 12`,
   * refused to anyone but an active volunteer). The core skips its "was it shown to this user" check.
   */
  readonly authorizedByHandler: boolean;
  /** The id for these arguments. Throws when a value does not fit its field or the id passes 64 bytes. */
  make(args: A): string;
  /** The arguments of an id of this codec, or undefined when any part does not fit. */
  parse(id: string): A | undefined;
}

const SLUG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const INT = /^\d{1,15}$/;

function fits(kind: FieldKind, text: string): boolean {
  if (kind === 'int') return INT.test(text);
  if (kind === 'slug') return SLUG.test(text);
  if (kind instanceof RegExp) return !text.includes(':') && new RegExp(`^(?:${kind.source})$`, kind.flags).test(text);
  return kind.includes(text);
}

/**
 * Declares a kind of button. Names are letters only (`quiz`, `fb`, `claim`); registering two codecs of one name
 * throws when the conversation is built.
 *
 * @example
 * const human = defineChoice('human', {}); // human.make({}) === 'human'
 */
export function defineChoice<const F extends Record<string, FieldKind>>(
  name: string,
  fields: F,
  options: { authorizedByHandler?: boolean } = {},
): ChoiceCodec<ChoiceArgs<F>> {
  if (!/^[a-z]+$/.test(name)) throw new Error(`choice name "${name}": use lower-case letters only`);
  const entries = Object.entries(fields);
  return {
    name,
    authorizedByHandler: options.authorizedByHandler ?? false,
    make(args) {
      const parts = [name];
      for (const [key, kind] of entries) {
        const text = String((args as Record<string, unknown>)[key]);
        if (!fits(kind, text)) throw new Error(`choice ${name}: "${text}" does not fit field ${key}`);
        parts.push(text);
      }
      const id = parts.join(':');
      if (Buffer.byteLength(id) > MAX_CHOICE_ID_BYTES) {
        throw new Error(
          `choice id "${id}" is ${Buffer.byteLength(id)} bytes; Telegram accepts ${MAX_CHOICE_ID_BYTES}: shorten or hash the field`,
        );
      }
      return id;
    },
    parse(id) {
      const parts = id.split(':');
      if (parts[0] !== name || parts.length !== entries.length + 1) return undefined;
      const args: Record<string, unknown> = {};
      for (const [i, [key, kind]] of entries.entries()) {
        const text = parts[i + 1]!;
        if (!fits(kind, text)) return undefined;
        args[key] = kind === 'int' ? Number(text) : text;
      }
      return args as ChoiceArgs<F>;
    },
  };
}

/** The codec name of an id: the part before the first `:`. */
export const choiceName = (id: string): string => id.split(':', 1)[0]!;

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
