// Import rules of src/, checked by `npm run lint:deps` (dependency-cruiser) in .ci/run and the
// GitHub workflow. Folders are layers (ARCHITECTURE.md): an import between two folders may go one way
// only, so a change in one folder never needs the other to change with it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'Two folders importing each other (directly or around a loop) are one module in disguise: move the shared piece down a layer.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      comment: 'Modules importing each other around a loop load in an order that depends on who imports first.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'azure-only-in-hosts',
      comment: 'No Azure-only code outside src/functions/ and src/azure/ (src/deployment/ talks to Azure Resource Manager after a deploy); the rest loads it lazily through src/serve.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(functions|azure|deployment)/', '^src/serve\\.ts$'] },
      to: { path: 'node_modules/@azure/(functions|monitor-opentelemetry|data-tables)' },
    },
    {
      name: 'no-tests-from-src',
      comment: 'The runtime never loads test code.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^tests/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.generated\\.ts$' },
  },
};
