// CPU per minute of HTTP-checking 200 services every 10 s: keepup's health monitor side by side
// with Debian's monit doing the same checks (`check host … if failed port P protocol http
// request /hN`), both running at once for the same minute against one loopback HTTP server
// (a separate process, not counted). CPU is utime + stime from /proc/PID/stat. The server is a
// plain Node one: its keep-alive timeout is Node's default 5 s, shorter than the interval, so
// keepup's kept-alive connections serve the checks of one round, not the next round's.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

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

const monit = spawnSync('sh', ['-c', 'command -v monit'], {encoding: 'utf8'}).stdout.trim();
if (!monit) {
  process.stdout.write('monit is not installed (apt-get install -y monit): nothing to compare with, skipped\n');
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'keepup-health-bench-'));
const children: ChildProcess[] = [];
try {
  const server = spawn(process.execPath, ['-e', `const s=require('http').createServer((q,r)=>r.end('ok\\n'));s.listen(0,'127.0.0.1',()=>console.log(s.address().port))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(server);
  const port = await new Promise<number>((resolve) => server.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  const rc = join(dir, 'monitrc');
  const checks = Array.from({length: SERVICES}, (_, i) => `check host svc${i} with address 127.0.0.1\n  if failed port ${port} protocol http request "/h${i}" then alert\n`).join('');
  writeFileSync(
    rc,
    `set daemon ${INTERVAL}\nset logfile ${join(dir, 'monit.log')}\nset pidfile ${join(dir, 'monit.pid')}\nset idfile ${join(dir, 'monit.id')}\nset statefile ${join(dir, 'monit.state')}\n${checks}`,
    {mode: 0o600},
  );
  const monitChild = spawn(monit, ['-I', '-c', rc], {stdio: 'ignore'});
  const keepup = spawn(process.execPath, [join(HERE, 'health-driver.js'), String(port), String(SERVICES), String(INTERVAL)], {stdio: 'inherit'});
  children.push(monitChild, keepup);
  // Both have started and done their first round of checks by then.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const before = {keepup: cpuMs(keepup.pid!), monit: cpuMs(monitChild.pid!)};
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  const after = {keepup: cpuMs(keepup.pid!), monit: cpuMs(monitChild.pid!)};
  const keepupMs = after.keepup - before.keepup;
  const monitMs = after.monit - before.monit;
  process.stdout.write(`HTTP checks of ${SERVICES} services every ${INTERVAL} s, CPU over one minute (same run):\n`);
  process.stdout.write(
    `  keepup health monitor: ${keepupMs.toFixed(0)} ms\n  monit ${
      spawnSync(monit, ['-V'], {encoding: 'utf8'})
        .stdout.split('\n')[0]
        ?.replace(/^.*version /, '') ?? ''
    }: ${monitMs.toFixed(0)} ms\n`,
  );
  process.stdout.write(`  ratio keepup / monit: ${monitMs > 0 ? (keepupMs / monitMs).toFixed(2) : 'n/a (monit used no measurable CPU)'}\n`);
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, {recursive: true, force: true});
}
