/**
 * @deprecated moved to src/text/redact.ts (a module the core may import); import it from there. This re-export stays
 * only until src/handoff/feature.ts, src/intake/intake.ts and src/push/outbox.ts import the new path.
 */
export * from '../text/redact.ts';
