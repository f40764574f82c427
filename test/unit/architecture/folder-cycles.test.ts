import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * STYLE.md "Dependencies point inward": no two folders import each other (directly or round a
 * longer loop), src/ never imports workers/, platform/ imports no stage, and domain/ imports
 * nothing of ours but config/. A small import walk, not a tool: relative imports only, each
 * mapped to its top folder (src/<folder>, src/<file> for top-level files, workers, config).
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const STAGES = ['intake', 'directory', 'episodes', 'delivery', 'ack', 'reports', 'dashboard', 'access'];

const tsFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });

/** The folder a file belongs to: `src/episodes`, `src/app.ts`, `workers`, `config`. */
const folderOf = (file: string): string | undefined => {
  const parts = relative(root, file).split(sep);
  if (parts[0] === 'workers' || parts[0] === 'config') return parts[0];
  if (parts[0] !== 'src' || parts.length < 2) return undefined;
  return `src/${parts[1]}`;
};

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

const resolveImport = (from: string, spec: string): string => {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, base.replace(/\.js$/, '.ts'), join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return base;
};

type Edge = { from: string; to: string; file: string; spec: string };

/** Every folder-to-folder import edge in the given source files. */
const folderEdges = (files: { path: string; text: string }[]): Edge[] =>
  files.flatMap(({ path, text }) => {
    const from = folderOf(path);
    if (!from) return [];
    return [...text.matchAll(IMPORT)].flatMap((m) => {
      const spec = m[1] ?? m[2] ?? m[3] ?? '';
      if (!spec.startsWith('.')) return [];
      const to = folderOf(resolveImport(path, spec));
      return to && to !== from ? [{ from, to, file: relative(root, path), spec }] : [];
    });
  });

/** Folders that reach each other (strongly connected, by Tarjan), each group of two or more sorted by name. */
const folderCycles = (edges: Edge[]): string[][] => {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (!graph.has(from)) graph.set(from, new Set());
    if (!graph.has(to)) graph.set(to, new Set());
    graph.get(from)!.add(to);
  }
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) visit(v);
  return components;
};

const describeCycle = (component: string[], edges: Edge[]) =>
  `${component.join(' ⇄ ')}\n` +
  edges
    .filter((e) => component.includes(e.from) && component.includes(e.to))
    .map((e) => `    ${e.file} → ${e.spec}`)
    .join('\n');

const sources = () =>
  [...tsFiles(join(root, 'src')), ...tsFiles(join(root, 'workers'))].map((path) => ({
    path,
    text: readFileSync(path, 'utf8'),
  }));

describe('folder dependencies', () => {
  const edges = folderEdges(sources());

  it('has no cycle between folders', () => {
    const cycles = folderCycles(edges).map((c) => describeCycle(c, edges));
    expect(cycles, cycles.join('\n')).toEqual([]);
  });

  it('never imports workers/ from src/, but for the one composition root of `npm start`', () => {
    // src/main.ts runs the API and the workers in one process (README "Layout" argues it);
    // it is the root of the graph, so no folder can reach workers/ through it.
    const bad = edges.filter((e) => e.from.startsWith('src/') && e.to === 'workers' && e.file !== join('src', 'main.ts'));
    expect(bad.map((e) => `${e.file} → ${e.spec}`)).toEqual([]);
  });

  it('keeps platform/ free of every stage', () => {
    const bad = edges.filter(
      (e) => e.from === 'src/platform' && STAGES.some((stage) => e.to === `src/${stage}`),
    );
    expect(bad.map((e) => `${e.file} → ${e.spec}`)).toEqual([]);
  });

  it('lets domain/ import nothing of ours but config/', () => {
    const bad = edges.filter((e) => e.from === 'src/domain' && e.to !== 'config');
    expect(bad.map((e) => `${e.file} → ${e.spec}`)).toEqual([]);
  });

  it('keeps every stage away from the dashboard', () => {
    const bad = edges.filter(
      (e) => STAGES.some((stage) => stage !== 'dashboard' && e.from === `src/${stage}`) && e.to === 'src/dashboard',
    );
    expect(bad.map((e) => `${e.file} → ${e.spec}`)).toEqual([]);
  });

  it('finds a cycle when two folders import each other', () => {
    const planted = folderEdges([
      { path: join(root, 'src/episodes/x.ts'), text: "import { y } from '../delivery/y';" },
      { path: join(root, 'src/delivery/y.ts'), text: "import { x } from '../episodes/x';" },
    ]);
    expect(folderCycles(planted)).toEqual([['src/delivery', 'src/episodes']]);
  });
});
