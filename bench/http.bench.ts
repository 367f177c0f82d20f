// keepup's http listener with 500 supervised services, side by side with daemontools' svstat
// reading the same 500 service directories, in one run:
//   scrape      GET /metrics and GET /status.json: wall latency (median, p90) and keepup's CPU per request
//   svstat      Debian's svstat on all 500 directories at once: wall time and its CPU (the C peer for "read every status")
//   memory      RSS of `keepup supervise` with the listener (after the scrapes) minus without it
// Figures and ratios only; no thresholds. BENCH_SCALE=0.1 shrinks the tree for a quick look.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {request} from 'node:http';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {pidOf} from '../test/helpers/service-pid.js';
import {cpuTicks, pause, waitUntil} from './service-probes.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SERVICES = Math.max(10, Math.round(500 * SCALE));
const REQUESTS = 30;
const TICK_MS = 10;

interface Resident {
  child: ChildProcess;
  serviceDir: string;
  base: string;
  url?: string;
}

function startKeepup(http: boolean): Resident {
  const base = mkdtempSync(join(tmpdir(), 'keepup-bench-http-'));
  const daemons = Array.from({length: SERVICES}, (_, index) => `  - name: s${index}\n    run: [sleep, "100000"]\n`).join('');
  writeFileSync(join(base, 'watchdog.config.yaml'), `stateDir: state\nserviceDir: service\n${http ? 'http:\n  listen: 127.0.0.1:0\n' : ''}daemons:\n${daemons}`);
  const child = spawn(process.execPath, [join(root, 'dist', 'bin', 'keepup.js'), 'supervise', '--config', join(base, 'watchdog.config.yaml')], {stdio: ['ignore', 'pipe', 'ignore']});
  const resident: Resident = {child, serviceDir: join(base, 'service'), base};
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    resident.url ??= /serving (http:\/\/\S+\/)/.exec(out)?.[1];
  });
  return resident;
}

async function waitAllUp(resident: Resident): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const names = safeList(resident.serviceDir);
    if (names.length >= SERVICES && names.every((name) => pidOf(join(resident.serviceDir, name)) !== 0)) return;
    if (Date.now() > deadline) throw new Error('services did not all start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => !name.startsWith('.'));
  } catch {
    return [];
  }
}

async function stopKeepup(resident: Resident): Promise<void> {
  resident.child.kill('SIGTERM');
  await once(resident.child, 'exit');
  rmSync(resident.base, {recursive: true, force: true});
}

function rssKiB(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let size = 0;
      res.on('data', (chunk: Buffer) => (size += chunk.length));
      res.on('end', () => resolve(size));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

async function measure(url: string, pid: number): Promise<{median: number; p90: number; cpuMs: number; bytes: number}> {
  await get(url);
  const times: number[] = [];
  const ticks0 = cpuTicks([pid]);
  let bytes = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    bytes = await get(url);
    times.push(performance.now() - t0);
  }
  const cpuMs = ((cpuTicks([pid]) - ticks0) * TICK_MS) / REQUESTS;
  times.sort((a, b) => a - b);
  return {median: times[Math.floor(times.length / 2)]!, p90: times[Math.floor(times.length * 0.9)]!, cpuMs, bytes};
}

/** svstat on every directory: the median wall time of single runs, and the CPU of REQUESTS runs in a row (time(1) counts in 10 ms steps). */
function svstat(dirs: string[]): {median: number; cpuMs: number} {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    spawnSync('svstat', dirs, {stdio: 'ignore'});
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const loop = `i=0; while [ $i -lt ${REQUESTS} ]; do svstat "$@" >/dev/null; i=$((i+1)); done`;
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S', 'sh', '-c', loop, 'sh', ...dirs], {encoding: 'utf8'});
  const [user, system] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return {median: times[Math.floor(times.length / 2)]!, cpuMs: (((user ?? 0) + (system ?? 0)) * 1000) / REQUESTS};
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

const plain = startKeepup(false);
await waitAllUp(plain);
pause(2000);
const rssWithout = rssKiB(plain.child.pid!);
await stopKeepup(plain);

const served = startKeepup(true);
await waitAllUp(served);
waitUntil(() => served.url !== undefined, 'the listener', {timeoutMs: 60_000});
const pid = served.child.pid!;
const metrics = await measure(`${served.url!}metrics`, pid);
const status = await measure(`${served.url!}status.json`, pid);
const peer = svstat(safeList(served.serviceDir).map((name) => join(served.serviceDir, name)));
pause(2000);
const rssWith = rssKiB(pid);
await stopKeepup(served);

process.stdout.write(`${SERVICES} supervised services, ${REQUESTS} sequential requests each\n`);
process.stdout.write(`GET /metrics      median ${fmt(metrics.median)}, p90 ${fmt(metrics.p90)}, keepup CPU ${fmt(metrics.cpuMs)} per scrape, ${metrics.bytes} bytes\n`);
process.stdout.write(`GET /status.json  median ${fmt(status.median)}, p90 ${fmt(status.p90)}, keepup CPU ${fmt(status.cpuMs)} per request, ${status.bytes} bytes\n`);
process.stdout.write(`svstat (C), all ${SERVICES} directories: median ${fmt(peer.median)} wall (process start included), CPU ${fmt(peer.cpuMs)}\n`);
process.stdout.write(`ratio /metrics : svstat  latency ${(metrics.median / peer.median).toFixed(2)}x, CPU ${(metrics.cpuMs / Math.max(peer.cpuMs, 0.01)).toFixed(2)}x\n`);
process.stdout.write(`ratio /status.json : svstat  latency ${(status.median / peer.median).toFixed(2)}x\n`);
process.stdout.write(
  `keepup supervise RSS: ${rssWithout} KiB without http, ${rssWith} KiB with it after the scrapes: the listener adds ${rssWith - rssWithout} KiB (${(((rssWith - rssWithout) / rssWithout) * 100).toFixed(1)}%)\n`,
);
