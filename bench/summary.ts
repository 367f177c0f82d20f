// The one table `npm run bench` ends with: every benchmark hands its headline figures to
// `record`, which appends them as JSON lines to the file run.ts names in BENCH_SUMMARY (nothing
// happens when a benchmark runs alone). run.ts prints them side by side, keepup against
// daemontools (and runit and s6 where measured) as ratios, with `node -e 0` as the reference.
import {appendFileSync, readFileSync} from 'node:fs';

export type Peer = 'daemontools' | 'runit' | 's6';

export interface SummaryRow {
  /** What is measured, as the table names it. */
  readonly figure: string;
  readonly unit: string;
  readonly keepup: number;
  readonly peers: Partial<Record<Peer, number>>;
  /** A throughput: more is better, so the ratio is shown as keepup's share of the peer's. */
  readonly higherIsBetter?: boolean;
  /** Printed after the ratio (e.g. the reference the figure is compared with). */
  readonly note?: string;
}

export const SUMMARY_VARIABLE = 'BENCH_SUMMARY';

export function record(row: SummaryRow): void {
  const file = process.env[SUMMARY_VARIABLE];
  if (file) appendFileSync(file, JSON.stringify(row) + '\n');
}

export function readRows(file: string): SummaryRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as SummaryRow);
}

function figure(value: number | undefined, unit: string): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

/** The table as Markdown: one row per figure, the ratio keepup / daemontools (time, memory) or keepup's share (throughput). */
export function table(rows: readonly SummaryRow[]): string {
  const lines = ['| figure | daemontools | runit | s6 | keepup | keepup / daemontools |', '|---|---|---|---|---|---|'];
  for (const row of rows) {
    const peer = row.peers.daemontools;
    const ratio = peer === undefined || peer === 0 || !Number.isFinite(row.keepup) ? '—' : `${(row.keepup / peer).toFixed(2)}×${row.higherIsBetter ? ' throughput' : ''}`;
    const cells = [
      row.figure,
      figure(peer, row.unit),
      figure(row.peers.runit, row.unit),
      figure(row.peers.s6, row.unit),
      figure(row.keepup, row.unit),
      ratio + (row.note ? ` (${row.note})` : ''),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
