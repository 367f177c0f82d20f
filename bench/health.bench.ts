// CPU per minute of HTTP-checking 200 services every 10 s: keepup's health monitor side by side
// with Debian's monit doing the same checks (`check host … if failed port P protocol http
// request /hN`), both running at once for the same minute against one loopback HTTP server
// (a separate process, not counted). CPU is utime + stime from /proc/PID/stat. The server is a
// plain Node one: its keep-alive timeout is Node's default 5 s, shorter than the interval, so
// keepup's kept-alive connections serve the checks of one round, not the next round's.
// The server counts the requests it answers by User-Agent (Monit/…, keepup-health), so the bench
// shows both really checked in the window (monit logs only failures and recoveries: its log is
// scanned for those). The summary gets one row: keepup's figure, with monit's and the ratio in
// the note, since monit is none of the table's daemontools / runit / s6 columns.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {record} from './summary.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVICES = 200;
const INTERVAL = 10;
const MEASURE_MS = 60_000;
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim()) || 100;

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

/** monit on PATH, or where Debian puts it (/usr/bin; /usr/sbin elsewhere), '' when none. */
function findMonit(): string {
  for (const directory of [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/bin', '/usr/sbin']) {
    try {
      accessSync(join(directory, 'monit'), constants.X_OK);
      return join(directory, 'monit');
    } catch {
      // not there
    }
  }
  return '';
}

const monit = findMonit();
if (!monit) {
  process.stdout.write('SKIPPED: monit not found (not on PATH, nor /usr/bin or /usr/sbin; apt-get install -y monit): no keepup / monit figure, no summary row\n');
  process.exit(0);
}
const monitVersion =
  spawnSync(monit, ['-V'], {encoding: 'utf8'})
    .stdout.split('\n')[0]
    ?.replace(/^.*version /, '')
    .trim() ?? '';

/** Requests the server has answered, by who asked. */
interface Counts {
  monit: number;
  keepup: number;
  other: number;
}

async function counts(port: number): Promise<Counts> {
  return (await (await fetch(`http://127.0.0.1:${port}/__counts`)).json()) as Counts;
}

const dir = mkdtempSync(join(tmpdir(), 'keepup-health-bench-'));
const children: ChildProcess[] = [];
try {
  const serverCode = [
    'const c={monit:0,keepup:0,other:0};',
    "const s=require('http').createServer((q,r)=>{",
    "if(q.url==='/__counts'){r.setHeader('connection','close');return r.end(JSON.stringify(c));}",
    "const a=q.headers['user-agent']||'';c[a.startsWith('Monit/')?'monit':a.startsWith('keepup')?'keepup':'other']++;r.end('ok\\n');});",
    "s.listen(0,'127.0.0.1',()=>console.log(s.address().port))",
  ].join('');
  const server = spawn(process.execPath, ['-e', serverCode], {stdio: ['ignore', 'pipe', 'inherit']});
  children.push(server);
  const port = await new Promise<number>((resolve) => server.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  const rc = join(dir, 'monitrc');
  const monitChecks = Array.from({length: SERVICES}, (_, i) => `check host svc${i} with address 127.0.0.1\n  if failed port ${port} protocol http request "/h${i}" then alert\n`).join('');
  writeFileSync(
    rc,
    `set daemon ${INTERVAL}\nset logfile ${join(dir, 'monit.log')}\nset pidfile ${join(dir, 'monit.pid')}\nset idfile ${join(dir, 'monit.id')}\nset statefile ${join(dir, 'monit.state')}\n${monitChecks}`,
    {mode: 0o600},
  );
  const monitChild = spawn(monit, ['-I', '-c', rc], {stdio: 'ignore'});
  const keepup = spawn(process.execPath, [join(HERE, 'health-driver.js'), String(port), String(SERVICES), String(INTERVAL)], {stdio: 'inherit'});
  children.push(monitChild, keepup);
  // Both have started and done their first round of checks by then.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const before = {keepup: cpuMs(keepup.pid!), monit: cpuMs(monitChild.pid!)};
  const checksBefore = await counts(port);
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  const after = {keepup: cpuMs(keepup.pid!), monit: cpuMs(monitChild.pid!)};
  const checksAfter = await counts(port);
  const keepupMs = after.keepup - before.keepup;
  const monitMs = after.monit - before.monit;
  const checks = {monit: checksAfter.monit - checksBefore.monit, keepup: checksAfter.keepup - checksBefore.keepup};
  const expected = (SERVICES * MEASURE_MS) / 1000 / INTERVAL;
  const log = (() => {
    try {
      return readFileSync(join(dir, 'monit.log'), 'utf8');
    } catch {
      return '';
    }
  })();
  const failures = log.split('\n').filter((line) => / error +: .*failed/.test(line)).length;
  process.stdout.write(`HTTP checks of ${SERVICES} services every ${INTERVAL} s, CPU over one minute (same run):\n`);
  process.stdout.write(`  keepup health monitor: ${keepupMs.toFixed(0)} ms, ${checks.keepup} checks answered (${expected} expected)\n`);
  process.stdout.write(`  monit ${monitVersion}: ${monitMs.toFixed(0)} ms, ${checks.monit} checks answered (${expected} expected); monit.log: ${failures} failed checks\n`);
  const ratio = monitMs > 0 ? keepupMs / monitMs : NaN;
  process.stdout.write(`  ratio keepup / monit: ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a (monit used no measurable CPU)'}\n`);
  // Both sides must have done (nearly) every round in the window, or the CPU figures compare different work.
  const complete = (n: number) => n >= expected * 0.8 && n <= expected * 1.2;
  if (!complete(checks.monit) || !complete(checks.keepup) || failures > 0) {
    process.stdout.write(`  NOT RECORDED in the summary: a side did not check every service every ${INTERVAL} s, or monit logged failed checks\n`);
    process.exitCode = 1;
  } else {
    record({
      figure: `HTTP-checking ${SERVICES} services every ${INTERVAL} s: CPU per minute`,
      unit: 'ms',
      keepup: keepupMs,
      peers: {},
      note: `monit ${monitVersion}: ${monitMs.toFixed(0)} ms; keepup / monit = ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a'}`,
    });
  }
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, {recursive: true, force: true});
}
