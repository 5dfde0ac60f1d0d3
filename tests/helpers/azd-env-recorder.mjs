// A minimal stand-in for the `azd` CLI, for the hooks' tests: `installAzdRecorder()` puts an
// `azd` executable on a fresh folder (prepend it to PATH) that records every call in
// `<dir>/calls.jsonl` and, for `azd env set --file <file>`, reads the file the way azd does
// (`godotenv.Parse`, github.com/joho/godotenv v1.5.1, ported below) and merges the values into
// `<dir>/values.json`. It also records the file's text, its mode and its folder's mode.
// AZD_RECORDER_FAIL=1 makes every call fail (exit 1).
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);

/** Creates the stand-in; returns the folder holding `azd` (for PATH) and readers of what it saw. */
export function installAzdRecorder() {
  const bin = mkdtempSync(path.join(tmpdir(), 'azd-recorder-'));
  const azd = path.join(bin, 'azd');
  writeFileSync(
    azd,
    `#!${process.execPath}\nimport(${JSON.stringify(pathToFileURL(self).href)}).then((m) => m.main(process.argv.slice(2)));\n`,
  );
  chmodSync(azd, 0o755);
  writeFileSync(path.join(bin, 'azd.cmd'), `@"${process.execPath}" "${self}" %*\r\n`);
  return {
    bin,
    env: { AZD_RECORDER_DIR: bin },
    calls: () =>
      existsSync(path.join(bin, 'calls.jsonl'))
        ? readFileSync(path.join(bin, 'calls.jsonl'), 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line))
        : [],
    values: () =>
      existsSync(path.join(bin, 'values.json')) ? JSON.parse(readFileSync(path.join(bin, 'values.json'), 'utf8')) : {},
  };
}

export function main(args) {
  const dir = process.env.AZD_RECORDER_DIR;
  if (!dir) {
    console.error('azd recorder: AZD_RECORDER_DIR is not set');
    process.exit(2);
  }
  const call = { args, cwd: process.cwd(), envName: process.env.AZURE_ENV_NAME };
  let status = process.env.AZD_RECORDER_FAIL === '1' ? 1 : 0;
  const fileIndex = args.indexOf('--file');
  if (args[0] === 'env' && args[1] === 'set' && fileIndex !== -1) {
    const file = args[fileIndex + 1];
    call.file = file;
    call.text = readFileSync(file, 'utf8');
    call.mode = statSync(file).mode & 0o777;
    call.dirMode = statSync(path.dirname(file)).mode & 0o777;
    try {
      const parsed = parseGodotenv(call.text);
      call.keys = Object.keys(parsed);
      const valuesFile = path.join(dir, 'values.json');
      const values = existsSync(valuesFile) ? JSON.parse(readFileSync(valuesFile, 'utf8')) : {};
      if (status === 0) writeFileSync(valuesFile, JSON.stringify({ ...values, ...parsed }, null, 2));
    } catch (error) {
      call.parseError = error.message;
      console.error(`ERROR: failed to parse file ${file}: ${error.message}`);
      status = 1;
    }
  }
  appendFileSync(path.join(dir, 'calls.jsonl'), `${JSON.stringify(call)}\n`);
  process.exit(status);
}

// ---------------------------------------------------------------------------------------------
// godotenv v1.5.1 parser.go (github.com/joho/godotenv, the version azd's go.mod pins), ported
// line by line: what `azd env set --file` reads.
// ---------------------------------------------------------------------------------------------

/** Go's isSpace in parser.go: a space, but not a line break. */
const isSpace = (c) =>
  c === '\t' || c === '\v' || c === '\f' || c === '\r' || c === ' ' || c === '\u0085' || c === '\u00A0';
/** Go's unicode.IsSpace. */
const isUnicodeSpace = (c) => /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u.test(c);
const trimLeft = (s, f) => {
  const chars = Array.from(s);
  let i = 0;
  while (i < chars.length && f(chars[i])) i += 1;
  return chars.slice(i).join('');
};
const trimRight = (s, f) => {
  const chars = Array.from(s);
  let i = chars.length;
  while (i > 0 && f(chars[i - 1])) i -= 1;
  return chars.slice(0, i).join('');
};

export function parseGodotenv(text) {
  const out = {};
  let cutset = text.replace(/\r\n/g, '\n');
  for (;;) {
    cutset = getStatementStart(cutset);
    if (cutset === null) break;
    const [key, left] = locateKeyName(cutset);
    const [value, rest] = extractVarValue(left, out);
    out[key] = value;
    cutset = rest;
  }
  return out;
}

function getStatementStart(src) {
  for (;;) {
    if (src === null) return null;
    const pos = Array.from(src).findIndex((c) => !isUnicodeSpace(c));
    if (pos === -1) return null;
    src = Array.from(src).slice(pos).join('');
    if (src[0] !== '#') return src;
    const nl = src.indexOf('\n');
    if (nl === -1) return null;
    src = src.slice(nl);
  }
}

function locateKeyName(src) {
  src = trimLeft(src, isSpace);
  if (src.startsWith('export')) {
    const trimmed = src.slice('export'.length);
    if (trimmed.length > 0 && isSpace(trimmed[0])) src = trimLeft(trimmed, isSpace);
  }
  let key = '';
  let offset = 0;
  for (let i = 0; i < src.length; i += 1) {
    const c = src[i];
    if (isSpace(c)) continue;
    if (c === '=' || c === ':') {
      key = src.slice(0, i);
      offset = i + 1;
      break;
    }
    if (c === '_') continue;
    if (/^[\p{L}\p{N}.]$/u.test(c)) continue;
    throw new Error(`unexpected character ${JSON.stringify(c)} in variable name near ${JSON.stringify(src)}`);
  }
  if (src.length === 0) throw new Error('zero length string');
  key = trimRight(key, isUnicodeSpace);
  return [key, trimLeft(src.slice(offset), isSpace)];
}

function extractVarValue(src, vars) {
  const quote = src[0];
  if (quote !== '"' && quote !== "'") {
    let endOfLine = src.search(/[\n\r]/);
    if (endOfLine === -1) {
      endOfLine = src.length;
      if (endOfLine === 0) return ['', null];
    }
    const line = Array.from(src.slice(0, endOfLine));
    let endOfVar = line.length;
    if (endOfVar === 0) return ['', src.slice(endOfLine)];
    for (let i = endOfVar - 1; i >= 0; i -= 1) {
      if (line[i] === '#' && i > 0 && isSpace(line[i - 1])) {
        endOfVar = i;
        break;
      }
    }
    const trimmed = trimLeft(trimRight(line.slice(0, endOfVar).join(''), isSpace), isSpace);
    return [expandVariables(trimmed, vars), src.slice(endOfLine)];
  }
  for (let i = 1; i < src.length; i += 1) {
    if (src[i] !== quote) continue;
    if (src[i - 1] === '\\') continue;
    const isQuote = (c) => c === quote;
    let value = trimLeft(trimRight(src.slice(0, i), isQuote), isQuote);
    if (quote === '"') value = expandVariables(expandEscapes(value), vars);
    return [value, src.slice(i + 1)];
  }
  const end = src.indexOf('\n');
  throw new Error(`unterminated quoted value ${end === -1 ? src : src.slice(0, end)}`);
}

function expandEscapes(str) {
  // Go's `.` matches any character but \n.
  const out = str.replace(/\\[^\n]/gu, (match) => (match[1] === 'n' ? '\n' : match[1] === 'r' ? '\r' : match));
  return out.replace(/\\([^$])/gu, '$1');
}

const EXPAND_VAR = /(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?/;

function expandVariables(value, vars) {
  return value.replace(new RegExp(EXPAND_VAR.source, 'g'), (s) => {
    const submatch = EXPAND_VAR.exec(s);
    if (!submatch) return s;
    // (sic: submatch[2] is always "$" in godotenv; kept as written there)
    if (submatch[1] === '\\' || submatch[2] === '(') return s.slice(1);
    if (submatch[4]) return vars[submatch[4]] ?? '';
    return s;
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === self) main(process.argv.slice(2));
