import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The documents whose links are checked: the README, the architecture page and every docs page. */
function documentsOf(root: string): string[] {
  const docs = existsSync(path.join(root, 'docs'))
    ? readdirSync(path.join(root, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .sort()
        .map((name) => `docs/${name}`)
    : [];
  return ['README.md', 'ARCHITECTURE.md', ...docs].filter((file) => existsSync(path.join(root, file)));
}

/**
 * GitHub's anchor for a heading's rendered text: lower case, every character that is not a letter,
 * mark, digit, connector (`_`), hyphen or space dropped, spaces as hyphens.
 */
export function githubAnchor(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

const CODE_SPAN = /(`+)([\s\S]*?[^`])\1(?!`)/g;
const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };

/** A heading's Markdown as GitHub renders it to text: code literal, links as their text, no tags or emphasis. */
function renderedText(markdown: string): string {
  const prose = (part: string) =>
    part
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/(^|[^\p{L}\p{N}])_{1,2}([^_]+)_{1,2}(?=[^\p{L}\p{N}]|$)/gu, '$1$2')
      .replace(/\\([!-/:-@[-`{-~])/g, '$1')
      .replace(/&(?:lt|gt|amp|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);
  let text = '';
  let last = 0;
  for (const match of markdown.matchAll(CODE_SPAN)) {
    text += prose(markdown.slice(last, match.index));
    const code = match[2]!;
    text += /^ .* $/.test(code) && code.trim() !== '' ? code.slice(1, -1) : code;
    last = match.index + match[0].length;
  }
  return text + prose(markdown.slice(last));
}

interface MarkdownLine {
  number: number;
  text: string;
}

/** The lines outside fenced code blocks (``` or ~~~, closed by a fence of the same kind at least as long). */
function proseLines(markdown: string): MarkdownLine[] {
  const lines: MarkdownLine[] = [];
  let fence: { char: string; length: number } | undefined;
  markdown.split(/\r?\n/).forEach((text, index) => {
    const opening = /^ {0,3}(`{3,}|~{3,})/.exec(text);
    if (fence) {
      const closing = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(text);
      if (closing && closing[1]![0] === fence.char && closing[1]!.length >= fence.length) fence = undefined;
      return;
    }
    if (opening) {
      fence = { char: opening[1]![0]!, length: opening[1]!.length };
      return;
    }
    lines.push({ number: index + 1, text });
  });
  return lines;
}

/** Every anchor a Markdown document has: its headings' (numbered `-1`, `-2` when repeated) and HTML ids. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const add = (heading: string) => {
    const base = githubAnchor(renderedText(heading.trim()));
    let count = seen.get(base) ?? 0;
    let anchor = count === 0 ? base : `${base}-${count}`;
    while (count > 0 && anchors.has(anchor)) anchor = `${base}-${++count}`;
    seen.set(base, count + 1);
    anchors.add(anchor);
  };
  const lines = proseLines(markdown);
  for (const [index, { number, text }] of lines.entries()) {
    const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(text);
    if (atx) {
      add(atx[1] ?? '');
      continue;
    }
    const next = lines[index + 1];
    const underlined = next?.number === number + 1 && /^ {0,3}(?:=+|-+)[ \t]*$/.test(next.text);
    if (underlined && text.trim() !== '' && !/^ {0,3}(?:[|>#]|[-*+] |\d+[.)] )/.test(text)) add(text);
    for (const match of text.matchAll(/<a\s[^>]*(?:name|id)="([^"]+)"/g)) anchors.add(match[1]!);
  }
  return anchors;
}

interface Link {
  line: number;
  /** The link as written, for messages. */
  written: string;
  target: string;
}

/** The links of a document outside code: inline links and images, reference definitions, HTML href/src. */
export function linksOf(markdown: string): Link[] {
  const links: Link[] = [];
  for (const { number, text } of proseLines(markdown)) {
    const prose = text.replace(CODE_SPAN, (span) => ' '.repeat(span.length));
    for (const match of prose.matchAll(
      /!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g,
    ))
      links.push({ line: number, written: match[0], target: match[1]!.replace(/^<(.*)>$/, '$1') });
    const definition = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(prose);
    if (definition)
      links.push({ line: number, written: definition[0], target: definition[1]!.replace(/^<(.*)>$/, '$1') });
    for (const match of prose.matchAll(/\b(?:href|src)="([^"]*)"/g))
      links.push({ line: number, written: match[0], target: match[1]! });
  }
  return links;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** The closest of `candidates` to `wanted` (one it begins, else by edit distance), for a "did you mean" hint. */
function closest(wanted: string, candidates: Iterable<string>): string | undefined {
  const names = [...candidates];
  const extended = names.find((name) => wanted.length >= 3 && name.startsWith(wanted));
  if (extended) return extended;
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const row = Array.from({ length: name.length + 1 }, (_, index) => index);
    for (let i = 1; i <= wanted.length; i++) {
      let diagonal = row[0]!;
      row[0] = i;
      for (let j = 1; j <= name.length; j++) {
        const above = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (wanted[i - 1] === name[j - 1] ? 0 : 1));
        diagonal = above;
      }
    }
    const distance = row[name.length]!;
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(3, wanted.length / 3) ? best.name : undefined;
}

/**
 * Every broken relative link of `files` (paths relative to `root`): a file or folder that does not
 * exist, or a `#anchor` a Markdown target lacks. One line per problem, `file:line: link: why`.
 * External links (a scheme, or `//`) are not followed. Also returns how many links were checked.
 */
export function brokenLinks(root: string, files: string[]): { problems: string[]; checked: number } {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsIn = (absolute: string) => {
    const cached = anchorCache.get(absolute);
    if (cached) return cached;
    const anchors = anchorsOf(readFileSync(absolute, 'utf8'));
    anchorCache.set(absolute, anchors);
    return anchors;
  };
  let checked = 0;
  for (const file of files) {
    const absoluteFile = path.join(root, file);
    for (const link of linksOf(readFileSync(absoluteFile, 'utf8'))) {
      if (isExternal(link.target)) continue;
      checked++;
      const where = `${file}:${link.line}: ${link.written}`;
      const hash = link.target.indexOf('#');
      const linkPath = decodeURIComponent(hash < 0 ? link.target : link.target.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(link.target.slice(hash + 1));
      const target =
        linkPath === ''
          ? absoluteFile
          : linkPath.startsWith('/')
            ? path.join(root, linkPath)
            : path.resolve(path.dirname(absoluteFile), linkPath);
      const shown = path.relative(root, target) || '.';
      if (shown.startsWith('..')) {
        problems.push(`${where}: points outside the repository (${shown})`);
        continue;
      }
      if (!existsSync(target)) {
        problems.push(`${where}: there is no ${shown}`);
        continue;
      }
      if (anchor === undefined || !target.endsWith('.md')) continue;
      const anchors = anchorsIn(target);
      if (anchors.has(anchor)) continue;
      const hint = closest(anchor, anchors);
      problems.push(
        `${where}: ${shown} has no heading with the anchor #${anchor}${hint ? ` (did you mean #${hint}?)` : ''}`,
      );
    }
  }
  return { problems, checked };
}

describe('documentation links (README.md, ARCHITECTURE.md, docs/*.md)', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'docs-links-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test("anchors follow GitHub's rules: lower case, punctuation dropped, spaces to hyphens, repeats numbered", () => {
    const anchors = anchorsOf(
      [
        '# Deploy to Azure',
        '## `none`: function keys, nothing for the child',
        '### Top level (`mcp_config.json`)',
        '### STDIO MCP server: `mcpServers.<name>`',
        '## 2026-07-28 clients: modern requests, bridged',
        '## What `azd up` runs, in order',
        '## [Linked](https://example.com) heading ##',
        '## Limits',
        '## Limits',
        '```md',
        '## Inside a code block',
        '```',
        'Setext heading',
        '--------------',
        '<a name="custom-anchor"></a>',
      ].join('\n'),
    );
    assert.deepEqual(
      [...anchors].sort(),
      [
        '2026-07-28-clients-modern-requests-bridged',
        'custom-anchor',
        'deploy-to-azure',
        'limits',
        'limits-1',
        'linked-heading',
        'none-function-keys-nothing-for-the-child',
        'setext-heading',
        'stdio-mcp-server-mcpserversname',
        'top-level-mcp_configjson',
        'what-azd-up-runs-in-order',
      ].sort(),
    );
  });

  test('a missing file, a missing anchor and a link out of the repository are reported; code and external links are not', () => {
    const root = path.join(scratch, 'repo');
    mkdirSync(path.join(root, 'docs'), { recursive: true });
    writeFileSync(
      path.join(root, 'docs', 'guide.md'),
      '# Guide\n\n## Set up\n\nBack to the [README](../README.md#start).\n',
    );
    writeFileSync(
      path.join(root, 'README.md'),
      [
        '# Start',
        '',
        'Good: [guide](docs/guide.md), [set up](docs/guide.md#set-up), [here](#start), [web](https://example.com/x.md#y).',
        'Bad: [gone](docs/missing.md) and [typo](docs/guide.md#setup) and [self](#nowhere) and [out](../elsewhere.md).',
        'In code: `[not a link](docs/missing.md)`',
        '```',
        '[not a link either](docs/missing.md)',
        '```',
        '[defined]: docs/absent.md',
        '<a href="docs/guide.md#guide">html</a>',
      ].join('\n'),
    );
    const { problems, checked } = brokenLinks(root, ['README.md', 'docs/guide.md']);
    assert.deepEqual(problems, [
      'README.md:4: [gone](docs/missing.md): there is no docs/missing.md',
      'README.md:4: [typo](docs/guide.md#setup): docs/guide.md has no heading with the anchor #setup (did you mean #set-up?)',
      'README.md:4: [self](#nowhere): README.md has no heading with the anchor #nowhere',
      'README.md:4: [out](../elsewhere.md): points outside the repository (../elsewhere.md)',
      'README.md:9: [defined]: docs/absent.md: there is no docs/absent.md',
    ]);
    assert.equal(checked, 10, 'every relative link is counted, external ones are not');
  });

  test('every relative link and #anchor resolves', () => {
    const files = documentsOf(repoRoot);
    assert.ok(files.includes('README.md') && files.includes('ARCHITECTURE.md'), `documents found: ${files.join(', ')}`);
    assert.ok(
      files.some((file) => file.startsWith('docs/')),
      'no docs/*.md found: is the docs folder gone?',
    );
    const { problems, checked } = brokenLinks(repoRoot, files);
    assert.ok(checked > 50, `only ${checked} relative links found in ${files.join(', ')}: is the link scanner broken?`);
    assert.deepEqual(
      problems,
      [],
      `broken links (GitHub anchors are the heading in lower case, punctuation dropped, spaces as hyphens):\n  ${problems.join('\n  ')}`,
    );
  });

  test('the README links every docs page', () => {
    const linked = new Set(
      linksOf(readFileSync(path.join(repoRoot, 'README.md'), 'utf8')).map((link) => link.target.split('#')[0]),
    );
    const unlinked = documentsOf(repoRoot).filter((file) => file.startsWith('docs/') && !linked.has(file));
    assert.deepEqual(unlinked, [], 'docs pages the README does not link to (add them under "Read more")');
  });
});
