import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import type {DaemonRule, WatchdogConfig} from '../config/watchdog-config.js';
import {FatalError, SysError} from '../cli/errors.js';
import {EXIT_USAGE} from '../cli/exit-codes.js';
import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {createMailer, deliveryError, type Mailer, type MailerOptions, type MailMessage, type TransportSpec} from '../mailer/mailer.js';
import {DEAD_AFTER_MS, deadLetter, flushSpool, isPermanentFailure, spoolMessage} from '../mailer/spool.js';
import {readPidNamespace} from '../proctable/namespace.js';
import {readProcessTable} from '../proctable/table.js';
import {checkTrustedPath} from '../security/trusted-path.js';
import type {Time} from '../time/time.js';
import {runCaptured} from './captured-run.js';
import {decide, runsStartScript, type Verdict} from './decide.js';
import {parseCmdline} from '../proctable/proc.js';
import {countSince, HISTORY_FILE, readHistory, recordRestarts, type Restart} from './history.js';
import {formatReport, formatSubject, formatTime, type RestartRecord} from './report.js';
import {resolveStartScript} from './start-script.js';
import {checkPidNamespace, PIDNS_FILE} from './pid-namespace.js';
import {isUnwritable, lockStateDir, prepareStateDir, SPOOL_DIR, type LockOutcome} from './state-dir.js';
import {isErrno} from '../sys/errno.js';
import {reportOnce, type Notice} from './notices.js';
import {scriptEnvironment} from './script-env.js';
import {treeSupervised} from './supervisor-probe.js';
import {closeSync, openSync} from 'node:fs';
import {spawn} from 'node:child_process';
import type {EventSink} from '../events/event.js';
import {planCheckPolicy} from '../policy/check-pass.js';
import {healthPass} from '../health/check-mode.js';
import {sendSignal} from '../sys/signals.js';

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
  /** keepup's own environment (its PATH is where sendmail is looked for first); scripts get a clean one (script-env). */
  env: NodeJS.ProcessEnv;
  /** How to run keepup itself (`[node, keepup.js]`), for `startSupervise`. */
  selfCommand?: readonly string[];
  createMailer?: (spec: TransportSpec, options: MailerOptions) => Mailer;
  /** Where the pass's events go (restarted, gave-up, recovered); none: not recorded. */
  events?: EventSink;
  /** Told when a pass completed (its start and end, unix ms): metrics' last check and its duration. */
  onPassCompleted?: (startedMs: number, endedMs: number) => void;
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
    const mailer = config.mail ? (context.createMailer ?? createMailer)(config.mail.transport, {...(context.env.PATH !== undefined ? {path: context.env.PATH} : {})}) : undefined;
    if (mailer) await retrySpool(config, mailer, context);
    return await restartMissing(config, context, mailer, !unwritable);
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

function readPidfiles(daemons: readonly DaemonRule[], notices: Notice[]): Map<string, number> {
  const pids = new Map<string, number>();
  for (const daemon of daemons) {
    if (daemon.pidfile === undefined) continue;
    let text: string;
    try {
      text = readFileSync(daemon.pidfile, 'utf8');
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) notices.push({key: `pidfile-unreadable:${daemon.pidfile}`, message: `unable to read pidfile ${daemon.pidfile}: ${errorText(error)}`});
      continue;
    }
    // An empty pidfile (a daemon writing it, or one that truncates it on exit) is no pid, as a missing one.
    if (text.trim() === '') continue;
    const pid = Number(text.trim().split(/\s+/)[0]);
    if (Number.isSafeInteger(pid) && pid > 0) pids.set(daemon.name, pid);
    else notices.push({key: `pidfile-garbage:${daemon.pidfile}`, message: `pidfile ${daemon.pidfile} does not hold a pid`});
  }
  return pids;
}

/** Each daemon's state in the process table now (pidfiles and the restart history count). */
export async function verdicts(
  config: WatchdogConfig,
  context: Pick<PassContext, 'procRoot' | 'selfPid' | 'reporter' | 'time'>,
  restarts: readonly Restart[],
  notices: Notice[] = [],
): Promise<Verdict[] | {reason: string}> {
  const table = await readProcessTable({procRoot: context.procRoot, selfPid: context.selfPid});
  if (!table.ok) return {reason: table.reason};
  return decide({
    entries: table.table.entries,
    daemons: config.daemons,
    startDir: config.startDir,
    selfPid: context.selfPid,
    pidfilePids: readPidfiles(config.daemons, notices),
    restarts,
    now: context.time.now(),
    graceMs: config.scriptTimeoutMs,
  });
}

/** The daemons a check pass looks for: those without `run:` (they belong to `keepup supervise`, never to check mode). */
function checkedRules(config: WatchdogConfig): WatchdogConfig {
  return {...config, daemons: config.daemons.filter((daemon) => !daemon.service)};
}

async function restartMissing(config: WatchdogConfig, context: PassContext, mailer: Mailer | undefined, writable: boolean): Promise<PassOutcome> {
  const historyPath = join(config.stateDir, HISTORY_FILE);
  let history;
  try {
    history = readHistory(historyPath);
  } catch (error) {
    throw new SysError(`read ${historyPath}`, error);
  }
  if (history.badLines > 0) context.reporter.warn(`${historyPath}: skipped ${history.badLines} line(s) that are not restart records`);
  const notices: Notice[] = [];
  const checked = checkedRules(config);
  let found = await verdicts(checked, context, history.restarts, notices);
  if (!Array.isArray(found)) return {kind: 'uninspectable', reason: found.reason};
  const killed = await killHungScripts(config, context, found);
  if (killed.size > 0) {
    const again = await verdicts(
      checked,
      context,
      history.restarts.filter((restart) => !killed.has(restart.daemon)),
      [],
    );
    if (!Array.isArray(again)) return {kind: 'uninspectable', reason: again.reason};
    found = again;
  }
  for (const verdict of found) {
    if (verdict.state === 'starting') {
      context.reporter.warn(`daemon ${verdict.daemon.name} is not running; not restarting it again yet: ${startingReason(verdict)}`);
    }
  }
  const supervisor = supervisorCheck(config, context, notices);
  reportOnce(config.stateDir, notices, context.reporter, {record: true});
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
  // The restart policy (policy/check-pass.ts): given-up daemons are not restarted, and said so once.
  const policy = planCheckPolicy(found, history.restarts, {
    stateDir: config.stateDir,
    now: context.time.now(),
    writable,
    warn: (message) => context.reporter.warn(message),
    ...(context.events ? {events: context.events} : {}),
  });
  const missing = [...policy.restart, ...stopped];
  if (missing.length === 0 && policy.gaveUp.length === 0 && supervisor === undefined && health.text === '') {
    policy.commit([]);
    return {kind: 'completed', output: '', restarted: []};
  }

  const records = await Promise.all(missing.map((daemon) => restartOne(config, context, daemon, killed.get(daemon.name))));
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
  policy.commit(launched.map((restart) => restart.daemon));
  for (const record of records) {
    record.lastHour = countSince(all, record.daemon.name, now, HOUR);
    record.lastDay = countSince(all, record.daemon.name, now, 24 * HOUR);
  }
  const text = [
    ...(supervisor !== undefined ? [supervisor.text] : []),
    health.text.replace(/\n$/, ''),
    records.length > 0 ? formatReport(records, config.scriptTimeoutMs) : '',
    policy.report,
  ]
    .filter((part) => part !== '')
    .join('\n');
  const restarted = [...(supervisor?.started ? ['keepup supervise'] : []), ...records.map((record) => record.daemon.name)];
  if (!mailer || !config.mail) return {kind: 'completed', output: text, restarted};
  const subject =
    records.length > 0
      ? formatSubject(records, context.host)
      : policy.gaveUp.length > 0
        ? `keepup on ${context.host}: gave up on ${policy.gaveUp.map(({daemon}) => daemon.name).join(', ')}`
        : supervisor !== undefined
          ? `keepup on ${context.host}: ${supervisor.started ? 'restarted' : 'could not restart'} keepup supervise`
          : `unhealthy daemons on ${context.host}`;
  const message: MailMessage = {from: config.mail.from, to: config.mail.to, subject, text, date: new Date(now).toISOString()};
  await deliver(config, mailer, message, now, context.reporter);
  return {kind: 'completed', output: '', restarted};
}

/**
 * The daemons with `run:` are `keepup supervise`'s. When it runs on the tree, check mode leaves
 * them alone; when it does not, it says so once (a notice), or starts `keepup supervise` itself
 * when the config has `startSupervise: true` (its output goes to `stateDir/supervise.log`).
 */
function supervisorCheck(config: WatchdogConfig, context: PassContext, notices: Notice[]): {text: string; started: boolean} | undefined {
  const supervised = config.daemons.filter((daemon) => daemon.service).map((daemon) => daemon.name);
  if (supervised.length === 0 || treeSupervised(config.serviceDir)) return undefined;
  if (!config.startSupervise) {
    notices.push({
      key: `supervisor-down:${config.serviceDir}`,
      message: `keepup supervise is not running on ${config.serviceDir}: ${supervised.join(', ')} (with run:) are not supervised and check mode never starts them; run keepup supervise, or set startSupervise: true`,
    });
    return undefined;
  }
  const command = [...(context.selfCommand ?? [process.execPath, process.argv[1] ?? 'keepup']), 'supervise', '--config', config.file];
  const log = join(config.stateDir, 'supervise.log');
  let text = `Restarting keepup supervise\n${formatTime(context.time.now())}\n  command: ${command.join(' ')}\n`;
  let fd: number | undefined;
  try {
    fd = openSync(log, 'a', 0o600);
    const child = spawn(command[0]!, command.slice(1), {
      detached: true,
      stdio: ['ignore', fd, fd],
      cwd: dirname(config.file),
      env: scriptEnvironment({daemon: 'keepup supervise', reason: 'not running'}),
    });
    const pid = child.pid;
    child.on('error', () => {});
    child.unref();
    text += pid !== undefined ? `  started, pid ${pid}; its output goes to ${log}\n` : `  could not be started\n`;
    return {text, started: pid !== undefined};
  } catch (error) {
    text += `  could not be started: ${errorText(error)}\n`;
    return {text, started: false};
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Hung start scripts past `scriptLimit`: their process group gets TERM, then KILL. By daemon name, what was done. */
async function killHungScripts(config: WatchdogConfig, context: PassContext, found: readonly Verdict[]): Promise<Map<string, string>> {
  const killed = new Map<string, string>();
  const now = context.time.now();
  for (const verdict of found) {
    if (verdict.state !== 'starting' || verdict.scriptPid === undefined || now - verdict.since < config.scriptLimitMs) continue;
    const group = verdict.scriptPid;
    // Only a group whose leader still runs a start script: a pid the kernel gave to another session leader is left alone.
    if (!leaderRunsStartScript(context.procRoot, group, config.startDir)) continue;
    const signal = await terminateGroup(group, context.time, KILL_AFTER_MS);
    const seconds = Math.round((now - verdict.since) / 1000);
    const what = `its start script (pid ${group}) was still running after ${seconds} s (scriptLimit ${config.scriptLimitMs / 1000} s); its process group got ${signal === 'SIGKILL' ? 'TERM, then KILL' : 'TERM'}`;
    context.reporter.warn(`daemon ${verdict.daemon.name}: ${what}`);
    killed.set(verdict.daemon.name, what);
  }
  return killed;
}

function leaderRunsStartScript(procRoot: string, pid: number, startDir: string): boolean {
  try {
    return runsStartScript({pid, comm: '', argv: parseCmdline(readFileSync(join(procRoot, String(pid), 'cmdline')))}, startDir);
  } catch {
    return false;
  }
}

/** How long a hung script's group has between TERM and KILL. */
const KILL_AFTER_MS = 5000;

/** TERM to the group, KILL if any of it is left after `graceMs`; the last signal sent. */
async function terminateGroup(group: number, time: Time, graceMs: number): Promise<'SIGTERM' | 'SIGKILL'> {
  const send = (signal: NodeJS.Signals): boolean => sendSignal(group, signal, true);
  if (!send('SIGTERM')) return 'SIGTERM';
  send('SIGCONT');
  const deadline = time.now() + graceMs;
  while (time.now() < deadline) {
    if (!groupAlive(group)) return 'SIGTERM';
    await time.sleep(100);
  }
  send('SIGKILL');
  return 'SIGKILL';
}

/** Whether any process but a zombie is left in the group (zombies wait for init to reap them). */
function groupAlive(group: number): boolean {
  if (!sendSignal(group, 0, true)) return false;
  try {
    const stat = readFileSync(`/proc/${group}/stat`, 'utf8');
    // The leader alone may remain as a zombie; others would be found by kill(0) as well, so look once more after it is reaped.
    return !/\) Z /.test(stat);
  } catch {
    return true;
  }
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

async function restartOne(config: WatchdogConfig, context: PassContext, daemon: DaemonRule, killed: string | undefined): Promise<RestartRecord> {
  const time = context.time.now();
  const env = scriptEnvironment({daemon: daemon.name, reason: killed !== undefined ? 'start script killed after scriptLimit' : 'not running'});
  const record: RestartRecord = {daemon, time, diagnostics: [], lastHour: 0, lastDay: 0, ...(killed !== undefined ? {note: killed} : {})};
  for (const command of daemon.diagnostics) {
    const run = await runCaptured(command, {
      cwd: config.startDir,
      timeoutMs: config.scriptTimeoutMs,
      detached: false,
      killAtDeadline: true,
      env,
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
    env,
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
  // The real run refuses a stateDir others can write into; so does the dry run.
  const state = checkTrustedPath(config.stateDir, 'directory', context.uids);
  if (!state.ok && !state.cause) throw new FatalError(`refusing stateDir ${config.stateDir}: ${state.problem}`, EXIT_USAGE);
  const restarts = historyOrEmpty(config.stateDir);
  const found = await verdicts(checkedRules(config), context, restarts);
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
