// The .env format as azd reads and writes it: github.com/joho/godotenv v1.5.1 (cli/azd/go.mod),
// plus azd's own fixup in pkg/environment/environment.go (marshallDotEnv, fixupUnquotedDotenv).

const DOUBLE_QUOTE_SPECIAL_CHARS = '\\\n\r"!$`';

/** godotenv doubleQuoteEscape. */
function doubleQuoteEscape(line: string): string {
  for (const c of DOUBLE_QUOTE_SPECIAL_CHARS) {
    let toReplace = `\\${c}`;
    if (c === '\n') toReplace = '\\n';
    if (c === '\r') toReplace = '\\r';
    line = line.split(c).join(toReplace);
  }
  return line;
}

/** Go strconv.Atoi on a 64-bit int: optional sign, decimal digits, in range. */
function goAtoi(value: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(value)) return undefined;
  const n = BigInt(value);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
  return n;
}

/** godotenv.Marshal (integers unquoted as %d, everything else double-quoted and escaped; lines sorted). */
export function godotenvMarshal(values: Record<string, string>): string {
  const lines = Object.entries(values).map(([k, v]) => {
    const d = goAtoi(v);
    return d !== undefined ? `${k}=${d}` : `${k}="${doubleQuoteEscape(v)}"`;
  });
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.join('\n');
}

/** azd marshallDotEnv + fixupUnquotedDotenv: an unquoted value that does not round-trip (e.g. "007" written as 7) is re-quoted, without escaping. */
export function azdMarshalDotenv(values: Record<string, string>): string {
  const marshalled = godotenvMarshal(values);
  return marshalled
    .split('\n')
    .map((line) => {
      const eq = line.indexOf('=');
      if (eq < 0) return line;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1);
      if (value.length > 0 && value[0] !== '"' && values[key] !== value) return `${key}="${values[key]}"`;
      return line;
    })
    .join('\n');
}

const isSpace = (c: string) =>
  c === '\t' || c === '\v' || c === '\f' || c === '\r' || c === ' ' || c === '\u0085' || c === '\u00a0';

/** godotenv parser.go expandVariables (v1.5.1: only the file's own earlier values). */
function expandVariables(v: string, m: Record<string, string>): string {
  return v.replace(
    /(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?/g,
    (s: string, esc?: string, _dollar?: string, paren?: string, name?: string) => {
      if (esc === '\\' || paren === '(') return s.slice(1);
      if (name) return m[name] ?? '';
      return s;
    },
  );
}

/** godotenv parser.go expandEscapes. */
function expandEscapes(str: string): string {
  const out = str.replace(/\\[\s\S]/g, (match) => (match[1] === 'n' ? '\n' : match[1] === 'r' ? '\r' : match));
  return out.replace(/\\([^$])/g, '$1');
}

/** godotenv.Parse (parser.go parseBytes). */
export function godotenvParse(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let src = text.replaceAll('---\n', '\n').replaceAll('\r\n', '\n');
  for (;;) {
    // getStatementStart
    let pos = src.search(/\S/u);
    while (pos >= 0 && src[pos] === '#') {
      const nl = src.indexOf('\n', pos);
      if (nl < 0) {
        pos = -1;
        break;
      }
      src = src.slice(nl);
      pos = src.search(/\S/u);
    }
    if (pos < 0) break;
    src = src.slice(pos);
    // locateKeyName
    src = src.replace(/^[\t\v\f\r \u0085\u00a0]+/, '');
    if (src.startsWith('export') && src.length > 6 && isSpace(src[6]!))
      src = src.slice(6).replace(/^[\t\v\f\r \u0085\u00a0]+/, '');
    let key: string | undefined;
    let offset = 0;
    for (let i = 0; i < src.length; i++) {
      const c = src[i]!;
      if (isSpace(c)) continue;
      if (c === '=' || c === ':') {
        key = src.slice(0, i);
        offset = i + 1;
        break;
      }
      if (c === '_' || c === '.' || /[\p{L}\p{N}]/u.test(c)) continue;
      throw new Error(`unexpected character ${JSON.stringify(c)} in variable name near ${JSON.stringify(src)}`);
    }
    if (src.length === 0) throw new Error('zero length string');
    key = (key ?? '').replace(/\s+$/u, '');
    src = src.slice(offset).replace(/^[\t\v\f\r \u0085\u00a0]+/, '');
    // extractVarValue
    const quote = src[0] === '"' || src[0] === "'" ? src[0] : undefined;
    if (!quote) {
      let end = src.search(/[\r\n]/);
      if (end < 0) end = src.length;
      const line = [...src.slice(0, end)];
      let endOfVar = line.length;
      for (let i = endOfVar - 1; i >= 0; i--) {
        if (line[i] === '#' && i > 0 && isSpace(line[i - 1]!)) {
          endOfVar = i;
          break;
        }
      }
      const trimmed = line
        .slice(0, endOfVar)
        .join('')
        .replace(/^[\t\v\f\r \u0085\u00a0]+|[\t\v\f\r \u0085\u00a0]+$/g, '');
      out[key] = expandVariables(trimmed, out);
      src = src.slice(end);
      continue;
    }
    let closed = false;
    for (let i = 1; i < src.length; i++) {
      if (src[i] !== quote || src[i - 1] === '\\') continue;
      let value = src.slice(0, i);
      while (value.endsWith(quote)) value = value.slice(0, -1);
      while (value.startsWith(quote)) value = value.slice(1);
      if (quote === '"') value = expandVariables(expandEscapes(value), out);
      out[key] = value;
      src = src.slice(i + 1);
      closed = true;
      break;
    }
    if (!closed) {
      const nl = src.indexOf('\n');
      throw new Error(`unterminated quoted value ${nl < 0 ? src : src.slice(0, nl)}`);
    }
  }
  return out;
}
