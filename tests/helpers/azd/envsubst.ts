// github.com/drone/envsubst v1.0.3 (cli/azd/go.mod), as azd's evalParamEnvSubst calls it
// (pkg/infra/provisioning/bicep/bicep_provider.go): `$VAR`, `${VAR}` and `${VAR<op>default}`.
// Every default-style operator (`=`, `:=`, `:-`, `-`, `+`, `:?`, `:+`) maps to toDefault in
// drone's lookupFunc: the default is used when the value is EMPTY (set or not).

export function envsubst(input: string, mapping: (name: string) => string): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === '\\' && input[i + 1] === '$') {
      // drone's scanner treats `\$` as an escaped dollar
      out += '$';
      i += 2;
      continue;
    }
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    if (input[i + 1] === '{') {
      const close = input.indexOf('}', i + 2);
      if (close < 0) throw new Error(`unable to parse variable name`);
      const body = input.slice(i + 2, close);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:=|:-|=|-|\+|:\?|:\+|\?)(.*))?$/s.exec(body);
      if (!m) throw new Error(`unable to parse variable name: ${body}`);
      let value = mapping(m[1]!);
      if (m[2] !== undefined && value.length === 0) value = envsubst(m[3] ?? '', mapping);
      out += value;
      i = close + 1;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(i + 1));
    if (m) {
      out += mapping(m[0]);
      i += 1 + m[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
