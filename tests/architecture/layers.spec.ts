// Executable layer rules (ARCHITECTURE.md "Layers"): the rules live in .dependency-cruiser.cjs;
// this spec proves that src obeys them, that the cruise actually saw src, and that every rule
// can fail (against the planted violations in fixtures/violations).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import type { ICruiseResult, IModule, IViolation } from 'dependency-cruiser' with { 'resolution-mode': 'import' };

const ROOT = join(__dirname, '..', '..');
const RUNNER = join(__dirname, 'cruise.mjs');
const FIXTURE = join(__dirname, 'fixtures', 'violations');

/** Cruises `<baseDir>/src` with .dependency-cruiser.cjs; module paths in the result start with `src/`. */
async function cruise(baseDir: string): Promise<ICruiseResult> {
  const { stdout } = await promisify(execFile)(process.execPath, [RUNNER, baseDir, 'src'], {
    cwd: ROOT,
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(stdout) as ICruiseResult;
}

const posix = (path: string): string => path.split(sep).join('/');

/** A package import resolves into node_modules; name it by its package so expectations read plainly. */
function target(resolved: string): string {
  const npm = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved);
  return npm ? `npm:${npm[1]}` : resolved;
}

function describeViolation(violation: IViolation): string {
  const cycle = violation.cycle ? ` (cycle: ${violation.cycle.map((step) => step.name).join(' → ')})` : '';
  return `${violation.rule.name}: ${violation.from} → ${target(violation.to)}${cycle}`;
}

function tsFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return tsFilesUnder(path);
      return entry.isFile() && entry.name.endsWith('.ts') ? [path] : [];
    })
    .sort();
}

/**
 * Replaces comments (and, when asked, string and template-literal text) with spaces, keeping
 * line breaks so line numbers still hold. A small lexer, not a parser: regex literals are not
 * recognized, which is good enough for finding decorators and import specifiers.
 */
function blankOut(source: string, { strings }: { strings: boolean }): string {
  const blank = (text: string): string => text.replace(/[^\n]/g, ' ');
  const templateBraces: number[] = []; // brace depth at which each open `${` started
  let braces = 0;
  let out = '';
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    let end = i + 1;
    let isComment = false;
    let isString = false;
    if (char === '/' && source[i + 1] === '/') {
      const newline = source.indexOf('\n', i);
      end = newline === -1 ? source.length : newline;
      isComment = true;
    } else if (char === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      end = close === -1 ? source.length : close + 2;
      isComment = true;
    } else if (char === "'" || char === '"') {
      while (end < source.length && source[end] !== char && source[end] !== '\n') end += source[end] === '\\' ? 2 : 1;
      end = Math.min(end + 1, source.length);
      isString = true;
    } else if (char === '`' || (char === '}' && templateBraces.at(-1) === braces)) {
      // A template chunk runs from ` or from the } closing a ${...} up to the next ` or ${.
      if (char === '}') templateBraces.pop();
      while (end < source.length && source[end] !== '`' && !(source[end] === '$' && source[end + 1] === '{')) {
        end += source[end] === '\\' ? 2 : 1;
      }
      if (source[end] === '$') {
        templateBraces.push(braces);
        end += 2;
      } else {
        end = Math.min(end + 1, source.length);
      }
      isString = true;
    } else if (char === '{') {
      braces += 1;
    } else if (char === '}') {
      braces -= 1;
    }
    const text = source.slice(i, end);
    out += isComment || (isString && strings) ? blank(text) : text;
    i = end;
  }
  return out;
}

/**
 * dependency-cruiser cannot see decorators, so this finds them: every .ts file under `srcDir`
 * except `srcDir/main`, a line starting with `@name` outside comments and strings.
 * Returns `src/<path>:<line>: <text>` for each one.
 */
function decoratorsOutsideMain(srcDir: string): string[] {
  const main = join(srcDir, 'main') + sep;
  return tsFilesUnder(srcDir)
    .filter((file) => !file.startsWith(main))
    .flatMap((file) => {
      const original = readFileSync(file, 'utf8').split('\n');
      return blankOut(original.join('\n'), { strings: true })
        .split('\n')
        .flatMap((line, index) =>
          /^\s*@[A-Za-z]/.test(line)
            ? [`${posix(relative(join(srcDir, '..'), file))}:${index + 1}: ${original[index]?.trim() ?? ''}`]
            : [],
        );
    });
}

/** Module specifiers of import/export/require statements, found textually (comments ignored). */
function importSpecifiers(file: string): string[] {
  const code = blankOut(readFileSync(file, 'utf8'), { strings: false });
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*(['"])([^'"\n]+)\1/g, // import x from '…', export * from '…'
    /\bimport\s*(['"])([^'"\n]+)\1/g, // import '…' (side effect only)
    /\b(?:import|require)\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g, // import('…'), require('…')
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[2] ?? ''));
}

/** The folders that each have their own rules: src/domain, src/application, src/adapters/<name>, src/main. */
function layerFolders(srcDir: string): string[] {
  const adapters = join(srcDir, 'adapters');
  return [
    'src/domain',
    'src/application',
    ...(existsSync(adapters)
      ? readdirSync(adapters, { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => `src/adapters/${entry.name}`)
      : []),
    ...(existsSync(join(srcDir, 'main')) ? ['src/main'] : []),
  ];
}

const isSourceModule = (module: IModule): boolean => module.source.startsWith('src/');

let real: ICruiseResult;
let planted: ICruiseResult;

beforeAll(async () => {
  [real, planted] = await Promise.all([cruise(ROOT), cruise(FIXTURE)]);
}, 30_000);

describe('src obeys the layer rules', () => {
  it('has no dependency-cruiser violations', () => {
    expect(real.summary.violations.map(describeViolation)).toEqual([]);
  });

  it('has no decorators outside src/main', () => {
    expect(decoratorsOutsideMain(join(ROOT, 'src'))).toEqual([]);
  });

  it('holds only the known layers, so no folder escapes the rules', () => {
    const adapters = join(ROOT, 'src', 'adapters');
    const strays = [
      ...readdirSync(join(ROOT, 'src'), { withFileTypes: true })
        .filter((entry) => !(entry.isDirectory() && ['domain', 'application', 'adapters', 'main'].includes(entry.name)))
        .map((entry) => `src/${entry.name}`),
      ...(existsSync(adapters)
        ? readdirSync(adapters, { withFileTypes: true })
            .filter((entry) => !entry.isDirectory())
            .map((entry) => `src/adapters/${entry.name}`)
        : []),
    ];
    expect(strays).toEqual([]);
  });
});

describe('the cruise of src is not vacuous', () => {
  it('saw at least one module in every layer folder, and domain and application exist', () => {
    const folders = layerFolders(join(ROOT, 'src'));
    const counts = Object.fromEntries(
      folders.map((folder) => [folder, real.modules.filter((module) => module.source.startsWith(`${folder}/`)).length]),
    );
    expect(folders.filter((folder) => !existsSync(join(ROOT, folder)))).toEqual([]);
    expect(Object.entries(counts).filter(([, count]) => count < 1)).toEqual([]);
  });

  it('saw every .ts file under src', () => {
    const seen = new Set(real.modules.filter(isSourceModule).map((module) => module.source));
    const onDisk = tsFilesUnder(join(ROOT, 'src')).map((file) => posix(relative(ROOT, file)));
    expect(onDisk.filter((file) => !seen.has(file))).toEqual([]);
  });

  it('resolved real edges, among them application → domain', () => {
    const edges = real.modules
      .filter(isSourceModule)
      .flatMap((module) => module.dependencies.map((dependency) => ({ from: module.source, to: dependency.resolved })));
    expect(edges.filter((edge) => edge.from.startsWith('src/application/') && edge.to.startsWith('src/domain/')))
      .not.toHaveLength(0);
    // A relative import that does not resolve has no path the rules could match.
    const unresolved = real.modules
      .filter(isSourceModule)
      .flatMap((module) => module.dependencies.filter((d) => d.couldNotResolve).map((d) => `${module.source} → ${d.module}`));
    expect(unresolved).toEqual([]);
  });

  it('reports every import of every src file as a dependency (type-only, npm and node: ones too)', () => {
    const imports = tsFilesUnder(join(ROOT, 'src')).flatMap((file) => {
      const source = posix(relative(ROOT, file));
      const module = real.modules.find((candidate) => candidate.source === source);
      const seen = new Set(module?.dependencies.map((d) => `${d.protocol ?? ''}${d.module}`));
      return importSpecifiers(file).map((specifier) => ({ edge: `${source} → ${specifier}`, seen: seen.has(specifier) }));
    });
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((entry) => !entry.seen).map((entry) => entry.edge)).toEqual([]);
  });
});

describe('every rule can fail (fixtures/violations)', () => {
  /** Each planted violation as `rule: from → to`; packages as npm:<name>, builtins by name. */
  const expected = [
    'domain-is-pure: src/domain/breaks-domain-is-pure-builtin.ts → fs',
    'domain-is-pure: src/domain/breaks-domain-is-pure-npm.ts → npm:ajv',
    'application-imports-only-domain: src/application/breaks-application-npm.ts → npm:pg',
    'application-imports-only-domain: src/application/breaks-application-adapter.ts → src/adapters/postgres/event-store.ts',
    'adapters-not-importing-main: src/adapters/mongodb/breaks-adapters-import-main.ts → src/main/config.ts',
    'adapters-not-importing-each-other: src/adapters/postgres/breaks-adapters-import-each-other.ts → src/adapters/mongodb/read-model.ts',
    'codec-and-memory-import-only-codec: src/adapters/codec/breaks-codec-imports-memory.ts → src/adapters/memory/store.ts',
    'codec-and-memory-import-only-codec: src/adapters/memory/breaks-memory-imports-adapter.ts → src/adapters/postgres/sql.ts',
    'di-container-only-in-main: src/adapters/mongodb/breaks-di-container-only-in-main.ts → npm:inversify',
    'no-circular: src/domain/cycle-a.ts → src/domain/cycle-b.ts',
    'src-not-importing-tests: src/main/breaks-src-imports-tests.ts → tests/support/fake-clock.ts',
  ];

  /** Edges that the rules must let through; each must exist in the cruise, so its absence from the report means something. */
  const allowed = [
    'src/application/place-order.handler.ts → src/domain/money.ts',
    'src/adapters/postgres/event-store.ts → src/adapters/postgres/sql.ts',
    'src/adapters/postgres/event-store.ts → src/adapters/codec/serializer.ts',
    'src/adapters/postgres/event-store.ts → src/adapters/memory/store.ts',
    'src/adapters/postgres/event-store.ts → npm:pg',
    'src/adapters/memory/store.ts → src/adapters/memory/clock.ts',
    'src/adapters/memory/store.ts → src/adapters/codec/serializer.ts',
    'src/adapters/codec/serializer.ts → src/adapters/codec/envelope.ts',
    'src/adapters/codec/serializer.ts → src/domain/money.ts',
    'src/main/composition-root.ts → npm:inversify',
    'src/main/composition-root.ts → npm:reflect-metadata',
    'src/main/composition-root.ts → src/adapters/postgres/event-store.ts',
  ];

  const reported = (): string[] => planted.summary.violations.map((violation) => describeViolation(violation).replace(/ \(cycle: .*\)$/, ''));
  const edgesOf = (result: ICruiseResult): string[] =>
    result.modules.flatMap((module) => module.dependencies.map((d) => `${module.source} → ${target(d.resolved)}`));

  it('reports exactly the planted violations', () => {
    expect(reported().sort()).toEqual([...expected].sort());
  });

  it('plants a violation for every rule in .dependency-cruiser.cjs', () => {
    const rules = (planted.summary.ruleSetUsed?.forbidden ?? []).map((rule) => rule.name ?? '(unnamed)');
    expect(rules.length).toBeGreaterThan(0);
    expect(new Set(expected.map((line) => line.split(':')[0]))).toEqual(new Set(rules));
  });

  it('anchors every path pattern, so the rules mean the same from any cruise root', () => {
    const patterns = (planted.summary.ruleSetUsed?.forbidden ?? []).flatMap((rule) =>
      [rule.from, 'to' in rule ? rule.to : {}, 'module' in rule ? rule.module : {}]
        .flatMap((restriction) => [restriction.path, restriction.pathNot].flat())
        .filter((pattern): pattern is string => typeof pattern === 'string')
        .map((pattern) => `${rule.name ?? '(unnamed)'}: ${pattern}`),
    );
    expect(patterns.length).toBeGreaterThan(0);
    // `^` anchors at the cruise root; `(^|/)node_modules/` also matches packages resolved above it.
    expect(patterns.filter((line) => !/: (\^|\(\^\|\/\)node_modules\/)/.test(line))).toEqual([]);
  });

  it('names the whole cycle in a circular violation', () => {
    const circular = planted.summary.violations.find((violation) => violation.rule.name === 'no-circular');
    expect(circular?.cycle?.map((step) => step.name).sort()).toEqual(['src/domain/cycle-a.ts', 'src/domain/cycle-b.ts']);
  });

  it('sees the allowed edges and does not report them', () => {
    const edges = new Set(edgesOf(planted));
    expect(allowed.filter((edge) => !edges.has(edge))).toEqual([]);
    const violated = new Set(reported().map((line) => line.slice(line.indexOf(': ') + 2)));
    expect(allowed.filter((edge) => violated.has(edge))).toEqual([]);
  });

  it('reports npm packages and node: builtins as dependencies without cruising into node_modules', () => {
    const external = planted.modules.filter((module) => !isSourceModule(module) && !module.source.startsWith('tests/'));
    expect(external.map((module) => (module.coreModule ? `core:${module.source}` : target(module.source))).sort()).toEqual(
      ['core:fs', 'npm:ajv', 'npm:inversify', 'npm:pg', 'npm:reflect-metadata'],
    );
    expect(external.filter((module) => module.dependencies.length > 0).map((module) => module.source)).toEqual([]);
  });

  it('finds the planted decorator, and none in src/main, comments or strings', () => {
    expect(decoratorsOutsideMain(join(FIXTURE, 'src'))).toEqual([
      'src/application/breaks-no-decorators.handler.ts:13: @logged',
    ]);
  });
});
