import {closeSync, constants, mkdirSync, openSync, watch, type FSWatcher} from 'node:fs';
import {join} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {Supervisor, type SupervisorReporter} from '../supervisor/engine.js';
import type {SpawnSettings} from '../supervisor/child.js';
import {systemTimers, type TimerHandle, type Timers} from '../supervisor/timers.js';
import {CONTROL_FIFO, OK_FIFO} from '../control/paths.js';
import {mkfifoSync} from '../sys/mkfifo.js';
import {InProcessLog} from './in-process-log.js';
import {listServices, planScan, type ServiceEntry} from './listing.js';

/** The FIFO between a service and its logger, inside the service's own `supervise/` directory. */
export const LOG_PIPE = 'supervise/log.pipe';
/** How often the directory is read again even when no change was seen (svscan's 5 s). */
export const RESCAN_MS = 5000;
/** How long after a directory change the rescan waits, so one `mkdir` + `cp` becomes one scan. */
export const SETTLE_MS = 50;
/** How long a stopping in-process logger may take to log what its service wrote last. */
export const DRAIN_MS = 5000;

export interface ScannerOptions {
  /** The scan directory (svscan chdirs there and passes '.', so messages name services as daemontools does). */
  readonly dir: string;
  /** svscan's own warnings. */
  readonly reporter: Reporter;
  /** Each supervisor's warnings and child-start failures. */
  readonly supervisorReporter: SupervisorReporter;
  readonly timers?: Timers;
  /** Periodic rescan; default RESCAN_MS. */
  readonly rescanMs?: number;
  /** Watch the directory for changes (default true); the periodic rescan stays as the fallback. */
  readonly watch?: boolean;
  /**
   * Extra spawn settings for a service or its logger (keepup supervise: user, env, limits),
   * asked for at every start of the child; a throw is reported as a failed start.
   */
  readonly spawnSettings?: (entry: ServiceEntry, role: 'main' | 'log') => SpawnSettings;
  /**
   * A multilog script to run IN THIS PROCESS as the service's logger (keepup supervise), instead
   * of supervising `NAME/log/run`; undefined: supervise `log/run` as svscan does. Asked when the
   * logger starts.
   */
  readonly logScript?: (entry: ServiceEntry) => readonly string[] | undefined;
}

/** One line of `keepup status`/tests: what the scanner supervises. */
export interface ServiceView {
  readonly name: string;
  readonly mainPid: number;
  readonly logPid: number | undefined;
  readonly supervised: boolean;
}

interface Entry {
  readonly key: string;
  name: string;
  readonly hasLog: boolean;
  pipeFd: number | undefined;
  main: Supervisor | undefined;
  log: Supervisor | undefined;
  /** The in-process logger, when the service has one instead of a `log` supervisor. */
  inlog: InProcessLog | undefined;
  /** Being taken down for good (retire): scans do not start it again. */
  retiring: boolean;
}

/**
 * svscan in one process: every subdirectory of the scan directory is supervised by a Supervisor
 * object, and `NAME/log` by a second one whose stdin is the service's stdout. The pipe between
 * them is a FIFO the scanner keeps open for the life of the entry, so neither side's restart loses
 * a line (the kernel holds what the logger has not read yet). Services are keyed by device and
 * inode; a directory that disappears keeps its supervisors until they exit, as with daemontools.
 */
export class Scanner {
  readonly #options: ScannerOptions;
  readonly #timers: Timers;
  readonly #entries = new Map<string, Entry>();
  #watcher: FSWatcher | undefined;
  #rescanTimer: TimerHandle | undefined;
  #settleTimer: TimerHandle | undefined;
  #scanning: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(options: ScannerOptions) {
    this.#options = options;
    this.#timers = options.timers ?? systemTimers;
  }

  /** First scan, then watch and rescan until stop(). */
  async start(): Promise<void> {
    if (this.#options.watch ?? true) this.#watch();
    await this.scan();
  }

  /** Reads the directory and starts what is missing. Calls made while a scan runs fold into one more scan. */
  scan(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#scanning) {
      this.#again = true;
      return this.#scanning;
    }
    this.#scanning = (async () => {
      try {
        do {
          this.#again = false;
          await this.#scanOnce();
        } while (this.#again && !this.#stopped);
      } finally {
        this.#scanning = undefined;
        this.#scheduleRescan();
      }
    })();
    return this.#scanning;
  }

  services(): ServiceView[] {
    return [...this.#entries.values()].map((entry) => ({
      name: entry.name,
      mainPid: entry.main?.snapshot().pid ?? 0,
      logPid: entry.hasLog ? (entry.log?.snapshot().pid ?? 0) : undefined,
      supervised: entry.main !== undefined,
    }));
  }

  /** Starts the in-process logger of service `name` again with the script asked for now (after a config change). */
  async restartLogger(name: string): Promise<void> {
    const entry = this.#byName(name);
    if (!entry?.inlog) return;
    const old = entry.inlog;
    entry.inlog = undefined;
    await old.stop();
    const listed = {name: entry.name, key: entry.key, hasLog: entry.hasLog};
    const script = this.#options.logScript?.(listed);
    if (script && !this.#stopped && !entry.retiring) this.#startInProcessLog(entry, script);
  }

  #startInProcessLog(entry: Entry, script: readonly string[]): void {
    entry.inlog = new InProcessLog({
      dir: join(this.#options.dir, entry.name, 'log'),
      pipeFd: entry.pipeFd!,
      script,
      reporter: this.#options.reporter,
      timers: this.#timers,
    });
    entry.inlog.start();
  }

  /**
   * Stops an in-process logger after its service: the scanner closes its own end of the pipe, so
   * the logger reads to the end of what the service wrote (if nothing else holds the pipe open),
   * within DRAIN_MS; then it stops at a line boundary.
   */
  async #drainLogger(entry: Entry): Promise<void> {
    const log = entry.inlog;
    if (!log) return;
    this.#closePipe(entry);
    let timer: TimerHandle | undefined;
    const deadline = new Promise<void>((resolve) => (timer = this.#timers.setTimeout(resolve, DRAIN_MS)));
    await Promise.race([log.drained(), deadline]);
    this.#timers.clearTimeout(timer);
    await log.stop();
    if (entry.inlog === log) entry.inlog = undefined;
  }

  /** Feeds control bytes to the supervisor of service `name` (or its logger); false when there is none. */
  control(name: string, commands: string, role: 'main' | 'log' = 'main'): boolean {
    const supervisor = this.#byName(name)?.[role];
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
    const entry = this.#byName(name);
    if (!entry) return;
    entry.retiring = true;
    await this.#scanning;
    await bringDown(entry.main);
    await bringDown(entry.log);
    await this.#drainLogger(entry);
  }

  #byName(name: string): Entry | undefined {
    for (const entry of this.#entries.values()) if (entry.name === name) return entry;
    return undefined;
  }

  /**
   * Stops scanning. 'leave': supervisors let go and every service keeps running (daemontools'
   * behaviour when svscan dies; a new scanner adopts them). 'down': every service is taken down
   * (`svc -dx`), then every logger, so the loggers record the services' last lines.
   */
  async stop(mode: 'leave' | 'down'): Promise<void> {
    this.#stopped = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#cancel('rescan');
    this.#cancel('settle');
    await this.#scanning;
    const entries = [...this.#entries.values()];
    if (mode === 'down') {
      await Promise.all(entries.map((entry) => bringDown(entry.main)));
      await Promise.all(entries.map((entry) => Promise.all([bringDown(entry.log), this.#drainLogger(entry)])));
    } else {
      for (const entry of entries) {
        entry.main?.close();
        entry.log?.close();
      }
      await Promise.all(entries.map((entry) => entry.inlog?.stop()));
    }
    for (const entry of entries) this.#closePipe(entry);
    this.#entries.clear();
  }

  async #scanOnce(): Promise<void> {
    const {dir, reporter} = this.#options;
    const listing = listServices(dir, reporter);
    if (!listing) return;
    const plan = planScan(this.#entries.keys(), listing);
    for (const added of plan.added) {
      this.#entries.set(added.key, {key: added.key, name: added.name, hasLog: added.hasLog, pipeFd: undefined, main: undefined, log: undefined, inlog: undefined, retiring: false});
    }
    this.#prepare(plan.added);
    const starts: Array<Promise<void>> = [];
    for (const listed of listing) {
      const entry = this.#entries.get(listed.key)!;
      entry.name = listed.name;
      if (entry.retiring) continue;
      if (entry.hasLog && entry.pipeFd === undefined && !this.#openPipe(entry)) continue;
      if (entry.hasLog && !entry.log && !entry.inlog) {
        const script = this.#options.logScript?.(listed);
        if (script) this.#startInProcessLog(entry, script);
        else starts.push(this.#supervise(entry, listed, 'log'));
      }
      if (!entry.main) starts.push(this.#supervise(entry, listed, 'main'));
    }
    await Promise.all(starts);
    for (const key of plan.vanished) {
      const entry = this.#entries.get(key)!;
      if (entry.main || entry.log) continue;
      entry.inlog?.stop();
      entry.inlog = undefined;
      this.#closePipe(entry);
      this.#entries.delete(key);
    }
  }

  async #supervise(entry: Entry, listed: ServiceEntry, role: 'main' | 'log'): Promise<void> {
    const serviceDir = join(this.#options.dir, entry.name);
    const pipe = entry.pipeFd;
    const spawn = (): SpawnSettings => {
      const extra = this.#options.spawnSettings?.(listed, role) ?? {};
      const stdio: SpawnSettings['stdio'] =
        pipe === undefined ? extra.stdio : role === 'main' ? ['inherit', pipe, 'inherit'] : [pipe, 'inherit', 'inherit'];
      return {...extra, ...(stdio ? {stdio} : {})};
    };
    const dir = role === 'main' ? serviceDir : join(serviceDir, 'log');
    // svscan (dir '.'): daemontools runs `supervise log` inside the service, so its messages say `log/run`.
    const reporter = role === 'log' && this.#options.dir === '.' ? renamed(this.#options.supervisorReporter, dir, 'log') : this.#options.supervisorReporter;
    const supervisor = new Supervisor({
      dir,
      reporter,
      timers: this.#timers,
      spawn,
    });
    entry[role] = supervisor;
    const outcome = await supervisor.start({adopt: true});
    if (outcome.kind !== 'started') {
      entry[role] = undefined;
      // daemontools' supervise dies on these (`supervise: fatal: unable to acquire …/lock`); svscan tries again later.
      reporter.childFatal(outcome.message);
      return;
    }
    void supervisor.exited.then(() => {
      if (entry[role] === supervisor) entry[role] = undefined;
    });
  }

  /**
   * Makes the FIFOs of every new service (and logger) with one `mkfifo` run instead of two per
   * supervisor: at start-up with many services the spawns dominate. Failures are left for each
   * supervisor to report in its own words.
   */
  #prepare(added: readonly ServiceEntry[]): void {
    const fifos: string[] = [];
    for (const entry of added) {
      const serviceDir = join(this.#options.dir, entry.name);
      for (const dir of entry.hasLog ? [serviceDir, join(serviceDir, 'log')] : [serviceDir]) {
        try {
          mkdirSync(join(dir, 'supervise'), {mode: 0o700});
        } catch {
          // exists already, or the supervisor will say why not
        }
        fifos.push(join(dir, CONTROL_FIFO), join(dir, OK_FIFO));
      }
      if (entry.hasLog) fifos.push(join(serviceDir, LOG_PIPE));
    }
    try {
      mkfifoSync(fifos, 0o600);
    } catch {
      // some could not be made: each supervisor reports its own
    }
  }

  #openPipe(entry: Entry): boolean {
    const serviceDir = join(this.#options.dir, entry.name);
    const path = join(serviceDir, LOG_PIPE);
    try {
      mkdirSync(join(serviceDir, 'supervise'), {mode: 0o700, recursive: true});
      mkfifoSync([path], 0o600);
      // O_RDWR: one descriptor that is both ends, never blocks on open, and never reads EOF.
      // Blocking mode on purpose: the flag is shared with the children, and a service must
      // block on a full pipe (not get EAGAIN), a logger must block on an empty one.
      entry.pipeFd = openSync(path, constants.O_RDWR);
      return true;
    } catch (error) {
      this.#options.reporter.warn(`unable to create pipe for ${entry.name}: ${errorText(error)}`);
      return false;
    }
  }

  #closePipe(entry: Entry): void {
    if (entry.pipeFd === undefined) return;
    closeSync(entry.pipeFd);
    entry.pipeFd = undefined;
  }

  #watch(): void {
    try {
      this.#watcher = watch(this.#options.dir, {persistent: false}, () => this.#settle());
      this.#watcher.on('error', (error) => {
        this.#options.reporter.warn(`unable to watch ${this.#options.dir}, rescanning every ${this.#rescanMs() / 1000} seconds: ${errorText(error)}`);
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (error) {
      this.#options.reporter.warn(`unable to watch ${this.#options.dir}, rescanning every ${this.#rescanMs() / 1000} seconds: ${errorText(error)}`);
    }
  }

  #settle(): void {
    if (this.#stopped || this.#settleTimer !== undefined) return;
    this.#settleTimer = this.#timers.setTimeout(() => {
      this.#settleTimer = undefined;
      void this.scan();
    }, SETTLE_MS);
  }

  #scheduleRescan(): void {
    this.#cancel('rescan');
    if (this.#stopped) return;
    this.#rescanTimer = this.#timers.setTimeout(() => {
      this.#rescanTimer = undefined;
      void this.scan();
    }, this.#rescanMs());
  }

  #rescanMs(): number {
    return this.#options.rescanMs ?? RESCAN_MS;
  }

  #cancel(which: 'rescan' | 'settle'): void {
    const handle = which === 'rescan' ? this.#rescanTimer : this.#settleTimer;
    if (handle !== undefined) this.#timers.clearTimeout(handle);
    if (which === 'rescan') this.#rescanTimer = undefined;
    else this.#settleTimer = undefined;
  }
}

/** `reporter` with every mention of `dir` in its messages said as `name`. */
function renamed(reporter: SupervisorReporter, dir: string, name: string): SupervisorReporter {
  const say = (message: string) => message.split(dir).join(name);
  return {warn: (message) => reporter.warn(say(message)), childFatal: (message) => reporter.childFatal(say(message))};
}

async function bringDown(supervisor: Supervisor | undefined): Promise<void> {
  if (!supervisor) return;
  supervisor.send('dx');
  await supervisor.exited;
}
