import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {readBootId, readStartTime} from '../proc/start-time.js';
import * as childRecord from '../status/child-record.js';
import type * as status from '../status/codec.js';
import * as stats from '../status/stats.js';
import * as tai64n from '../tai64n/codec.js';
import {systemTime, type TimerHandle, type Time} from '../time/time.js';
import {closeSync} from 'node:fs';
import {Socket} from 'node:net';
import {notificationPipe, spawnRun, watchPid, type ChildEnding, type ChildHandle, type ChildStartError, type SpawnedChild, type SpawnSettings} from './child.js';
import {processSpawnQueue, type SpawnQueue} from './spawn-queue.js';
import {trustedUids} from '../security/ownership.js';
import type {HeldDirectory} from '../sys/held-directory.js';
import {failed, ServiceDir, type StartOutcome} from './service-dir.js';
import {parseControlByte} from '../control/commands.js';
import {initialState, transition, type Effect, type PolicyEvent, type SupervisorEvent, type SupervisorState} from './state.js';
import type {EventInput, EventSink, EventSource} from '../events/event.js';
import {EventLog} from '../events/log.js';
import type {GivenUp} from '../policy/policy.js';
import {basename} from 'node:path';
import {sendSignal} from '../sys/signals.js';

export type {StartOutcome} from './service-dir.js';

/** Warnings go through `warn` (`PROG: warning: …`); `childFatal` gets daemontools' child line. */
export interface SupervisorReporter extends Reporter {
  /** `unable to start DIR/run: ERR`: what daemontools' forked child prints as `supervise: fatal: …`. */
  childFatal(message: string): void;
}

export interface SupervisorOptions {
  /** The service directory, as the user wrote it: messages say `DIR/supervise/lock`. */
  readonly dir: string;
  /**
   * DIR already held open by the caller (svscan), for at least the supervisor's life. Without
   * it DIR is opened by name once, at start(). Either way the supervisor is bound to that
   * directory from then on, as daemontools' supervise is by its chdir.
   */
  readonly directory?: HeldDirectory;
  readonly reporter: SupervisorReporter;
  /** Stamps, the restart throttle and its start timer, timeout-kill, adopted-child polling. Default: systemTime. */
  readonly time?: Time;
  /**
   * stdio, environment, credentials and chain-loaders for `./run`: fixed, or a function called at
   * every start (settings read afresh each time, such as an env dir). A function that throws
   * counts as a failed start: its message is reported as `unable to start DIR/run: MESSAGE`.
   */
  readonly spawn?: SpawnSettings | (() => SpawnSettings);
  /** How often an adopted child's liveness is checked. Default 500 ms. */
  readonly adoptPollMs?: number;
  /**
   * Runs the child in this process instead of spawning `./run` (an in-process logger); `spawn`
   * is then unused. Default: a process of its own.
   */
  readonly runner?: ChildRunner;
  /** Where starts wait their turn. Default: the process's queue, shared by every supervisor. */
  readonly spawnQueue?: SpawnQueue;
  /**
   * Where this service's events go (started, exited, restarting, gave-up, recovered, stopped).
   * Default: the service's own log, `DIR/supervise/events` (SERVICE_EVENT_LOG_BYTES, rotated).
   */
  readonly events?: EventSink;
  /** The service's name in its events. Default: DIR's last component. */
  readonly name?: string;
  /** Who the events say saw them. Default `svscan`. */
  readonly source?: EventSource;
}

/** The size a service's own event log (`supervise/events`) rotates at. */
export const SERVICE_EVENT_LOG_BYTES = 64 * 1024;

/**
 * A child that is not a process of its own but runs in the supervisor's process (an in-process
 * logger): its pid is this process's, so signals are delivered to it, never to the pid.
 */
export interface InProcessChild extends ChildHandle {
  signal(signal: NodeJS.Signals): void;
}

/** Starts an in-process child; `onExit` once when it ends. The `runner` of a Supervisor. */
export interface ChildRunner {
  start(onExit: (ending: ChildEnding) => void): InProcessChild;
}

export interface StartOptions {
  /**
   * Adopt the child a crashed predecessor left running instead of starting a second copy: the
   * pid in `status` is adopted when `supervise/child` records it and /proc shows the same start
   * time on the same boot. The want and paused state come from that status, not from `down`.
   */
  readonly adopt?: boolean;
}

/** Why the engine stopped: `x` was obeyed (the child is gone), or `close()` was called. */
export type ExitReason = 'exit' | 'closed';

export interface SupervisorSnapshot {
  readonly phase: SupervisorState['phase'];
  readonly want: status.Want;
  readonly paused: boolean;
  /** 0 when there is no child. */
  readonly pid: number;
  /** The restart policy gave up (phase `failed`); absent otherwise. */
  readonly givenUp?: GivenUp;
  /** How many `u`, `d` and `o` bytes came through `supervise/control` (svc, keepup's HTTP control), not from send(). */
  readonly wantCommands: number;
}

/**
 * One supervised service directory: daemontools 0.76's supervise as an object, so one process
 * (standalone `supervise DIR`, or svscan for a whole tree) can run many. It holds no process-wide
 * state and installs no signal handlers; the embedding program decides what its signals mean.
 *
 * Life cycle:
 * 1. `new Supervisor({dir, reporter, time?, spawn?})`.
 * 2. `await start()`: opens DIR and holds it (every file below and the child's cwd go through
 *    that descriptor: renaming or re-pointing DIR's name changes nothing), refuses it without
 *    touching anything when someone else could write it, checks `down`, makes `supervise/`, takes the flock on
 *    `supervise/lock` (held while the object lives: the real supervise refuses to run beside it),
 *    creates and opens the `control` and `ok` FIFOs, writes `status`, and starts `./run` unless
 *    `down` exists. Returns a StartOutcome; on anything but `started` nothing is left open.
 * 3. Control bytes arrive on the FIFO; `send('dx')` feeds the same path (svscan's shutdown, a
 *    standalone supervise's SIGTERM). Child exits and timers feed the state machine (state.ts).
 * 4. `exited` resolves with 'exit' after `x` once there is no child, or with 'closed' after
 *    `close()`, which releases fds, lock and timers and leaves a running child alone.
 *
 * Each start writes `supervise/child` (pid, /proc start time, boot id) so a successor can
 * recognise the process: `start({adopt: true})` takes over such a child (watched by polling
 * /proc, since only a parent can wait for a process) instead of starting a second copy. The
 * forked child waits before execve until that record and `status` are written, so a
 * supervisor killed at any instant leaves no running `./run` its successor would not know.
 *
 * Starts do not run inside the event that asks for them: they wait their turn in a SpawnQueue
 * (bounded slices, I/O served between them), so under a crash storm control bytes, signals and
 * exits are still handled at once. A `d` while the start waits cancels it.
 */
export class Supervisor {
  readonly dir: string;
  readonly exited: Promise<ExitReason>;
  private readonly reporter: SupervisorReporter;
  private readonly time: Time;
  private readonly spawnSettings: SpawnSettings | (() => SpawnSettings);
  private readonly runner: ChildRunner | undefined;
  private stats: stats.SupervisorStats;
  private readonly adoptPollMs: number;
  /** The kernel's boot id, read once (it cannot change while this process lives). */
  private bootId: string | undefined;
  private state: SupervisorState = initialState('up');
  private child: ChildHandle | undefined;
  private pidStamp: tai64n.Tai64n;
  private readonly files: ServiceDir;
  /** Whose service directories and run scripts this supervisor trusts: root, and itself. */
  private readonly trustedUids = trustedUids(process.getuid?.() ?? 0);
  private readonly spawnQueue: SpawnQueue;
  /** Takes the queued start out of the queue; set while a start waits its turn. */
  private cancelSpawn: (() => void) | undefined;
  /** The announce effect that follows `spawn` is done by the start itself, once the pid is known. */
  private announceWithSpawn = false;
  private startTimer: TimerHandle | undefined;
  private killTimer: TimerHandle | undefined;
  private resetTimer: TimerHandle | undefined;
  private readonly events: EventSink | undefined;
  private ownLog: EventLog | undefined;
  private readonly name: string;
  private readonly source: EventSource;
  /** The last policy-file warning, so that a bad file is reported once, not at every death. */
  private policyWarning: string | undefined;
  /** The same for `notification-fd`. */
  private notificationWarning: string | undefined;
  /** The read end of the running child's notification pipe, until its readiness line (or EOF). */
  private readiness: Socket | undefined;
  private readonly queue: SupervisorEvent[] = [];
  /** Stats and events held while an exit is handled (see childExited). */
  private held: {stats: boolean; events: Array<{input: EventInput; at: number}>} | undefined;
  private draining = false;
  private closed = false;
  /** Control bytes sent before start() finished; applied right after boot. */
  /** `u`/`d`/`o` bytes read from supervise/control: an admin's say over what the service wants. */
  private wantCommands = 0;
  private early: string | undefined = '';
  private starting = false;
  private resolveExited!: (reason: ExitReason) => void;

  constructor(options: SupervisorOptions) {
    this.dir = options.dir;
    this.files = new ServiceDir(options.dir, options.directory);
    this.reporter = options.reporter;
    this.time = options.time ?? systemTime;
    this.spawnSettings = options.spawn ?? {};
    this.runner = options.runner;
    if (typeof this.spawnSettings !== 'function') checkSettings(this.spawnSettings);
    this.stats = {since: Math.round(this.time.now()), starts: 0, lastExit: null};
    this.adoptPollMs = options.adoptPollMs ?? 500;
    this.spawnQueue = options.spawnQueue ?? processSpawnQueue;
    this.events = options.events;
    this.name = options.name ?? (basename(options.dir) || options.dir);
    this.source = options.source ?? 'svscan';
    this.pidStamp = tai64n.fromUnixMs(this.time.now());
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  /** Once per object; after a `busy` or `failed` outcome it may be called again (svscan retries). */
  async start(options: StartOptions = {}): Promise<StartOutcome> {
    if (this.early === undefined || this.starting) return failed('start() called twice');
    if (this.closed) return failed('start() after close()');
    this.starting = true;
    try {
      return await this.startOnce(options);
    } finally {
      this.starting = false;
    }
  }

  private async startOnce(options: StartOptions): Promise<StartOutcome> {
    const held = this.files.open(this.trustedUids);
    if (held.kind !== 'started') return held;
    const want = this.files.initialWant();
    if (typeof want !== 'string') {
      this.files.release();
      return want;
    }
    this.state = initialState(want, this.state.policy);
    const lock = await this.files.lock(this.trustedUids);
    if (lock.kind !== 'started') {
      this.files.release();
      return lock;
    }
    if (this.closed) {
      this.files.release();
      return failed('closed while starting');
    }
    if (options.adopt) this.adopt();
    // daemontools' order: control, then the first status, then ok (an ok reader implies a status).
    let opened = this.files.openControl(
      (byte) => {
        if (byte === 0x75 || byte === 0x64 || byte === 0x6f) this.wantCommands++;
        this.controlByte(byte);
      },
      (message) => this.reporter.warn(message),
    );
    if (opened.kind === 'started') {
      this.announce();
      opened = this.files.openOk();
    }
    if (opened.kind !== 'started') {
      this.child?.release();
      this.child = undefined;
      this.files.release();
      return opened;
    }
    this.readPolicy();
    this.dispatch({type: 'boot'});
    const early = this.early ?? '';
    this.early = undefined;
    this.send(early);
    return opened;
  }

  /**
   * Feeds control bytes as if they had arrived on `supervise/control`; unknown bytes are ignored.
   * Bytes sent before start() has finished are applied as soon as it has.
   */
  send(commands: string): void {
    if (this.early !== undefined) {
      this.early += commands;
      return;
    }
    for (const byte of Buffer.from(commands, 'latin1')) this.controlByte(byte);
  }

  snapshot(): SupervisorSnapshot {
    return {
      phase: this.state.phase,
      want: this.state.want,
      paused: this.state.paused,
      pid: this.child?.pid ?? 0,
      wantCommands: this.wantCommands,
      ...(this.state.restart.givenUp ? {givenUp: this.state.restart.givenUp} : {}),
    };
  }

  /**
   * Takes the service down for good (`dx`) and resolves once it is gone. When the child is still
   * there `ms` later and no `timeout-kill` timer is armed (the file, when present, wins), its
   * process group gets KILL with a warning: a shutdown or removal that always finishes.
   */
  stop(ms: number): Promise<ExitReason> {
    this.send('dx');
    if (this.child && this.killTimer === undefined && !this.closed) this.armKillTimer(ms);
    return this.exited;
  }

  /** Releases the lock, FIFOs and timers without signalling the child, which keeps running. */
  close(): void {
    this.finish('closed');
  }

  /** Takes over the child recorded in status and supervise/child when it is provably the same process. */
  private adopt(): void {
    const previous = this.files.previous();
    if (!previous) return;
    const {status: record, child} = previous;
    // supervise/child is written before the child may exec, `status` just after: a supervisor
    // killed between the two leaves a status naming the child before (or none). The record,
    // checked against /proc (same start time, same boot), is what proves the process is ours.
    if (!childRecord.matches(child, readStartTime(child.pid), this.readBootId())) return;
    const handle: ChildHandle = watchPid(child.pid, child.startTime, this.time, this.adoptPollMs, (ending) => this.childExited(handle, ending));
    this.child = handle;
    this.pidStamp = record.pid === child.pid ? record.stamp : tai64n.fromUnixMs(this.time.now());
    this.state = {...initialState(record.want, this.state.policy), phase: 'running', paused: record.paused, lastStart: this.time.now()};
    // The counters go on from the supervisor that started the child (`keepup status` restarts).
    this.stats = this.files.previousStats() ?? this.stats;
  }

  private controlByte(byte: number): void {
    const command = parseControlByte(byte);
    if (!command) return;
    this.dispatch({type: 'control', command});
    if (this.cancelSpawn && this.state.want === 'down') {
      // Wanted down before its turn came: the start never happens.
      this.cancelSpawn();
      this.cancelSpawn = undefined;
      this.dispatch({type: 'spawn-failed'});
    }
  }

  /** Events are handled one at a time, in order; effects may queue more (a self-pipe, in effect). */
  private dispatch(event: SupervisorEvent): void {
    if (this.closed) return;
    this.queue.push(event);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next && !this.closed; next = this.queue.shift()) {
        const {state, effects} = transition(this.state, next, this.time.now());
        this.state = state;
        // A status write before a start (the `down` between an exit and its restart) waits for
        // the start: one that runs at once writes the new pid itself, one that is queued gets
        // the write here. Nothing then stands between the exit and the fork but the decision.
        const spawnAt = effects.findIndex((effect) => effect.type === 'spawn');
        let heldAnnounce = false;
        for (const [index, effect] of effects.entries()) {
          if (effect.type === 'announce' && index < spawnAt) {
            heldAnnounce = true;
            continue;
          }
          this.apply(effect);
          if (effect.type === 'spawn' && heldAnnounce && this.cancelSpawn) this.announce();
        }
        this.announceWithSpawn = false;
      }
    } finally {
      this.draining = false;
      this.queue.length = 0;
    }
  }

  private apply(effect: Effect): void {
    switch (effect.type) {
      case 'spawn':
        return this.queueSpawn();
      case 'announce':
        if (this.announceWithSpawn) {
          this.announceWithSpawn = false;
          return;
        }
        return this.announce();
      case 'signal':
        return this.signal(effect.signal, effect.target === 'group');
      case 'arm-start-timer':
        return this.armAt('startTimer', effect.at, {type: 'start-timer'});
      case 'cancel-start-timer':
        return this.cancelTimer('startTimer');
      case 'arm-kill-timer': {
        const setting = this.files.timeoutKill();
        if (setting && 'warning' in setting) this.reporter.warn(setting.warning);
        if (setting && 'ms' in setting) this.armKillTimer(setting.ms);
        return;
      }
      case 'cancel-kill-timer':
        return this.cancelTimer('killTimer');
      case 'arm-reset-timer':
        return this.armAt('resetTimer', effect.at, {type: 'reset-timer'});
      case 'cancel-reset-timer':
        return this.cancelTimer('resetTimer');
      case 'emit':
        return this.emitPolicyEvent(effect.event);
      case 'record-policy': {
        const given = this.state.restart.givenUp;
        this.stats = {...this.stats, failed: given ? {at: Math.round(given.at), reason: given.reason, retryAt: given.retryAt === undefined ? null : Math.round(given.retryAt)} : null};
        return this.writeStats();
      }
      case 'exit':
        return this.finish('exit');
    }
  }

  private queueSpawn(): void {
    this.announceWithSpawn = true;
    this.cancelSpawn?.();
    this.cancelSpawn = undefined;
    // At once when nothing else waits (a lone restart), else behind the others.
    this.cancelSpawn = this.spawnQueue.runOrAdd(() => {
      this.cancelSpawn = undefined;
      this.spawn();
    });
  }

  /**
   * The start itself, at its turn: fork, record the child, announce it, then let it exec. Its
   * counters and its event are written at the end of its slice of starts (a tree starting up
   * runs the slice's services first), or with the exit being handled.
   */
  private spawn(): void {
    if (this.closed) return;
    if (this.deferWrites()) this.spawnQueue.afterSlice(() => this.flushWrites());
    this.spawnNow();
  }

  private spawnNow(): void {
    const fail = (text: string) => {
      this.announce();
      this.reporter.childFatal(`unable to start ${this.dir}/run: ${text}`);
      this.dispatch({type: 'spawn-failed'});
    };
    const refusal = this.files.runRefusal(this.trustedUids);
    if (refusal !== undefined) {
      this.announce();
      this.reporter.warn(refusal);
      this.dispatch({type: 'spawn-failed'});
      return;
    }
    if (this.runner) {
      const child: InProcessChild = this.runner.start((ending) => this.childExited(child, ending));
      this.started(child);
      this.writeStats();
      this.emit({kind: 'started', pid: child.pid});
      return;
    }
    let settings: SpawnSettings;
    try {
      settings = typeof this.spawnSettings === 'function' ? checkSettings(this.spawnSettings()) : this.spawnSettings;
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
    const notification = this.openNotification();
    if (notification instanceof Error) return fail(errorText(notification));
    if (notification) settings = {...settings, fds: [...(settings.fds ?? []), [notification.fd, notification.write]]};
    let handle: SpawnedChild | undefined;
    let child: SpawnedChild | NodeJS.ErrnoException;
    // The addon writes supervise/child and releases the child before it returns: once the
    // child may exec, a successor can recognise it (the record is what adoption trusts).
    const recordFd = this.files.childRecordFd();
    const bootId = this.readBootId();
    if (typeof recordFd === 'string') this.reporter.warn(recordFd);
    try {
      child = spawnRun(
        this.files.runDirectory().fd,
        settings,
        (ending) => this.childExited(handle, ending),
        (error) => this.childFailed(handle, error),
        typeof recordFd === 'number' && bootId !== undefined && !this.closed ? {fd: recordFd, bootId} : undefined,
      );
    } finally {
      // The child has its copy (placed at the notification fd); ours would hide the child's EOF.
      if (notification) closeSync(notification.write);
    }
    if (child instanceof Error) {
      if (notification) closeSync(notification.read);
      return fail(errorText(child));
    }
    handle = child;
    if (child.recorded > 0) this.reporter.warn(this.files.childRecordWarning(child.recorded));
    if (notification) this.watchReadiness(child, notification.read);
    // Without a record (no boot id, no descriptor) the child waits here as before: the status
    // then names it before it may exec.
    this.started(child, child.recorded < 0);
    child.go();
    // The start count is no part of what makes the child known: written after it runs.
    this.writeStats();
    // Logged once the child may exec: nothing slows the window between status and go.
    this.emit({kind: 'started', pid: child.pid});
  }

  /**
   * s6's readiness protocol, when the service directory has a valid `notification-fd`: a pipe
   * for this start, and `supervise/ready` reset to "not ready" before the status names the new
   * pid (readiness starts afresh at every start, as s6-supervise's).
   */
  private openNotification(): {fd: number; read: number; write: number} | NodeJS.ErrnoException | undefined {
    const setting = this.files.notificationFd();
    const warning = setting && 'warning' in setting ? setting.warning : undefined;
    if (warning !== undefined && warning !== this.notificationWarning) this.reporter.warn(warning);
    this.notificationWarning = warning;
    if (!setting || !('fd' in setting)) return undefined;
    const pipe = notificationPipe();
    if (pipe instanceof Error) return pipe;
    const written = this.files.writeReady({pid: 0, time: this.time.now()});
    if (written) this.reporter.warn(written);
    return {fd: setting.fd, read: pipe[0], write: pipe[1]};
  }

  /**
   * Reads the child's notification pipe: the first newline (whatever comes before it) means
   * ready for this pid, recorded in `supervise/ready` and emitted as a `ready` event; the pipe is
   * then closed. End of file first (the service closed the fd, or exited) leaves it not ready.
   */
  private watchReadiness(child: ChildHandle, fd: number): void {
    const pipe = new Socket({fd, readable: true, writable: false});
    this.readiness = pipe;
    const done = (): void => {
      pipe.destroy();
      if (this.readiness === pipe) this.readiness = undefined;
    };
    pipe.on('data', (chunk: Buffer) => {
      if (!chunk.includes(0x0a)) return;
      done();
      if (this.child !== child || this.closed) return;
      const warning = this.files.writeReady({pid: child.pid, time: this.time.now()});
      if (warning) this.reporter.warn(warning);
      this.emit({kind: 'ready', pid: child.pid});
    });
    pipe.on('end', done);
    pipe.on('error', done);
  }

  private stopReadiness(): void {
    this.readiness?.destroy();
    this.readiness = undefined;
  }

  private started(child: ChildHandle, record = true): void {
    this.child = child;
    this.pidStamp = tai64n.fromUnixMs(this.time.now());
    this.stats = {...this.stats, starts: this.stats.starts + 1};
    if (record) this.recordChild(child.pid);
    this.announce();
  }

  /** The child could not run `./run`: reported as daemontools' forked child reports it. */
  private childFailed(child: ChildHandle | undefined, error: ChildStartError): void {
    if (child === undefined || this.child !== child) return;
    this.child = undefined;
    this.stopReadiness();
    this.pidStamp = tai64n.fromUnixMs(this.time.now());
    this.announce();
    const text = error.stage === 'execve' ? errorText(error) : `unable to ${error.stage}: ${errorText(error)}`;
    this.reporter.childFatal(`unable to start ${this.dir}/run: ${text}`);
    this.dispatch({type: 'spawn-failed'});
  }

  private childExited(child: ChildHandle | undefined, ending: ChildEnding): void {
    if (child === undefined || this.child !== child) return;
    // The restart comes first: the counters and the events (exited, restarting, started) are
    // written once it is under way, in their order, with one stats write for all of them.
    const deferred = this.deferWrites();
    try {
      this.handleExit(child, ending);
    } finally {
      if (deferred) this.flushWrites();
    }
  }

  private handleExit(child: ChildHandle, ending: ChildEnding): void {
    this.child = undefined;
    this.stopReadiness();
    this.pidStamp = tai64n.fromUnixMs(this.time.now());
    this.stats = {...this.stats, lastExit: {code: ending.code, signal: ending.signal, at: Math.round(this.time.now())}};
    this.writeStats();
    const uptime = this.state.lastStart === undefined ? undefined : Math.max(0, Math.round(this.time.now() - this.state.lastStart) / 1000);
    this.emit({
      kind: 'exited',
      pid: child.pid,
      ...(ending.code !== null ? {code: ending.code} : {}),
      ...(ending.signal !== null ? {signal: ending.signal} : {}),
      ...(uptime !== undefined ? {uptime} : {}),
    });
    this.readPolicy();
    this.dispatch({type: 'child-exit'});
  }

  /** The policy file, read again before each death is handled: a change applies from the next death on. */
  private readPolicy(): void {
    const {policy, warning} = this.files.restartPolicy();
    if (warning !== undefined && warning !== this.policyWarning) this.reporter.warn(warning);
    this.policyWarning = warning;
    if (policy !== this.state.policy) this.dispatch({type: 'policy', policy});
  }

  private emitPolicyEvent(event: PolicyEvent): void {
    switch (event.kind) {
      case 'restarting': {
        // Seconds from the event's own time, so that time + delay is the start (status writes come between).
        const delayMs = this.state.phase === 'waiting' && this.state.startAt !== undefined ? Math.max(0, this.state.startAt - this.time.now()) : 0;
        return this.emit({kind: 'restarting', delay: Math.round(delayMs) / 1000});
      }
      case 'gave-up': {
        const {retryAt, reason} = event.givenUp;
        return this.emit({kind: 'gave-up', reason, ...(retryAt !== undefined ? {retryAt: new Date(retryAt).toISOString()} : {})});
      }
      case 'recovered':
        return this.emit({kind: 'recovered'});
      case 'stopped':
        return this.emit({kind: 'stopped', by: 'svc'});
    }
  }

  /** Holds stats and event writes until flushWrites(); false when they are held already. */
  private deferWrites(): boolean {
    if (this.held) return false;
    this.held = {stats: false, events: []};
    return true;
  }

  private flushWrites(): void {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    if (held.stats) this.writeStats();
    this.emitNow(held.events);
  }

  /** One event of this service to its sink; a log that cannot be written is a warning, never fatal. */
  private emit(event: Omit<EventInput, 'service' | 'source'>): void {
    const input: EventInput = {service: this.name, source: this.source, ...event};
    if (this.held) this.held.events.push({input, at: this.time.now()});
    else this.emitNow([{input, at: this.time.now()}]);
  }

  /** Events to the sink in their order; the service's own log takes them in one write. */
  private emitNow(events: ReadonlyArray<{input: EventInput; at: number}>): void {
    if (events.length === 0) return;
    if (this.events) {
      for (const {input, at} of events) this.events.emit(input, at);
      return;
    }
    try {
      this.ownLog ??= new EventLog(this.files.superviseDir(), SERVICE_EVENT_LOG_BYTES, this.files.superviseFd());
      this.ownLog.appendAll(events.map(({input, at}) => ({time: new Date(at).toISOString(), ...input})));
    } catch (error) {
      this.reporter.warn(`unable to write ${this.dir}/supervise/events: ${errorText(error)}`);
    }
  }

  private recordChild(pid: number): void {
    const startTime = readStartTime(pid);
    const bootId = this.readBootId();
    if (startTime === undefined || bootId === undefined || this.closed) return;
    const warning = this.files.writeChild({pid, startTime, bootId});
    if (warning) this.reporter.warn(warning);
  }

  private writeStats(): void {
    if (this.held) {
      this.held.stats = true;
      return;
    }
    const warning = this.files.writeStats(this.stats);
    if (warning) this.reporter.warn(warning);
  }

  /** The kernel's boot id, read once (it cannot change while this process lives). */
  private readBootId(): string | undefined {
    return (this.bootId ??= readBootId());
  }

  private announce(): void {
    const warning = this.files.writeStatus({stamp: this.pidStamp, pid: this.child?.pid ?? 0, paused: this.state.paused, want: this.state.want});
    if (warning) this.reporter.warn(warning);
  }

  private signal(signal: NodeJS.Signals, group: boolean): void {
    const child = this.child;
    if (child === undefined) return;
    if ('signal' in child) return (child as InProcessChild).signal(signal);
    // Gone already (ESRCH): its exit is on its way. daemontools ignores kill's result too.
    sendSignal(child.pid, signal, group);
  }

  private armKillTimer(ms: number): void {
    this.cancelTimer('killTimer');
    this.killTimer = this.time.setTimeout(() => {
      this.killTimer = undefined;
      if (this.child) this.reporter.warn(`${this.dir} still running ${ms} ms after TERM: sending KILL to its process group`);
      this.dispatch({type: 'kill-timer'});
    }, ms);
  }

  /** Arms the start or reset timer for clock time `at`; when it fires, `event` is dispatched. */
  private armAt(which: 'startTimer' | 'resetTimer', at: number, event: SupervisorEvent): void {
    this.cancelTimer(which);
    this[which] = this.time.setTimeout(
      () => {
        this[which] = undefined;
        this.dispatch(event);
      },
      Math.max(0, at - this.time.now()),
    );
  }

  private cancelTimer(which: 'startTimer' | 'killTimer' | 'resetTimer'): void {
    const handle = this[which];
    if (handle !== undefined) this.time.clearTimeout(handle);
    this[which] = undefined;
  }

  private finish(reason: ExitReason): void {
    if (this.closed) return;
    // What an exit being handled still holds is written while the directory is ours.
    this.flushWrites();
    this.closed = true;
    this.cancelSpawn?.();
    this.cancelSpawn = undefined;
    this.cancelTimer('startTimer');
    this.cancelTimer('killTimer');
    this.cancelTimer('resetTimer');
    this.stopReadiness();
    this.child?.release();
    this.files.release();
    this.resolveExited(reason);
  }
}

function checkSettings(settings: SpawnSettings): SpawnSettings {
  if (settings.groups && (settings.uid === undefined || settings.gid === undefined)) {
    throw new TypeError('spawn.groups needs spawn.uid and spawn.gid');
  }
  return settings;
}
