#!/usr/bin/env node
// Renders the config reference from schemas/mcp_config.schema.json, the one source of truth for
// the config format, and keeps docs/configuration.md in step with it:
//
//   node scripts/generate-config-reference.mjs           print the reference
//   node scripts/generate-config-reference.mjs --write   replace it in docs/configuration.md (npm run docs:config)
//   node scripts/generate-config-reference.mjs --check   exit 1 when docs/configuration.md is out of date
//
// The reference sits between the START_MARKER and END_MARKER comments in docs/configuration.md.
// Plain Node ESM without dependencies; tests import `renderConfigReference`, the marker helpers
// and REFERENCE_DOC.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const START_MARKER = '<!-- config-reference:start -->';
export const END_MARKER = '<!-- config-reference:end -->';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_PATH = path.join(root, 'schemas', 'mcp_config.schema.json');
/** The document holding the reference, relative to the repository root (as messages name it). */
export const REFERENCE_DOC = 'docs/configuration.md';
const REFERENCE_DOC_PATH = path.join(root, REFERENCE_DOC);

/** Sections rendered as a short list rather than a table: things the adapter only recognises. */
const BRIEF_DEFS = new Set(['remoteServer']);

/**
 * The Markdown reference for a config schema: one section per object users write (the top
 * level, then every `$defs` object reached from it, in the order a reader meets them), each with
 * a table of its fields: JSON path, type, default, and description with the first example.
 * Deterministic: the same schema always gives the same text. Starts and ends with a newline, so
 * it sits between the markers on lines of its own.
 */
export function renderConfigReference(schema) {
  const defs = schema.$defs ?? {};
  const sections = collectSections(schema, defs);
  const anchors = new Map(sections.map((section) => [section.key, slug(section.heading)]));
  const context = { defs, anchors, sections: new Map(sections.map((section) => [section.key, section])) };
  const out = [
    '',
    '<!-- Generated from schemas/mcp_config.schema.json by `npm run docs:config`: edit the schema, not this section. -->',
  ];
  for (const section of sections) {
    out.push('', `### ${section.heading}`, '');
    const intro = [markdownText(section.node.description ?? '')];
    if (section.alsoAt.length > 0) intro.push(`Also written as ${section.alsoAt.map((p) => code(p)).join(', ')}.`);
    const introText = intro.filter(Boolean).join(' ');
    if (introText) out.push(introText, '');
    if (BRIEF_DEFS.has(section.key)) {
      for (const field of fieldsOf(section.node, section.path, context)) {
        const extra = field.defaultText === '—' ? '' : `, default ${field.defaultText}`;
        out.push(`- ${code(field.name)} (${field.type}${extra}): ${field.description}`);
      }
    } else {
      out.push('| Field | Type | Default | Description |', '| --- | --- | --- | --- |');
      for (const field of fieldsOf(section.node, section.path, context)) {
        out.push(`| ${[code(field.path), field.type, field.defaultText, field.description].map(cell).join(' | ')} |`);
      }
    }
  }
  out.push('');
  return `${out.join('\n')}\n`;
}

/**
 * The sections, depth first from the top level: each `$defs` object with properties gets one,
 * under the first JSON path that reaches it (later paths are listed as "also written as").
 */
function collectSections(schema, defs) {
  const sections = [];
  const byKey = new Map();
  const top = {
    key: '#',
    heading: 'Top level (`mcp_config.json`)',
    node: { ...schema, description: '' },
    path: '',
    alsoAt: [],
  };
  sections.push(top);
  byKey.set('#', top);
  const visitValue = (node, at, depth) => {
    if (!node || typeof node !== 'object' || depth > 20) return;
    if (typeof node.$ref === 'string') {
      const name = defName(node.$ref);
      const target = defs[name];
      if (!target) return;
      if (target.properties) {
        const seen = byKey.get(name);
        if (seen) {
          if (seen.path !== at && !seen.alsoAt.includes(at)) seen.alsoAt.push(at);
          return;
        }
        const section = {
          key: name,
          heading: `${target.title ?? name}: ${code(at)}`,
          node: target,
          path: at,
          alsoAt: [],
        };
        sections.push(section);
        byKey.set(name, section);
        visitObject(target, at, depth + 1);
        return;
      }
      visitValue(target, at, depth + 1);
      return;
    }
    // A conditional object (like `server`): the main case (`else`) before the exception (`then`).
    for (const branch of ['else', 'then']) visitValue(node[branch], at, depth + 1);
    for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])])
      visitValue(branch, at, depth + 1);
    if (node.properties) visitObject(node, at, depth + 1);
    if (node.additionalProperties && typeof node.additionalProperties === 'object')
      visitValue(node.additionalProperties, `${at}.<name>`, depth + 1);
    if (node.items && typeof node.items === 'object') visitValue(node.items, `${at}[]`, depth + 1);
  };
  const visitObject = (node, at, depth) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) visitValue(child, join(at, key), depth);
  };
  visitObject(schema, '', 0);
  return sections;
}

/** The rows of one object: its properties, and the properties of inline objects nested in them. */
function fieldsOf(node, at, context) {
  const rows = [];
  const required = new Set(node.required ?? []);
  for (const [name, raw] of Object.entries(node.properties ?? {})) {
    const field = resolve(raw, context.defs);
    const fieldPath = join(at, name);
    let description = markdownText(field.description ?? '');
    if (field.propertyNames) {
      const names = resolve(field.propertyNames, context.defs);
      if (names.description) description = joinSentences(description, markdownText(names.description));
    }
    if (Array.isArray(field.examples) && field.examples.length > 0) {
      description = joinSentences(description, `Example: ${code(inlineJson(field.examples[0]))}`);
    }
    rows.push({
      name,
      path: fieldPath,
      type: typeText(raw, context),
      defaultText: 'default' in field ? code(inlineJson(field.default)) : required.has(name) ? '**required**' : '—',
      description,
    });
    // Inline objects (not a section of their own) list their fields right below.
    for (const inline of inlineObjects(raw)) rows.push(...fieldsOf(inline, fieldPath, context));
  }
  return rows;
}

function inlineObjects(raw) {
  if (typeof raw.$ref === 'string') return [];
  const found = raw.properties ? [raw] : [];
  for (const branch of [...(raw.anyOf ?? []), ...(raw.oneOf ?? [])]) {
    if (typeof branch.$ref !== 'string' && branch.properties) found.push(branch);
  }
  return found;
}

/** A short, readable type: `string[]`, `"a"` \| `"b"`, `number (> 0)`, links to sections. */
function typeText(raw, context, nested = false) {
  const { defs, anchors, sections } = context;
  if (typeof raw.$ref === 'string') {
    const name = defName(raw.$ref);
    const target = defs[name];
    if (target && anchors.has(name))
      return nested ? link(sections.get(name), anchors) : `object (${link(sections.get(name), anchors)})`;
    if (target && (target.if || target.then || target.else)) {
      return [target.else, target.then]
        .filter(Boolean)
        .map((branch) => typeText(branch, context, nested))
        .join(' or ');
    }
    if (target) return typeText({ ...target, ...withoutRef(raw) }, context, nested);
    return 'any';
  }
  let text;
  if ('const' in raw) text = code(inlineJson(raw.const));
  else if (Array.isArray(raw.enum)) text = raw.enum.map((value) => code(inlineJson(value))).join(' \\| ');
  else if (raw.anyOf || raw.oneOf)
    text = (raw.anyOf ?? raw.oneOf).map((branch) => typeText(branch, context, nested)).join(' or ');
  else {
    const type = Array.isArray(raw.type) ? raw.type.join(' or ') : raw.type;
    if (type === 'array') {
      const items = raw.items && typeof raw.items === 'object' ? raw.items : {};
      const itemType = typeText(items, context, true);
      text = /^[a-z]+$/.test(itemType) ? `${itemType}[]` : `array of ${itemType}`;
    } else if (
      type === 'object' &&
      raw.additionalProperties &&
      typeof raw.additionalProperties === 'object' &&
      !raw.properties
    ) {
      text = `object (${code('<name>')} → ${typeText(raw.additionalProperties, context, true)})`;
    } else {
      text = type ?? 'any';
    }
  }
  const constraints = [];
  if (typeof raw.minimum === 'number') constraints.push(`≥ ${raw.minimum}`);
  if (typeof raw.exclusiveMinimum === 'number') constraints.push(`> ${raw.exclusiveMinimum}`);
  if (typeof raw.maximum === 'number') constraints.push(`≤ ${raw.maximum}`);
  if (typeof raw.exclusiveMaximum === 'number') constraints.push(`< ${raw.exclusiveMaximum}`);
  if (raw.minLength === 1) constraints.push('non-empty');
  else if (typeof raw.minLength === 'number') constraints.push(`length ≥ ${raw.minLength}`);
  if (typeof raw.pattern === 'string') constraints.push(`matching ${code(raw.pattern)}`);
  if (raw['x-secret'] === true) constraints.push('secret');
  return constraints.length > 0 ? `${text} (${constraints.join(', ')})` : text;
}

function link(section, anchors) {
  return `[${section.node.title ?? section.key}](#${anchors.get(section.key)})`;
}

/** A `$ref`'s target with the referring node's own keywords (title, description, ...) on top. */
function resolve(node, defs) {
  if (typeof node?.$ref !== 'string') return node ?? {};
  const target = defs[defName(node.$ref)] ?? {};
  return { ...target, ...withoutRef(node) };
}

function withoutRef(node) {
  const { $ref, ...rest } = node;
  return rest;
}

function defName(ref) {
  return ref.replace(/^#\/\$defs\//, '');
}

function join(at, key) {
  return at ? `${at}.${key}` : key;
}

function joinSentences(a, b) {
  if (!a) return b;
  return `${a}${/[.!?)]$/.test(a) ? '' : '.'} ${b}`;
}

/** JSON on one line with a space after `:` and `,`, for inline code. */
export function inlineJson(value) {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${inlineJson(item)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

function code(text) {
  const longest = Math.max(0, ...[...String(text).matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

/** Schema prose as Markdown: outside code spans, `<`/`>` would read as HTML tags and a lone `_` or `*` as emphasis. */
function markdownText(text) {
  return text
    .split(/(`[^`]*`)/)
    .map((part, index) => (index % 2 === 1 ? part : escapeProse(part)))
    .join('')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

function escapeProse(text) {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\*/g, '\\*')
    .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\\_');
}

/** A table cell: no line breaks, and `|` escaped (GFM needs that inside code spans too). */
function cell(text) {
  return String(text)
    .replace(/\n/g, ' ')
    .replace(/(?<!\\)\|/g, '\\|');
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as `-`. */
function slug(heading) {
  return heading
    .replace(/`/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The text between the markers (null when the document has no complete marked section). */
export function extractReference(document) {
  const start = document.indexOf(START_MARKER);
  const end = document.indexOf(END_MARKER, start + START_MARKER.length);
  if (start < 0 || end < 0) return null;
  return document.slice(start + START_MARKER.length, end).replace(/\r\n/g, '\n');
}

/** The document with the text between the markers replaced (keeping the file's line endings). */
export function replaceReference(document, reference) {
  const start = document.indexOf(START_MARKER);
  const end = document.indexOf(END_MARKER, start + START_MARKER.length);
  if (start < 0 || end < 0) throw new Error(`the document has no ${START_MARKER} ... ${END_MARKER} section`);
  const body = document.includes('\r\n') ? reference.replace(/\r?\n/g, '\r\n') : reference;
  return document.slice(0, start + START_MARKER.length) + body + document.slice(end);
}

/** Where two texts first differ, as a short hint: line number, and both lines around the change. */
function diffHint(expected, actual) {
  const want = expected.split('\n');
  const have = actual.split('\n');
  let line = 0;
  while (line < Math.max(want.length, have.length) && want[line] === have[line]) line++;
  const a = want[line];
  const b = have[line];
  let column = 0;
  while (a !== undefined && b !== undefined && column < a.length && a[column] === b[column]) column++;
  const from = Math.max(0, column - 40);
  const show = (text) => {
    if (text === undefined) return '(no line)';
    const part = text.slice(from, from + 120);
    return `${from > 0 ? '…' : ''}${JSON.stringify(part)}${from + 120 < text.length ? '…' : ''}`;
  };
  return `first difference at line ${line + 1} of the marked section:\n  schema says:  ${show(a)}\n  ${REFERENCE_DOC} has: ${show(b)}`;
}

function main(args) {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  const reference = renderConfigReference(schema);
  if (!args.includes('--write') && !args.includes('--check')) {
    process.stdout.write(reference);
    return 0;
  }
  let document;
  try {
    document = readFileSync(REFERENCE_DOC_PATH, 'utf8');
  } catch (error) {
    console.error(`Cannot read ${REFERENCE_DOC} (${error.code ?? error.message}): the config reference lives there.`);
    return 2;
  }
  const current = extractReference(document);
  if (current === null) {
    console.error(
      `${REFERENCE_DOC} has no ${START_MARKER} ... ${END_MARKER} section to ${args.includes('--write') ? 'fill' : 'check'}; put the two markers, each on a line of its own, where the reference belongs.`,
    );
    return 2;
  }
  if (args.includes('--write')) {
    if (current === reference) {
      console.log(`${REFERENCE_DOC}: the config reference is up to date.`);
      return 0;
    }
    writeFileSync(REFERENCE_DOC_PATH, replaceReference(document, reference));
    console.log(`${REFERENCE_DOC}: config reference regenerated from schemas/mcp_config.schema.json.`);
    return 0;
  }
  if (current === reference) {
    console.log(`${REFERENCE_DOC}: the config reference matches the schema.`);
    return 0;
  }
  console.error(
    `${REFERENCE_DOC}'s config reference is out of date with schemas/mcp_config.schema.json; run \`npm run docs:config\`.\n${diffHint(reference, current)}`,
  );
  return 1;
}

const invokedDirectly = (() => {
  if (!process.argv[1]) return false;
  try {
    return (
      pathToFileURL(realpathSync(process.argv[1])).href ===
      pathToFileURL(realpathSync(fileURLToPath(import.meta.url))).href
    );
  } catch {
    return false;
  }
})();
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));
