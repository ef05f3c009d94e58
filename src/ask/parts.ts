import type { Queryable } from '../db/index.ts';
import { fold, tokenize } from '../text/normalize.ts';
import { isStopword } from '../text/stopwords.ts';
import type { StoredGuide } from './guides.ts';

/**
 * The parts of a guide a citizen can ask for one screen at a time: the steps (the first reply), its "Lưu ý", "Nếu
 * không được", every warning, the lines about fees (gathered from the steps and notes), and any other `##` section
 * (`s1`, `s2`… by position among the guide's sections).
 */
export type PartName = 'steps' | 'notes' | 'fix' | 'fees' | 'warn' | `s${number}`;

/** What a part choice id's `part` field accepts. */
export const PART_FIELD = /steps|notes|fix|fees|warn|s\d{1,2}/;

export interface GuidePart {
  name: PartName;
  /** The button label, e.g. "📌 Lưu ý". */
  label: string;
  /** The heading shown above the lines. */
  heading: string;
  lines: string[];
}

const STEPS = 'Các bước';
const KNOWN: Record<string, { name: PartName; icon: string }> = {
  'Lưu ý': { name: 'notes', icon: '📌' },
  'Nếu không được': { name: 'fix', icon: '❓' },
  'Cảnh báo': { name: 'warn', icon: '⚠️' },
};
/** Order the parts are offered in: what helps most first. */
const ORDER: PartName[] = ['fix', 'fees', 'notes', 'warn'];

/** A line about money to pay: "lệ phí", "200.000 đ", "miễn phí", "mất phí". */
const FEE_LINE = /\ble phi\b|\bmien phi\b|\bmat phi\b|\bphi la\b|\b\d{1,3}(?: \d{3})+ d\b|\bmuc phi\b/;

/** The sections of a guide as ingested (chunks, in order), heading → lines; the steps section is left out. */
export async function guideSections(db: Queryable, guideId: string): Promise<{ heading: string; lines: string[] }[]> {
  const rows = await db.query<{ section: string; text: string }>(
    `select section, text from chunks where guide_id = $1 and kind = 'section' order by ord`,
    [guideId],
  );
  const sections: { heading: string; lines: string[] }[] = [];
  for (const r of rows) {
    // a chunk is "<title> — <heading>\n<lines>"; a long section is several chunks that overlap a little
    const body = r.text.slice(r.text.indexOf('\n') + 1);
    let section = sections.find((s) => s.heading === r.section);
    if (!section) sections.push((section = { heading: r.section, lines: [] }));
    for (const line of body.split('\n')) if (line.trim() && !section.lines.includes(line)) section.lines.push(line);
  }
  return sections;
}

/** Every part of a guide beyond the first reply, in the order they are offered; FAQ entries have none (they page). */
export function guideParts(g: StoredGuide, sections: { heading: string; lines: string[] }[]): GuidePart[] {
  if (g.kind === 'faq') return [];
  const parts: GuidePart[] = [];
  sections.forEach((s, i) => {
    if (s.heading === STEPS || !s.lines.length) return;
    const known = KNOWN[s.heading];
    const name: PartName = known?.name ?? `s${i}`;
    if (name === 'warn' && s.lines.length < 2) return; // the first warning is in the first reply already
    parts.push({ name, label: `${known?.icon ?? '📎'} ${s.heading}`.slice(0, 40), heading: s.heading, lines: s.lines });
  });
  const fees = [...g.steps, ...(sections.find((s) => s.heading === 'Lưu ý')?.lines ?? [])].filter((l) => FEE_LINE.test(fold(l)));
  // offered as its own part only when the notes say something about fees (a step alone is already on screen)
  if (fees.some((l) => !g.steps.includes(l))) parts.push({ name: 'fees', label: '💰 Lệ phí', heading: 'Lệ phí', lines: fees });
  const rank = (p: GuidePart) => (ORDER.includes(p.name) ? ORDER.indexOf(p.name) : ORDER.length);
  return parts.sort((a, b) => rank(a) - rank(b));
}

/** What a short follow-up asks for, read from its words (folded), or undefined. */
export function partAsked(text: string): PartName | 'where' | 'more' | undefined {
  const f = ` ${fold(text)} `;
  if (/ (phi|le phi|bao nhieu tien|mat tien|ton tien|het bao nhieu|tien) /.test(f)) return 'fees';
  if (/ (khong duoc|that bai|van khong|khong lam duoc|bi loi|loi|khong nhan duoc|khong co) /.test(f)) return 'fix';
  if (/ (o dau|noi nao|cho nao|di dau|den dau|lam dau|noi lam|noi cap) /.test(f)) return 'where';
  if (/ (luu y|chu y|ghi chu|can biet) /.test(f)) return 'notes';
  if (/ (canh bao|can than|de phong|nguy hiem) /.test(f)) return 'warn';
  if (/ (xem them|them nua|con gi nua|chi tiet|noi them|con nua|xem tiep|tiep theo) /.test(f)) return 'more';
  if (/ (cac buoc|lam the nao|cach lam|huong dan lai) /.test(f)) return 'steps';
  return undefined;
}

/** The words of asking for a part, and the little words around them ("thì sao", "còn nếu"). */
const ASKING = new Set(
  (
    'phi le bao nhieu tien mat ton het khong duoc that bai van lam bi loi nhan co o dau noi nao cho di den cap luu y chu ghi can ' +
    'biet canh than de phong nguy hiem xem them nua chi tiet tiep theo cac buoc the cach huong dan lai thi sao con neu vay a oi ' +
    'nhe ha gi ban minh toi em chau ba ong co chu bac ak a vay the'
  ).split(' '),
);

/** The words of a follow-up that say what it is about, beyond asking for a part ("phí bao nhiêu": none). */
export function topicWords(text: string): string[] {
  return tokenize(text).filter((w) => !ASKING.has(w) && !isStopword(w));
}

/** A line saying where to go or whom to call. */
const WHERE_LINE = /\b(noi|cong an|mot cua|tru so|buu dien|tong dai|goi|ubnd|uy ban|trung tam|so tu phap|truc tiep)\b/;

/**
 * The part that best answers `question` about this guide: the part it asks for by name, else the one sharing most
 * of its content words, else undefined (the steps).
 */
export function bestPart(question: string, parts: GuidePart[], last?: string): GuidePart | 'steps' | undefined {
  const asked = partAsked(question);
  if (asked === 'steps') return 'steps';
  if (asked === 'more') {
    const at = parts.findIndex((p) => p.name === last);
    return parts[at + 1] ?? parts[0];
  }
  // "không được thì sao" on a guide with no such section: where to go or whom to call instead
  const where = asked === 'where' || (asked === 'fix' && !parts.some((p) => p.name === 'fix'));
  if (where) {
    const lines = parts.filter((p) => p.name !== 'warn').flatMap((p) => p.lines.filter((l) => WHERE_LINE.test(fold(l))));
    if (lines.length) return { name: 'notes', label: '📍 Nơi làm', heading: 'Nơi làm, nơi hỏi', lines: [...new Set(lines)] };
  }
  const named = parts.find((p) => p.name === asked);
  if (named) return named;
  if (asked === 'fees') {
    const fees = parts.flatMap((p) => p.lines).filter((l) => /\bphi\b/.test(fold(l)));
    if (fees.length) return { name: 'fees', label: '💰 Lệ phí', heading: 'Lệ phí', lines: fees };
  }
  const words = new Set(topicWords(question).filter((w) => w.length > 1));
  let best: GuidePart | undefined;
  let bestScore = 0;
  for (const p of parts) {
    const have = new Set(tokenize(p.lines.join(' ')));
    const score = [...words].filter((w) => have.has(w)).length;
    if (score > bestScore) [best, bestScore] = [p, score];
  }
  return bestScore >= 2 ? best : undefined;
}
