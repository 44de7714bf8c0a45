/**
 * Finds the exported API that has no TSDoc, with the TypeScript compiler API.
 *
 * Method: one `Program` over the package root only (its imports pull in the rest), the
 * checker's exports of that module, each alias followed to its declaration. A symbol is
 * documented when `symbol.getDocumentationComment(checker)` has text: the `/** ... *\/` on
 * its declaration (for a `const`, on the statement), as an editor shows it. Members are the
 * properties of the declared type (own and inherited, static ones for classes); a member
 * without its own comment counts as documented when the base class or interface it
 * overrides or implements documents it, which is also what an editor shows. Members
 * declared outside `src/` (`Error.message`), `#private`, `private` and `_`-prefixed ones are
 * skipped. Constructors and call signatures are not members here.
 */

import { relative } from 'node:path';
import ts from 'typescript';

/** One exported symbol or public member without TSDoc. */
export interface Undocumented {
  /** The file of its first declaration, relative to the repository root. */
  readonly file: string;
  /** The 1-based line of the declaration's name. */
  readonly line: number;
  /** The exported name, or `Owner.member` for a member. */
  readonly name: string;
}

/** What one walk over the public API found. */
export interface ApiDocReport {
  /** Exported symbols visited (after following aliases). */
  readonly symbols: number;
  /** Public members visited. */
  readonly members: number;
  /** Everything without TSDoc, sorted by file and line. */
  readonly missing: readonly Undocumented[];
}

/** Walks the exports of `entry` (an absolute path) and reports the undocumented ones. */
export function findUndocumented(root: string, entry: string): ApiDocReport {
  const options = compilerOptions(root);
  const program = ts.createProgram({ rootNames: [entry], options });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`no module symbol for ${entry}`);

  const srcDir = `${root}/src/`;
  const inSrc = (decl: ts.Declaration): boolean => decl.getSourceFile().fileName.startsWith(srcDir);
  const seen = new Set<ts.Declaration>();
  const missing: Undocumented[] = [];
  let symbols = 0;
  let members = 0;

  const visit = (symbol: ts.Symbol, name: string): void => {
    const decls = (symbol.declarations ?? []).filter(inSrc);
    const first = decls[0];
    if (first === undefined || seen.has(first)) return;
    for (const decl of decls) seen.add(decl);
    if (!hasDoc(symbol, checker)) missing.push(locate(root, first, name));
  };

  for (const exported of checker.getExportsOfModule(module)) {
    const symbol = resolve(exported, checker);
    symbols += 1;
    visit(symbol, exported.name);
    for (const member of publicMembers(symbol, checker)) {
      if (!(member.declarations ?? []).some(inSrc)) continue;
      members += 1;
      visit(member, `${exported.name}.${member.name}`);
    }
  }
  missing.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { symbols, members, missing };
}

/** The project's compiler options, without its file list. */
function compilerOptions(root: string): ts.CompilerOptions {
  const path = `${root}/tsconfig.json`;
  const read = ts.readConfigFile(path, ts.sys.readFile);
  if (read.error !== undefined)
    throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, { noEmit: true }, path);
  return parsed.options;
}

function resolve(symbol: ts.Symbol, checker: ts.TypeChecker): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

function hasDoc(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== '';
}

/** The public members of a class, an interface or an object-shaped type alias. */
function publicMembers(symbol: ts.Symbol, checker: ts.TypeChecker): ts.Symbol[] {
  const flags = symbol.flags;
  if (!(flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) {
    return [];
  }
  const declared = checker.getDeclaredTypeOfSymbol(symbol);
  const shapes = declared.isUnion() ? declared.types : [declared];
  const props = shapes.flatMap((type) => checker.getPropertiesOfType(type));
  if (flags & ts.SymbolFlags.Class) {
    const statics = checker.getPropertiesOfType(checker.getTypeOfSymbol(symbol));
    props.push(...statics.filter((p) => p.name !== 'prototype'));
  }
  return [...new Set(props)].filter(isPublicMember);
}

function isPublicMember(member: ts.Symbol): boolean {
  if (member.name.startsWith('_')) return false;
  return (member.declarations ?? []).every((decl) => {
    const name = ts.getNameOfDeclaration(decl);
    if (name !== undefined && ts.isPrivateIdentifier(name)) return false;
    return (ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Private) === 0;
  });
}

function locate(root: string, decl: ts.Declaration, name: string): Undocumented {
  const file = decl.getSourceFile();
  const at = ts.getNameOfDeclaration(decl) ?? decl;
  const { line } = file.getLineAndCharacterOfPosition(at.getStart(file));
  return { file: relative(root, file.fileName), line: line + 1, name };
}
