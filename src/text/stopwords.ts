/**
 * Folded function words that carry no topic: pronouns, particles, question words.
 *
 * Deliberately short. Folding merges words: "đăng" (register) and "đang" (currently) are both "dang", "cài" (install)
 * and "cái" are both "cai", "máy" (phone) and "may" both "may" — such words stay out of this list, and inverse document
 * frequency weighs them instead.
 */
const STOPWORDS: ReadonlySet<string> = new Set(
  `a ah ai anh ba bac bi biet cac cach chi cho chua co da day de den di do duoc dc em gi giup gium ha hay hoi j khi
   khong ko k kg lam luon minh muon nao nay ne neu nha nhe nho nhu nhung o oi phai ra rang roi sao se ta thi thoi toi
   tren trong tu va vay vao ve vi voi xin u uh ui
   is an of to for how do does i my me what where when why in on with please`
    .split(/\s+/)
    .filter(Boolean),
);

export function isStopword(token: string): boolean {
  return STOPWORDS.has(token);
}
