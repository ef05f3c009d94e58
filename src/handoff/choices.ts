/** The buttons of the help desk. Texts that show them are in render.ts; feature.ts routes them. */
import { defineChoice } from '../core/choices.ts';

/** The citizen's answer to "which problem?": send the last question asked, or never mind. */
export const ticketChoice = defineChoice('ticket', { action: ['last', 'cancel'] });
/**
 * A volunteer takes request `ticket`, like `/nhan <ticket>`. Shown in the volunteers' group too, so the press is
 * authorized by who presses it (an active volunteer), not by whom it was shown to.
 */
export const claimChoice = defineChoice('claim', { ticket: 'int' }, { authorizedByHandler: true });
/** The citizen rates closed request `ticket` (`skip`: no comment, with ticket 0). */
export const rateChoice = defineChoice('rate', { ticket: 'int', stars: ['1', '2', '3', '4', '5', 'skip'] });
