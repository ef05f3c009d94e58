import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** The content-editable list `knowledge/official-domains.yaml`. */
export interface OfficialDomains {
  suffixes: string[];
  domains: string[];
  stores: string[];
  shorteners: string[];
  protectedNames: string[];
}

const EMPTY: OfficialDomains = { suffixes: [], domains: [], stores: [], shorteners: [], protectedNames: [] };

export function parseOfficialDomains(source: string): { domains: OfficialDomains; problems: string[] } {
  let doc: unknown;
  try {
    doc = parse(source);
  } catch (err) {
    return { domains: EMPTY, problems: [`not valid YAML: ${(err as Error).message.split('\n')[0]}`] };
  }
  const problems: string[] = [];
  const obj = (doc ?? {}) as Record<string, unknown>;
  const list = (key: string): string[] => {
    const v = obj[key] ?? [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      problems.push(`"${key}" must be a list of domain names`);
      return [];
    }
    return v.map((x) => (x as string).trim().toLowerCase()).filter(Boolean);
  };
  const domains = {
    suffixes: list('suffixes'),
    domains: list('domains'),
    stores: list('stores'),
    shorteners: list('shorteners'),
    protectedNames: list('protected_names'),
  };
  for (const d of [...domains.domains, ...domains.stores, ...domains.shorteners]) {
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d)) problems.push(`"${d}" is not a domain name`);
  }
  return { domains, problems };
}

export async function loadOfficialDomains(path: string): Promise<OfficialDomains> {
  const { domains, problems } = parseOfficialDomains(await readFile(path, 'utf8'));
  if (problems.length) throw new Error(`${path}: ${problems[0]}`);
  return domains;
}

/** `host` is, or is under, one of `list` (`a.vneid.gov.vn` is under `vneid.gov.vn`; `vneid.gov.vn.xyz` is not). */
export function hostMatches(host: string, list: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return list.some((d) => h === d || h.endsWith('.' + d));
}

export function isOfficialHost(host: string, domains: OfficialDomains): boolean {
  const h = host.toLowerCase();
  return hostMatches(h, domains.domains) || domains.suffixes.some((s) => h.endsWith(s.startsWith('.') ? s : '.' + s));
}
