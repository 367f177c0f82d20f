import {closeSync, lstatSync, openSync, statSync, unlinkSync} from 'node:fs';
import {join} from 'node:path';
import {FatalError, SysError} from '../cli/errors.js';
import {probeSupervisor, sendControl} from '../control/client.js';
import {readStatus} from '../status/file.js';
import {DOWN_FILE, STATUS_FILE} from '../service-dir/layout.js';
import {systemTime, type Time} from '../time/time.js';
import {hasExited, readProcStat} from '../proc/stat.js';
import type {FrontendOptions} from './options.js';
import {observe, readyFor, type Observed} from './readiness.js';
import {runServiceScript, type ScriptResult} from './script.js';
import {isErrno} from '../sys/errno.js';

/** Time and process liveness, injected so the waiting logic can be driven by tests. */
export interface FrontendDeps {
  time: Time;
  isLive: (pid: number) => boolean;
}

export const systemDeps: FrontendDeps = {time: systemTime, isLive: isLiveProcess};

export type ScriptRan = {kind: 'script'; name: 'start' | 'stop'; result: Exclude<ScriptResult, 'absent' | {error: NodeJS.ErrnoException}>};
export type StartOutcome = {kind: 'up'; observed: Observed} | {kind: 'not-up'; observed: Observed; limitMs: number; notReady?: boolean} | ScriptRan;
export type StopOutcome = {kind: 'down'} | {kind: 'not-down'; observed: Observed; limitMs: number} | ScriptRan;
export type ResetOutcome = {action: 'start'; outcome: StartOutcome} | {action: 'stop'; outcome: StopOutcome};
export type RestartOutcome = {kind: 'not-running'} | {kind: 'stop-failed'; stop: StopOutcome} | {kind: 'restarted'; start: StartOutcome};

/** Did the service end up where it was sent (exit 0), or not (exit 1)? */
export function succeeded(outcome: StartOutcome | StopOutcome): boolean {
  if (outcome.kind === 'script') return 'code' in outcome.result && outcome.result.code === 0;
  return outcome.kind === 'up' || outcome.kind === 'down';
}

/** A restart succeeded when the service was not running (left alone) or runs again. */
export function restartSucceeded(restart: RestartOutcome): boolean {
  return restart.kind === 'not-running' || (restart.kind === 'restarted' && succeeded(restart.start));
}

const POLL_MS = 100;

/** Brings SERVICE up (or runs SERVICE/start) and waits until it really runs. */
export async function startService(options: FrontendOptions, deps: FrontendDeps = systemDeps): Promise<StartOutcome> {
  // Up, and ready when the service has a readiness protocol (s6's notification-fd, keepup's ready:).
  const ready = (observed: Observed): boolean => observed.state === 'up' && readyFor(options.service, observed.pid) !== false;
  const result = await drive(options, deps, {script: 'start', command: 'u', persist: removeDownFile, reached: ready});
  if ('kind' in result) return result;
  if (result.reached) return {kind: 'up', observed: result.observed};
  return {kind: 'not-up', observed: result.observed, limitMs: options.timeoutMs, ...(result.observed.state === 'up' ? {notReady: true} : {})};
}

/** Takes SERVICE down (or runs SERVICE/stop) and waits until supervise reports no process. */
export async function stopService(options: FrontendOptions, deps: FrontendDeps = systemDeps): Promise<StopOutcome> {
  const result = await drive(options, deps, {script: 'stop', command: 'd', persist: createDownFile, reached: (observed) => observed.state === 'down'});
  if ('kind' in result) return result;
  return result.reached ? {kind: 'down'} : {kind: 'not-down', observed: result.observed, limitMs: options.timeoutMs};
}

interface Plan {
  script: 'start' | 'stop';
  command: 'u' | 'd';
  persist(dir: string): void;
  reached(observed: Observed): boolean;
}

/** Checks supervise, persists, then runs the script or sends the command and polls the status. */
async function drive(options: FrontendOptions, deps: FrontendDeps, plan: Plan): Promise<ScriptRan | {reached: boolean; observed: Observed}> {
  const dir = options.service;
  requireSupervised(dir);
  if (options.persist) plan.persist(dir);
  const script = await scriptOutcome(dir, plan.script);
  if (script) return script;
  control(dir, plan.command);
  const started = deps.time.now();
  for (;;) {
    const now = deps.time.now();
    const observed = observe(currentStatus(dir), now, options.settleMs, deps.isLive);
    if (plan.reached(observed)) return {reached: true, observed};
    if (now - started >= options.timeoutMs) return {reached: false, observed};
    await deps.time.sleep(Math.min(POLL_MS, options.timeoutMs - (now - started)));
  }
}

/** Back to what SERVICE/down says: stopped when it exists, started when it does not. */
export async function resetService(options: FrontendOptions, deps: FrontendDeps = systemDeps): Promise<ResetOutcome> {
  const plain = {...options, persist: false};
  if (hasDownFile(options.service)) return {action: 'stop', outcome: await stopService(plain, deps)};
  return {action: 'start', outcome: await startService(plain, deps)};
}

/** Stop, then start, only when SERVICE has a process now. */
export async function restartService(options: FrontendOptions, deps: FrontendDeps = systemDeps): Promise<RestartOutcome> {
  requireSupervised(options.service);
  if (currentStatus(options.service).pid === 0) return {kind: 'not-running'};
  const plain = {...options, persist: false};
  const stop = await stopService(plain, deps);
  if (!succeeded(stop)) return {kind: 'stop-failed', stop};
  return {kind: 'restarted', start: await startService(plain, deps)};
}

async function scriptOutcome(dir: string, name: 'start' | 'stop'): Promise<ScriptRan | undefined> {
  const result = await runServiceScript(dir, name);
  if (result === 'absent') return undefined;
  if ('error' in result) throw new SysError(`run ${join(dir, name)}`, result.error);
  return {kind: 'script', name, result};
}

function requireSupervised(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(dir), {code: 'ENOTDIR'});
    if (probeSupervisor(dir) !== 'running') throw new FatalError(`unable to control ${dir}: supervise not running`);
  } catch (error) {
    if (error instanceof FatalError) throw error;
    throw new SysError(`control ${dir}`, error);
  }
}

function control(dir: string, commands: string): void {
  let result;
  try {
    result = sendControl(dir, commands);
  } catch (error) {
    throw new SysError(`control ${dir}`, error);
  }
  if (result === 'not-running') throw new FatalError(`unable to control ${dir}: supervise not running`);
}

function currentStatus(dir: string) {
  let record;
  try {
    record = readStatus(dir);
  } catch (error) {
    throw new SysError(`read ${join(dir, STATUS_FILE)}`, error);
  }
  if (record === 'bad-format') throw new FatalError(`unable to read ${join(dir, STATUS_FILE)}: bad format`);
  return record;
}

function hasDownFile(dir: string): boolean {
  try {
    lstatSync(join(dir, DOWN_FILE));
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw new SysError(`stat ${join(dir, DOWN_FILE)}`, error);
  }
}

function createDownFile(dir: string): void {
  try {
    closeSync(openSync(join(dir, DOWN_FILE), 'a', 0o644));
  } catch (error) {
    throw new SysError(`create ${join(dir, DOWN_FILE)}`, error);
  }
}

function removeDownFile(dir: string): void {
  try {
    unlinkSync(join(dir, DOWN_FILE));
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw new SysError(`remove ${join(dir, DOWN_FILE)}`, error);
  }
}

/** A process that exists and is not a zombie (a zombie is a service that exited, not yet reaped). */
export function isLiveProcess(pid: number): boolean {
  try {
    const stat = readProcStat(pid);
    if (stat) return !hasExited(stat);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
}
