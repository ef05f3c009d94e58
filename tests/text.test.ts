import { describe, expect, it } from 'vitest';
import { parseAbbreviations, expand } from '../src/text/abbreviations.ts';
import { analyze } from '../src/text/analyze.ts';
import { fold, isDiacriticFree, tokenize } from '../src/text/normalize.ts';
import { correctPair, correctWord } from '../src/text/spelling.ts';
import { loadAbbreviations } from '../src/text/abbreviations.ts';
import { KNOWLEDGE } from './helpers/app.ts';

describe('normalisation', () => {
  it('folds case, diacritics and đ, whatever the Unicode form', () => {
    expect(fold('Quên MẬT KHẨU VNeID?')).toBe('quen mat khau vneid');
    expect(fold('Đăng ký định danh')).toBe('dang ky dinh danh');
    // decomposed (NFD) input as some keyboards send it
    expect(fold('Đăng ký'.normalize('NFD'))).toBe('dang ky');
    expect(fold('  1900.0368 — gọi!! ')).toBe('1900 0368 goi');
  });
  it('tokenizes into folded words and tells diacritic-free text apart', () => {
    expect(tokenize('Thẻ căn cước, CCCD')).toEqual(['the', 'can', 'cuoc', 'cccd']);
    expect(isDiacriticFree('quen mat khau')).toBe(true);
    expect(isDiacriticFree('quên mật khẩu')).toBe(false);
  });
});

describe('abbreviations', () => {
  const { map, problems } = parseAbbreviations(
    'sdt: số điện thoại\nmk: mật khẩu\ncccd: [căn cước công dân, thẻ căn cước]\nbang lai: giấy phép lái xe\n',
  );
  it('parses the editable list, keys folded', () => {
    expect(problems).toEqual([]);
    expect(map.get('sdt')).toEqual([['so', 'dien', 'thoai']]);
    expect(map.get('cccd')?.length).toBe(2);
  });
  it('replaces abbreviations in place and keeps the originals as extras', () => {
    const { main, extra } = expand(['quen', 'mk', 'va', 'sdt'], map);
    expect(main).toEqual(['quen', 'mat', 'khau', 'va', 'so', 'dien', 'thoai']);
    expect(extra).toContainEqual(['mk']);
  });
  it('matches multi-word keys, longest first', () => {
    expect(expand(['doi', 'bang', 'lai'], map).main).toEqual(['doi', 'giay', 'phep', 'lai', 'xe']);
  });
  it('reports bad lines', () => {
    expect(parseAbbreviations('a: [1, {x: 2}]').problems[0]).toMatch(/meaning must be text/);
    expect(parseAbbreviations('a: : :').problems[0]).toMatch(/YAML/);
  });
  it('analysis gives the same terms with or without diacritics and for abbreviations', async () => {
    const abbreviations = await loadAbbreviations(`${KNOWLEDGE}/abbreviations.yaml`);
    const a = analyze('Quên mật khẩu VNeID', abbreviations).terms;
    expect(analyze('quen mat khau vneid', abbreviations).terms).toEqual(a);
    expect(analyze('quen mk vneid', abbreviations).terms).toEqual(expect.arrayContaining(['mat_khau', 'quen_mat']));
    expect(a).not.toContain('lam');
  });
});

describe('spelling', () => {
  const vocab = new Map([
    ['tru', 10],
    ['sinh', 12],
    ['cuoc', 20],
    ['tuoi', 8],
    ['khau', 9],
  ]);
  it('fixes Vietnamese confusions and one-letter typos against known words', () => {
    expect(correctWord('chu', vocab)).toBe('tru'); // tạm chú → tạm trú
    expect(correctWord('xinh', vocab)).toBe('sinh');
    expect(correctWord('cuot', vocab)).toBe('cuoc');
    expect(correctWord('tui', vocab)).toBe('tuoi');
    expect(correctWord('khua', vocab)).toBe('khau');
  });
  it('fixes a confusion that makes a real word but a phrase the guides never use', () => {
    const pairs = new Set(['tam_tru', 'khai_sinh', 'mat_khau']);
    expect(correctPair('tam', 'chu', pairs)).toEqual(['tam', 'tru']); // tạm chú → tạm trú
    expect(correctPair('khai', 'xinh', pairs)).toEqual(['khai', 'sinh']);
    expect(correctPair('tam', 'tru', pairs)).toBeUndefined();
    expect(correctPair('chu', 'ho', pairs)).toBeUndefined();
  });
  it('leaves known words, numbers and short words alone', () => {
    expect(correctWord('cuoc', vocab)).toBeUndefined();
    expect(correctWord('2025', vocab)).toBeUndefined();
    expect(correctWord('ab', vocab)).toBeUndefined();
  });
});
