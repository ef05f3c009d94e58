import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIN_CONFIDENCE } from '../src/ask/asker.ts';
import { CONFIG_VARIABLES, loadConfig } from '../src/config.ts';

const root = resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');

/** What each variable is when it is not set, as the schema makes it. */
const schemaDefaults = loadConfig({}) as unknown as Record<string, unknown>;
/** …and as the process uses it: ASK_MIN_CONFIDENCE's default lives with the ask slice (src/app.ts). */
const defaults: Record<string, unknown> = { ...schemaDefaults, ASK_MIN_CONFIDENCE: DEFAULT_MIN_CONFIDENCE };

/** The value the configuration makes of `text` for `name` (the same parsing as at start). */
const parsed = (name: string, text: string) => (loadConfig({ [name]: text }) as unknown as Record<string, unknown>)[name];

/** `NAME=value` lines of .env.example, commented out (`# NAME=value`) or not. */
function envExample(): { name: string; value: string }[] {
  return [...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => ({ name: m[1]!, value: m[2]!.trim() }));
}

/** The rows of the README's configuration table: names and defaults (`—`: none), several names to a row allowed. */
function readmeTable(): { name: string; value: string | undefined }[] {
  const section = /^## Configuration\n([\s\S]*?)^## /m.exec(read('README.md'))?.[1] ?? '';
  const rows = section.split('\n').filter((l) => /^\| `[A-Z]/.test(l));
  return rows.flatMap((row) => {
    const [names = '', values = ''] = row.split('|').slice(1, 3);
    const ticked = (cell: string) => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
    const list = ticked(names);
    const given = values.trim() === '—' ? [] : ticked(values);
    expect(given.length === 0 || given.length === list.length, `README row "${names.trim()}": one default per variable`).toBe(true);
    return list.map((name, i) => ({ name, value: given[i] }));
  });
}

describe('the configuration documents', () => {
  it('.env.example lists every variable of the schema once, and no other', () => {
    const names = envExample().map((e) => e.name);
    expect([...names].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('.env.example shows each default as the value (empty where the schema has none)', () => {
    for (const { name, value } of envExample()) {
      // empty: not set (for ASK_MIN_CONFIDENCE, whose default is the ask slice's, so that a refit default applies)
      if (schemaDefaults[name] === undefined) expect(value, `${name} has no default in the schema`).toBe('');
      else expect(parsed(name, value), `${name}=${value}`).toEqual(schemaDefaults[name]);
    }
  });

  it("the README's configuration table lists every variable of the schema once, and no other", () => {
    const names = readmeTable().map((r) => r.name);
    expect([...names].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it("the README's table gives each variable's real default (— where there is none)", () => {
    for (const { name, value } of readmeTable()) {
      if (value === undefined) expect(defaults[name], `${name}: the README says no default`).toBeUndefined();
      else expect(parsed(name, value), `${name}: the README says ${value}`).toEqual(defaults[name]);
    }
  });
});
