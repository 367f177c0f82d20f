import test, {type ExecutionContext} from 'ava';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {WatchdogConfig} from '../../../src/lib/config/watchdog-config.js';
import {KeepupMetrics, LastRun} from '../../../src/lib/http/metrics.js';
import type {StatusRow} from '../../../src/lib/keepup/service-report.js';
import {deadLetter, spoolMessage} from '../../../src/lib/mailer/spool.js';
import {WEBHOOK_SPOOL_DIR} from '../../../src/lib/notify/webhook.js';
import {moveToDead, writeSpoolFile} from '../../../src/lib/sys/spool-dir.js';
import {promtoolCheckMetrics} from '../../helpers/http.js';
import {tmpDir} from '../../helpers/tmp.js';

const NOW = 1_800_000_000_000;

function config(stateDir: string): WatchdogConfig {
  return {
    file: '/x',
    startDir: '/x',
    stateDir,
    schedule: '* * * * *',
    scriptTimeoutMs: 1,
    lockWaitMs: 1,
    scriptLimitMs: 1,
    startSupervise: false,
    serviceDir: join(stateDir, 'service'),
    checkIntervalMs: 1,
    stopTimeoutMs: 1,
    daemons: [],
  };
}

const up: StatusRow = {
  name: 'web',
  kind: 'supervised',
  state: 'up',
  pid: 42,
  seconds: 100,
  want: 'up',
  normallyUp: true,
  restarts: 3,
  lastExit: {code: null, signal: 'SIGKILL', at: NOW - 100_000},
  health: null,
  ready: null,
  lastCheck: null,
};
const down: StatusRow = {
  name: 'worker',
  kind: 'supervised',
  state: 'down',
  pid: null,
  seconds: 7,
  want: 'up',
  normallyUp: false,
  restarts: 0,
  lastExit: {code: 2, signal: null, at: NOW - 7000},
  health: null,
  ready: null,
  lastCheck: null,
};
const orphan: StatusRow = {
  name: 'old',
  kind: 'supervised',
  state: 'not supervised',
  pid: null,
  seconds: null,
  want: null,
  normallyUp: true,
  restarts: null,
  lastExit: null,
  health: null,
  ready: null,
  lastCheck: null,
};

async function render(rows: StatusRow[], stateDir: string, passes = new LastRun(), scans = new LastRun()): Promise<string> {
  return new KeepupMetrics({processMetrics: false}).render({rows, config: config(stateDir), nowMs: NOW, passes, scans});
}

const sample = (text: string, name: string) => new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1];

function expectSamples(t: ExecutionContext, text: string, expected: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(expected)) t.is(sample(text, name), value, name);
}

test('one sample per fact of each row, from the rows alone', async (t) => {
  const dir = tmpDir(t, 'keepup-metrics-');
  const passes = new LastRun();
  passes.record(NOW - 1500, NOW - 1000);
  const scans = new LastRun();
  scans.record(NOW - 300, NOW - 250);
  const text = await render([up, down, orphan, {name: 'cupsd', kind: 'checked', state: 'missing', pid: null, health: null, lastCheck: null}], dir, passes, scans);
  const facts: Array<[string, string | undefined]> = [
    ['keepup_services{kind="supervised"}', '3'],
    ['keepup_services{kind="checked"}', '1'],
    ['keepup_service_up{service="web"}', '1'],
    ['keepup_service_up{service="worker"}', '0'],
    ['keepup_service_up{service="old"}', undefined],
    ['keepup_service_supervised{service="old"}', '0'],
    ['keepup_service_wanted_up{service="worker"}', '1'],
    ['keepup_service_normally_up{service="worker"}', '0'],
    ['keepup_service_state_seconds{service="web"}', '100'],
    ['keepup_service_start_time_seconds{service="web"}', String(NOW / 1000 - 100)],
    ['keepup_service_start_time_seconds{service="worker"}', undefined],
    ['keepup_service_restarts_total{service="web"}', '3'],
    ['keepup_service_last_exit_signal{service="web"}', '9'],
    ['keepup_service_last_exit_code{service="web"}', undefined],
    ['keepup_service_last_exit_code{service="worker"}', '2'],
    ['keepup_service_last_exit_time_seconds{service="worker"}', String((NOW - 7000) / 1000)],
    ['keepup_service_given_up{service="worker"}', '0'],
    ['keepup_service_healthy{service="web"}', undefined],
    ['keepup_checked_running{service="cupsd"}', '0'],
    ['keepup_checked_recent_restarts{service="cupsd"}', '0'],
    ['keepup_check_last_run_time_seconds', String((NOW - 1000) / 1000)],
    ['keepup_check_duration_seconds', '0.5'],
    ['keepup_scan_last_run_time_seconds', String((NOW - 250) / 1000)],
    ['keepup_scan_duration_seconds', '0.05'],
    ['keepup_mail_spool_messages', '0'],
    ['keepup_mail_undelivered_messages', '0'],
    ['keepup_webhook_spool_messages', '0'],
    ['keepup_webhook_undelivered_messages', '0'],
  ];
  for (const [name, value] of facts) t.is(sample(text, name), value, name);
  t.regex(text, /^# TYPE keepup_service_restarts_total counter$/m);
  t.regex(text, /^# HELP keepup_service_up /m);
  const lint = await promtoolCheckMetrics(text);
  t.is(lint.code, 0, lint.output);
});

test('a second render forgets the services that are gone', async (t) => {
  const dir = tmpDir(t, 'keepup-metrics-');
  const metrics = new KeepupMetrics({processMetrics: false});
  const input = {config: config(dir), nowMs: NOW, passes: new LastRun()};
  t.truthy(sample(await metrics.render({...input, rows: [up, down]}), 'keepup_service_up{service="worker"}'));
  const after = await metrics.render({...input, rows: [up]});
  t.is(sample(after, 'keepup_service_up{service="worker"}'), undefined);
  t.is(sample(after, 'keepup_service_up{service="web"}'), '1');
});

test('given up, healthy and ready are read from the rows when they have them', async (t) => {
  const dir = tmpDir(t, 'keepup-metrics-');
  const failed = {...down, state: 'failed', failedReason: 'exited 5 times', health: 'unhealthy', ready: false} as unknown as StatusRow;
  const healthy = {...up, health: {state: 'healthy'}, ready: true} as unknown as StatusRow;
  const text = await render([failed, healthy], dir);
  expectSamples(t, text, {
    'keepup_service_given_up{service="worker"}': '1',
    'keepup_service_healthy{service="worker"}': '0',
    'keepup_service_ready{service="worker"}': '0',
    'keepup_service_given_up{service="web"}': '0',
    'keepup_service_healthy{service="web"}': '1',
    'keepup_service_ready{service="web"}': '1',
  });
});

test('the mail and webhook spools and their dead letters are counted; the restart history counts restarts by keepup', async (t) => {
  const dir = tmpDir(t, 'keepup-metrics-');
  const message = {from: 'keepup@h', to: ['root@h'], subject: 's', text: 't', date: new Date(NOW).toISOString()};
  spoolMessage(join(dir, 'spool'), message, NOW - 2000);
  spoolMessage(join(dir, 'spool'), message, NOW - 1000);
  deadLetter(join(dir, 'spool'), message, NOW);
  const hooks = join(dir, WEBHOOK_SPOOL_DIR);
  for (const at of [NOW - 3000, NOW - 2000, NOW - 1000]) writeSpoolFile(hooks, {url: 'http://127.0.0.1:1/', body: '{}'}, at);
  moveToDead(hooks, writeSpoolFile(hooks, {url: 'http://127.0.0.1:1/', body: '{}'}, NOW));
  writeFileSync(join(dir, 'history'), [NOW - 3600_000, NOW - 60_000, NOW - 8 * 86400_000].map((time) => `{"daemon":"cupsd","time":${time}}\n`).join(''));
  const text = await render([{name: 'cupsd', kind: 'checked', state: 'running', pid: 5, health: null, lastCheck: null}], dir);
  expectSamples(t, text, {
    keepup_mail_spool_messages: '2',
    keepup_mail_undelivered_messages: '1',
    keepup_webhook_spool_messages: '3',
    keepup_webhook_undelivered_messages: '1',
    'keepup_checked_running{service="cupsd"}': '1',
    'keepup_checked_recent_restarts{service="cupsd"}': '2',
  });
});

test('process metrics pass promtool too (prom-client gauges named _total are left out)', async (t) => {
  const dir = tmpDir(t, 'keepup-metrics-');
  const text = await new KeepupMetrics({processMetrics: true}).render({rows: [up], config: config(dir), nowMs: NOW, passes: new LastRun()});
  t.regex(text, /^process_resident_memory_bytes \d+$/m);
  t.regex(text, /^process_cpu_seconds_total /m);
  t.notRegex(text, /^nodejs_active_handles_total/m);
  const lint = await promtoolCheckMetrics(text);
  t.is(lint.code, 0, lint.output);
});
