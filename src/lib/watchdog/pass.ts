import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {DaemonRule, WatchdogConfig} from '../config/watchdog-config.js';
import {FatalError, SysError} from '../cli/errors.js';
import {EXIT_USAGE} from '../cli/exit-codes.js';
import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {createMailer, deliveryError, type Mailer, type MailMessage, type TransportSpec} from '../mailer/mailer.js';
import {DEAD_AFTER_MS, deadLetter, flushSpool, isPermanentFailure, spoolMessage} from '../mailer/spool.js';
import {readPidNamespace} from '../proctable/namespace.js';
import {readProcessTable} from '../proctable/table.js';
import {checkTrustedPath} from '../security/trusted-path.js';
import type {Time} from '../time/time.js';
import {runCaptured} from './captured-run.js';
import {decide, type Verdict} from './decide.js';
import {countSince, HISTORY_FILE, readHistory, recordRestarts, type Restart} from './history.js';
import {formatReport, formatSubject, formatTime, type RestartRecord} from './report.js';
import {resolveStartScript} from './start-script.js';
import {checkPidNamespace, PIDNS_FILE} from './pid-namespace.js';
import {isUnwritable, lockStateDir, prepareStateDir, SPOOL_DIR, type LockOutcome} from './state-dir.js';
import {isErrno} from '../sys/errno.js';
import type {EventSink} from '../events/event.js';
import {healthPass} from '../health/check-mode.js';

/**
 * One watchdog pass: lock the state directory, retry spooled mail, read the process table,
 * restart what is missing through its start script, record the restarts and report them
 * (mail, or stdout for cron to mail). Everything it says goes through `reporter` (warnings)
 * or the returned `output` (the report, when there is no mail).
 */
export interface PassContext {
  /** Stamps, the lock wait and the start scripts' deadlines. */
  time: Time;
  selfPid: number;
  /** Where the process table is read from: /proc on Linux (a test seam elsewhere). */
  procRoot: string;
  /** Owners whose files may be trusted. */
  uids: readonly number[];
  host: string;
  reporter: Reporter;
  /** Environment for start scripts and diagnostics. */
  env: NodeJS.ProcessEnv;
  createMailer?: (spec: TransportSpec) => Mailer;
  /** Where the pass's events go (health transitions); none when absent. */
  events?: EventSink;
}

export type PassOutcome = {kind: 'completed'; output: string; restarted: string[]} | {kind: 'uninspectable'; reason: string} | {kind: 'busy'; waitedMs: number};

const HOUR = 3600 * 1000;

export async function runPass(config: WatchdogConfig, context: PassContext, options: {dryRun: boolean}): Promise<PassOutcome> {
  const startDir = checkTrustedPath(config.startDir, 'directory', context.uids);
  if (!startDir.ok) throw new FatalError(`refusing startDir ${config.startDir}: ${startDir.problem}`, EXIT_USAGE);
  if (options.dryRun) return dryRun(config, context);

  const state = prepareStateDir(config.stateDir, context.uids);
  // A read-only (or full) file system must not stop restarts: the pass goes on without the
  // lock, the history and the spool, and says so.
  let unwritable = false;
  if (!state.ok) {
    if (state.cause && isUnwritable(state.cause)) {
      unwritable = true;
      context.reporter.warn(`unable to create stateDir ${config.stateDir}: ${errorText(state.cause)}; this pass runs without its lock, restart history and mail spool`);
    } else if (state.cause) {
      throw new SysError(`create stateDir ${config.stateDir}`, state.cause);
    } else {
      throw new FatalError(`refusing stateDir ${config.stateDir}: ${state.problem}`, EXIT_USAGE);
    }
  }
  let locked: LockOutcome = {kind: 'unavailable', cause: Object.assign(new Error('no stateDir'), {code: 'ENOENT'})};
  if (!unwritable) {
    try {
      locked = await lockStateDir(config.stateDir, {waitMs: config.lockWaitMs, time: context.time});
    } catch (error) {
      throw new SysError(`lock ${join(config.stateDir, 'lock')}`, error);
    }
    if (locked.kind === 'busy') return {kind: 'busy', waitedMs: config.lockWaitMs};
    if (locked.kind === 'unavailable') {
      unwritable = true;
      context.reporter.warn(`unable to create ${join(config.stateDir, 'lock')}: ${errorText(locked.cause)}; this pass runs without its lock`);
    }
  }
  try {
    const namespace = namespaceRefusal(config, context, !unwritable);
    if (namespace !== undefined) return {kind: 'uninspectable', reason: namespace};
    const mailer = config.mail ? (context.createMailer ?? createMailer)(config.mail.transport) : undefined;
    if (mailer) await retrySpool(config, mailer, context);
    return await restartMissing(config, context, mailer);
  } finally {
    if (locked.kind === 'locked') locked.lock.release();
  }
}

/** Why the process table may not be the daemons' (another pid namespace than recorded), or undefined. */
function namespaceRefusal(config: WatchdogConfig, context: PassContext, record: boolean): string | undefined {
  let check;
  try {
    check = checkPidNamespace(config.stateDir, readPidNamespace(context.procRoot), {record});
  } catch (error) {
    context.reporter.warn(`unable to record the pid namespace in ${join(config.stateDir, PIDNS_FILE)}: ${errorText(error)}`);
    return undefined;
  }
  if (check.kind !== 'changed') return undefined;
  return `this process table is pid namespace ${check.current}, but the daemons were checked in ${check.recorded} (recorded in ${check.file}); another namespace cannot see them; if the move is deliberate, delete ${check.file}`;
}

async function retrySpool(config: WatchdogConfig, mailer: Mailer, context: PassContext): Promise<void> {
  const reporter = context.reporter;
  const spool = join(config.stateDir, SPOOL_DIR);
  let result;
  try {
    result = await flushSpool(spool, mailer, {now: context.time.now()});
  } catch (error) {
    // The spool must never keep daemons from being restarted.
    reporter.warn(`unable to read the mail spool ${spool}: ${errorText(error)}`);
    return;
  }
  for (const {path, problem} of result.unreadable) reporter.warn(`spool file ${path} is not a message keepup spooled (${problem}); left alone`);
  for (const dead of result.dead) {
    const why = dead.why === 'refused' ? 'refused for good' : `still undeliverable after ${DEAD_AFTER_MS / (24 * 3600 * 1000)} days`;
    reporter.warn(`spooled mail ${why} via ${mailer.description}: ${deliveryError(dead.error)}; moved to ${dead.path}`);
  }
  if (result.failed) {
    reporter.warn(`unable to send spooled mail ${result.failed.path} via ${mailer.description}: ${deliveryError(result.failed.error)}; ${result.remaining} file(s) stay in ${spool}`);
  }
}

function readPidfiles(daemons: readonly DaemonRule[], reporter: Reporter): Map<string, number> {
  const pids = new Map<string, number>();
  for (const daemon of daemons) {
    if (daemon.pidfile === undefined) continue;
    let text: string;
    try {
      text = readFileSync(daemon.pidfile, 'utf8');
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) reporter.warn(`unable to read pidfile ${daemon.pidfile}: ${errorText(error)}`);
      continue;
    }
    const pid = Number(text.trim().split(/\s+/)[0]);
    if (Number.isSafeInteger(pid) && pid > 0) pids.set(daemon.name, pid);
    else reporter.warn(`pidfile ${daemon.pidfile} does not hold a pid`);
  }
  return pids;
}

/** Each daemon's state in the process table now (pidfiles and the restart history count). */
export async function verdicts(
  config: WatchdogConfig,
  context: Pick<PassContext, 'procRoot' | 'selfPid' | 'reporter' | 'time'>,
  restarts: readonly Restart[],
): Promise<Verdict[] | {reason: string}> {
  const table = await readProcessTable({procRoot: context.procRoot, selfPid: context.selfPid});
  if (!table.ok) return {reason: table.reason};
  return decide({
    entries: table.table.entries,
    daemons: config.daemons,
    startDir: config.startDir,
    selfPid: context.selfPid,
    pidfilePids: readPidfiles(config.daemons, context.reporter),
    restarts,
    now: context.time.now(),
    graceMs: config.scriptTimeoutMs,
  });
}

async function restartMissing(config: WatchdogConfig, context: PassContext, mailer: Mailer | undefined): Promise<PassOutcome> {
  const historyPath = join(config.stateDir, HISTORY_FILE);
  let history;
  try {
    history = readHistory(historyPath);
  } catch (error) {
    throw new SysError(`read ${historyPath}`, error);
  }
  if (history.badLines > 0) context.reporter.warn(`${historyPath}: skipped ${history.badLines} line(s) that are not restart records`);
  const found = await verdicts(config, context, history.restarts);
  if (!Array.isArray(found)) return {kind: 'uninspectable', reason: found.reason};
  for (const verdict of found) {
    if (verdict.state === 'starting') {
      context.reporter.warn(`daemon ${verdict.daemon.name} is not running; not restarting it again yet: ${startingReason(verdict)}`);
    }
  }
  const health = await healthPass(
    found.flatMap((verdict) => (verdict.state === 'running' ? [{daemon: verdict.daemon, pid: verdict.pid}] : [])),
    {
      stateDir: config.stateDir,
      time: context.time,
      reporter: context.reporter,
      stopTimeoutMs: config.stopTimeoutMs,
      procRoot: context.procRoot,
      ...(context.events ? {events: context.events} : {}),
    },
  );
  const stopped = health.findings.filter((finding) => finding.action === 'restart').map((finding) => finding.daemon);
  const missing = [...found.filter((verdict) => verdict.state === 'missing').map((verdict) => verdict.daemon), ...stopped];
  if (missing.length === 0 && health.text === '') return {kind: 'completed', output: '', restarted: []};

  const records = await Promise.all(missing.map((daemon) => restartOne(config, context, daemon)));
  const launched = records.flatMap((record): Restart[] =>
    record.run === undefined || record.run.ending.kind === 'failed'
      ? []
      : [{daemon: record.daemon.name, time: record.time, ...(record.run.ending.kind === 'running' && record.run.pid ? {scriptPid: record.run.pid} : {})}],
  );
  const now = context.time.now();
  let all: Restart[];
  try {
    all = recordRestarts(historyPath, history.restarts, launched, now);
  } catch (error) {
    context.reporter.warn(`unable to write ${historyPath}: ${errorText((error as {cause?: unknown}).cause ?? error)}`);
    all = [...history.restarts, ...launched];
  }
  for (const record of records) {
    record.lastHour = countSince(all, record.daemon.name, now, HOUR);
    record.lastDay = countSince(all, record.daemon.name, now, 24 * HOUR);
  }
  const text = health.text + (records.length > 0 ? formatReport(records, config.scriptTimeoutMs) : '');
  const restarted = records.map((record) => record.daemon.name);
  if (!mailer || !config.mail) return {kind: 'completed', output: text, restarted};
  const message: MailMessage = {
    from: config.mail.from,
    to: config.mail.to,
    subject: records.length > 0 ? formatSubject(records, context.host) : `unhealthy daemons on ${context.host}`,
    text,
    date: new Date(now).toISOString(),
  };
  await deliver(config, mailer, message, now, context.reporter);
  return {kind: 'completed', output: '', restarted};
}

async function deliver(config: WatchdogConfig, mailer: Mailer, message: MailMessage, now: number, reporter: Reporter): Promise<void> {
  try {
    await mailer.send(message);
    return;
  } catch (error) {
    const spool = join(config.stateDir, SPOOL_DIR);
    let where: string;
    try {
      where = isPermanentFailure(error) ? `refused for good; kept in ${deadLetter(spool, message, now)}` : `kept in ${spoolMessage(spool, message, now)} for the next run`;
    } catch (spoolError) {
      where = `and unable to spool it in ${spool}: ${errorText((spoolError as {cause?: unknown}).cause ?? spoolError)}; the report follows\n${message.text}`;
    }
    reporter.warn(`unable to send mail via ${mailer.description}: ${deliveryError(error)}; ${where}`);
  }
}

async function restartOne(config: WatchdogConfig, context: PassContext, daemon: DaemonRule): Promise<RestartRecord> {
  const time = context.time.now();
  const record: RestartRecord = {daemon, time, diagnostics: [], lastHour: 0, lastDay: 0};
  for (const command of daemon.diagnostics) {
    const run = await runCaptured(command, {
      cwd: config.startDir,
      timeoutMs: config.scriptTimeoutMs,
      detached: false,
      killAtDeadline: true,
      env: context.env,
      time: context.time,
    });
    record.diagnostics.push({command, run});
  }
  const script = resolveStartScript(config.startDir, daemon.script, context.uids);
  if (!script.ok) {
    record.refused = script.problem;
    return record;
  }
  record.command = [script.path, ...daemon.args];
  record.time = context.time.now();
  record.run = await runCaptured(record.command, {
    cwd: config.startDir,
    timeoutMs: config.scriptTimeoutMs,
    detached: true,
    killAtDeadline: false,
    env: context.env,
    time: context.time,
  });
  return record;
}

function startingReason(verdict: Extract<Verdict, {state: 'starting'}>): string {
  return verdict.scriptPid !== undefined
    ? `its start script launched at ${formatTime(verdict.since)} (pid ${verdict.scriptPid}) is still running`
    : `its start script was launched at ${formatTime(verdict.since)}`;
}

/** The restart history for read-only looks (dry run, status): unreadable counts as empty. */
export function historyOrEmpty(stateDir: string): Restart[] {
  try {
    return readHistory(join(stateDir, HISTORY_FILE)).restarts;
  } catch {
    return [];
  }
}

/** What a pass would do, without locking, writing, mailing or running anything. */
async function dryRun(config: WatchdogConfig, context: PassContext): Promise<PassOutcome> {
  const namespace = namespaceRefusal(config, context, false);
  if (namespace !== undefined) return {kind: 'uninspectable', reason: namespace};
  const restarts = historyOrEmpty(config.stateDir);
  const found = await verdicts(config, context, restarts);
  if (!Array.isArray(found)) return {kind: 'uninspectable', reason: found.reason};
  const lines = found.map((verdict) => {
    const name = verdict.daemon.name;
    if (verdict.state === 'running') return `${name}: running, pid ${verdict.pid}${verdict.via === 'pidfile' ? ' (from its pidfile)' : ''}\n`;
    if (verdict.state === 'starting') return `${name}: not running; would wait: ${startingReason(verdict)}\n`;
    const script = resolveStartScript(config.startDir, verdict.daemon.script, context.uids);
    if (!script.ok) return `${name}: not running; would not restart it: ${script.problem}\n`;
    return `${name}: not running; would run ${[script.path, ...verdict.daemon.args].join(' ')}\n`;
  });
  return {kind: 'completed', output: lines.join(''), restarted: []};
}
