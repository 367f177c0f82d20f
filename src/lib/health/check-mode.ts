import {readFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import type {DaemonRule} from '../config/watchdog-config.js';
import {NO_EVENTS, type EventSink} from '../events/event.js';
import {parseProcStat} from '../proc/stat.js';
import {isErrno} from '../sys/errno.js';
import type {Time} from '../time/time.js';
import {runProbes, type ProbeResult} from './probe.js';
import {describeHealth, freshRecord, parseHealthRecord, step, type HealthRecord} from './verdict.js';
import {sendSignal} from '../sys/signals.js';

/** The state dir's record of each checked daemon's health across passes (`failures` counts across them). */
export const HEALTH_FILE = 'health';

/** Checks at once in one pass. */
const PASS_PARALLEL = 16;
/** How often a stopping daemon is looked at. */
const STOP_POLL_MS = 50;

export interface RunningDaemon {
  readonly daemon: DaemonRule;
  readonly pid: number;
}

export interface HealthPassOptions {
  readonly stateDir: string;
  readonly time: Time;
  readonly reporter: Reporter;
  /** From TERM to KILL when a daemon is stopped for a restart. */
  readonly stopTimeoutMs: number;
  readonly procRoot: string;
  /** Write nothing, stop nothing (dry run). */
  readonly readOnly?: boolean;
  readonly events?: EventSink;
}

export interface HealthFinding {
  readonly daemon: DaemonRule;
  readonly pid: number;
  readonly record: HealthRecord;
  /** `restart`: stopped in this pass (its start script is to run); `alert`: reported only. */
  readonly action: 'restart' | 'alert';
  /** How the stop went, for the report. */
  readonly stopped?: string;
}

export interface HealthPassResult {
  /** Unhealthy daemons this pass acts on (or alerts about). */
  readonly findings: HealthFinding[];
  /** Every checked daemon's record (for `keepup status`). */
  readonly records: Map<string, HealthRecord>;
  /** The report's health part: empty when every checked daemon is healthy. */
  readonly text: string;
}

interface Stored {
  readonly pid: number;
  readonly record: HealthRecord;
}

/**
 * Check mode's health checks: every running daemon with `health:` is checked once (16 at a time,
 * each cut at its timeout). The records persist in `STATEDIR/health`, so `failures` counts
 * across passes and a new pid starts afresh (its start period from the first pass that saw it).
 * A daemon that reaches `failures` is reported; with `action: restart` it is stopped here
 * (TERM to its pid, KILL after the stop timeout) and returned so the pass runs its start script.
 */
export async function healthPass(running: readonly RunningDaemon[], options: HealthPassOptions): Promise<HealthPassResult> {
  const checked = running.filter((entry) => entry.daemon.health !== undefined);
  const stored = readStored(options.stateDir, options.reporter);
  const records = new Map<string, HealthRecord>();
  const findings: HealthFinding[] = [];
  const events = options.events ?? NO_EVENTS;
  const queue = [...checked];
  const worker = async (): Promise<void> => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      const spec = entry.daemon.health!;
      const previous = stored.get(entry.daemon.name);
      const now = options.time.now();
      const base = previous && previous.pid === entry.pid ? previous.record : freshRecord(now);
      const result: ProbeResult = await runProbes(spec.probes, {timeoutMs: spec.timeoutMs, time: options.time});
      const next = step(spec, base, result, options.time.now());
      records.set(entry.daemon.name, next.record);
      if (next.event) events.emit({service: entry.daemon.name, kind: next.event, source: 'check', ...(next.record.lastFailure ? {reason: next.record.lastFailure} : {})});
      if (!next.act) continue;
      if (spec.action === 'restart' && !options.readOnly) {
        const stopped = await stopPid(entry.pid, options);
        findings.push({daemon: entry.daemon, pid: entry.pid, record: next.record, action: 'restart', stopped});
      } else {
        findings.push({daemon: entry.daemon, pid: entry.pid, record: next.record, action: spec.action});
      }
    }
  };
  await Promise.all(Array.from({length: Math.min(PASS_PARALLEL, checked.length)}, worker));
  if (!options.readOnly && checked.length > 0) {
    const pids = new Map(checked.map((entry) => [entry.daemon.name, entry.pid]));
    writeStored(options.stateDir, records, pids, options.reporter);
  }
  findings.sort((a, b) => a.daemon.name.localeCompare(b.daemon.name));
  return {findings, records, text: findings.map(findingText).join('')};
}

function findingText(finding: HealthFinding): string {
  const head = `${finding.daemon.name} (pid ${finding.pid}) is ${describeHealth(finding.record)}`;
  if (finding.action === 'alert') return `${head}\n\n`;
  return `${head}\nStopped it for a restart: ${finding.stopped ?? 'unknown'}\n\n`;
}

/** TERM, then KILL once the stop timeout has passed; says how it went. */
async function stopPid(pid: number, options: HealthPassOptions): Promise<string> {
  if (!signal(pid, 'SIGTERM')) return 'it was already gone';
  const deadline = options.time.now() + options.stopTimeoutMs;
  while (options.time.now() < deadline) {
    if (!alive(pid, options.procRoot)) return 'ended on TERM';
    await options.time.sleep(STOP_POLL_MS);
  }
  if (!alive(pid, options.procRoot)) return 'ended on TERM';
  signal(pid, 'SIGKILL');
  const killDeadline = options.time.now() + 5_000;
  while (alive(pid, options.procRoot) && options.time.now() < killDeadline) await options.time.sleep(STOP_POLL_MS);
  return `ignored TERM for ${options.stopTimeoutMs / 1000} s; sent KILL`;
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  return sendSignal(pid, name);
}

/** There and not a zombie. */
function alive(pid: number, procRoot: string): boolean {
  try {
    const stat = parseProcStat(readFileSync(join(procRoot, String(pid), 'stat'), 'latin1'));
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  } catch {
    return false;
  }
}

function readStored(stateDir: string, reporter: Reporter): Map<string, Stored> {
  const path = join(stateDir, HEALTH_FILE);
  const out = new Map<string, Stored>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) reporter.warn(`unable to read ${path}: ${errorText(error)}; health counts start afresh`);
    return out;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    reporter.warn(`${path} is not keepup's health record; health counts start afresh`);
    return out;
  }
  if (typeof value !== 'object' || value === null) return out;
  for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const {pid, record} = entry as {pid?: unknown; record?: unknown};
    const parsed = parseHealthRecord(JSON.stringify(record ?? null));
    if (typeof pid === 'number' && parsed) out.set(name, {pid, record: parsed});
  }
  return out;
}

/** The records of this pass's checked daemons (others are forgotten: not running, no counts). */
function writeStored(stateDir: string, records: Map<string, HealthRecord>, pids: Map<string, number>, reporter: Reporter): void {
  const path = join(stateDir, HEALTH_FILE);
  const data = Object.fromEntries([...records].map(([name, record]) => [name, {pid: pids.get(name), record}]));
  try {
    writeFileSync(`${path}.new`, `${JSON.stringify(data)}\n`, {mode: 0o600});
    renameSync(`${path}.new`, path);
  } catch (error) {
    reporter.warn(`unable to write ${path}: ${errorText(error)}`);
  }
}

/** The health records of the last pass, for `keepup status` (empty when unreadable). */
export function lastHealth(stateDir: string): Map<string, HealthRecord> {
  const stored = readStored(stateDir, {warn() {}});
  return new Map([...stored].map(([name, {record}]) => [name, record]));
}
