import { defineChoice } from '../core/choices.ts';
import type { Choice } from '../core/message.ts';

/**
 * Buttons one slice shows and another serves: any slice may offer a guide (ask serves it) or a volunteer (handoff
 * serves it). They live here, below every feature, so that no feature imports another.
 */

/** Opens a guide or FAQ entry by id. Served by ask. */
export const guideChoice = defineChoice('guide', { guide: 'slug' });

/** Asks for a volunteer. Served by handoff. */
export const humanChoice = defineChoice('human', {});
export const HUMAN_LABEL = '🙋 Hỏi tình nguyện viên';

/** The button that asks for a volunteer, as every slice shows it. */
export const HUMAN: Choice = { id: humanChoice.make({}), label: HUMAN_LABEL };
