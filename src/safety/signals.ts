import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { fold } from '../text/normalize.ts';

/** Signals read from what a citizen writes, on folded text (so "công an gọi" and "cong an goi" are the same). */

/** A set of word groups that must all appear; each group is a list of alternatives. */
type Signal = readonly (readonly string[])[];

const AUTHORITY = [
  'cong an',
  'canh sat',
  'cskv',
  'canh sat khu vuc',
  'cong an khu vuc',
  'ca xa',
  'cbcs',
  'can bo',
  'cong chuc',
  'nhan vien',
  'to truong',
  'bo cong an',
  'xung la',
  'nguoi xung',
  'police',
  'officer',
  'ca xa',
  'ca phuong',
  'uy ban',
  'ngan hang',
];
const CONTACT = [
  'goi',
  'nhan tin',
  'tin nhan',
  'zalo',
  'facebook',
  'sms',
  'call',
  'message',
  'yeu cau',
  'bao toi',
  'bao phai',
  'bao la',
  'keu',
  'doi',
];
const PRETEXT = [
  'cap nhat',
  'kich hoat',
  'nang cap',
  'dong bo',
  'muc 2',
  'tich hop',
  'khoa tai khoan',
  'bi khoa',
  'xac thuc',
  'dia chi moi',
  'sap nhap',
  'trung thuong',
  'le phi',
  'update',
  'upgrade',
  'level 2',
  'trung so',
  'dinh danh',
];
const SEND = ['gui', 'nhan', 'bam', 'cai', 'tai', 'click', 'an vao', 'vao', 'send', 'install', 'download'];
const LINK = ['link', 'duong dan', 'apk', 'file cai', 'ung dung khac', 'app khac', 'app la', 'ung dung la'];
const GOV = ['vneid', 'dinh danh', 'cong an', 'dich vu cong', 'can cuoc', 'cccd', 'chinh phu', 'police'];
const SECRET = ['otp', 'ma xac thuc', 'ma xac nhan', 'mat khau', 'passcode', 'ma pin', 'mk'];
const HAND_OVER = ['doc', 'gui', 'cho', 'dua', 'cung cap', 'xin', 'hoi', 'give', 'share', 'tell', 'send'];
const MONEY = ['chuyen khoan', 'chuyen tien', 'nop phi', 'dong phi', 'phi kich hoat', 'phi cap nhat', 'nop tien', 'transfer'];

const SCAM_STORIES: readonly Signal[] = [
  [AUTHORITY, CONTACT, PRETEXT],
  [SEND, LINK, GOV],
  [HAND_OVER, SECRET, [...AUTHORITY, 'nguoi la', 'ho', 'ben kia', 'someone', 'caller', 'stranger', 'nguoi goi']],
  [
    ['chup', 'gui', 'photo', 'send'],
    ['anh', 'hinh', 'picture', 'photo'],
    ['cccd', 'can cuoc', 'mat truoc', 'id card', 'chung minh'],
  ],
  [
    ['quay video', 'quay mat', 'khuon mat', 'face', 'video call'],
    [...AUTHORITY, 'nguoi la', 'ho', 'yeu cau'],
  ],
  [MONEY, [...PRETEXT, 'vneid', 'cong an']],
  [SEND, ['link la', 'duong link la', 'link tu nguoi la', 'app la', 'ung dung la', 'strange link', 'unknown link']],
  [['bi lua', 'da bi lua', 'bi lua dao', 'got scammed', 'was scammed', 'been scammed'], []],
];

/** Requests the assistant refuses whatever the guides say: forging papers, taking over accounts, trading ID data. */
const HARMFUL: readonly Signal[] = [
  [['lam gia', 'gia mao giay', 'lam bang gia', 'fake id', 'forge', 'counterfeit'], []],
  [
    ['hack', 'be khoa', 'crack', 'xam nhap', 'chiem doat'],
    ['facebook', 'zalo', 'tai khoan', 'vneid', 'ngan hang', 'account', 'mat khau', 'nguoi khac', 'wifi', 'gmail', 'email'],
  ],
  [
    ['mua ban', 'mua', 'thu mua', 'ban lai', 'buy', 'sell', 'selling', 'buying'],
    [
      'thong tin ca nhan',
      'du lieu ca nhan',
      'du lieu cong dan',
      'data',
      'danh sach so',
      'tai khoan vneid',
      'tai khoan dinh danh',
      'phoi cccd',
      'phoi can cuoc',
    ],
  ],
  [
    ['tai khoan', 'vneid', 'dien thoai', 'account'],
    ['cua nguoi khac', 'nguoi khac ma khong', 'khong can ho biet', 'without them knowing', 'someone else'],
  ],
  [
    ['vuot', 'bypass', 'qua mat', 'lach', 'lua'],
    ['nfc', 'xac thuc khuon mat', 'khuon mat', 'face id', 'kiem tra khuon mat'],
  ],
  [
    ['sua', 'chinh sua', 'edit', 'photoshop', 'tay xoa'],
    ['anh', 'ngay sinh', 'nam sinh', 'thong tin', 'so'],
    ['can cuoc', 'cccd', 'cmnd', 'giay to', 'bang lai', 'gplx', 'id card'],
  ],
  [['doc trom', 'xem trom', 'nghe trom', 'nghe len', 'theo doi len', 'spy on', 'read someone', 'scrape', 'cao du lieu'], []],
  // following someone, not a file: "theo dõi tiến độ hồ sơ" is a real question
  [
    ['theo doi', 'giam sat'],
    ['tin nhan cua', 'dien thoai cua', 'vi tri cua', 'tai khoan cua', 'nguoi khac', 'vo toi', 'chong toi', 'nguoi yeu'],
  ],
  [
    ['mua', 'ban', 'buy', 'sell'],
    ['sim rac', 'sim khong chinh chu', 'tai khoan ngan hang'],
  ],
  [['tai khoan ao', 'fake account', 'nick ao', 'vneid ao', 'ban tai khoan', 'mua tai khoan', 'thue tai khoan', 'ban acc', 'mua acc'], []],
  [
    ['vneid', 'tai khoan', 'dien thoai', 'tin nhan', 'account'],
    ['ma co ay khong biet', 'ma anh ay khong biet', 'ma ho khong biet', 'ma khong ai biet', 'without her knowing', 'without him knowing'],
  ],
];

/** Attempts to change the assistant's role or read its instructions (it has none to hide, but it never plays along). */
const INJECTION: readonly Signal[] = [
  [
    ['ignore', 'bo qua', 'quen het', 'disregard', 'forget'],
    ['instruction', 'instructions', 'huong dan truoc', 'chi dan', 'lenh truoc', 'rules', 'quy tac', 'previous'],
  ],
  [
    [
      'system prompt',
      'prompt he thong',
      'your prompt',
      'hidden rules',
      'developer mode',
      'che do nha phat trien',
      'jailbreak',
      'api key',
      'api keys',
      'dan mode',
    ],
    [],
  ],
  [
    ['system', 'he thong'],
    ['new instruction', 'lenh moi', 'chi thi moi'],
  ],
];

function matches(folded: string, signal: Signal): boolean {
  const padded = ` ${folded} `;
  return signal.every((group) => group.length === 0 || group.some((phrase) => padded.includes(` ${phrase} `)));
}

/** The citizen describes a known scam: fake police calling, a link to install "VNeID", someone asking for an OTP… */
export function isScamStory(text: string): boolean {
  const folded = fold(text);
  return SCAM_STORIES.some((s) => matches(folded, s));
}

/** The message tries to give the assistant new instructions or make it reveal its own. */
export function isPromptInjection(text: string): boolean {
  const folded = fold(text);
  return INJECTION.some((s) => matches(folded, s));
}

/** The citizen asks for something harmful (forgery, hacking, trading personal data). */
export function isHarmfulRequest(text: string): boolean {
  const folded = fold(text);
  return HARMFUL.some((s) => matches(folded, s));
}

/**
 * A scam pattern citizens meet, from the content-editable list `knowledge/scam-signals.yaml`: every group of `all`
 * must appear (one of its alternatives, as whole words on folded text), none of `unless`; `warning` is the line
 * about this scam that the warning then carries.
 */
export interface ScamSignal {
  id: string;
  all: string[][];
  unless: string[];
  warning: string;
}

export function parseScamSignals(source: string): { signals: ScamSignal[]; problems: string[] } {
  let doc: unknown;
  try {
    doc = parse(source);
  } catch (err) {
    return { signals: [], problems: [`not valid YAML: ${(err as Error).message.split('\n')[0]}`] };
  }
  const problems: string[] = [];
  const list = ((doc ?? {}) as Record<string, unknown>).signals;
  if (!Array.isArray(list) || !list.length) return { signals: [], problems: ['"signals" must be a list'] };
  const phrases = (v: unknown): string[] | undefined =>
    Array.isArray(v) && v.length && v.every((x) => typeof x === 'string' && fold(x)) ? (v as string[]).map(fold) : undefined;
  const signals: ScamSignal[] = [];
  for (const [i, raw] of list.entries()) {
    const s = (raw ?? {}) as Record<string, unknown>;
    const id = typeof s.id === 'string' && /^[a-z0-9-]+$/.test(s.id) ? s.id : '';
    if (!id) problems.push(`signal ${i + 1}: "id" must be lower-case words joined by -`);
    const where = `signal ${id || i + 1}`;
    const all = Array.isArray(s.all) ? s.all.map(phrases) : [];
    if (!all.length || all.some((g) => !g)) problems.push(`${where}: "all" must be a list of word lists`);
    const unless = s.unless === undefined ? [] : phrases(s.unless);
    if (!unless) problems.push(`${where}: "unless" must be a list of words`);
    const warning = typeof s.warning === 'string' ? s.warning.trim() : '';
    if (!warning) problems.push(`${where}: "warning" must be a non-empty text`);
    signals.push({ id, all: all.filter((g): g is string[] => !!g), unless: unless ?? [], warning });
  }
  return { signals, problems };
}

/** Reads `knowledge/scam-signals.yaml`; a broken file stops start-up naming the file. */
export async function loadScamSignals(path: string): Promise<ScamSignal[]> {
  const { signals, problems } = parseScamSignals(await readFile(path, 'utf8'));
  if (problems.length) throw new Error(`${path}: ${problems[0]}`);
  return signals;
}

/** The scam patterns of the list that the message describes (each once, in the list's order). */
export function matchScamSignals(text: string, signals: readonly ScamSignal[]): ScamSignal[] {
  const folded = fold(text);
  const padded = ` ${folded} `;
  return signals.filter((s) => matches(folded, s.all) && !s.unless.some((p) => padded.includes(` ${p} `)));
}
