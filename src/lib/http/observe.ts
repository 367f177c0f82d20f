import {join} from 'node:path';
import {FatalError, SysError} from '../cli/errors.js';
import {EXIT_USAGE} from '../cli/exit-codes.js';
import type {Reporter} from '../cli/messages.js';
import type {HttpSettings, WatchdogConfig} from '../config/watchdog-config.js';
import {controlService} from '../control/service-control.js';
import {EventBus, type EventSink} from '../events/event.js';
import {EventLog, readEvents} from '../events/log.js';
import {statusRows, type StatusRow} from '../keepup/service-report.js';
import {logTail} from '../notify/log-tail.js';
import {LOG_DIR} from '../service-dir/layout.js';
import {writeFileAtomicSync} from '../sys/fs-atomic.js';
import type {PassContext} from '../watchdog/pass.js';
import {prepareStateDir} from '../watchdog/state-dir.js';
import {checkTrustedPath} from '../security/trusted-path.js';
import {readCredentials} from './credentials.js';
import {KeepupMetrics, LastRun} from './metrics.js';
import {CONTROL_LETTERS, StatusServer, type ControlResult} from './server.js';

/** What the listener of a resident keepup reads: the config now (it changes on SIGHUP) and the process' world. */
export interface ObserveOptions {
  readonly config: () => WatchdogConfig;
  readonly pass: Pick<PassContext, 'procRoot' | 'selfPid' | 'reporter' | 'time' | 'host' | 'uids'>;
  readonly passes: LastRun;
  /** The scans of the service tree (keepup supervise). */
  readonly scans?: LastRun;
  /** Where control events go (keepup's event bus); default: a bus that appends to `stateDir/events`. */
  readonly events?: EventSink;
  readonly source: 'supervise' | 'check';
  /** Where the one line saying where it listens goes (stdout). */
  readonly out: (text: string) => void;
}

/** A bus whose one listener appends to `stateDir/events` (made, and checked, as a pass does); a log that cannot be written is a warning. */
export function eventLogBus(stateDir: () => string, uids: readonly number[], time: {now(): number}, reporter: Reporter): EventBus {
  const bus = new EventBus(() => time.now(), reporter);
  bus.subscribe((event) => {
    const dir = stateDir();
    const state = prepareStateDir(dir, uids);
    if (!state.ok) throw new Error(`stateDir ${dir}: ${state.problem}`);
    new EventLog(dir).append(event);
  });
  return bus;
}

/**
 * Starts the listener `http:` asks for, or nothing when the config has none. The credentials
 * file, when named, must be usable at start (a FatalError, exit 100, otherwise); it is read
 * again at each control request, so it can be changed without a restart. A port that cannot be
 * bound is a SysError (exit 111). `http:` itself is read at start only.
 */
export async function startObserver(options: ObserveOptions): Promise<StatusServer | undefined> {
  const settings = options.config().http;
  if (!settings) return undefined;
  const {pass} = options;
  if (settings.credentials !== undefined) {
    const check = readCredentials(settings.credentials, pass.uids);
    if (!check.ok) throw new FatalError(check.problem, EXIT_USAGE);
  }
  const metrics = new KeepupMetrics({processMetrics: true});
  const events = options.events ?? eventLogBus(() => options.config().stateDir, pass.uids, pass.time, pass.reporter);
  const rows = (): Promise<StatusRow[]> => statusRows(options.config(), pass, {missingServiceDir: 'empty'});
  const server = new StatusServer(settings, {
    rows,
    async metrics() {
      const text = await metrics.render({rows: await rows(), config: options.config(), nowMs: pass.time.now(), passes: options.passes, ...(options.scans ? {scans: options.scans} : {})});
      return {contentType: metrics.contentType, text};
    },
    events: (limit) => recentEvents(options.config().stateDir, limit),
    logTail(service) {
      const config = options.config();
      const script = config.daemons.find((daemon) => daemon.name === service)?.service?.log;
      return script && logTail(join(config.serviceDir, service, LOG_DIR), script);
    },
    control: (service, action) => sendAction(join(options.config().serviceDir, service), CONTROL_LETTERS[action]),
    credentials: () => (settings.credentials !== undefined ? readCredentials(settings.credentials, pass.uids) : undefined),
    eventSink: events,
    source: options.source,
    host: pass.host,
    now: () => pass.time.now(),
    warn: (message) => pass.reporter.warn(message),
  });
  let address;
  try {
    address = await server.listen();
  } catch (error) {
    throw new SysError(`listen on ${listenText(settings)}`, error);
  }
  const bound = listenText({host: settings.host, port: address.port});
  options.out(`keepup: serving http://${bound}/ (status page), /metrics and /status.json${settings.credentials !== undefined ? '; control actions need credentials' : '; read-only'}\n`);
  return server;
}

export function listenText(settings: Pick<HttpSettings, 'host' | 'port'>): string {
  return settings.host.includes(':') ? `[${settings.host}]:${settings.port}` : `${settings.host}:${settings.port}`;
}

function sendAction(dir: string, letters: string): ControlResult {
  const outcome = controlService(dir, letters);
  switch (outcome.kind) {
    case 'sent':
      return {ok: true};
    case 'not-running':
      return {ok: false, status: 409, message: 'supervise not running'};
    default:
      return {ok: false, status: 500, message: `unable to control ${dir}`};
  }
}

/** The newest events of the log, or none when it cannot be read. */
function recentEvents(stateDir: string, limit: number) {
  try {
    return readEvents(stateDir, {limit});
  } catch {
    return [];
  }
}

/**
 * `metricsFile:` for `keepup check`: the pass's metrics (no process metrics: node_exporter has
 * its own, and a textfile must not repeat them) written atomically, as node_exporter's textfile
 * collector wants (it may read at any moment), into a directory only trusted uids can write.
 * A failure is a warning; the pass stands.
 */
export async function writeMetricsFile(config: WatchdogConfig, pass: Pick<PassContext, 'procRoot' | 'selfPid' | 'reporter' | 'time' | 'uids'>, passes: LastRun): Promise<void> {
  const file = config.metricsFile;
  if (file === undefined) return;
  // Only into a directory nobody else can write: root's rename there must not race anyone.
  const place = checkTrustedPath(file, 'parents', pass.uids);
  if (!place.ok) {
    pass.reporter.warn(`refusing metricsFile ${file}: ${place.problem}`);
    return;
  }
  try {
    const rows = await statusRows(config, pass, {missingServiceDir: 'empty'});
    const text = await new KeepupMetrics({processMetrics: false}).render({rows, config, nowMs: pass.time.now(), passes});
    writeFileAtomicSync(file, Buffer.from(text), {mode: 0o644, exclusive: true});
  } catch (error) {
    const cause = (error as {cause?: unknown}).cause ?? error;
    pass.reporter.warn(`unable to write metricsFile ${file}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
