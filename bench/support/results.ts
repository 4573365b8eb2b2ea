import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One measured figure next to the baseline measured in the same run: ratio = value / baseline. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  readonly ratio: number;
  /** The ratio the design targets (the row passes when ratio >= target). */
  readonly target?: number;
}

const RESULTS = join(__dirname, '..', 'results.json');

export const row = (name: string, value: number, unit: string, baseline: number, target?: number): BenchRow => ({
  name,
  value: Math.round(value * 100) / 100,
  unit,
  baseline: Math.round(baseline * 100) / 100,
  ratio: Math.round((value / baseline) * 1000) / 1000,
  ...(target === undefined ? {} : { target }),
});

/** Prints a table and merges the rows into bench/results.json (rows of the same name are replaced). */
export const report = (title: string, rows: readonly BenchRow[]): void => {
  const previous: BenchRow[] = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as BenchRow[]) : [];
  const names = new Set(rows.map((r) => r.name));
  writeFileSync(RESULTS, `${JSON.stringify([...previous.filter((r) => !names.has(r.name)), ...rows], null, 2)}\n`);
  console.log(`\n${title}`);
  console.table(rows.map((r) => ({ ...r, verdict: r.target === undefined ? '' : r.ratio >= r.target ? 'meets target' : 'BELOW TARGET' })));
};
