import { hostMatches, isOfficialHost, type OfficialDomains } from './domains.ts';

export type LinkKind = 'official' | 'store' | 'apk' | 'shortener' | 'lookalike' | 'unknown';

export interface LinkVerdict {
  url: string;
  host: string;
  kind: LinkKind;
}

/** http(s) links, and bare domains such as `vneid-gov.com/tai-app` (a letter TLD, so "v2.2.2" is not a link). */
const LINK = /\b(?:https?:\/\/)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?::\d{2,5})?(?:\/[^\s<>"')\]]*)?/gi;

/** Finds the links in a message (at most 5) and judges each against the official list. */
export function findLinks(text: string, domains: OfficialDomains): LinkVerdict[] {
  const verdicts: LinkVerdict[] = [];
  for (const match of text.matchAll(LINK)) {
    const raw = match[0].replace(/[.,;:!?]+$/, '');
    const url = /^https?:\/\//i.test(raw) ? raw : `http://${raw}`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      continue;
    }
    if (!/[a-z]/i.test(parsed.hostname.split('.').pop() ?? '')) continue;
    // "a.m." or a file name such as "ho-so.pdf" is not a link: a bare match needs a known-looking domain shape.
    if (!/^https?:\/\//i.test(raw) && /\.(pdf|jpg|jpeg|png|docx?|xlsx?)$/i.test(raw)) continue;
    verdicts.push({ url: raw, host: parsed.hostname.toLowerCase(), kind: judge(parsed, domains) });
    if (verdicts.length === 5) break;
  }
  return verdicts;
}

function judge(url: URL, domains: OfficialDomains): LinkKind {
  const host = url.hostname.toLowerCase();
  if (/\.apk$/i.test(url.pathname) || /\.apk$/i.test(host)) return 'apk';
  if (isOfficialHost(host, domains)) return 'official';
  if (hostMatches(host, domains.stores)) return 'store';
  if (hostMatches(host, domains.shorteners)) return 'shortener';
  const squashed = host.replace(/[^a-z0-9]/g, '');
  if (domains.protectedNames.some((name) => squashed.includes(name) || nearlyContains(squashed, name))) return 'lookalike';
  if (looksLikeGovVn(host)) return 'lookalike';
  return 'unknown';
}

/** `gov-vn.com`, `govvn.net`, `gov.vn.co`: a host that dresses up as a government site. */
function looksLikeGovVn(host: string): boolean {
  return /gov[-.]?vn/.test(host) && !host.endsWith('.gov.vn');
}

/** True when some substring of `text` is one edit away from `name` (vneld, vnied, dichvucongg…). */
function nearlyContains(text: string, name: string): boolean {
  if (name.length < 5) return false;
  for (let len = name.length - 1; len <= name.length + 1; len++) {
    for (let i = 0; i + len <= text.length; i++) {
      if (editDistanceAtMostOne(text.slice(i, i + len), name)) return true;
    }
  }
  return false;
}

function editDistanceAtMostOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (a.length < b.length) j++;
    else if (a[i + 1] === b[j] && a[i] === b[j + 1]) {
      i += 2;
      j += 2;
    } else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}
