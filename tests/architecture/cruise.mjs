// Runs dependency-cruiser's JS API the way `depcruise --config .dependency-cruiser.cjs` does
// and prints the cruise result as JSON on stdout.
// It is a separate Node process because dependency-cruiser 17 is ESM-only (its package
// exports have only an "import" condition), which jest's CommonJS runtime cannot load.
// Usage: node tests/architecture/cruise.mjs <baseDir> <file-or-folder>...
//   paths to cruise are relative to <baseDir>, so module paths in the result start with `src/`.
import { resolve } from 'node:path';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const repoRoot = resolve(import.meta.dirname, '../..');
const [baseDir, ...targets] = process.argv.slice(2);
if (!baseDir || targets.length === 0) {
  process.stderr.write('usage: node tests/architecture/cruise.mjs <baseDir> <file-or-folder>...\n');
  process.exit(2);
}

const options = await extractDepcruiseOptions(resolve(repoRoot, '.dependency-cruiser.cjs'));
// The config names tsconfig.json relative to the repo root; make it absolute so it also
// holds when the cruise runs from the fixture folder.
const tsConfigFile = resolve(repoRoot, options.tsConfig?.fileName ?? 'tsconfig.json');

const { output } = await cruise(
  targets,
  { ...options, baseDir: resolve(baseDir), tsConfig: { fileName: tsConfigFile } },
  {},
  { tsConfig: extractTSConfig(tsConfigFile) },
);
process.stdout.write(JSON.stringify(output));
