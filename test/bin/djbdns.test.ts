// A real third-party daemontools tree: djbdns' tinydns as `tinydns-conf` writes it (run:
// `envuidgid nobody envdir ./env softlimit -d400000 tinydns`; log/run: `setuidgid nobody multilog
// t ./main`), run once under keepup's svscan with keepup's commands first on PATH (so every
// chain-loader is keepup's, and the logger is keepup's svscan itself, which runs that exact
// `exec setuidgid USER multilog …` in its own process as nobody) and once under Debian's
// daemontools, side by side.
// Both must answer the same queries the same way, run the server with the same identity and
// limits, and log the same lines. Not tested: dnscache (it needs the network to recurse).
import test from 'ava';
import {readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {startSvscan} from '../helpers/svscan.js';
import {run} from '../helpers/processes.js';
import {pidOf} from '../helpers/service-pid.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';
import {worldReadableBuild} from '../helpers/world-readable.js';

const QUERIES: ReadonlyArray<[string, string]> = [
  ['a', 'www.example.org'],
  ['mx', 'example.org'],
  ['a', 'nope.example.org'],
  ['ns', 'example.org'],
];
const ROUNDS = 25;

interface Side {
  readonly name: 'keepup' | 'daemontools';
  readonly ip: string;
  readonly svscan: string;
  readonly path: string;
  /** The logger's command line: who logs (pathexec falls back along PATH otherwise; keepup's svscan logs itself). */
  readonly logger: RegExp;
}

const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';

/** keepup's commands from a copy every user can read (the logger runs as nobody), and Debian's. */
function sides(build: string): Side[] {
  const commands = join(build, 'dist', 'commands');
  return [
    {name: 'keepup', ip: '127.53.0.1', svscan: join(commands, 'svscan'), path: `${commands}:${SYSTEM_PATH}`, logger: /^node\0[^\0]*\/bin\/svscan\.js\0/},
    {name: 'daemontools', ip: '127.53.0.2', svscan: '/usr/bin/svscan', path: SYSTEM_PATH, logger: /^multilog\0t\0\.\/main\0$/},
  ];
}

/** A scan directory holding one tinydns service for `ip`, its data compiled. */
async function tinydnsTree(t: Parameters<typeof tmpDir>[0], ip: string): Promise<{scan: string; service: string}> {
  const scan = tmpDir(t, 'keepup-djbdns-');
  const service = join(scan, 'tinydns');
  const conf = await run('/usr/sbin/tinydns-conf', ['nobody', 'nobody', service, ip]);
  t.is(conf.code, 0, conf.stderr);
  const data = [`.example.org:${ip}:a:300`, '+www.example.org:10.1.2.3:300', '@example.org:10.1.2.4:mx:10:300', ''].join('\n');
  writeFileSync(join(service, 'root', 'data'), data);
  const made = await run('/bin/sh', ['-c', 'cd "$1" && /usr/sbin/tinydns-data', 'sh', join(service, 'root')]);
  t.is(made.code, 0, made.stderr);
  return {scan, service};
}

/** What a query answered, with the SOA serial (the data file's mtime) taken out. */
async function ask(type: string, name: string, ip: string): Promise<string> {
  const answer = await run('/usr/bin/dnsq', [type, name, ip]);
  return `${answer.stdout.replace(/(SOA \S+ \S+ )[0-9]+/, '$1SERIAL')}exit ${answer.code}`;
}

/** The log's lines without their TAI64N label and the client's address, port and query id. */
function logged(service: string): string[] {
  return readFileSync(join(service, 'log', 'main', 'current'), 'latin1')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/^@[0-9a-f]{24} /, '').replace(/^[0-9a-f]{8}:[0-9a-f]{4}:[0-9a-f]{4} /, 'CLIENT '));
}

function identity(pid: number): string[] {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const limits = readFileSync(`/proc/${pid}/limits`, 'latin1');
  return [
    readFileSync(`/proc/${pid}/comm`, 'latin1').trim(),
    status.match(/^Uid:.*$/m)![0],
    status.match(/^Gid:.*$/m)![0],
    status.match(/^Groups:.*$/m)![0].trimEnd(),
    limits.match(/^Max data size.*$/m)![0],
  ];
}

test('tinydns from tinydns-conf: keepup (svscan, chain-loaders, multilog) and daemontools answer, run and log identically', async (t) => {
  const results = [];
  for (const side of sides(worldReadableBuild(t))) {
    const {scan, service} = await tinydnsTree(t, side.ip);
    startSvscan(t, side.name === 'keepup' ? 'ours' : 'real', scan, scan, {command: side.svscan, env: {PATH: side.path}});
    const pid = await waitFor(() => pidOf(service), `${side.name}'s tinydns to run`, PATIENT);
    await waitFor(() => readFileSync(`/proc/${pid}/comm`, 'latin1').trim() === 'tinydns', `${side.name}'s run to exec tinydns`, PATIENT);
    await waitFor(() => logged(service).includes('starting tinydns'), `${side.name}'s logger to log the start`, PATIENT);
    const answers: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [type, name] of QUERIES) answers.push(await ask(type, name, side.ip));
    }
    const expected = 1 + ROUNDS * QUERIES.length;
    await waitFor(() => logged(service).length >= expected, `${side.name}'s log to hold ${expected} lines`, PATIENT);
    const logger = readFileSync(`/proc/${pidOf(join(service, 'log'))}/cmdline`, 'latin1');
    t.regex(logger, side.logger, `${side.name}'s own logger logs`);
    const svstat = await run('/usr/bin/svstat', [service, join(service, 'log')]);
    results.push({
      side: side.name,
      answers: answers.map((answer) => answer.replaceAll(side.ip, 'IP')),
      log: logged(service),
      logOwners: ['main', 'main/current', 'main/lock', 'main/state'].map((name) => {
        const stats = statSync(join(service, 'log', name));
        return `${name} ${stats.uid}:${stats.gid} ${(stats.mode & 0o7777).toString(8)}`;
      }),
      server: identity(pid),
      svstat: svstat.stdout
        .replaceAll(scan, 'SCAN')
        .replace(/pid [0-9]+/g, 'pid N')
        .replace(/[0-9]+ seconds/g, 'N seconds'),
    });
  }
  const [ours, theirs] = results;
  t.true(theirs!.answers[0]!.includes('answer: www.example.org 300 A 10.1.2.3'), 'the oracle answers');
  t.deepEqual(ours!.answers, theirs!.answers);
  t.deepEqual(ours!.log, theirs!.log);
  t.deepEqual(ours!.logOwners, theirs!.logOwners);
  t.deepEqual(ours!.server, theirs!.server);
  t.is(ours!.svstat, theirs!.svstat);
});
