// keepup check over 50 daemons vs the classic shell loop (one `ps -e | fgrep` per daemon),
// measured in the same run: all 50 running, then 5 of them missing (trivial start scripts
// that start nothing, so every repetition restarts them again).
import {spawn, spawnSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {record} from './summary.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KEEPUP = join(ROOT, 'dist', 'bin', 'keepup.js');
const DAEMONS = 50;
const MISSING = 5;
const REPS = 11;

const SHELL_LOOP = `
for name in "$@"; do
  if ! ps -e | fgrep -w -q -- "$name"; then
    echo "Restarting $name"; date
    ./"$name" &
  fi
done
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(command: string, args: string[], cwd: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'});
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed: ${result.status} ${result.stderr}`);
  return elapsed;
}

const dir = mkdtempSync(join(tmpdir(), 'keepup-bench-'));
const startDir = join(dir, 'start-scripts');
mkdirSync(startDir, {mode: 0o755});
const names = Array.from({length: DAEMONS}, (_, i) => `kb${randomBytes(4).toString('hex')}${String(i).padStart(2, '0')}`);
const children = names.slice(MISSING).map((name) => {
  symlinkSync('/bin/sleep', join(dir, name));
  return spawn(join(dir, name), ['3600'], {stdio: 'ignore'});
});
for (const name of names) {
  writeFileSync(join(startDir, name), '#!/bin/sh\n:\n', {mode: 0o755});
  chmodSync(join(startDir, name), 0o755);
}

try {
  const rows: string[][] = [];
  for (const [label, subset] of [
    [`${DAEMONS} running`, names.slice(MISSING)],
    [`${DAEMONS - MISSING} running, ${MISSING} missing`, names],
  ] as const) {
    const keepupTimes: number[] = [];
    const shellTimes: number[] = [];
    const nodeTimes: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const config = join(dir, `config-${rep}.yaml`);
      writeFileSync(config, `startDir: start-scripts\nstateDir: state-${label.length}-${rep}\nscriptTimeout: 5\ndaemons:\n${subset.map((name) => `  - ${name}\n`).join('')}`, {mode: 0o644});
      chmodSync(config, 0o644);
      keepupTimes.push(time(process.execPath, [KEEPUP, 'check', '--config', config], dir));
      shellTimes.push(time('sh', ['-c', SHELL_LOOP, 'sh', ...subset], startDir));
      nodeTimes.push(time(process.execPath, ['-e', '0'], dir));
    }
    const k = median(keepupTimes);
    const s = median(shellTimes);
    rows.push([label, k.toFixed(1), s.toFixed(1), (k / s).toFixed(2)]);
    if (label.endsWith(' running'))
      record({
        figure: `\`keepup check\` of ${DAEMONS} daemons, all running`,
        unit: 'ms',
        keepup: k,
        peers: {},
        note: `goal 80 ms; \`node -e 0\` of the same run: ${median(nodeTimes).toFixed(0)} ms; the shell loop: ${s.toFixed(0)} ms`,
      });
  }
  const header = ['scenario', 'keepup check (ms)', 'sh loop: ps -e | fgrep (ms)', 'ratio keepup/sh'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |\n`;
  process.stdout.write(`median of ${REPS} runs each, same machine, same run\n`);
  process.stdout.write(line(header) + line(widths.map((w) => '-'.repeat(w))) + rows.map(line).join(''));
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, {recursive: true, force: true});
}
