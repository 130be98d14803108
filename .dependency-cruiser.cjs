/**
 * The layer rules of src/ (README "Layers"), checked by `npm run lint:deps`:
 * the core never imports vscode or the adapters; pegasus imports nothing else of ours; cluster only
 * pegasus; the engine never the simulator (the rehearsal twin is injected); no import cycles.
 */
const core = '^src/(pegasus|cluster|commands|engine|simulator|runbook|config)/';
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Import cycles make modules impossible to read or test alone.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-no-vscode',
      severity: 'error',
      comment: 'The core runs in the CLI and the language server too.',
      from: { path: core },
      to: { path: '^vscode$|node_modules/@types/vscode' },
    },
    {
      name: 'core-no-adapters',
      severity: 'error',
      comment: 'Adapters depend on the core, never the other way round.',
      from: { path: core },
      to: { path: '^src/(extension|server|cli)/' },
    },
    {
      name: 'pegasus-alone',
      severity: 'error',
      comment: 'The wire layer imports nothing else of ours.',
      from: { path: '^src/pegasus/' },
      to: { path: '^src/', pathNot: '^src/pegasus/' },
    },
    {
      name: 'cluster-only-pegasus',
      severity: 'error',
      comment: 'The cluster model builds on the wire layer only.',
      from: { path: '^src/cluster/' },
      to: { path: '^src/', pathNot: '^src/(cluster|pegasus)/' },
    },
    {
      name: 'engine-no-simulator',
      severity: 'error',
      comment: 'The engine gets its rehearsal twin injected.',
      from: { path: '^src/engine/' },
      to: { path: '^src/simulator/' },
    },
    {
      name: 'adapters-apart',
      severity: 'error',
      comment: 'Each adapter is its own program.',
      from: { path: '^src/(server)/' },
      to: { path: '^src/(extension|cli)/' },
    },
    { name: 'not-to-test', severity: 'error', from: { path: '^src/' }, to: { path: '^test/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: { path: '^src/|^vscode$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
