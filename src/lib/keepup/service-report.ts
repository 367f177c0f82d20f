import {readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {FatalError, SysError} from '../cli/errors.js';
import type {WatchdogConfig} from '../config/watchdog-config.js';
import {probeSupervisor} from '../control/client.js';
import {DOWN_FILE, STATS_FILE} from '../service-dir/layout.js';
import {readStatus} from '../status/file.js';
import {secondsSince} from '../status/stamp.js';
import * as stats from '../status/stats.js';
import {statusPhrases} from '../status/summary.js';
import {listNames} from '../sys/directory.js';
import type {Verdict} from '../watchdog/decide.js';
import {historyOrEmpty, verdicts, type PassContext} from '../watchdog/pass.js';
import {readHealthRecord, readinessOf} from '../health/records.js';
import {describeHealth, type HealthRecord} from '../health/verdict.js';
import {lastHealth} from '../health/check-mode.js';
import {readCheckRecords, type CheckRecords} from '../policy/check.js';

/** `health` of a row: the last verdict of its health checks, or null without checks. */
export interface HealthField {
  readonly state: HealthRecord['state'];
  /** Unix ms of the last change. */
  readonly since: number;
  readonly lastFailure: string | null;
}

/** `lastCheck`: the last health check, or null. `time` in unix ms. */
export type LastCheckField = HealthRecord['lastCheck'];

function healthFields(record: HealthRecord | undefined): {health: HealthField | null; lastCheck: LastCheckField} {
  if (!record) return {health: null, lastCheck: null};
  return {health: {state: record.state, since: record.since, lastFailure: record.lastFailure}, lastCheck: record.lastCheck};
}

/**
 * `keepup status`: one row per service directory in serviceDir, and one per daemon checked by
 * name. The JSON field names are stable (README, "keepup status").
 */
export type ServiceState = 'up' | 'down' | 'paused' | 'failed' | 'not supervised';
/** `failed`: missing, and check mode's restart policy gave up on it (`stateDir/given-up`). */
export type CheckedState = 'running' | 'missing' | 'starting' | 'failed';

export interface ServiceRow {
  readonly name: string;
  readonly kind: 'supervised';
  readonly state: ServiceState;
  /** The child's pid; null when down or not supervised. */
  readonly pid: number | null;
  /** Seconds in the current state (up: uptime); null when not supervised. */
  readonly seconds: number | null;
  readonly want: 'up' | 'down' | null;
  /** No `down` file: the service starts when its supervisor does. */
  readonly normallyUp: boolean;
  /** Restarts since its supervisor started; null when unknown. */
  readonly restarts: number | null;
  readonly lastExit: stats.ChildExit | null;
  /** State `failed` (the restart policy gave up): when (ISO 8601), why, and the next try (null: only by hand). */
  readonly failedAt?: string;
  readonly failedReason?: string;
  readonly retryAt?: string | null;
  readonly health: HealthField | null;
  /** Ready (s6's notification-fd or `ready: health`) for the current pid; null without a readiness protocol. */
  readonly ready: boolean | null;
  readonly lastCheck: LastCheckField;
}

export interface CheckedRow {
  readonly name: string;
  readonly kind: 'checked';
  readonly state: CheckedState;
  readonly pid: number | null;
  readonly health: HealthField | null;
  readonly lastCheck: LastCheckField;
  /** State `failed` only: when the policy gave up (ISO 8601), why, and the next try (null: only by hand). */
  readonly failedAt?: string;
  readonly failedReason?: string;
  readonly retryAt?: string | null;
}

export type StatusRow = ServiceRow | CheckedRow;

/** Rows for every service directory of `serviceDir` (names starting with a dot are skipped). */
export function serviceRows(serviceDir: string, nowMs: number): ServiceRow[] {
  let names: string[];
  try {
    names = listNames(serviceDir);
  } catch (error) {
    throw new SysError(`read directory ${serviceDir}`, error);
  }
  return names.filter((name) => !name.startsWith('.') && isDirectory(join(serviceDir, name))).map((name) => serviceRow(name, join(serviceDir, name), nowMs));
}

function serviceRow(name: string, dir: string, nowMs: number): ServiceRow {
  const normallyUp = !exists(join(dir, DOWN_FILE));
  const base = {name, kind: 'supervised' as const, normallyUp};
  let probe;
  try {
    probe = probeSupervisor(dir);
  } catch (error) {
    throw new SysError(`open ${dir}/supervise/ok`, error);
  }
  if (probe !== 'running') return {...base, state: 'not supervised', pid: null, seconds: null, want: null, restarts: null, lastExit: null, health: null, ready: null, lastCheck: null};
  let record;
  try {
    record = readStatus(dir);
  } catch (error) {
    throw new SysError(`read ${dir}/supervise/status`, error);
  }
  if (record === 'bad-format') throw new SysError(`read ${dir}/supervise/status`, Object.assign(new Error('bad format'), {code: 'EPROTO'}));
  const counters = readStats(dir);
  const up = record.pid !== 0;
  const failed = !up && record.want === 'up' ? counters?.failed : undefined;
  return {
    ...base,
    state: up ? (record.paused ? 'paused' : 'up') : failed ? 'failed' : 'down',
    pid: up ? record.pid : null,
    seconds: Number(secondsSince(record, nowMs)),
    want: record.want === 'none' ? null : record.want,
    restarts: counters ? stats.restarts(counters) : null,
    lastExit: counters?.lastExit ?? null,
    ...healthFields(up ? readHealthRecord(dir) : undefined),
    ready: readiness(dir, up ? record.pid : 0),
    ...(failed ? {failedAt: new Date(failed.at).toISOString(), failedReason: failed.reason, retryAt: failed.retryAt === null ? null : new Date(failed.retryAt).toISOString()} : {}),
  };
}

/** s6's notification-fd (read by keepup's supervisor) or `ready: health`; null without either. */
function readiness(dir: string, pid: number): boolean | null {
  return readinessOf(dir, pid) ?? null;
}

/**
 * Everything `keepup status --json` prints, as rows: the service directories of `serviceDir`,
 * then the daemons checked by name (from the process table now). The status page and
 * `GET /status.json` use the same function. `missingServiceDir: 'empty'` gives no supervised
 * rows when `serviceDir` does not exist (keepup cron, which never makes it); otherwise that is
 * an error, as for any unreadable directory.
 */
export async function statusRows(
  config: WatchdogConfig,
  context: Pick<PassContext, 'procRoot' | 'selfPid' | 'reporter' | 'time'>,
  options: {missingServiceDir?: 'error' | 'empty'} = {},
): Promise<StatusRow[]> {
  const rows: StatusRow[] = options.missingServiceDir === 'empty' && !isDirectory(config.serviceDir) ? [] : serviceRows(config.serviceDir, context.time.now());
  const checked = checkedDaemons(config);
  if (checked.daemons.length > 0) {
    const found = await verdicts(checked, context, historyOrEmpty(config.stateDir));
    if (!Array.isArray(found)) throw new FatalError(`unable to inspect the system: ${found.reason}`);
    rows.push(...checkedRows(found, lastHealth(config.stateDir), givenUpQuietly(config.stateDir)));
  }
  return rows;
}

/** Rows for the daemons checked by name, from a check pass's verdicts. */
export function checkedRows(found: readonly Verdict[], health: ReadonlyMap<string, HealthRecord> = new Map(), records: CheckRecords = new Map()): CheckedRow[] {
  return found.map((verdict) => {
    const givenUp = verdict.state === 'missing' ? records.get(verdict.daemon.name)?.givenUp : undefined;
    return {
      name: verdict.daemon.name,
      kind: 'checked',
      state: givenUp ? 'failed' : verdict.state,
      pid: verdict.state === 'running' ? verdict.pid : null,
      ...healthFields(verdict.state === 'running' ? health.get(verdict.daemon.name) : undefined),
      ...(givenUp
        ? {failedAt: new Date(givenUp.at).toISOString(), failedReason: givenUp.reason, retryAt: givenUp.retryAt === undefined ? null : new Date(givenUp.retryAt).toISOString()}
        : {}),
    };
  });
}

/** Check mode's given-up records; none when they cannot be read (status is a report, the pass warns). */
function givenUpQuietly(stateDir: string): CheckRecords {
  try {
    return readCheckRecords(stateDir);
  } catch {
    return new Map();
  }
}

/** The daemons `keepup supervise` checks by name: those without `run:`. */
export function checkedDaemons(config: WatchdogConfig): WatchdogConfig {
  return {...config, daemons: config.daemons.filter((daemon) => !daemon.service)};
}

/** One text line, in svstat's words where they apply. */
export function formatRow(row: StatusRow): string {
  if (row.kind === 'checked') {
    const what = row.state === 'running' ? `running (pid ${row.pid})` : row.state === 'starting' ? 'starting (its start script ran)' : 'missing from the process table';
    const failed = row.state === 'failed' ? `, failed since ${row.failedAt}: ${row.failedReason}; ${row.retryAt ? `next try at ${row.retryAt}` : `no retry (keepup reset ${row.name})`}` : '';
    return `${row.name}: ${what}, checked by name${failed}${healthText(row.health)}\n`;
  }
  if (row.state === 'not supervised') return `${row.name}: not supervised\n`;
  const parts = statusPhrases({pid: row.pid ?? 0, seconds: row.seconds ?? 0, normallyUp: row.normallyUp, paused: row.state === 'paused', want: row.want ?? 'none'});
  if (row.restarts !== null) parts.push(`${row.restarts} restart${row.restarts === 1 ? '' : 's'}`);
  if (row.lastExit) parts.push(`last exit ${exitText(row.lastExit)}`);
  if (row.state === 'failed') {
    parts.push(`failed since ${row.failedAt}: ${row.failedReason}; ${row.retryAt ? `next try at ${row.retryAt}` : 'no retry (keepup reset or svc -u)'}`);
  }
  if (row.ready !== null && row.pid !== null) parts.push(row.ready ? 'ready' : 'not ready');
  return `${row.name}: ${parts.join(', ')}${healthText(row.health)}\n`;
}

function healthText(health: HealthField | null): string {
  return health ? `, ${describeHealth({...health, failures: 0, lastCheck: null, startedAt: health.since})}` : '';
}

function exitText(exit: stats.ChildExit): string {
  if (exit.signal !== null) return `signal ${exit.signal}`;
  if (exit.code !== null) return `code ${exit.code}`;
  return 'unknown (adopted child)';
}

function readStats(dir: string): stats.SupervisorStats | undefined {
  try {
    return stats.parse(readFileSync(join(dir, STATS_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
