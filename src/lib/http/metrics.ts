import {readFileSync} from 'node:fs';
import {constants} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {collectDefaultMetrics, Counter, Gauge, Registry} from 'prom-client';
import type {WatchdogConfig} from '../config/watchdog-config.js';
import type {ServiceRow, StatusRow} from '../keepup/service-report.js';
import {DEAD_DIR, listSpoolFiles} from '../sys/spool-dir.js';
import {WEBHOOK_SPOOL_DIR} from '../notify/webhook.js';
import {countSince, KEEP_MS} from '../watchdog/history.js';
import {historyOrEmpty} from '../watchdog/pass.js';
import {SPOOL_DIR} from '../watchdog/state-dir.js';

/**
 * keepup's Prometheus metrics, one family per fact, in the text format through prom-client.
 * Names follow Prometheus' conventions: a `keepup_` prefix, the unit in the name (`_seconds`),
 * `_total` on counters only; labels are `service` (a name from the config or serviceDir,
 * bounded by them) and `kind`. The values are taken from the status rows at each scrape, so
 * `/metrics`, `/status.json` and `keepup status --json` always agree.
 */

/** The last completed run of something periodic: a check pass (`keepup supervise`'s checker, `keepup cron`, `keepup check`), a scan of the tree. */
export class LastRun {
  private last: {startedMs: number; endedMs: number} | undefined;

  record(startedMs: number, endedMs: number): void {
    this.last = {startedMs, endedMs};
  }

  get latest(): {startedMs: number; endedMs: number} | undefined {
    return this.last;
  }
}

export interface MetricsInput {
  readonly rows: readonly StatusRow[];
  readonly config: WatchdogConfig;
  readonly nowMs: number;
  readonly passes: LastRun;
  /** keepup supervise's scans of serviceDir. */
  readonly scans?: LastRun;
}

type Labels = 'service';

/** A metric family per fact; `render` fills them from one snapshot of the rows. */
export class KeepupMetrics {
  readonly registry = new Registry();
  private readonly families: ReturnType<typeof families>;

  /** `processMetrics`: the process' own (CPU, memory, open fds): for a resident keepup, not for a file written by `keepup check`. */
  constructor(options: {processMetrics: boolean}) {
    this.families = families(this.registry);
    this.families.buildInfo.set({version: keepupVersion()}, 1);
    if (options.processMetrics) {
      collectDefaultMetrics({register: this.registry});
      // Gauges that prom-client names `_total`, against Prometheus' conventions (promtool refuses them).
      for (const name of this.registry.getMetricsAsArray().map((metric) => metric.name))
        if (/_total$/.test(name) && !isCounterName(this.registry, name)) this.registry.removeSingleMetric(name);
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for this snapshot. */
  async render(input: MetricsInput): Promise<string> {
    const f = this.families;
    for (const family of Object.values(f)) if (family !== f.buildInfo) family.reset();
    const supervised = input.rows.filter((row): row is ServiceRow => row.kind === 'supervised');
    const checked = input.rows.filter((row) => row.kind === 'checked');
    f.services.set({kind: 'supervised'}, supervised.length);
    f.services.set({kind: 'checked'}, checked.length);
    for (const row of supervised) serviceSamples(f, row, input.nowMs);
    const history = checked.length > 0 ? historyOrEmpty(input.config.stateDir) : [];
    for (const row of checked) {
      const service = {service: row.name};
      f.checkedRunning.set(service, row.state === 'running' ? 1 : 0);
      f.givenUp.set(service, row.state === 'failed' ? 1 : 0);
      f.checkedRestarts.set(service, countSince(history, row.name, input.nowMs, KEEP_MS));
    }
    const pass = input.passes.latest;
    if (pass) {
      f.checkTime.set(pass.endedMs / 1000);
      f.checkDuration.set((pass.endedMs - pass.startedMs) / 1000);
    }
    const scan = input.scans?.latest;
    if (scan) {
      f.scanTime.set(scan.endedMs / 1000);
      f.scanDuration.set((scan.endedMs - scan.startedMs) / 1000);
    }
    const spool = join(input.config.stateDir, SPOOL_DIR);
    f.spooled.set(countQuietly(spool));
    f.dead.set(countQuietly(join(spool, DEAD_DIR)));
    const hooks = join(input.config.stateDir, WEBHOOK_SPOOL_DIR);
    f.webhookSpooled.set(countQuietly(hooks));
    f.webhookDead.set(countQuietly(join(hooks, DEAD_DIR)));
    return this.registry.metrics();
  }
}

function families(registry: Registry) {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({name, help, labelNames, registers: [registry]});
  const service = ['service'] as const satisfies readonly Labels[];
  return {
    buildInfo: gauge('keepup_build_info', 'Always 1; the version label says which keepup this is.', ['version']),
    services: gauge('keepup_services', 'Services by kind: supervised (a service directory) or checked (a daemon checked by name).', ['kind']),
    supervised: gauge('keepup_service_supervised', '1 when a supervisor runs for the service directory.', service),
    up: gauge('keepup_service_up', '1 when the service has a running process (paused included).', service),
    paused: gauge('keepup_service_paused', '1 when the service is paused (svc -p).', service),
    wantedUp: gauge('keepup_service_wanted_up', '1 when the service is wanted up.', service),
    normallyUp: gauge('keepup_service_normally_up', '1 when the service has no down file.', service),
    givenUp: gauge('keepup_service_given_up', '1 when the restart policy gave up on the service.', service),
    healthy: gauge('keepup_service_healthy', '1 when the health check passes, 0 when it fails (only services with a health check).', service),
    ready: gauge('keepup_service_ready', '1 when the service signalled readiness (only services that report it).', service),
    stateSeconds: gauge('keepup_service_state_seconds', 'Seconds in the current state (uptime when up).', service),
    startTime: gauge('keepup_service_start_time_seconds', 'Unix time the running process started.', service),
    restarts: new Counter<Labels>({name: 'keepup_service_restarts_total', help: 'Starts after the first since the supervisor started.', labelNames: service, registers: [registry]}),
    lastExitCode: gauge('keepup_service_last_exit_code', 'Exit code of the last exit (absent when it was killed by a signal).', service),
    lastExitSignal: gauge('keepup_service_last_exit_signal', 'Signal number that ended the last run (absent when it exited).', service),
    lastExitTime: gauge('keepup_service_last_exit_time_seconds', 'Unix time of the last exit.', service),
    checkedRunning: gauge('keepup_checked_running', '1 when the daemon checked by name is in the process table.', service),
    checkedRestarts: gauge('keepup_checked_recent_restarts', 'Restarts of the daemon by keepup in the restart history (the last 7 days).', service),
    checkTime: gauge('keepup_check_last_run_time_seconds', 'Unix time the last check pass of this process ended.', []),
    checkDuration: gauge('keepup_check_duration_seconds', 'How long the last check pass of this process took.', []),
    scanTime: gauge('keepup_scan_last_run_time_seconds', 'Unix time the last scan of serviceDir (keepup supervise) ended.', []),
    scanDuration: gauge('keepup_scan_duration_seconds', 'How long the last scan of serviceDir took.', []),
    spooled: gauge('keepup_mail_spool_messages', 'Mail messages waiting in the spool to be retried.', []),
    dead: gauge('keepup_mail_undelivered_messages', 'Mail messages refused for good or too old (spool/dead): never delivered.', []),
    webhookSpooled: gauge('keepup_webhook_spool_messages', 'Webhook messages waiting in webhook-spool to be retried.', []),
    webhookDead: gauge('keepup_webhook_undelivered_messages', 'Webhook messages the receiver refused for good (webhook-spool/dead): never delivered.', []),
  };
}

function serviceSamples(f: ReturnType<typeof families>, row: ServiceRow, nowMs: number): void {
  const service = {service: row.name};
  const supervised = row.state !== 'not supervised';
  f.supervised.set(service, supervised ? 1 : 0);
  f.normallyUp.set(service, row.normallyUp ? 1 : 0);
  if (!supervised) return;
  const up = row.pid !== null;
  f.up.set(service, up ? 1 : 0);
  f.paused.set(service, row.state === 'paused' ? 1 : 0);
  f.wantedUp.set(service, row.want === 'up' ? 1 : 0);
  const extra = row as unknown as Record<string, unknown>;
  // `failed`, `health` and `ready` come from the restart policy and the health checks: read when the rows have them.
  f.givenUp.set(service, row.state === ('failed' as string) || extra.failed === true ? 1 : 0);
  const healthy = verdict(extra.health, 'healthy', 'unhealthy');
  if (healthy !== undefined) f.healthy.set(service, healthy);
  const ready = verdict(extra.ready, 'ready', 'not ready');
  if (ready !== undefined) f.ready.set(service, ready);
  if (row.seconds !== null) {
    f.stateSeconds.set(service, row.seconds);
    if (up) f.startTime.set(service, Math.floor(nowMs / 1000) - row.seconds);
  }
  if (row.restarts !== null) f.restarts.inc(service, row.restarts);
  const exit = row.lastExit;
  if (exit) {
    if (exit.code !== null) f.lastExitCode.set(service, exit.code);
    const signal = exit.signal !== null ? (constants.signals as Record<string, number | undefined>)[exit.signal] : undefined;
    if (signal !== undefined) f.lastExitSignal.set(service, signal);
    f.lastExitTime.set(service, exit.at / 1000);
  }
}

/** 1, 0 or nothing from a field that is a boolean, a word, or an object with a `state` or `ok`. */
function verdict(value: unknown, yes: string, no: string): 1 | 0 | undefined {
  if (value === true || value === yes) return 1;
  if (value === false || value === no) return 0;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return verdict(record.state ?? record.ok ?? record.status, yes, no);
  }
  return undefined;
}

function isCounterName(registry: Registry, name: string): boolean {
  return registry.getSingleMetric(name) instanceof Counter;
}

function countQuietly(dir: string): number {
  try {
    return listSpoolFiles(dir).length;
  } catch {
    return 0;
  }
}

let version: string | undefined;

/** keepup's version, from the package.json above this module (the source tree, the build, an install). */
export function keepupVersion(): string {
  if (version !== undefined) return version;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const data = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {name?: unknown; version?: unknown};
      if (data.name === 'keepup' && typeof data.version === 'string') return (version = data.version);
    } catch {
      // not here
    }
    dir = dirname(dir);
  }
  return (version = 'unknown');
}
