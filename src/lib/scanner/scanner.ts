import type {EventSink} from '../events/event.js';
import {closeSync, constants, openSync, watch, type FSWatcher} from 'node:fs';
import {join} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {Supervisor, type SupervisorReporter} from '../supervisor/engine.js';
import type {SpawnSettings} from '../supervisor/child.js';
import {DEFAULT_STOP_TIMEOUT_MS} from '../supervisor/state.js';
import {systemTime, type TimerHandle, type Time} from '../time/time.js';
import {makeFifos, openFifo} from '../service-dir/fifo.js';
import {inSupervise, LOG_DIR, LOG_PIPE, superviseFifos} from '../service-dir/layout.js';
import type {HeldDirectory} from '../sys/held-directory.js';
import {trustedUids} from '../security/ownership.js';
import {openServiceDirectory, openSuperviseDirectory} from '../supervisor/service-dir.js';
import {InProcessLog, type AccountLogScript} from './in-process-log.js';
import {listServices, planScan, type ServiceEntry} from './listing.js';

/**
 * How often the directory is read again when a change could go unseen (svscan's 5 s): without a
 * watch, or while the last scan left something to retry (a warning, a refused or unsupervised
 * service, a supervisor that exited). A tree the watch covers and that is fully supervised arms
 * no timer at all.
 */
export const RESCAN_MS = 5000;
/** How long after a directory change the rescan waits, so one `mkdir` + `cp` becomes one scan. */
export const SETTLE_MS = 50;
/** How long a stopping logger may take to log what its service wrote last before it gets TERM. */
export const DRAIN_MS = 5000;
export {DEFAULT_STOP_TIMEOUT_MS};

export interface ScannerOptions {
  /** The scan directory (svscan chdirs there and passes '.', so messages name services as daemontools does). */
  readonly dir: string;
  /** svscan's own warnings. */
  readonly reporter: Reporter;
  /** Each supervisor's warnings and child-start failures. */
  readonly supervisorReporter: SupervisorReporter;
  /** The rescan and settle timers, the drain deadline, and each supervisor's and in-process logger's time. Default systemTime. */
  readonly time?: Time;
  /** Periodic rescan; default RESCAN_MS. */
  readonly rescanMs?: number;
  /** Watch the directory for changes (default true); the periodic rescan is the fallback when the watch fails or a scan left something to retry. */
  readonly watch?: boolean;
  /** Told after each read of the directory (its start and end, unix ms): the metrics' scan duration. */
  readonly onScanned?: (startedMs: number, endedMs: number) => void;
  /**
   * Shutdown and removal: KILL after this long when a directory has no `timeout-kill` file
   * (asked each time when a function); default DEFAULT_STOP_TIMEOUT_MS.
   */
  readonly stopTimeoutMs?: number | (() => number);
  /**
   * Extra spawn settings for a service or its logger (keepup supervise: user, env, limits),
   * asked for at every start of the child; a throw is reported as a failed start.
   */
  readonly spawnSettings?: (entry: ServiceEntry, role: 'main' | 'log') => SpawnSettings;
  /**
   * A multilog script to run IN THIS PROCESS as the service's logger (keepup supervise, svscan's
   * common `log/run` forms), with the account it runs as if any, instead of starting
   * `NAME/log/run`; undefined: run `log/run` as svscan does. Asked when the logger is
   * first supervised (in process or not), and again at every start of an in-process logger.
   */
  readonly logScript?: (entry: ServiceEntry) => readonly string[] | AccountLogScript | undefined;
  /**
   * Where the services' events go (keepup supervise: its event bus), named by the service's
   * name in the tree. Default: each service's own `supervise/events` (a plain svscan tree).
   */
  readonly events?: EventSink;
  /**
   * True while service `name` must not be supervised yet (keepup supervise's start order: its
   * dependencies are not up or ready); asked at every scan. Its logger is supervised anyway.
   */
  readonly holdBack?: (name: string) => boolean;
}

/** One line of `keepup status`/tests: what the scanner supervises. */
export interface ServiceView {
  readonly name: string;
  readonly mainPid: number;
  /** An in-process logger shows this process's pid, as its `status` does. */
  readonly logPid: number | undefined;
  readonly logInProcess: boolean;
  readonly supervised: boolean;
  /** The main supervisor's count of `u`/`d`/`o` from its control FIFO (SupervisorSnapshot.wantCommands). */
  readonly wantCommands: number;
}

/**
 * The scanner's own two descriptions of a log pipe, held for the life of the entry and never
 * read or written: `reader` keeps a writer from EPIPE while no logger runs, `writer` keeps a
 * logger from end of input while the service restarts. Children get descriptions of their own.
 */
interface LogPipe {
  readonly reader: number;
  /** undefined once the scanner let go of it, so its logger reads to the end and stops. */
  writer: number | undefined;
}

interface Entry {
  readonly key: string;
  name: string;
  readonly hasLog: boolean;
  /** The service directory and its `log/`, held open: the entry is bound to them, not to the name. */
  readonly dir: HeldDirectory;
  readonly logDir: HeldDirectory | undefined;
  pipe: LogPipe | undefined;
  main: Supervisor | undefined;
  log: Supervisor | undefined;
  /** The runner of an in-process logger (keepup supervise), whose Supervisor is `log`. */
  inlog: InProcessLog | undefined;
  /** Being taken down for good (retire): scans do not start it again. */
  retiring: boolean;
}

/**
 * svscan in one process: every subdirectory of the scan directory is supervised by a Supervisor
 * object, and `NAME/log` by a second one whose stdin is the service's stdout. The pipe between
 * them is the FIFO `NAME/supervise/log.pipe`, which the scanner holds open (both ends) for the
 * life of the entry, so neither side's restart, nor this process's own death, loses a line (the
 * kernel holds what the logger has not read yet). The service and the logger never share an open
 * file description: each start gets a fresh blocking one (write-only for the service, read-only
 * for the logger), as the two ends of daemontools' pipe(2) are two, so O_NONBLOCK set by one side
 * never reaches the other and a stalled logger simply blocks the writer. Services are keyed by
 * device and inode; a directory that disappears keeps its supervisors until they exit, as with
 * daemontools. Shutdown and removal always finish: TERM, then KILL after the stop timeout.
 */
export class Scanner {
  private readonly options: ScannerOptions;
  private readonly time: Time;
  private readonly entries = new Map<string, Entry>();
  private watcher: FSWatcher | undefined;
  private rescanTimer: TimerHandle | undefined;
  /** The last scan left nothing to retry: with a working watch, no rescan is due. */
  private settled = false;
  private settleTimer: TimerHandle | undefined;
  private scanning: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Directories refused by the trust rule (key → message): said once, looked at again every scan. */
  private refused = new Map<string, string>();
  /** Whose service directories this scanner may touch: root, and itself. */
  private readonly uids = trustedUids(process.getuid?.() ?? 0);

  constructor(options: ScannerOptions) {
    this.options = options;
    this.time = options.time ?? systemTime;
  }

  /** First scan, then watch and rescan until stop(). */
  async start(): Promise<void> {
    if (this.options.watch ?? true) this.watch();
    await this.scan();
  }

  /** Reads the directory and starts what is missing. Calls made while a scan runs fold into one more scan. */
  scan(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.scanning) {
      this.again = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      try {
        do {
          this.again = false;
          const started = this.time.now();
          this.settled = await this.scanOnce();
          this.options.onScanned?.(started, this.time.now());
        } while (this.again && !this.stopped);
      } finally {
        this.scanning = undefined;
        this.scheduleRescan();
      }
    })();
    return this.scanning;
  }

  services(): ServiceView[] {
    return [...this.entries.values()].map((entry) => ({
      name: entry.name,
      mainPid: entry.main?.snapshot().pid ?? 0,
      wantCommands: entry.main?.snapshot().wantCommands ?? 0,
      logPid: entry.hasLog ? (entry.log?.snapshot().pid ?? 0) : undefined,
      logInProcess: entry.inlog !== undefined,
      supervised: entry.main !== undefined,
    }));
  }

  /**
   * Restarts the in-process logger of service `name` (`svc -t`), which asks for its script
   * again (after a config change); the pipe keeps what the service writes meanwhile.
   */
  async restartLogger(name: string): Promise<void> {
    const entry = this.byName(name);
    if (entry?.inlog) entry.log?.send('t');
  }

  /**
   * Stops a service's logger after the service: the scanner lets go of its writer, so the logger
   * reads to the end of what the service wrote and ends by itself (`x` keeps it from starting
   * again) once no writer is left; after DRAIN_MS it gets `d` (TERM), then KILL after the stop
   * timeout. Then the scanner closes its reader too.
   */
  private async stopLogger(entry: Entry): Promise<void> {
    const log = entry.log;
    const inlog = entry.inlog;
    this.releaseWriter(entry);
    if (log) {
      log.send('x');
      let timer: TimerHandle | undefined;
      const deadline = new Promise<'late'>((resolve) => (timer = this.time.setTimeout(() => resolve('late'), DRAIN_MS)));
      const ended = await Promise.race([log.exited, deadline]);
      if (timer !== undefined) this.time.clearTimeout(timer);
      if (ended === 'late') await log.stop(this.stopTimeoutMs());
    }
    await inlog?.close();
    this.closePipe(entry);
  }

  private stopTimeoutMs(): number {
    const option = this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    return typeof option === 'function' ? option() : option;
  }

  /** Feeds control bytes to the supervisor of service `name` (or its logger); false when there is none. */
  control(name: string, commands: string, role: 'main' | 'log' = 'main'): boolean {
    const supervisor = this.byName(name)?.[role];
    if (!supervisor) return false;
    supervisor.send(commands);
    return true;
  }

  /**
   * Takes service `name` down for good: no scan starts it again, the service and then its logger
   * get `dx`, and this resolves once both have exited. The caller then moves the directory out of
   * the scan directory; the next scan forgets the entry.
   */
  async retire(name: string): Promise<void> {
    const entry = this.byName(name);
    if (!entry) return;
    entry.retiring = true;
    await this.scanning;
    await entry.main?.stop(this.stopTimeoutMs());
    await this.stopLogger(entry);
  }

  private byName(name: string): Entry | undefined {
    for (const entry of this.entries.values()) if (entry.name === name) return entry;
    return undefined;
  }

  /**
   * Stops scanning. 'leave': supervisors let go and every service keeps running (daemontools'
   * behaviour when svscan dies; a new scanner adopts them). 'down': every service is taken down
   * (`svc -dx`, KILL after the stop timeout), then every logger, which first logs the services'
   * last lines; this always finishes.
   */
  async stop(mode: 'leave' | 'down'): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = undefined;
    this.cancel('rescan');
    this.cancel('settle');
    await this.scanning;
    const entries = [...this.entries.values()];
    if (mode === 'down') {
      await Promise.all(entries.map(async (entry) => entry.main?.stop(this.stopTimeoutMs())));
      await Promise.all(entries.map((entry) => this.stopLogger(entry)));
    } else {
      for (const entry of entries) {
        entry.main?.close();
        entry.log?.close();
      }
      await Promise.all(entries.map(async (entry) => entry.inlog?.close()));
    }
    for (const entry of entries) {
      this.closePipe(entry);
      this.letGo(entry);
    }
    this.entries.clear();
  }

  /** One scan; true when it left nothing to retry (no warning, every listed service and logger supervised). */
  private async scanOnce(): Promise<boolean> {
    const {dir} = this.options;
    let warned = false;
    const reporter: Reporter = {
      warn: (message) => {
        warned = true;
        this.options.reporter.warn(message);
      },
    };
    const listing = listServices(dir, reporter);
    if (!listing) return false;
    const plan = planScan(this.entries.keys(), listing);
    const refused = new Map<string, string>();
    const added: Entry[] = [];
    for (const listed of plan.added) {
      const held = this.hold(listed);
      if ('message' in held) {
        if (this.refused.get(listed.key) !== held.message) reporter.warn(held.message);
        refused.set(listed.key, held.message);
        continue;
      }
      const entry: Entry = {key: listed.key, name: listed.name, hasLog: listed.hasLog, ...held, pipe: undefined, main: undefined, log: undefined, inlog: undefined, retiring: false};
      this.entries.set(listed.key, entry);
      added.push(entry);
    }
    this.refused = refused;
    this.prepare(added);
    const starts: Array<Promise<void>> = [];
    for (const listed of listing) {
      const entry = this.entries.get(listed.key);
      if (!entry) continue;
      entry.name = listed.name;
      if (entry.retiring) continue;
      if (entry.hasLog && entry.pipe === undefined && !this.openPipe(entry)) continue;
      if (entry.hasLog && !entry.log) starts.push(this.supervise(entry, listed, 'log'));
      if (!entry.main && !this.options.holdBack?.(listed.name)) starts.push(this.supervise(entry, listed, 'main'));
    }
    await Promise.all(starts);
    for (const key of plan.vanished) {
      const entry = this.entries.get(key)!;
      if (entry.main || entry.log) continue;
      void entry.inlog?.close();
      entry.inlog = undefined;
      this.closePipe(entry);
      this.letGo(entry);
      this.entries.delete(key);
    }
    if (warned || refused.size > 0) return false;
    return listing.every((listed) => {
      const entry = this.entries.get(listed.key);
      return entry !== undefined && (entry.retiring || (entry.main !== undefined && (!entry.hasLog || entry.log !== undefined)));
    });
  }

  /**
   * Opens a new service directory and its `log/` and applies the trust rule to both, before
   * anything is made in them: a directory someone else could write (or whose `log` leads to
   * one) gets no `supervise/`, no FIFO, no status and no logger.
   */
  private hold(listed: ServiceEntry): {dir: HeldDirectory; logDir: HeldDirectory | undefined} | {message: string} {
    const main = openServiceDirectory(join(this.options.dir, listed.name), listed.name, this.uids, listed.key);
    if (main.kind !== 'opened') return {message: main.message};
    if (!listed.hasLog) return {dir: main.dir, logDir: undefined};
    const log = openServiceDirectory(main.dir.path(LOG_DIR), `${listed.name}/log`, this.uids);
    if (log.kind === 'opened') return {dir: main.dir, logDir: log.dir};
    main.dir.close();
    return {message: log.message};
  }

  private letGo(entry: Entry): void {
    entry.dir.close();
    entry.logDir?.close();
  }

  private async supervise(entry: Entry, listed: ServiceEntry, role: 'main' | 'log'): Promise<void> {
    const serviceDir = join(this.options.dir, entry.name);
    const dir = role === 'main' ? serviceDir : join(serviceDir, LOG_DIR);
    const logged = entry.hasLog;
    const spawn = (): SpawnSettings => {
      const extra = this.options.spawnSettings?.(listed, role) ?? {};
      if (!logged) return extra;
      const end = this.childEnd(entry, role === 'main' ? 'write' : 'read');
      // The child has its own copy once the spawn (synchronous, right after this) returns.
      queueMicrotask(() => closeSync(end));
      return {...extra, stdio: role === 'main' ? ['inherit', end, 'inherit'] : [end, 'inherit', 'inherit']};
    };
    // svscan (dir '.'): daemontools runs `supervise log` inside the service, so its messages say `log/run`.
    const reporter = role === 'log' && this.options.dir === '.' ? renamed(this.options.supervisorReporter, dir, 'log') : this.options.supervisorReporter;
    const script = role === 'log' ? this.options.logScript : undefined;
    if (script?.(listed)) {
      entry.inlog = new InProcessLog({
        dir,
        openPipe: () => this.childEnd(entry, 'read', true),
        script: () => script(listed),
        ...(entry.logDir ? {heldDir: entry.logDir.path()} : {}),
        reporter: this.options.reporter,
        time: this.time,
      });
    }
    const runner = role === 'log' ? entry.inlog : undefined;
    const supervisor = new Supervisor({
      dir,
      directory: role === 'main' ? entry.dir : entry.logDir,
      reporter,
      time: this.time,
      ...(runner ? {runner} : {spawn}),
      // Events name the service (`NAME`, or `NAME/log` for its logger, which keeps its own log).
      name: role === 'main' ? entry.name : `${entry.name}/${LOG_DIR}`,
      ...(role === 'main' && this.options.events ? {events: this.options.events, source: 'supervise' as const} : {}),
    });
    entry[role] = supervisor;
    // An in-process logger's status names this process: there is nothing to adopt.
    const outcome = await supervisor.start({adopt: !runner});
    if (outcome.kind !== 'started') {
      entry[role] = undefined;
      if (runner) entry.inlog = undefined;
      // daemontools' supervise dies on these (`supervise: fatal: unable to acquire …/lock`); svscan tries again later.
      reporter.childFatal(outcome.message);
      return;
    }
    void supervisor.exited.then(() => {
      if (entry[role] !== supervisor) return;
      entry[role] = undefined;
      if (runner && entry.inlog === runner) entry.inlog = undefined;
      // svscan starts an exited supervise again at its next scan; the watch sees nothing of it.
      this.settled = false;
      if (!this.scanning) this.scheduleRescan();
    });
  }

  /**
   * A fresh open file description of the entry's log pipe for a child: write-only for a service,
   * read-only for a logger, blocking unless asked otherwise (an in-process reader needs a
   * non-blocking one). Opened through the scanner's own reader (/proc/self/fd), so it is the
   * very pipe the scanner holds; that open cannot block, since this process holds a reader and
   * a writer of it. Throws when the scanner no longer holds the pipe (the entry is stopping).
   */
  private childEnd(entry: Entry, side: 'read' | 'write', nonblocking = false): number {
    const pipe = entry.pipe;
    if (pipe === undefined || pipe.writer === undefined) throw new Error(`the log pipe of ${entry.name} is closed`);
    const flags = (side === 'write' ? constants.O_WRONLY : constants.O_RDONLY) | (nonblocking ? constants.O_NONBLOCK : 0);
    return openSync(`/proc/self/fd/${pipe.reader}`, flags);
  }

  /**
   * Makes the FIFOs of every new service (and logger) with one `mkfifo` run instead of two per
   * supervisor: at start-up with many services the spawns dominate. Failures are left for each
   * supervisor to report in its own words.
   */
  private prepare(added: readonly Entry[]): void {
    const fifos: string[] = [];
    const held: HeldDirectory[] = [];
    for (const entry of added) {
      for (const dir of entry.logDir ? [entry.dir, entry.logDir] : [entry.dir]) {
        // A real, trusted supervise/ only; otherwise the supervisor will say why not.
        const supervise = openSuperviseDirectory(dir, entry.name, this.uids);
        if (supervise.kind !== 'opened') continue;
        held.push(supervise.dir);
        for (const name of superviseFifos(dir === entry.dir && entry.logDir !== undefined)) fifos.push(supervise.dir.path(inSupervise(name)));
      }
    }
    try {
      makeFifos(fifos);
    } catch {
      // some could not be made: each supervisor reports its own
    }
    for (const dir of held) dir.close();
  }

  /**
   * Opens the scanner's two descriptions of the entry's log pipe, in the only order that never
   * blocks: a non-blocking reader first (always succeeds), then a writer (succeeds, as there is
   * a reader). A FIFO left by an earlier scanner is the same pipe while any side still has it
   * open, so what a killed scanner's children wrote is still there.
   */
  private openPipe(entry: Entry): boolean {
    const supervise = openSuperviseDirectory(entry.dir, entry.name, this.uids);
    if (supervise.kind !== 'opened') {
      this.options.reporter.warn(supervise.message);
      return false;
    }
    let reader: number | undefined;
    try {
      reader = openFifo(supervise.dir.path(inSupervise(LOG_PIPE)), constants.O_RDONLY);
      const writer = openSync(`/proc/self/fd/${reader}`, constants.O_WRONLY | constants.O_NONBLOCK);
      entry.pipe = {reader, writer};
      return true;
    } catch (error) {
      if (reader !== undefined) closeSync(reader);
      this.options.reporter.warn(`unable to create pipe for ${entry.name}: ${errorText(error)}`);
      return false;
    } finally {
      supervise.dir.close();
    }
  }

  /** Lets go of the scanner's writer: once the service side is closed too, the logger reads end of input. */
  private releaseWriter(entry: Entry): void {
    const pipe = entry.pipe;
    if (pipe?.writer === undefined) return;
    closeSync(pipe.writer);
    pipe.writer = undefined;
  }

  private closePipe(entry: Entry): void {
    if (entry.pipe === undefined) return;
    this.releaseWriter(entry);
    closeSync(entry.pipe.reader);
    entry.pipe = undefined;
  }

  private watch(): void {
    try {
      // Persistent: with no service (and so no child, no timer) the watch is what keeps svscan
      // running, as daemontools' svscan runs on an empty directory; stop() closes it.
      this.watcher = watch(this.options.dir, {persistent: true}, () => this.settle());
      this.watcher.on('error', (error) => {
        this.options.reporter.warn(`unable to watch ${this.options.dir}, rescanning every ${this.rescanMs() / 1000} seconds: ${errorText(error)}`);
        this.watcher?.close();
        this.watcher = undefined;
        if (!this.scanning) this.scheduleRescan();
      });
    } catch (error) {
      this.options.reporter.warn(`unable to watch ${this.options.dir}, rescanning every ${this.rescanMs() / 1000} seconds: ${errorText(error)}`);
    }
  }

  private settle(): void {
    if (this.stopped || this.settleTimer !== undefined) return;
    this.settleTimer = this.time.setTimeout(() => {
      this.settleTimer = undefined;
      void this.scan();
    }, SETTLE_MS);
  }

  private scheduleRescan(): void {
    this.cancel('rescan');
    if (this.stopped || (this.watcher !== undefined && this.settled)) return;
    this.rescanTimer = this.time.setTimeout(() => {
      this.rescanTimer = undefined;
      void this.scan();
    }, this.rescanMs());
  }

  private rescanMs(): number {
    return this.options.rescanMs ?? RESCAN_MS;
  }

  private cancel(which: 'rescan' | 'settle'): void {
    const handle = which === 'rescan' ? this.rescanTimer : this.settleTimer;
    if (handle !== undefined) this.time.clearTimeout(handle);
    if (which === 'rescan') this.rescanTimer = undefined;
    else this.settleTimer = undefined;
  }
}

/** `reporter` with every mention of `dir` in its messages said as `name`. */
function renamed(reporter: SupervisorReporter, dir: string, name: string): SupervisorReporter {
  const say = (message: string) => message.split(dir).join(name);
  return {warn: (message) => reporter.warn(say(message)), childFatal: (message) => reporter.childFatal(say(message))};
}
