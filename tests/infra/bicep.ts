// Reading the Bicep in infra/ without the Bicep CLI (which cannot be installed here): the
// tree-sitter Bicep grammar gives a syntax tree good enough to find errors, declarations and
// object keys. Shared by the tests in this folder.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Parser from 'tree-sitter';
import Bicep from 'tree-sitter-bicep';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const infraDir = path.join(repoRoot, 'infra');

export type SyntaxNode = Parser.SyntaxNode;

/** Every `.bicep` file under infra/, sorted. */
export function bicepFiles(dir = infraDir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return bicepFiles(full);
      return entry.name.endsWith('.bicep') ? [full] : [];
    })
    .sort();
}

/**
 * The grammar (tree-sitter-bicep 1.1.0) predates `extension` statements: rewrite each to the
 * older `import '<name>@1.0.0'` form it knows, on the same line, so positions stay right.
 */
export function prepareSource(text: string): string {
  return text.replace(
    /^([ \t]*)extension[ \t]+'?([\w.:/-]+)'?[^\r\n]*$/gm,
    (_line, indent: string, name: string) => `${indent}import '${name}@1.0.0'`,
  );
}

let parser: Parser | undefined;
function bicepParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(Bicep as unknown as Parser.Language);
  }
  return parser;
}

export function parseBicep(text: string): Parser.Tree {
  const source = prepareSource(text);
  // Hand the text over in chunks: the binding's string input is limited in size.
  return bicepParser().parse((index: number) => source.slice(index, index + 4096));
}

export interface ParsedFile {
  file: string;
  relative: string;
  text: string;
  root: SyntaxNode;
}

const cache = new Map<string, ParsedFile>();
export function parseFile(file: string): ParsedFile {
  let parsed = cache.get(file);
  if (!parsed) {
    const text = readFileSync(file, 'utf8');
    parsed = {
      file,
      relative: path.relative(repoRoot, file).split(path.sep).join('/'),
      text,
      root: parseBicep(text).rootNode,
    };
    cache.set(file, parsed);
  }
  return parsed;
}

/** ERROR and MISSING nodes, as `file:line:column: message` (1-based). */
export function syntaxProblems(parsed: Pick<ParsedFile, 'relative' | 'root'>): string[] {
  const problems: string[] = [];
  const visit = (node: SyntaxNode) => {
    if (node.isMissing || node.type === 'ERROR') {
      const where = `${parsed.relative}:${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
      const snippet = node.text.split('\n')[0]!.slice(0, 60);
      problems.push(
        node.isMissing ? `${where}: missing ${node.type}` : `${where}: syntax error at ${JSON.stringify(snippet)}`,
      );
      if (node.type === 'ERROR') return;
    }
    for (const child of node.children) visit(child);
  };
  visit(parsed.root);
  return problems;
}

/** The text of a plain string literal (no interpolation), or undefined. */
export function stringValue(node: SyntaxNode | null | undefined): string | undefined {
  if (node?.type !== 'string') return undefined;
  const parts = node.namedChildren;
  if (parts.some((part) => part.type !== 'string_content' && part.type !== 'escape_sequence')) return undefined;
  return parts.map((part) => part.text).join('');
}

/** An object property's key: identifier or plain string. */
export function propertyKey(property: SyntaxNode): string | undefined {
  const key = property.namedChildren[0];
  if (!key) return undefined;
  if (key.type === 'identifier') return key.text;
  return stringValue(key);
}

/** The value node of an object property (after the colon). */
export function propertyValue(property: SyntaxNode): SyntaxNode | undefined {
  const named = property.namedChildren.filter((child) => child.type !== 'comment');
  return named.length > 1 ? named[named.length - 1] : undefined;
}

export interface Declaration {
  kind: 'param' | 'var' | 'output' | 'resource' | 'module';
  name: string;
  node: SyntaxNode;
  line: number;
  /** param: has a default value. */
  hasDefault: boolean;
  /** param: decorated with @secure(). */
  secure: boolean;
  /** resource: 'Type@version'; module: the path. */
  target?: string;
  /** The value after `=` (object, for/if statement, expression). */
  value?: SyntaxNode;
}

const DECLARATIONS: Record<string, Declaration['kind']> = {
  parameter_declaration: 'param',
  variable_declaration: 'var',
  output_declaration: 'output',
  resource_declaration: 'resource',
  module_declaration: 'module',
};

/** Top-level declarations of a file, with the decorators that precede each. */
export function declarations(parsed: Pick<ParsedFile, 'root'>): Declaration[] {
  const result: Declaration[] = [];
  let decorators: string[] = [];
  for (const node of parsed.root.namedChildren) {
    if (node.type === 'decorators') {
      decorators = node.namedChildren.map((decorator) => decorator.text);
      continue;
    }
    const kind = DECLARATIONS[node.type];
    if (kind) {
      const named = node.namedChildren.filter((child) => child.type !== 'comment');
      const name = named.find((child) => child.type === 'identifier')?.text ?? '';
      const hasAssignment = node.children.some((child) => child.type === '=');
      const target =
        kind === 'resource' || kind === 'module'
          ? stringValue(named.find((child) => child.type === 'string'))
          : undefined;
      result.push({
        kind,
        name,
        node,
        line: node.startPosition.row + 1,
        hasDefault: kind === 'param' && hasAssignment,
        secure: decorators.some((decorator) => /^@\s*(sys\.)?secure\s*\(/.test(decorator)),
        target,
        value: hasAssignment ? named[named.length - 1] : undefined,
      });
    }
    if (node.type !== 'comment') decorators = [];
  }
  return result;
}

/** Every node of a type below `node`. */
export function descendants(node: SyntaxNode, type: string): SyntaxNode[] {
  return node.descendantsOfType(type);
}
