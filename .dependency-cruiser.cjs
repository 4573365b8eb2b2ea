// Layer rules of ARCHITECTURE.md "Layers", enforced by tests/architecture/layers.spec.ts.
// Every path is anchored at the cruise root (`^src/...`), so the same rules also judge the
// fixture tree in tests/architecture/fixtures/violations, which is cruised with that folder as baseDir.
// From the shell: npx depcruise src --config .dependency-cruiser.cjs

/** Matches a file inside node_modules whether the cruise root is the repo or a sub-folder of it. */
const NODE_MODULES = '(^|/)node_modules/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'src/domain imports only src/domain: no node: builtins, no npm packages, no other layer. ' +
        '`pathNot` (not a list of bad targets) so anything new outside the domain is caught too.',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/' },
    },
    {
      name: 'application-imports-only-domain',
      severity: 'error',
      comment:
        'src/application imports only src/domain and src/application: no node: builtins, no npm ' +
        'packages, no adapters, no composition root. Infrastructure comes in through ports.',
      from: { path: '^src/application/' },
      to: { pathNot: '^src/(domain|application)/' },
    },
    {
      name: 'adapters-not-importing-main',
      severity: 'error',
      comment: 'src/adapters never imports src/main: the composition root depends on adapters, not the reverse.',
      from: { path: '^src/adapters/' },
      to: { path: '^src/main/' },
    },
    {
      name: 'adapters-not-importing-each-other',
      severity: 'error',
      comment:
        'An adapter imports only itself, codec (event (de)serialization shared by every event-store ' +
        'adapter) and memory (the model implementation). codec and memory are judged by the next rule.',
      from: { path: '^src/adapters/([^/]+)/', pathNot: '^src/adapters/(codec|memory)/' },
      to: { path: '^src/adapters/', pathNot: '^src/adapters/($1|codec|memory)/' },
    },
    {
      name: 'codec-and-memory-import-only-codec',
      severity: 'error',
      comment:
        'codec and memory are imported by the other adapters, so they import no adapter but codec ' +
        '(memory may use codec; codec may not use memory): otherwise the shared parts drag in a sibling.',
      from: { path: '^src/adapters/(codec|memory)/' },
      to: { path: '^src/adapters/', pathNot: '^src/adapters/($1|codec)/' },
    },
    {
      name: 'di-container-only-in-main',
      severity: 'error',
      comment:
        'inversify and reflect-metadata live only in the composition root (src/main); everything else ' +
        'stays plain classes wired by hand. Decorators are checked by layers.spec.ts (not visible here). ' +
        'The second alternative catches the package when it cannot be resolved (not installed).',
      from: { path: '^src/', pathNot: '^src/main/' },
      to: {
        path: [
          `${NODE_MODULES}(inversify|reflect-metadata|@inversifyjs/[^/]+)/`,
          '^(inversify|reflect-metadata|@inversifyjs/[^/]+)(/|$)',
        ],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere in src (type-only imports included): layers must stay a DAG.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-not-importing-tests',
      severity: 'error',
      comment: 'Tests may import anything, but production code never imports from tests/.',
      from: { path: '^src/' },
      to: { path: '^tests/' },
    },
  ],
  options: {
    // npm packages and node: builtins are reported as dependencies (the rules need to see them)
    // but not cruised into; there is deliberately no includeOnly, which would hide them.
    doNotFollow: { path: NODE_MODULES },
    // Type-only imports count as dependencies: a layer must not know another layer's types either.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    skipAnalysisNotInRules: true,
    progress: { type: 'none' },
  },
};
