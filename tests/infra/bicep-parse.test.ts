// Every .bicep file under infra/ parses with the tree-sitter Bicep grammar: no ERROR or MISSING
// node. This is the syntax check we can run without the Bicep CLI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bicepFiles, parseBicep, parseFile, prepareSource, syntaxProblems } from './bicep.js';

test('infra/ has the Bicep files azd needs', () => {
  const files = bicepFiles().map((file) => parseFile(file).relative);
  assert.ok(files.includes('infra/main.bicep'), `infra/main.bicep missing; found ${files.join(', ')}`);
  assert.ok(files.length > 1, 'expected modules under infra/app/');
});

test('every infra/**/*.bicep file parses without errors', () => {
  const problems = bicepFiles().flatMap((file) => syntaxProblems(parseFile(file)));
  assert.deepEqual(problems, [], `Bicep syntax errors:\n${problems.join('\n')}`);
});

test('the syntax check does catch broken Bicep', () => {
  const broken = parseBicep(
    "param name string\nresource r 'Microsoft.Web/sites@2024-11-01' = {\n  name: name\n  properties: {\n    httpsOnly: \n}\n",
  );
  const problems = syntaxProblems({ relative: 'broken.bicep', root: broken.rootNode });
  assert.ok(problems.length > 0, 'a truncated object should produce an ERROR or MISSING node');
  assert.match(problems[0]!, /^broken\.bicep:\d+:\d+: /);
});

test('extension statements are rewritten in place, keeping line numbers', () => {
  const source =
    "extension microsoftGraphV1\n\nparam x string\n  extension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0' as graph\n";
  const prepared = prepareSource(source);
  assert.equal(prepared.split('\n').length, source.split('\n').length);
  assert.match(prepared, /^import 'microsoftGraphV1@1\.0\.0'$/m);
  assert.deepEqual(syntaxProblems({ relative: 'ext.bicep', root: parseBicep(source).rootNode }), []);
});
