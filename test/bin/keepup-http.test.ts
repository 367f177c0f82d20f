// keepup supervise / cron / check with `http:` and `metricsFile:`, end to end: the built command
// serving on 127.0.0.1 port 0, real services and svc, promtool (Debian's prometheus package) on
// the real /metrics output, credentials and CSRF on the control actions, the event log.
import test from 'ava';
import {chmodSync, readFileSync, writeFileSync} from 'node:fs';
import {createServer, type AddressInfo} from 'node:net';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {watchdogSetup, type WatchdogSetup} from '../helpers/daemons.js';
import {basic, fetchRaw, pageCsrf, promtoolCheckMetrics, servedUrl, startObserved} from '../helpers/http.js';
import {spawnTracked} from '../helpers/processes.js';
import {upPid} from '../helpers/service-pid.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

const keepup = (args: string[], input?: string) => run(process.execPath, [bin('keepup'), ...args], {timeoutMs: 60_000, ...(input !== undefined ? {input} : {})});

function setup(t: Parameters<typeof watchdogSetup>[0]): WatchdogSetup & {serviceDir: string; credentials: string} {
  const base = watchdogSetup(t);
  return {...base, serviceDir: join(base.dir, 'service'), credentials: join(base.dir, 'http-credentials')};
}

const SLEEPER = `  - name: sleeper\n    run: [sleep, "600"]\n`;

function writeCredentials(s: {credentials: string}, text: string, mode = 0o600): void {
  writeFileSync(s.credentials, text);
  chmodSync(s.credentials, mode);
}

/** The rows of an NDJSON status, with `seconds` dropped (it moves between two reads). */
const rowsOf = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => {
      const row = JSON.parse(line) as Record<string, unknown>;
      delete row.seconds;
      return row;
    });

test('GET /status.json gives what keepup status --json gives, and /metrics passes promtool check metrics', async (t) => {
  const s = setup(t);
  const missing = 'kpnosuchdaemon1';
  s.writeConfig(`serviceDir: service\ncheckInterval: 0.5\nhttp:\n  listen: 127.0.0.1:0\ndaemons:\n${SLEEPER}  - ${missing}\n`);
  const k = await startObserved(t, s.config, s.serviceDir);
  const pid = await upPid(join(s.serviceDir, 'sleeper'));
  t.regex(k.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);

  const served = await fetchRaw(`${k.url}status.json`);
  const printed = await keepup(['status', '--json', '--config', s.config]);
  t.is(served.status, 200);
  t.is(printed.code, 3, 'a checked daemon is missing: keepup status exits 3 (as systemctl is-active)');
  t.deepEqual(rowsOf(served.body), rowsOf(printed.stdout));
  t.like(rowsOf(served.body)[0], {name: 'sleeper', state: 'up', pid});

  // The checker's first pass has run once last_run is there.
  const metrics = await waitFor(
    async () => {
      const answer = await fetchRaw(`${k.url}metrics`);
      return answer.body.includes('keepup_check_last_run_time_seconds ') ? answer : undefined;
    },
    'a check pass in the metrics',
    PATIENT,
  );
  t.is(metrics.status, 200);
  t.regex(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  t.regex(metrics.body, /^keepup_service_up\{service="sleeper"\} 1$/m);
  t.regex(metrics.body, /^keepup_service_wanted_up\{service="sleeper"\} 1$/m);
  t.regex(metrics.body, /^keepup_service_restarts_total\{service="sleeper"\} 0$/m);
  t.regex(metrics.body, new RegExp(`^keepup_checked_running\\{service="${missing}"\\} 0$`, 'm'));
  t.regex(metrics.body, /^keepup_services\{kind="supervised"\} 1$/m);
  t.regex(metrics.body, /^keepup_scan_duration_seconds \d/m);
  t.regex(metrics.body, /^keepup_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
  t.regex(metrics.body, /^process_resident_memory_bytes \d+/m);
  t.regex(metrics.body, /^process_open_fds \d+/m);
  const lint = await promtoolCheckMetrics(metrics.body);
  t.is(lint.code, 0, lint.output);
  t.is(lint.output.trim(), '');

  // svc -d: the metrics say down while wanted down, then up again after svc -u with a restart counted.
  await run(bin('svc'), ['-d', join(s.serviceDir, 'sleeper')]);
  await waitFor(async () => (await fetchRaw(`${k.url}metrics`)).body.includes('keepup_service_up{service="sleeper"} 0'), 'sleeper down in the metrics', PATIENT);
  t.regex((await fetchRaw(`${k.url}metrics`)).body, /^keepup_service_last_exit_signal\{service="sleeper"\} 15$/m);
  await run(bin('svc'), ['-u', join(s.serviceDir, 'sleeper')]);
  await waitFor(async () => (await fetchRaw(`${k.url}metrics`)).body.includes('keepup_service_restarts_total{service="sleeper"} 1'), 'a restart counted', PATIENT);
});

test('the listener answers to loopback host names only, and serves the status page', async (t) => {
  const s = setup(t);
  s.writeConfig(`serviceDir: service\nhttp:\n  listen: 127.0.0.1:0\ndaemons:\n${SLEEPER}`);
  const k = await startObserved(t, s.config, s.serviceDir);
  const rebound = await fetchRaw(`${k.url}status.json`, {headers: {Host: 'attacker.example:80'}});
  t.is(rebound.status, 421);
  const page = await fetchRaw(k.url, {headers: {Host: 'localhost'}});
  t.is(page.status, 200);
  t.regex(String(page.headers['content-type']), /^text\/html/);
  t.regex(String(page.headers['content-security-policy']), /default-src 'none'/);
  // Self-contained: no external scripts, styles or images.
  t.notRegex(page.body, /<(script|link|img)[^>]+(src|href)=/);
  const data = JSON.parse((await fetchRaw(`${k.url}page.json`)).body) as {rows: Array<{name: string}>; controls: boolean};
  t.deepEqual(
    data.rows.map((row) => row.name),
    ['sleeper'],
  );
  t.false(data.controls);
  t.is((await fetchRaw(`${k.url}nothing`)).status, 404);
  t.is((await fetchRaw(`${k.url}metrics`, {method: 'DELETE'})).status, 405);
});

test('control actions need credentials and the CSRF token; each one is a control event naming who', async (t) => {
  const s = setup(t);
  const hash = (await keepup(['http-password', 'carol'], 'correct horse\n')).stdout.trim();
  t.regex(hash, /^carol:scrypt\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  writeCredentials(s, `# who may control\nalice:s3cret-token\n${hash}\n`);
  s.writeConfig(`serviceDir: service\nhttp:\n  listen: 127.0.0.1:0\n  credentials: http-credentials\ndaemons:\n${SLEEPER}`);
  const k = await startObserved(t, s.config, s.serviceDir);
  t.regex(k.stdout(), /control actions need credentials/);
  const dir = join(s.serviceDir, 'sleeper');
  const pid = await upPid(dir);
  const csrf = await pageCsrf(k.url);
  const post = (path: string, headers: Record<string, string>) => fetchRaw(`${k.url}${path}`, {method: 'POST', headers});

  t.is((await post('control/sleeper/down', {})).status, 403, 'no CSRF token');
  t.is((await post('control/sleeper/down', {'X-Keepup-CSRF': 'forged', Authorization: basic('alice', 's3cret-token')})).status, 403, 'a wrong CSRF token');
  t.is((await post('control/sleeper/down', {'X-Keepup-CSRF': csrf, Origin: 'http://attacker.example', Authorization: basic('alice', 's3cret-token')})).status, 403, 'another origin');
  t.is((await post('control/sleeper/down', {'X-Keepup-CSRF': csrf})).status, 401, 'no credentials');
  t.is((await post('control/sleeper/down', {'X-Keepup-CSRF': csrf, Authorization: basic('alice', 'guess')})).status, 401, 'a wrong token');
  t.is((await post('control/sleeper/down', {'X-Keepup-CSRF': csrf, Authorization: basic('carol', 'wrong horse')})).status, 401, 'a wrong password');
  t.is((await post('control/sleeper/down', {'X-Keepup-CSRF': csrf, Authorization: basic('mallory', 's3cret-token')})).status, 401, 'an unknown name');
  t.is(await upPid(dir), pid, 'nothing refused reached the service');

  const down = await post('control/sleeper/down', {'X-Keepup-CSRF': csrf, Origin: k.url.replace(/\/$/, ''), Authorization: basic('alice', 's3cret-token')});
  t.is(down.status, 200, down.body);
  await waitFor(async () => (await fetchRaw(`${k.url}status.json`)).body.includes('"state":"down"'), 'sleeper down', PATIENT);
  t.is((await post('control/sleeper/up', {'X-Keepup-CSRF': csrf, Authorization: basic('carol', 'correct horse')})).status, 200);
  const second = await upPid(dir, pid);
  t.is((await post('control/sleeper/restart', {'X-Keepup-CSRF': csrf, Authorization: basic('carol', 'correct horse')})).status, 200);
  await upPid(dir, second);
  // reset is `u`: what brings back a service the restart policy gave up on.
  t.is((await post('control/sleeper/down', {'X-Keepup-CSRF': csrf, Authorization: basic('alice', 's3cret-token')})).status, 200);
  await waitFor(async () => (await fetchRaw(`${k.url}status.json`)).body.includes('"state":"down"'), 'sleeper down again', PATIENT);
  const downAgain = JSON.parse((await fetchRaw(`${k.url}status.json`)).body) as {want: string};
  t.is(downAgain.want, 'down');
  t.is((await post('control/sleeper/reset', {'X-Keepup-CSRF': csrf, Authorization: basic('alice', 's3cret-token')})).status, 200);
  await waitFor(async () => (await fetchRaw(`${k.url}status.json`)).body.includes('"state":"up"'), 'sleeper up after reset', PATIENT);
  t.is((await post('control/nosuch/up', {'X-Keepup-CSRF': csrf, Authorization: basic('alice', 's3cret-token')})).status, 404);
  t.is((await post('control/sleeper/explode', {'X-Keepup-CSRF': csrf, Authorization: basic('alice', 's3cret-token')})).status, 404);

  const events = readFileSync(join(s.stateDir, 'events'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((event) => event.kind === 'control');
  t.deepEqual(
    events.map(({action, by, service, source}) => ({action, by, service, source})),
    [
      {action: 'down', by: 'web:alice', service: 'sleeper', source: 'supervise'},
      {action: 'up', by: 'web:carol', service: 'sleeper', source: 'supervise'},
      {action: 'restart', by: 'web:carol', service: 'sleeper', source: 'supervise'},
      {action: 'down', by: 'web:alice', service: 'sleeper', source: 'supervise'},
      {action: 'reset', by: 'web:alice', service: 'sleeper', source: 'supervise'},
    ],
  );
  const page = JSON.parse((await fetchRaw(`${k.url}page.json`)).body) as {events: Array<{kind: string}>; controls: boolean};
  t.true(page.controls);
  t.true(page.events.some((event) => event.kind === 'control'));
});

test('a non-loopback listener without credentials, or a credentials file others can read, refuses to start', async (t) => {
  const s = setup(t);
  s.writeConfig(`serviceDir: service\nhttp:\n  listen: 0.0.0.0:0\ndaemons:\n${SLEEPER}`);
  const open = await keepup(['supervise', '--config', s.config]);
  t.is(open.code, 100);
  t.regex(open.stderr, /^keepup: fatal: .*watchdog\.config\.yaml:5:11: http\.listen 0\.0\.0\.0:0 is not a loopback address: control over the network needs http\.credentials/m);

  writeCredentials(s, 'alice:token\n', 0o640);
  s.writeConfig(`serviceDir: service\nhttp:\n  listen: 127.0.0.1:0\n  credentials: http-credentials\ndaemons:\n${SLEEPER}`);
  const readable = await keepup(['supervise', '--config', s.config]);
  t.is(readable.code, 100);
  t.regex(readable.stderr, /refusing credentials .*http-credentials: group or others may read it/);
  t.false(readable.stdout.includes('supervising'), 'no service was started');

  writeCredentials(s, 'alice:token\n', 0o602);
  t.regex((await keepup(['supervise', '--config', s.config])).stderr, /refusing credentials .*http-credentials: it is world-writable/);

  // A port that is taken: exit 111 before any service starts.
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const {port} = taken.address() as AddressInfo;
  s.writeConfig(`serviceDir: service\nhttp:\n  listen: 127.0.0.1:${port}\ndaemons:\n${SLEEPER}`);
  const busy = await keepup(['supervise', '--config', s.config]);
  t.is(busy.code, 111);
  t.is(busy.stderr, `keepup: fatal: unable to listen on 127.0.0.1:${port}: address in use\n`);
  t.false(busy.stdout.includes('supervising'));

  s.writeConfig(`serviceDir: service\nhttp:\n  listen: "somewhere"\ndaemons:\n${SLEEPER}`);
  const bad = await keepup(['supervise', '--config', s.config]);
  t.is(bad.code, 100);
  t.regex(bad.stderr, /watchdog\.config\.yaml:5:11: http\.listen must be HOST:PORT/);
});

test('keepup check writes metricsFile atomically for the textfile collector; keepup cron serves the same metrics', async (t) => {
  const s = setup(t);
  const name = s.addDaemon();
  s.writeConfig(`metricsFile: textfile/keepup.prom\nhttp:\n  listen: 127.0.0.1:0\ndaemons:\n  - ${name}\n`);
  const textfile = join(s.dir, 'textfile');
  await run('mkdir', ['-m', '0755', textfile]);
  const check = await keepup(['check', '--config', s.config]);
  t.is(check.code, 0, check.stderr);
  t.regex(check.stdout, new RegExp(`Restarting ${name}`));
  const first = readFileSync(join(textfile, 'keepup.prom'), 'utf8');
  t.regex(first, /^keepup_check_last_run_time_seconds \d/m);
  t.notRegex(first, /^process_/m, 'no process metrics: node_exporter has its own');
  const lint = await promtoolCheckMetrics(first);
  t.is(lint.code, 0, lint.output);

  await waitFor(async () => (await keepup(['check', '--config', s.config])).stdout === '', 'a pass with the daemon running', PATIENT);
  const second = readFileSync(join(textfile, 'keepup.prom'), 'utf8');
  t.regex(second, new RegExp(`^keepup_checked_running\\{service="${name}"\\} 1$`, 'm'));
  t.regex(second, new RegExp(`^keepup_checked_recent_restarts\\{service="${name}"\\} 1$`, 'm'));

  // A textfile directory others can write is refused, with a warning; the pass stands.
  await run('chmod', ['0757', textfile]);
  const refused = await keepup(['check', '--config', s.config]);
  t.is(refused.code, 0);
  t.regex(refused.stderr, /keepup: warning: refusing metricsFile .*textfile\/keepup\.prom: .*textfile: it is world-writable/);
  t.is(readFileSync(join(textfile, 'keepup.prom'), 'utf8'), second, 'left as it was');
  await run('chmod', ['0755', textfile]);

  const cron = spawnTracked(t, process.execPath, [bin('keepup'), 'cron', '--config', s.config], {stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  cron.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const url = await servedUrl(() => out);
  const metrics = await waitFor(
    async () => {
      const body = (await fetchRaw(`${url}metrics`)).body;
      return body.includes('keepup_check_last_run_time_seconds ') ? body : undefined;
    },
    'keepup cron to have made a pass',
    PATIENT,
  );
  t.regex(metrics, new RegExp(`^keepup_checked_running\\{service="${name}"\\} 1$`, 'm'));
  t.is((await promtoolCheckMetrics(metrics)).code, 0);
  const status = (await fetchRaw(`${url}status.json`)).body;
  t.like(JSON.parse(status.trim()), {name, kind: 'checked', state: 'running'});
});
