// A fleet as the README sets it up: two keepup supervise instances, each serving /metrics on
// 127.0.0.1 (port 0), scraped by a real Prometheus (Debian's package) that this test starts on
// a free loopback port with its own storage directory, a 1 s scrape and evaluation interval,
// and the shipped alert rules (their `for:` shortened to seconds). Its HTTP query API must show
// a service taken down with svc -d, and KeepupServiceDown firing for a service that is down
// while wanted up (and not for the one taken down on purpose).
import test from 'ava';
import {readFileSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {join} from 'node:path';
import {watchdogSetup} from '../helpers/daemons.js';
import {fetchRaw, startObserved} from '../helpers/http.js';
import {bin, ROOT} from '../helpers/paths.js';
import {run, spawnTracked} from '../helpers/processes.js';
import {upPid} from '../helpers/service-pid.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

const SLOW = {timeoutMs: 90_000, intervalMs: 250};

/** A port nobody listens on now (bound to port 0, then let go). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as {port: number};
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(prometheus: string, expr: string): Promise<Sample[]> {
  const answer = await fetchRaw(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = JSON.parse(answer.body) as {status: string; data: {result: Sample[]}};
  if (body.status !== 'success') throw new Error(`query ${expr}: ${answer.body}`);
  return body.data.result;
}

test('a real Prometheus scrapes two keepups, sees a service taken down and fires KeepupServiceDown', async (t) => {
  const a = watchdogSetup(t);
  const b = watchdogSetup(t);
  const broken = join(b.dir, 'broken');
  a.writeConfig(`serviceDir: service\nhttp:\n  listen: 127.0.0.1:0\ndaemons:\n  - name: web\n    run: [sleep, "600"]\n`);
  // api runs until the file `broken` exists; from then on every start fails at once.
  b.writeConfig(`serviceDir: service\nhttp:\n  listen: 127.0.0.1:0\ndaemons:\n  - name: api\n    run: [sh, -c, "test -e '${broken}' && exit 1; exec sleep 600"]\n`);
  const keepupA = await startObserved(t, a.config, join(a.dir, 'service'));
  const keepupB = await startObserved(t, b.config, join(b.dir, 'service'));
  await upPid(join(a.dir, 'service', 'web'));
  const apiPid = await upPid(join(b.dir, 'service', 'api'));
  const target = (url: string) => new URL(url).host;
  const [hostA, hostB] = [target(keepupA.url), target(keepupB.url)];

  const dir = tmpDir(t, 'keepup-prometheus-');
  const rules = readFileSync(join(ROOT, 'examples', 'prometheus', 'keepup-rules.yml'), 'utf8').replace(/for: \d+[smh]/g, 'for: 2s');
  writeFileSync(join(dir, 'keepup-rules.yml'), rules);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'rule_files: [keepup-rules.yml]',
      'scrape_configs:',
      '  - job_name: keepup',
      `    static_configs: [{targets: ['${hostA}', '${hostB}']}]`,
      '',
    ].join('\n'),
  );
  const check = await run('promtool', ['check', 'config', join(dir, 'prometheus.yml')]);
  t.is(check.code, 0, check.stdout + check.stderr);
  const port = await freePort();
  const prometheus = `http://127.0.0.1:${port}`;
  let log = '';
  const child = spawnTracked(
    t,
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    {stdio: ['ignore', 'ignore', 'pipe']},
  );
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  t.teardown(() => {
    if (t.passed) return;
    t.log(log.slice(-3000));
  });
  await waitFor(async () => (await fetchRaw(`${prometheus}/-/ready`)).status === 200, 'Prometheus to be ready', SLOW);

  // Both keepups are scraped and their services are up.
  const up = await waitFor(
    async () => {
      const samples = await query(prometheus, 'keepup_service_up == 1');
      return samples.length === 2 ? samples : undefined;
    },
    'both services up in Prometheus',
    SLOW,
  );
  t.deepEqual(up.map((sample) => `${sample.metric.instance}/${sample.metric.service}`).sort(), [`${hostA}/web`, `${hostB}/api`].sort());
  t.deepEqual(
    (await query(prometheus, 'up{job="keepup"}')).map((sample) => sample.value[1]),
    ['1', '1'],
  );

  // svc -d on host A: Prometheus sees web down and no longer wanted up.
  await run(bin('svc'), ['-d', join(a.dir, 'service', 'web')]);
  const down = await waitFor(
    async () => {
      const samples = await query(prometheus, 'keepup_service_up{service="web"} == 0 and on(instance, service) keepup_service_wanted_up == 0');
      return samples.length === 1 ? samples : undefined;
    },
    'web down in Prometheus',
    SLOW,
  );
  t.is(down[0]!.metric.instance, hostA);

  // api breaks on host B: down while wanted up, so KeepupServiceDown fires, for api only.
  writeFileSync(broken, '');
  process.kill(apiPid, 'SIGTERM');
  const firing = await waitFor(
    async () => {
      const samples = await query(prometheus, 'ALERTS{alertname="KeepupServiceDown", alertstate="firing"}');
      return samples.length > 0 ? samples : undefined;
    },
    'KeepupServiceDown to fire',
    SLOW,
  );
  t.deepEqual(
    firing.map((sample) => [sample.metric.instance, sample.metric.service, sample.metric.severity]),
    [[hostB, 'api', 'critical']],
  );
  const alerts = JSON.parse((await fetchRaw(`${prometheus}/api/v1/alerts`)).body) as {
    data: {alerts: Array<{labels: Record<string, string>; state: string; annotations: Record<string, string>}>};
  };
  const alert = alerts.data.alerts.find((candidate) => candidate.labels.alertname === 'KeepupServiceDown');
  t.is(alert?.state, 'firing');
  t.is(alert?.annotations.summary, `api on ${hostB} is down but wanted up`);
  await waitFor(async () => (await query(prometheus, 'keepup_service_restarts_total{service="api"} > 0')).length === 1, 'the failed restarts counted', PATIENT);

  // Prometheus is killed and reaped by spawnTracked; kill it now and see it gone.
  child.kill('SIGTERM');
  await waitFor(() => child.exitCode !== null || child.signalCode !== null, 'Prometheus to exit', SLOW);
});
