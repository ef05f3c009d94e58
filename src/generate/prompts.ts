import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

/**
 * The prompt files of `prompts/`, and the variables the code fills in for each. Editors change the wording freely;
 * a file must document, in its header, exactly the variables it may use (a subset of these).
 */
const PROMPT_VARIABLES = {
  system: [],
  style: ['language', 'max_steps'],
  abstention: ['marker'],
  'scam-warning': [],
  answer: ['sources', 'question', 'language'],
  condense: ['history', 'question'],
} as const satisfies Record<string, readonly string[]>;

export type PromptName = keyof typeof PROMPT_VARIABLES;

/** Variables a prompt cannot do without: the guide and the question, the marker that means "not in the guide". */
const REQUIRED: Partial<Record<PromptName, readonly string[]>> = {
  abstention: ['marker'],
  answer: ['sources', 'question'],
  condense: ['history', 'question'],
};

/** One loaded prompt file. */
export interface Prompt {
  name: PromptName;
  /** Path shown in errors (relative to the working directory). */
  file: string;
  version: string;
  /** Documented variables and what each one means. */
  variables: Record<string, string>;
  /** The text after the header, with `{{variables}}` still in it. */
  body: string;
}

export type Prompts = Record<PromptName, Prompt> & {
  /** `system@1 style@1 …#<hash of all files>`: recorded with every generated answer. */
  version: string;
};

/** A prompt file that cannot be used; the message names the file and what to fix. */
export class PromptError extends Error {
  override name = 'PromptError';
}

const HEADER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;
const VARIABLE = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi;

/**
 * Reads and checks every prompt file at start. Fails with one line per problem, each naming its file: a missing
 * file, a header without `version:`, a `{{variable}}` used but not documented, a documented variable the code does
 * not provide, a variable the prompt cannot do without left out.
 */
export async function loadPrompts(dir: string): Promise<Prompts> {
  const problems: string[] = [];
  const loaded = {} as Record<PromptName, Prompt>;
  const hash = createHash('sha256');
  for (const name of Object.keys(PROMPT_VARIABLES) as PromptName[]) {
    const path = join(dir, `${name}.md`);
    const near = relative(process.cwd(), path);
    const file = near && !near.startsWith('..') ? near : path;
    let source: string;
    try {
      source = await readFile(path, 'utf8');
    } catch {
      problems.push(`${file}: missing (every prompt of generated answers is needed: ${Object.keys(PROMPT_VARIABLES).join(', ')})`);
      continue;
    }
    hash.update(source);
    const parsed = parsePrompt(name, file, source);
    if (typeof parsed === 'string') problems.push(parsed);
    else loaded[name] = parsed;
  }
  if (problems.length) throw new PromptError(problems.join('\n'));
  const version = `${Object.values(loaded)
    .map((p) => `${p.name}@${p.version}`)
    .join(' ')}#${hash.digest('hex').slice(0, 8)}`;
  return { ...loaded, version };
}

/** One file's header and body, or the line that says what is wrong with it. */
function parsePrompt(name: PromptName, file: string, source: string): Prompt | string {
  const header = HEADER.exec(source);
  if (!header) return `${file}: must start with a header between --- lines (version:, variables:)`;
  let meta: { version?: unknown; variables?: unknown };
  try {
    meta = (parse(header[1]!) ?? {}) as typeof meta;
  } catch (err) {
    return `${file}: the header is not valid YAML: ${(err as Error).message.split('\n')[0]}`;
  }
  if (meta.version === undefined || meta.version === null || String(meta.version).trim() === '')
    return `${file}: the header needs "version:"`;
  const variables = (meta.variables ?? {}) as Record<string, unknown>;
  if (typeof variables !== 'object' || Array.isArray(variables)) return `${file}: "variables:" must map each variable to what it means`;
  const body = source.slice(header[0].length).trim();
  const provided: readonly string[] = PROMPT_VARIABLES[name];
  const documented = Object.keys(variables);
  const extra = documented.filter((v) => !provided.includes(v));
  if (extra.length) {
    return (
      `${file}: documents {{${extra.join('}}, {{')}}}, which the code does not provide ` +
      `(it provides: ${provided.length ? provided.join(', ') : 'nothing'})`
    );
  }
  const used = [...new Set([...body.matchAll(VARIABLE)].map((m) => m[1]!))];
  const undocumented = used.filter((v) => !documented.includes(v));
  if (undocumented.length)
    return `${file}: uses {{${undocumented.join('}}, {{')}}} but does not document it under "variables:" in the header`;
  const missing = (REQUIRED[name] ?? []).filter((v) => !used.includes(v));
  if (missing.length) return `${file}: must use {{${missing.join('}}, {{')}}} (and document it in the header)`;
  if (!body) return `${file}: has no text after the header`;
  return {
    name,
    file,
    version: String(meta.version).trim(),
    variables: Object.fromEntries(documented.map((v) => [v, String(variables[v])])),
    body,
  };
}

/** The prompt's text with its variables filled in. Throws on a variable without a value (a bug in the caller). */
export function render(prompt: Prompt, values: Partial<Record<string, string | number>> = {}): string {
  return prompt.body.replace(VARIABLE, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new PromptError(`${prompt.file}: no value for {{${key}}}`);
    return String(value);
  });
}

/** The fixed wording of the prompts (variables removed), except the named ones: what a citizen must never be shown. */
export function promptTexts(prompts: Prompts, except: readonly PromptName[] = []): string[] {
  return (Object.keys(PROMPT_VARIABLES) as PromptName[])
    .filter((n) => !except.includes(n))
    .flatMap((n) => prompts[n].body.split(VARIABLE).filter((_, i) => i % 2 === 0));
}
