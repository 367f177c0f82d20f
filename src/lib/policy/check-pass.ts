import type {DaemonRule} from '../config/watchdog-config.js';
import {errorText} from '../cli/errno-text.js';
import type {EventSink} from '../events/event.js';
import type {Verdict} from '../watchdog/decide.js';
import type {Restart} from '../watchdog/history.js';
import {formatTime} from '../watchdog/report.js';
import {decideMissing, GIVEN_UP_FILE, readCheckRecords, recoveredRunning, writeCheckRecords, type CheckRecord} from './check.js';
import {resolvePolicy, type GivenUp} from './policy.js';

/**
 * The restart policy applied to one check pass (check.ts has the rules): which missing daemons
 * to restart, which to give up on now (reported once) and which stay given up (silence); which
 * running ones recovered. `commit` records the outcome in `stateDir/given-up` and emits the
 * events once the pass knows which start scripts it launched.
 */
export interface CheckPolicyPlan {
  /** The missing daemons to restart. */
  readonly restart: DaemonRule[];
  /** Given up in this pass: the report says so, once. */
  readonly gaveUp: Array<{daemon: DaemonRule; givenUp: GivenUp}>;
  /** The report's paragraph about those given up (empty when none). */
  readonly report: string;
  /** After the restarts: `launched` are the daemons whose start script ran. */
  commit(launched: readonly string[]): void;
}

export interface CheckPolicyContext {
  readonly stateDir: string;
  readonly now: number;
  readonly events?: EventSink;
  /** Whether the state dir may be written (not on a read-only file system). */
  readonly writable: boolean;
  readonly warn: (message: string) => void;
}

export function planCheckPolicy(found: readonly Verdict[], history: readonly Restart[], context: CheckPolicyContext): CheckPolicyPlan {
  const {now} = context;
  let records: Map<string, CheckRecord>;
  try {
    records = readCheckRecords(context.stateDir);
  } catch (error) {
    context.warn(`unable to read ${context.stateDir}/${GIVEN_UP_FILE}: ${errorText(error)}; no daemon counts as given up`);
    records = new Map();
  }
  let changed = false;
  const emit = (daemon: string, event: Omit<Parameters<EventSink['emit']>[0], 'service' | 'source'>) => context.events?.emit({service: daemon, source: 'check', ...event});
  const restart: DaemonRule[] = [];
  const gaveUp: Array<{daemon: DaemonRule; givenUp: GivenUp}> = [];
  const retried = new Set<string>();
  for (const verdict of found) {
    const name = verdict.daemon.name;
    const policy = resolvePolicy(verdict.daemon.restart, 'check');
    const record = records.get(name);
    const times = history.filter((restart) => restart.daemon === name).map((restart) => restart.time);
    if (verdict.state === 'running') {
      if (recoveredRunning(policy, times.at(-1), record, now)) {
        records.set(name, {since: now, givenUp: undefined, retrying: false});
        changed = true;
        emit(name, {kind: 'recovered', pid: verdict.pid});
      }
      continue;
    }
    if (verdict.state !== 'missing') continue;
    const decision = decideMissing(policy, times, record, now);
    if (decision.kind === 'restart') {
      restart.push(verdict.daemon);
      if (decision.retry) retried.add(name);
    } else if (decision.kind === 'give-up') {
      records.set(name, {since: record?.since ?? 0, givenUp: decision.givenUp, retrying: false});
      changed = true;
      gaveUp.push({daemon: verdict.daemon, givenUp: decision.givenUp});
      const {retryAt, reason} = decision.givenUp;
      emit(name, {kind: 'gave-up', reason, ...(retryAt !== undefined ? {retryAt: new Date(retryAt).toISOString()} : {})});
    }
  }
  const report = gaveUp
    .map(({daemon, givenUp}) => {
      const next = givenUp.retryAt !== undefined ? `not restarting it again until ${formatTime(givenUp.retryAt)}` : 'not restarting it again';
      return `Giving up on ${daemon.name}\n${formatTime(givenUp.at)}\n  ${givenUp.reason}; ${next} (keepup reset ${daemon.name} tries at once)\n`;
    })
    .join('\n');
  return {
    restart,
    gaveUp,
    report,
    commit(launched) {
      for (const name of launched) {
        emit(name, {kind: 'restarted', reason: retried.has(name) ? 'missing from the process table (the try after giving up)' : 'missing from the process table'});
        if (!retried.has(name)) continue;
        records.set(name, {since: records.get(name)?.since ?? 0, givenUp: undefined, retrying: true});
        changed = true;
      }
      if (!changed || !context.writable) return;
      try {
        writeCheckRecords(context.stateDir, records);
      } catch (error) {
        context.warn(`unable to write ${context.stateDir}/${GIVEN_UP_FILE}: ${errorText((error as {cause?: unknown}).cause ?? error)}`);
      }
    },
  };
}
