import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The directions of the README's architecture picture, checked on the imports themselves: a folder cycle or a core
 * that imports a feature fails here, not in review.
 */
const SRC = resolve(import.meta.dirname, '../src');

/** A module's part of the tree: its folder under src/, or its own name for the files at the top (log, config, app…). */
function partOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? rel.split('/')[0]! : rel.replace(/\.ts$/, '');
}

function importsByPart(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  for (const file of walk(SRC)) {
    const from = partOf(file);
    const targets = graph.get(from) ?? new Set<string>();
    graph.set(from, targets);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gm)) {
      const to = partOf(resolve(dirname(file), spec!));
      if (to !== from) targets.add(to);
    }
  }
  return graph;
}

const graph = importsByPart();
/** Everything `part` reaches through imports. */
function reach(part: string, seen = new Set<string>()): Set<string> {
  for (const next of graph.get(part) ?? []) if (!seen.has(next)) reach(next, seen.add(next));
  return seen;
}

const FEATURES = ['ask', 'generate', 'handoff', 'help', 'learn', 'safety'];
/** The composition: what may import anything. */
const TOP = ['app', 'serve', 'main', 'cli', 'chat', 'workers'];

describe('import directions', () => {
  it('no two folders import each other, directly or round about', () => {
    const cycles = [...graph.keys()].filter((part) => reach(part).has(part));
    expect(cycles).toEqual([]);
  });

  it('the core imports no feature, channel or wiring: only the database port, text, the clock and the logger', () => {
    for (const part of reach('core')) expect(['db', 'text', 'time', 'log', 'config'], `core reaches ${part}`).toContain(part);
  });

  it('channels, the intake and the push engine know no feature', () => {
    for (const infra of ['channels', 'intake', 'push']) {
      for (const part of reach(infra)) expect([...FEATURES, ...TOP], `${infra} reaches ${part}`).not.toContain(part);
    }
  });

  it('a feature never imports the wiring, a channel or the HTTP server', () => {
    for (const feature of FEATURES) {
      for (const part of reach(feature)) expect([...TOP, 'channels', 'http', 'intake'], `${feature} reaches ${part}`).not.toContain(part);
    }
  });
});
