import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';

export interface Position {
  line: number;
  column: number;
}

/** JSON Pointer (`/a/b/0`) → path segments, with `~1`/`~0` unescaped. */
export function pointerSegments(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/** Segments → JSON Pointer. */
export function toPointer(segments: Array<string | number>): string {
  return segments.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Finds where a JSON Pointer points in the source text, so errors can say "line 12, column 7".
 * For a property the position is its key; for a path that does not exist (a missing property),
 * the nearest existing parent.
 */
export class SourceLocator {
  private readonly root: Node | undefined;

  constructor(private readonly text: string) {
    this.root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  }

  locate(pointer: string): Position | undefined {
    if (!this.root) return undefined;
    const segments = pointerSegments(pointer);
    for (let length = segments.length; length >= 0; length -= 1) {
      const node = findNodeAtLocation(this.root, segments.slice(0, length));
      if (node) {
        const anchor = node.parent?.type === 'property' ? node.parent : node;
        return this.position(anchor.offset);
      }
    }
    return undefined;
  }

  position(offset: number): Position {
    const before = this.text.slice(0, offset).split('\n');
    return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
  }
}
