import {FatalError} from '../cli/errors.js';
import {EXIT_USAGE} from '../cli/exit-codes.js';
import type {Reporter} from '../cli/messages.js';
import type {ServiceSpec, WatchdogConfig} from '../config/watchdog-config.js';
import type {OpenFileLimit} from '../limits/open-files.js';
import {Scanner} from '../scanner/scanner.js';
import {checkTrusted} from '../security/ownership.js';
import {serviceSpawnSettings, type SpawnContext} from '../service-tree/spawn-settings.js';
import {generateServices, lockTree, markDown, moveOut, planTree, prepareServiceDir, writeService, type TreePlan} from '../service-tree/tree.js';
import type {PassContext} from '../watchdog/pass.js';
import type {Census} from './announcement.js';
import {Checker} from './checker.js';
import {checkedDaemons} from './service-report.js';
import {EventBus, type EventKind} from '../events/event.js';
import {logListener} from '../events/log.js';
import {Notifier} from '../notify/notifier.js';
import {prepareStateDir} from '../watchdog/state-dir.js';
import {errorText} from '../cli/errno-text.js';
import {logTail} from '../notify/log-tail.js';
import {join} from 'node:path';
import {LOG_DIR} from '../service-dir/layout.js';
import type {DaemonRule} from '../config/watchdog-config.js';
import {HealthMonitor} from '../health/monitor.js';
import {readReadyRecord, writeHealthRecord, writeReadyRecord} from '../health/records.js';
import {isErrno} from '../sys/errno.js';
import {hasOrder, StartOrder, stopOrder} from './start-order.js';

/** How often the start order looks at the dependencies' state. */
const ORDER_POLL_MS = 100;
const ORDER_NUDGES: ReadonlySet<EventKind> = new Set<EventKind>(['started', 'exited', 'stopped', 'ready', 'healthy', 'unhealthy']);

/**
 * The command `log/run` names: `multilog` on the PATH. keepup's scanner runs the same script in
 * process instead; the file is there for change detection and for a plain svscan on the tree.
 */
export const MULTILOG_COMMAND: readonly string[] = ['multilog'];

export interface SupervisionOptions {
  readonly reporter: Reporter;
  readonly pass: PassContext;
  readonly out: (text: string) => void;
  readonly uids: readonly number[];
  readonly nofile: OpenFileLimit | undefined;
  readonly spawn: Omit<SpawnContext, 'nofile'>;
  /** Told after each scan of the tree (its start and end, unix ms). */
  readonly onScanned?: (startedMs: number, endedMs: number) => void;
  /** Health checks running at once over all services; default 16. */
  readonly healthParallel?: number;
}

/**
 * `keepup supervise` as an object: the service tree generated from the config, one Scanner over
 * it in this process, and a Checker for the daemons without `run:`. `start()` and every
 * `reload(config)` bring the tree in line with the config and touch only what changed: a
 * changed `run` (or `log/run`) restarts that child (`svc -t`), new services start, removed ones
 * are taken down (`dx`) and moved to `serviceDir/.removed/`. Spawn-time settings (user, env,
 * envdir, limits) are read at each start, so they apply from the next start on.
 */
export class Supervision {
  private config: WatchdogConfig;
  private readonly options: SupervisionOptions;
  private readonly scanner: Scanner;
  private readonly checker: Checker;
  private readonly health: HealthMonitor;
  private specs: Map<string, ServiceSpec>;
  private started = false;
  /** `after:` at run time: held-back starts, and dependents waiting for a restarted dependency. */
  private readonly order: StartOrder;
  private unlock: (() => void) | undefined;
  /**
   * Every event of the services and of the checked daemons: to `stateDir/events` first, then to
   * the notifier; health checks, metrics and the status page subscribe here too.
   */
  readonly events: EventBus;
  private readonly notifier: Notifier;

  constructor(config: WatchdogConfig, options: SupervisionOptions) {
    this.config = config;
    this.options = options;
    this.specs = specsOf(config);
    const time = options.pass.time;
    this.events = new EventBus(() => time.now(), options.reporter);
    this.events.subscribe(logListener(config.stateDir, options.reporter));
    this.notifier = new Notifier({
      host: options.pass.host,
      stateDir: config.stateDir,
      time,
      reporter: options.reporter,
      uids: options.uids,
      env: options.pass.env,
      settings: (service) => this.config.daemons.find((daemon) => daemon.name === service)?.notify ?? this.config.notify,
      mail: () => this.config.mail,
      logTail: (service) => {
        const script = this.specs.get(service)?.log;
        return script && logTail(join(this.config.serviceDir, service, LOG_DIR), script);
      },
      ...(options.pass.createMailer ? {createMailer: options.pass.createMailer} : {}),
    });
    this.events.subscribe((event) => this.notifier.handle(event));
    // The start order looks again whenever a service starts, exits, stops or says it is ready.
    this.events.subscribe((event) => {
      if (ORDER_NUDGES.has(event.kind)) this.order.watch();
    });
    const spawnContext: SpawnContext = {...options.spawn, nofile: options.nofile};
    this.scanner = new Scanner({
      ...(options.onScanned ? {onScanned: options.onScanned} : {}),
      dir: config.serviceDir,
      reporter: options.reporter,
      supervisorReporter: {warn: (message) => options.reporter.warn(message), childFatal: (message) => options.reporter.warn(message)},
      time: options.pass.time,
      spawnSettings: (entry, role) => serviceSpawnSettings(role === 'main' ? this.specs.get(entry.name) : undefined, spawnContext),
      // keepup's own services log in this process (no multilog process); `log/run` stays for plain svscan.
      logScript: (entry) => this.specs.get(entry.name)?.log,
      // keepup's services have their own in timeout-kill; this one is for the loggers and admins' directories.
      stopTimeoutMs: () => this.config.stopTimeoutMs,
      events: this.events,
      holdBack: (name) => this.order.held.has(name),
    });
    this.order = new StartOrder(
      options.pass.time,
      ORDER_POLL_MS,
      {
        daemons: () => this.config.daemons,
        pidOf: (name) => this.pidOf(name),
        satisfied: (name) => this.satisfied(name),
        wantCommands: (name) => this.scanner.services().find((view) => view.name === name)?.wantCommands ?? 0,
      },
      {
        release: () => void this.scanner.scan(),
        stop: (name, dependency) => {
          this.options.reporter.warn(`${dependency} restarted; restarting ${name} once ${dependency} is ready (after: ${dependency}, restart: true)`);
          this.scanner.control(name, 'd');
        },
        start: (name) => void this.scanner.control(name, 'u'),
      },
    );
    this.checker = new Checker(config, {...options.pass, events: this.events}, {out: options.out});
    this.health = new HealthMonitor({
      time: options.pass.time,
      events: this.events,
      source: 'supervise',
      ...(options.healthParallel !== undefined ? {parallel: options.healthParallel} : {}),
    });
  }

  /** Generates the tree, starts the scanner and the checker. Throws (nothing started) when the tree cannot be made. */
  async start(): Promise<TreePlan> {
    const state = prepareStateDir(this.config.stateDir, this.options.uids);
    if (!state.ok) {
      this.options.reporter.warn(`unable to use stateDir ${this.config.stateDir}: ${state.cause ? errorText(state.cause) : state.problem}; events are not logged`);
    }
    this.notifier.start();
    const plan = await this.sync(this.config);
    this.checker.start();
    return plan;
  }

  /** Brings the tree in line with `config`; the serviceDir itself cannot change while running. */
  async reload(config: WatchdogConfig): Promise<TreePlan> {
    if (config.serviceDir !== this.config.serviceDir) {
      throw new FatalError(`serviceDir cannot change while keepup supervise runs (${this.config.serviceDir}); restart it`, EXIT_USAGE);
    }
    const plan = await this.sync(config);
    this.checker.update(config);
    return plan;
  }

  /** Reads serviceDir again at once (SIGALRM, as svscan). */
  rescan(): Promise<void> {
    return this.scanner.scan();
  }

  /** How many services the scanner supervises and how many daemons are checked by name. */
  census(): Census {
    return {dir: this.config.serviceDir, services: this.scanner.services().length, checked: checkedDaemons(this.config).daemons.length};
  }

  /** Every service (a daemon with `run:`) has a process, and is ready when it has `ready:`: what keepup supervise's READY=1 waits for. */
  treeUp(): boolean {
    return this.config.daemons.every((daemon) => this.satisfied(daemon.name));
  }

  /** Stops checking and takes every service down (loggers last). */
  async stop(): Promise<void> {
    this.order.stop();
    await this.health.stop();
    await this.checker.stop();
    const services = this.config.daemons.filter((daemon) => daemon.service);
    if (hasOrder(services)) for (const group of stopOrder(services)) await Promise.all(group.map((name) => this.takeDown(name)));
    await this.scanner.stop('down');
    await this.notifier.stop();
    this.unlock?.();
    this.unlock = undefined;
  }

  private async sync(config: WatchdogConfig): Promise<TreePlan> {
    const dir = config.serviceDir;
    prepareServiceDir(dir);
    const trusted = checkTrusted(dir, 'directory', this.options.uids);
    if (!trusted.ok) throw new FatalError(`refusing serviceDir ${dir}: ${trusted.problem}`, EXIT_USAGE);
    if (!this.unlock) {
      const unlock = lockTree(dir);
      if (unlock === 'busy') throw new FatalError(`unable to lock ${dir}/.lock: another keepup supervise runs on this tree`);
      this.unlock = unlock;
    }
    const plan = planTree(dir, generateServices(config, MULTILOG_COMMAND));
    const retiring = [...plan.remove, ...plan.replace.map((service) => service.name)];
    for (const name of retiring) markDown(dir, name);
    for (const service of [...plan.create, ...plan.update.map((update) => update.service)]) writeService(dir, service);
    const fresh = new Set(this.started ? plan.create.map((service) => service.name) : config.daemons.map((daemon) => daemon.name));
    for (const daemon of config.daemons) if (daemon.service && daemon.after?.length && fresh.has(daemon.name)) this.order.held.add(daemon.name);
    this.config = config;
    this.specs = specsOf(config);
    this.order.watch();
    if (!this.started) {
      this.started = true;
      await this.scanner.start();
    }
    for (const {service, run, log} of plan.update) {
      if (run) this.scanner.control(service.name, 't');
      if (log) await this.scanner.restartLogger(service.name);
    }
    for (const name of retiring) {
      await this.scanner.retire(name);
      moveOut(dir, name);
    }
    for (const service of plan.replace) writeService(dir, service);
    await this.scanner.scan();
    this.syncHealth(config);
    return plan;
  }

  private pidOf(name: string): number {
    return this.scanner.services().find((view) => view.name === name)?.mainPid ?? 0;
  }

  /** Up, and ready when it has `ready:`; a daemon checked by name (no `run:`) does not hold anything back. */
  private satisfied(name: string): boolean {
    const daemon = this.config.daemons.find((rule) => rule.name === name);
    if (!daemon?.service) return true;
    const pid = this.pidOf(name);
    if (pid === 0) return false;
    return daemon.ready === undefined || readReadyRecord(join(this.config.serviceDir, name))?.pid === pid;
  }

  /** `d`, then waits until the child is gone (at most its stop timeout and a little more). */
  private async takeDown(name: string): Promise<void> {
    if (this.pidOf(name) === 0 || !this.scanner.control(name, 'd')) return;
    const time = this.options.pass.time;
    const deadline = time.now() + (this.specs.get(name)?.stopTimeoutMs ?? this.config.stopTimeoutMs) + 2000;
    while (this.pidOf(name) !== 0 && time.now() < deadline) await time.sleep(20);
  }

  /** Health checks for the supervised daemons with `health:`, as the config now says. */
  private syncHealth(config: WatchdogConfig): void {
    const wanted = new Map(config.daemons.flatMap((daemon) => (daemon.service && daemon.health ? [[daemon.name, daemon] as const] : [])));
    for (const name of this.health.names()) if (!wanted.has(name)) this.health.remove(name);
    for (const daemon of wanted.values()) this.monitor(config, daemon);
  }

  private monitor(config: WatchdogConfig, daemon: DaemonRule): void {
    const {name} = daemon;
    const dir = join(config.serviceDir, name);
    const user = daemon.service?.user;
    const account = user !== undefined ? this.options.spawn.lookupAccount(user) : undefined;
    const warn = (what: string, error: unknown): void => this.options.reporter.warn(`unable to write ${join(dir, what)}: ${errorText(error)}`);
    this.health.set({
      name,
      spec: daemon.health!,
      pid: () => this.scanner.services().find((view) => view.name === name)?.mainPid ?? 0,
      ...(account && account !== 'unknown' ? {account: {uid: account.uid, gid: account.gid}} : {}),
      // As svc -du: TERM (and CONT), KILL to the process group after the service's stop timeout, then up again.
      restart: (reason) => {
        this.options.reporter.warn(`${name} is unhealthy (${reason}); restarting it`);
        this.scanner.control(name, 'du');
      },
      record: (record) => {
        try {
          writeHealthRecord(dir, record);
        } catch (error) {
          warn('supervise/health', error);
        }
      },
      ...(daemon.ready?.kind === 'health'
        ? {
            started: () => {
              try {
                // Not ready yet: svcstart waits for the record to name the running pid.
                writeReadyRecord(dir, {pid: 0, time: this.options.pass.time.now()});
              } catch (error) {
                // A service held back by its start order has no supervise/ yet.
                if (!isErrno(error, 'ENOENT')) warn('supervise/ready', error);
              }
            },
            healthyAfterStart: () => {
              const pid = this.scanner.services().find((view) => view.name === name)?.mainPid ?? 0;
              if (pid === 0) return;
              try {
                writeReadyRecord(dir, {pid, time: this.options.pass.time.now()});
              } catch (error) {
                warn('supervise/ready', error);
              }
              this.events.emit({service: name, kind: 'ready', source: 'supervise', pid});
            },
          }
        : {}),
    });
  }
}

function specsOf(config: WatchdogConfig): Map<string, ServiceSpec> {
  return new Map(config.daemons.flatMap((daemon) => (daemon.service ? [[daemon.name, daemon.service] as const] : [])));
}
