import { stringify } from 'yaml';
import { tokenize } from '../text/normalize.ts';

/**
 * A Markdown skeleton of a new guide for a group of unanswered questions, laid out like `knowledge/guides/*.md` so an
 * editor fills it in, saves it as `knowledge/guides/<id>.md` and runs `cli knowledge check`: the front matter has every
 * field guide.ts requires (id, title, category, sources, last_verified, at least 3 questions), the body the one-line
 * answer and the numbered "Các bước". What the editor must still write is marked TODO (sources stays empty on
 * purpose: the check refuses a guide without an official source).
 */
export function draftGuide(input: { questions: readonly string[]; category?: string; related?: string; today: string }): {
  id: string;
  markdown: string;
} {
  const words = tokenize((input.questions[0] ?? '').replace(/\[[^\]]*\]/g, ' ')).slice(0, 6);
  const id = words.length ? words.join('-') : 'huong-dan-moi';
  const questions = input.questions.slice(0, 12).map((q) => q.replace(/\s+/g, ' ').trim());
  // a guide needs at least 3 ways citizens ask it
  while (questions.length < 3) questions.push('TODO một cách hỏi khác');
  const front = stringify(
    {
      id,
      title: 'TODO tên hướng dẫn',
      category: input.category ?? 'ho-tro',
      sources: [],
      last_verified: input.today,
      questions,
      keywords: [],
      ...(input.related ? { related: [input.related] } : {}),
    },
    { lineWidth: 0 },
  );
  const markdown = `---
# Bản nháp từ "Chưa trả lời được" (bảng điều khiển). Đổi tên tệp thành ${id}.md (trùng id), điền mọi chỗ TODO,
# thêm ít nhất một nguồn chính thức (sources), ghi ngày đã kiểm tra (last_verified), rồi chạy: cli knowledge check
# Câu hỏi dưới đây là câu người dân đã hỏi, đã che số cá nhân.
${front}---
TODO Câu trả lời một dòng (dưới 300 ký tự).

## Các bước
1. TODO bước 1.
2. TODO bước 2.

## Lưu ý
- TODO

## Cảnh báo
- TODO
`;
  return { id, markdown };
}
