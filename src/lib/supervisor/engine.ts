import {closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, statSync} from 'node:fs';
import {Socket} from 'node:net';
import {join} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {readStatus} from '../control/client.js';
import {CHILD_FILE, CONTROL_FIFO, DOWN_FILE, LOCK_FILE, OK_FIFO, STATUS_FILE} from '../control/paths.js';
import {readBootId, readStartTime} from '../proc/start-time.js';
import * as childRecord from '../status/child-record.js';
import * as status from '../status/codec.js';
import {flockExclusive} from '../sys/flock.js';
import {AtomicWriteError, writeFileAtomicSync} from '../sys/fs-atomic.js';
import {assertDirectory} from '../sys/directory.js';
import {mkfifoSync} from '../sys/mkfifo.js';
import * as tai64n from '../tai64n/codec.js';
import {systemClock, type Clock} from '../tai64n/clock.js';
import {spawnRun, watchPid, type ChildHandle, type SpawnSettings} from './child.js';
import {systemTimers, type TimerHandle, type Timers} from './timers.js';
import {initialState, parseControlByte, transition, type Effect, type SupervisorEvent, type SupervisorState} from './state.js';

/** Warnings go through `warn` (`PROG: warning: …`); `childFatal` gets daemontools' child line. */
export interface SupervisorReporter extends Reporter {
  /** `unable to start DIR/run: ERR`: what daemontools' forked child prints as `supervise: fatal: …`. */
  childFatal(message: string): void;
}

export interface SupervisorOptions {
  /** The service directory, as the user wrote it: messages say `DIR/supervise/lock`. */
  readonly dir: string;
  readonly reporter: SupervisorReporter;
  /** Stamps and the restart throttle. Default: the system clock. */
  readonly clock?: Clock;
  /** The throttle's start timer and timeout-kill. Default: the global setTimeout. */
  readonly timers?: Timers;
  /** stdio, environment, credentials and chain-loaders for `./run`. */
  readonly spawn?: SpawnSettings;
  /** How often an adopted child's liveness is checked. Default 500 ms. */
  readonly adoptPollMs?: number;
}

export interface StartOptions {
  /**
   * Adopt the child a crashed predecessor left running instead of starting a second copy: the
   * pid in `status` is adopted when `supervise/child` records it and /proc shows the same start
   * time on the same boot. The want and paused state come from that status, not from `down`.
   */
  readonly adopt?: boolean;
}

/**
 * The outcome of `start()`. `busy`: another supervisor (ours or daemontools') holds the lock.
 * `failed`: a system error; `message` is daemontools' text after `fatal: `, e.g.
 * `unable to acquire s1/supervise/lock: temporary failure`. Nothing is left open either way.
 */
export type StartOutcome = {kind: 'started'} | {kind: 'busy'; message: string} | {kind: 'failed'; message: string};

/** Why the engine stopped: `x` was obeyed (the child is gone), or `close()` was called. */
export type ExitReason = 'exit' | 'closed';

export interface SupervisorSnapshot {
  readonly phase: SupervisorState['phase'];
  readonly want: status.Want;
  readonly paused: boolean;
  /** 0 when there is no child. */
  readonly pid: number;
}

/**
 * One supervised service directory: daemontools 0.76's supervise as an object, so one process
 * (standalone `supervise DIR`, or svscan for a whole tree) can run many. It holds no process-wide
 * state and installs no signal handlers; the embedding program decides what its signals mean.
 *
 * Life cycle:
 * 1. `new Supervisor({dir, reporter, clock?, timers?, spawn?})`.
 * 2. `await start()`: checks DIR and `down`, makes `supervise/`, takes the flock on
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
 * /proc, since Node cannot wait for a process it did not start) instead of starting a second copy.
 */
export class Supervisor {
  readonly dir: string;
  readonly exited: Promise<ExitReason>;
  private readonly reporter: SupervisorReporter;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly spawnSettings: SpawnSettings;
  private readonly adoptPollMs: number;
  private state: SupervisorState = initialState('up');
  private child: ChildHandle | undefined;
  private pidStamp: tai64n.Tai64n;
  private lockFd: number | undefined;
  private okFd: number | undefined;
  private control: Socket | undefined;
  private startTimer: TimerHandle | undefined;
  private killTimer: TimerHandle | undefined;
  private readonly queue: SupervisorEvent[] = [];
  private draining = false;
  private closed = false;
  /** Control bytes sent before start() finished; applied right after boot. */
  private early: string | undefined = '';
  private starting = false;
  private resolveExited!: (reason: ExitReason) => void;

  constructor(options: SupervisorOptions) {
    this.dir = options.dir;
    this.reporter = options.reporter;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.spawnSettings = options.spawn ?? {};
    if (this.spawnSettings.groups && (this.spawnSettings.uid === undefined || this.spawnSettings.gid === undefined)) {
      throw new TypeError('spawn.groups needs spawn.uid and spawn.gid');
    }
    this.adoptPollMs = options.adoptPollMs ?? 500;
    this.pidStamp = tai64n.fromUnixMs(this.clock.now());
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
    const dir = this.dir;
    try {
      assertDirectory(dir);
    } catch (error) {
      return failed(`unable to chdir to ${dir}: ${errorText(error)}`);
    }
    let want: status.Want = 'up';
    try {
      statSync(join(dir, DOWN_FILE));
      want = 'down';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return failed(`unable to stat ${dir}/down: ${errorText(error)}`);
    }
    this.state = initialState(want);
    try {
      mkdirSync(join(dir, 'supervise'), 0o700);
    } catch {
      // daemontools ignores this; the lock open below says what is wrong.
    }
    const lock = await this.acquireLock();
    if (lock.kind !== 'started') return lock;
    if (this.closed) {
      this.releaseFds();
      return failed('closed while starting');
    }
    if (options.adopt) this.adopt();
    const opened = this.openFifos();
    if (opened.kind !== 'started') {
      this.child?.release();
      this.child = undefined;
      this.releaseFds();
      return opened;
    }
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
    return {phase: this.state.phase, want: this.state.want, paused: this.state.paused, pid: this.child?.pid ?? 0};
  }

  /** Releases the lock, FIFOs and timers without signalling the child, which keeps running. */
  close(): void {
    this.finish('closed');
  }

  /** Takes over the child recorded in status and supervise/child when it is provably the same process. */
  private adopt(): void {
    let record: status.StatusRecord | 'bad-format';
    let child: childRecord.ChildRecord | undefined;
    try {
      record = readStatus(this.dir);
      child = childRecord.parse(readFileSync(join(this.dir, CHILD_FILE), 'latin1'));
    } catch {
      return;
    }
    if (record === 'bad-format' || record.pid === 0 || child?.pid !== record.pid) return;
    const startTime = readStartTime(record.pid);
    if (!childRecord.matches(child, startTime, readBootId())) return;
    const handle: ChildHandle = watchPid(record.pid, child.startTime, this.timers, this.adoptPollMs, () => this.childExited(handle));
    this.child = handle;
    this.pidStamp = record.stamp;
    this.state = {...initialState(record.want), phase: 'running', paused: record.paused, lastStart: this.clock.now()};
  }

  private async acquireLock(): Promise<StartOutcome> {
    const what = `unable to acquire ${this.dir}/supervise/lock`;
    let fd: number;
    try {
      fd = openSync(join(this.dir, LOCK_FILE), constants.O_WRONLY | constants.O_NONBLOCK | constants.O_APPEND | constants.O_CREAT, 0o600);
    } catch (error) {
      return failed(`${what}: ${errorText(error)}`);
    }
    try {
      if ((await flockExclusive(fd, {nonblocking: true})) === 'busy') {
        closeSync(fd);
        return {kind: 'busy', message: `${what}: ${errorText({code: 'EAGAIN'})}`};
      }
    } catch (error) {
      closeSync(fd);
      return failed(`${what}: ${errorText(error)}`);
    }
    this.lockFd = fd;
    return {kind: 'started'};
  }

  private openFifos(): StartOutcome {
    const controlPath = join(this.dir, CONTROL_FIFO);
    let controlFd: number;
    try {
      mkfifoSync([controlPath]);
      controlFd = openFifo(controlPath, constants.O_RDWR | constants.O_NONBLOCK);
    } catch (error) {
      return failed(`unable to read ${this.dir}/supervise/control: ${errorText(error)}`);
    }
    this.control = new Socket({fd: controlFd, readable: true, writable: false});
    this.control.on('data', (chunk: Buffer) => {
      for (const byte of chunk) this.controlByte(byte);
    });
    this.control.on('error', (error) => this.reporter.warn(`unable to read ${this.dir}/supervise/control: ${errorText(error)}`));
    this.announce();
    const okPath = join(this.dir, OK_FIFO);
    try {
      mkfifoSync([okPath]);
      this.okFd = openFifo(okPath, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      return failed(`unable to read ${this.dir}/supervise/ok: ${errorText(error)}`);
    }
    return {kind: 'started'};
  }

  private controlByte(byte: number): void {
    const command = parseControlByte(byte);
    if (command) this.dispatch({type: 'control', command});
  }

  /** Events are handled one at a time, in order; effects may queue more (a self-pipe, in effect). */
  private dispatch(event: SupervisorEvent): void {
    if (this.closed) return;
    this.queue.push(event);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next && !this.closed; next = this.queue.shift()) {
        const {state, effects} = transition(this.state, next, this.clock.now());
        this.state = state;
        for (const effect of effects) this.apply(effect);
      }
    } finally {
      this.draining = false;
      this.queue.length = 0;
    }
  }

  private apply(effect: Effect): void {
    switch (effect.type) {
      case 'spawn':
        return this.spawn();
      case 'announce':
        return this.announce();
      case 'signal':
        return this.signal(effect.signal, effect.target === 'group');
      case 'arm-start-timer':
        this.cancelTimer('startTimer');
        this.startTimer = this.timers.setTimeout(() => {
          this.startTimer = undefined;
          this.dispatch({type: 'start-timer'});
        }, Math.max(0, effect.at - this.clock.now()));
        return;
      case 'cancel-start-timer':
        return this.cancelTimer('startTimer');
      case 'arm-kill-timer': {
        const ms = this.timeoutKill();
        if (ms === undefined) return;
        this.cancelTimer('killTimer');
        this.killTimer = this.timers.setTimeout(() => {
          this.killTimer = undefined;
          this.dispatch({type: 'kill-timer'});
        }, ms);
        return;
      }
      case 'cancel-kill-timer':
        return this.cancelTimer('killTimer');
      case 'exit':
        return this.finish('exit');
    }
  }

  private spawn(): void {
    const child = spawnRun(
      this.dir,
      this.spawnSettings,
      () => this.childExited(child),
      (error) => {
        this.reporter.childFatal(`unable to start ${this.dir}/run: ${errorText(error)}`);
        this.dispatch({type: 'spawn-failed'});
      },
    );
    if (!child) return;
    this.child = child;
    this.pidStamp = tai64n.fromUnixMs(this.clock.now());
    this.recordChild(child.pid);
  }

  private childExited(child: ChildHandle | undefined): void {
    if (child === undefined || this.child !== child) return;
    this.child = undefined;
    this.pidStamp = tai64n.fromUnixMs(this.clock.now());
    this.dispatch({type: 'child-exit'});
  }

  private recordChild(pid: number): void {
    const startTime = readStartTime(pid);
    const bootId = readBootId();
    if (startTime === undefined || bootId === undefined) return;
    try {
      writeFileAtomicSync(join(this.dir, CHILD_FILE), Buffer.from(childRecord.format({pid, startTime, bootId})));
    } catch (error) {
      this.warnWrite(error, 'supervise/child');
    }
  }

  private announce(): void {
    const record = {stamp: this.pidStamp, pid: this.child?.pid ?? 0, paused: this.state.paused, want: this.state.want};
    try {
      writeFileAtomicSync(join(this.dir, STATUS_FILE), status.pack(record));
    } catch (error) {
      this.warnWrite(error, 'supervise/status');
    }
  }

  /** daemontools' status warnings: `unable to open DIR/supervise/status.new: ERR` and the rest. */
  private warnWrite(error: unknown, file: string): void {
    const tmp = `${this.dir}/${file}.new`;
    if (!(error instanceof AtomicWriteError)) return this.reporter.warn(`unable to write ${tmp}: ${errorText(error)}`);
    const reason = error.partial ? 'partial write' : errorText(error.cause);
    if (error.step === 'rename') return this.reporter.warn(`unable to rename ${tmp} to ${file.slice('supervise/'.length)}: ${reason}`);
    this.reporter.warn(`unable to ${error.step} ${tmp}: ${reason}`);
  }

  private signal(signal: NodeJS.Signals, group: boolean): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(group ? -pid : pid, signal);
    } catch {
      // Gone already (ESRCH): its exit is on its way. daemontools ignores kill's result too.
    }
  }

  /** The optional `timeout-kill` file: whole milliseconds; absent means no timer. */
  private timeoutKill(): number | undefined {
    const path = join(this.dir, 'timeout-kill');
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.reporter.warn(`unable to read ${this.dir}/timeout-kill: ${errorText(error)}`);
      return undefined;
    }
    const match = /^\s*([0-9]{1,10})\s*$/.exec(text);
    if (!match) {
      this.reporter.warn(`ignoring ${this.dir}/timeout-kill: not a whole number of milliseconds`);
      return undefined;
    }
    return Number(match[1]);
  }

  private cancelTimer(which: 'startTimer' | 'killTimer'): void {
    const handle = this[which];
    if (handle !== undefined) this.timers.clearTimeout(handle);
    this[which] = undefined;
  }

  private finish(reason: ExitReason): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimer('startTimer');
    this.cancelTimer('killTimer');
    this.child?.release();
    this.releaseFds();
    this.resolveExited(reason);
  }

  private releaseFds(): void {
    this.control?.destroy();
    this.control = undefined;
    for (const fd of [this.okFd, this.lockFd]) {
      if (fd !== undefined) closeSync(fd);
    }
    this.okFd = undefined;
    this.lockFd = undefined;
  }
}

function failed(message: string): StartOutcome {
  return {kind: 'failed', message};
}

/** Opens a FIFO non-blocking; anything else at that path is refused (EINVAL). */
function openFifo(path: string, flags: number): number {
  const fd = openSync(path, flags);
  if (fstatSync(fd).isFIFO()) return fd;
  closeSync(fd);
  throw Object.assign(new Error(`${path} is not a FIFO`), {code: 'EINVAL'});
}
