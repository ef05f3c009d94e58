import { describe, expect, it } from 'vitest';
import { splitMessage } from '../src/channels/split.ts';

describe('splitting long messages', () => {
  const text = Array.from({ length: 60 }, (_, i) => `Đoạn ${i}: ${'chữ '.repeat(20 + (i % 7) * 5)}`.trim()).join('\n\n');
  it.each([1900, 4000])('keeps a 5,000+ character text whole and in order under %i characters', (max) => {
    expect(text.length).toBeGreaterThan(5000);
    const parts = splitMessage(text, max);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(max);
    expect(parts.join('\n\n')).toBe(text);
  });
  it('cuts a text without paragraph breaks at spaces, and a word longer than the limit anywhere', () => {
    expect(splitMessage('a '.repeat(30).trim(), 10).every((p) => p.length <= 10)).toBe(true);
    expect(splitMessage('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    expect(splitMessage('ngắn', 10)).toEqual(['ngắn']);
  });
});
