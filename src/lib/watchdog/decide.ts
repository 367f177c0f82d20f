import {basename} from 'node:path';
import {COMM_LENGTH, type DaemonRule} from '../config/watchdog-config.js';
import type {ProcessEntry} from '../proctable/entry.js';
import type {Restart} from './history.js';

/**
 * The pure heart of a check pass: process table + rules (+ history) → what to do for each
 * daemon. It reads no files and starts nothing.
 */
export type Verdict =
  | {daemon: DaemonRule; state: 'running'; pid: number; via: 'name' | 'pidfile'}
  | {daemon: DaemonRule; state: 'starting'; since: number; scriptPid?: number}
  | {daemon: DaemonRule; state: 'missing'};

/**
 * The checker itself and the helpers it runs (its descendants in its own session) never count
 * as a daemon: `keepup check` would otherwise match a substring rule for "keepup". A start
 * script runs in a session of its own, so what it leaves behind does count.
 */
export function excludedPids(entries: readonly ProcessEntry[], selfPid: number): Set<number> {
  const self = entries.find((entry) => entry.pid === selfPid);
  const excluded = new Set<number>([selfPid]);
  const children = new Map<number, ProcessEntry[]>();
  for (const entry of entries) {
    if (entry.ppid === undefined) continue;
    const siblings = children.get(entry.ppid);
    if (siblings) siblings.push(entry);
    else children.set(entry.ppid, [entry]);
  }
  const queue = [selfPid];
  while (queue.length > 0) {
    for (const child of children.get(queue.pop()!) ?? []) {
      if (excluded.has(child.pid)) continue;
      if (self?.session !== undefined && child.session !== undefined && child.session !== self.session) continue;
      excluded.add(child.pid);
      queue.push(child.pid);
    }
  }
  return excluded;
}

/**
 * A process running a start script (the script, or its shell, with a path in startDir as its
 * first or second word) is not the daemon, although the kernel names a script after its file.
 */
export function runsStartScript(entry: ProcessEntry, startDir: string): boolean {
  const prefix = startDir.endsWith('/') ? startDir : `${startDir}/`;
  return entry.argv.slice(0, 2).some((arg) => arg.startsWith(prefix));
}

/** The command line as ps shows it: arguments joined by spaces, `[comm]` for kernel threads. */
function commandLine(entry: ProcessEntry): string {
  return entry.argv.length > 0 ? entry.argv.join(' ') : `[${entry.comm}]`;
}

/**
 * An exact name against what the kernel keeps: `comm` holds 15 characters, so a longer name
 * matches its first 15 there, confirmed by the full name where one is visible (the basename of
 * argv[0] or of the executable) unless neither even starts like it (a program that rewrote
 * its argv, an unreadable exe link).
 */
function exactName(name: string, entry: ProcessEntry): boolean {
  if (name.length <= COMM_LENGTH) return entry.comm === name;
  const prefix = name.slice(0, COMM_LENGTH);
  if (entry.comm !== prefix) return false;
  const full = [entry.argv[0], entry.exe].flatMap((path) => (path ? [basename(path)] : []));
  return full.includes(name) || !full.some((candidate) => candidate.startsWith(prefix));
}

/** Whether one process is the daemon, by the rule's match mode. */
export function matches(rule: DaemonRule, entry: ProcessEntry): boolean {
  switch (rule.match) {
    case 'exact':
      return exactName(rule.process, entry);
    case 'substring':
      return entry.comm.includes(rule.process) || commandLine(entry).includes(rule.process);
    case 'regex':
      return (rule.pattern ?? new RegExp(rule.process)).test(commandLine(entry));
  }
}

export interface DecideInput {
  entries: readonly ProcessEntry[];
  daemons: readonly DaemonRule[];
  /** Absolute path of the start scripts' directory. */
  startDir: string;
  selfPid: number;
  /** The pid read from each daemon's pidfile, by daemon name (absent: no pidfile or none readable). */
  pidfilePids: ReadonlyMap<string, number>;
  restarts: readonly Restart[];
  now: number;
  /**
   * A daemon whose script was launched less than this long ago is 'starting', not missing:
   * an overlapping or quick second run never restarts it twice. So is one whose last start
   * script is still running (its pid still leads its own session): start scripts never pile up.
   */
  graceMs: number;
}

export function decide(input: DecideInput): Verdict[] {
  const excluded = excludedPids(input.entries, input.selfPid);
  const candidates = input.entries.filter((entry) => !excluded.has(entry.pid) && !entry.zombie && !runsStartScript(entry, input.startDir));
  const sessionLeaders = new Set(input.entries.filter((entry) => entry.session === entry.pid && !entry.zombie).map((entry) => entry.pid));
  return input.daemons.map((daemon): Verdict => {
    const pid = input.pidfilePids.get(daemon.name);
    if (pid !== undefined) {
      // A pidfile decides, as start-stop-daemon --pidfile --name: its pid must be alive and be
      // the daemon (a reused pid is another program); other processes of the name (nginx's
      // workers after its master died) do not count.
      const entry = candidates.find((candidate) => candidate.pid === pid);
      if (entry && matches(daemon, entry)) return {daemon, state: 'running', pid, via: 'pidfile'};
    } else {
      const found = candidates.find((entry) => matches(daemon, entry));
      if (found) return {daemon, state: 'running', pid: found.pid, via: 'name'};
    }
    const last = input.restarts.filter((restart) => restart.daemon === daemon.name).at(-1);
    if (last && last.time > input.now - input.graceMs && last.time <= input.now) return {daemon, state: 'starting', since: last.time};
    if (last?.scriptPid !== undefined && sessionLeaders.has(last.scriptPid)) {
      return {daemon, state: 'starting', since: last.time, scriptPid: last.scriptPid};
    }
    return {daemon, state: 'missing'};
  });
}
