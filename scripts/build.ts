/*
 * `npm run build`: compiles the service and the directory CLI to dist/ with the TypeScript
 * compiler (tsconfig.build.json), so production runs plain `node dist/…`.
 *
 * The sources import relative modules without extensions (moduleResolution Bundler), which
 * Node's ESM loader does not resolve. Rather than rewrite every import, the emit rewrites each
 * relative specifier to the file the type checker resolved it to, as `.js`. The output mirrors
 * the source tree, so `new URL('./x', import.meta.url)` keeps pointing where it did: every
 * non-TypeScript file under the compiled folders (e.g. src/platform/assets) is copied beside it.
 */
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = join(ROOT, 'tsconfig.build.json');

const parsed = ts.getParsedCommandLineOfConfigFile(CONFIG, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d]) });
if (!parsed) throw new Error('cannot read tsconfig.build.json');
const options = parsed.options;
const outDir = options.outDir!;

function fail(diagnostics: readonly ts.Diagnostic[]): never {
  const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  process.exit(1);
}

/** `./x` → `./x.js`, `../dir` → `../dir/index.js`: the resolved source file, as emitted. */
function emittedSpecifier(specifier: string, fromFile: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const resolved = ts.resolveModuleName(specifier, fromFile, options, ts.sys).resolvedModule?.resolvedFileName;
  if (!resolved || resolved.endsWith('.d.ts') || !/\.[cm]?tsx?$/.test(resolved)) return undefined;
  const target = resolved.replace(/\.([cm]?)tsx?$/, '.$1js');
  const path = relative(dirname(fromFile), target).split('\\').join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

const rewriteImports: ts.TransformerFactory<ts.SourceFile> = (context) => (sourceFile) => {
  const { factory } = context;
  const rewrite = (literal: ts.Expression): ts.Expression => {
    if (!ts.isStringLiteral(literal)) return literal;
    const specifier = emittedSpecifier(literal.text, sourceFile.fileName);
    return specifier ? factory.createStringLiteral(specifier) : literal;
  };
  const visit = (node: ts.Node): ts.Node => {
    if (ts.isImportDeclaration(node)) {
      return factory.updateImportDeclaration(node, node.modifiers, node.importClause, rewrite(node.moduleSpecifier), node.attributes);
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      return factory.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, rewrite(node.moduleSpecifier), node.attributes);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0]) {
      return factory.updateCallExpression(node, node.expression, node.typeArguments, [rewrite(node.arguments[0]), ...node.arguments.slice(1)]);
    }
    return ts.visitEachChild(node, visit, context);
  };
  return ts.visitNode(sourceFile, visit) as ts.SourceFile;
};

/** Copies the files a module reads beside itself at run time (anything not TypeScript). */
function copyAssets(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(path);
    else if (!['.ts', '.tsx', '.mts', '.cts'].includes(extname(entry.name))) cpSync(path, join(outDir, relative(ROOT, path)));
  }
}

rmSync(outDir, { recursive: true, force: true });
const program = ts.createProgram({ rootNames: parsed.fileNames, options });
const diagnostics = ts.getPreEmitDiagnostics(program);
if (diagnostics.length > 0) fail(diagnostics);
const emitted = program.emit(undefined, undefined, undefined, false, { after: [rewriteImports] });
if (emitted.emitSkipped || emitted.diagnostics.length > 0) fail(emitted.diagnostics);
for (const dir of ['src', 'workers', 'config']) copyAssets(join(ROOT, dir));
process.stdout.write(`built ${parsed.fileNames.length} modules into ${relative(ROOT, outDir)}/\n`);
