import type {DaemonRule} from '../config/watchdog-config.js';
import type {TimerHandle, Time} from '../time/time.js';

/**
 * `after:` as levels (pure; the config has already refused unknown names and cycles): level 0
 * has no dependencies, level N depends on something at level N - 1. Start-up goes up the levels
 * as dependencies come up; shutdown goes down them, one level at a time.
 */
export function orderLevels(daemons: readonly DaemonRule[]): Map<string, number> {
  const byName = new Map(daemons.map((daemon) => [daemon.name, daemon]));
  const levels = new Map<string, number>();
  const level = (name: string, depth: number): number => {
    const known = levels.get(name);
    if (known !== undefined) return known;
    if (depth > byName.size) return 0;
    const deps = byName.get(name)?.after ?? [];
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((edge) => level(edge.name, depth + 1)));
    levels.set(name, value);
    return value;
  };
  for (const daemon of daemons) level(daemon.name, 0);
  return levels;
}

/** Names grouped by level, highest first: the shutdown order (dependents before what they need). */
export function stopOrder(daemons: readonly DaemonRule[]): string[][] {
  const levels = orderLevels(daemons);
  const top = Math.max(0, ...levels.values());
  const groups: string[][] = [];
  for (let at = top; at >= 0; at--) groups.push([...levels].filter(([, value]) => value === at).map(([name]) => name));
  return groups;
}

/** Whether any daemon orders its start. */
export function hasOrder(daemons: readonly DaemonRule[]): boolean {
  return daemons.some((daemon) => (daemon.after?.length ?? 0) > 0);
}

/** What the start order sees of the services (keepup supervise's scanner and readiness records). */
export interface OrderView {
  /** The daemons as the config now says. */
  daemons(): readonly DaemonRule[];
  /** The running child's pid, 0 when none. */
  pidOf(name: string): number;
  /** Up, and ready when it has a readiness protocol; a daemon without `run:` is always satisfied. */
  satisfied(name: string): boolean;
}

/** What the start order asks for; keepup supervise turns these into scans and control bytes. */
export interface OrderActions {
  /** Held-back services whose dependencies are all satisfied now: supervise them. */
  release(names: readonly string[]): void;
  /** `dependency` has a new pid and the edge says `restart: true`: take `name` down (it starts again once the dependency is satisfied). */
  stop(name: string, dependency: string): void;
  /** A service stopped by stop() whose dependencies are all satisfied again: bring it up. */
  start(name: string): void;
}

/**
 * `after:` at run time, polled every `intervalMs` on the injected clock while some daemon has
 * `after:`. A held service (not supervised yet) is released once its dependencies are
 * satisfied. Along a `restart: true` edge, a new pid of the dependency (a crash, `svc -t`, a
 * health restart) takes the dependent down at once and brings it up only once every dependency
 * is satisfied again: ready again when it has `ready:`, so the dependent never runs against a
 * dependency that is still starting. A pid gone to 0 and back counts as new (daemontools'
 * restart pause shows that 0 for up to a second).
 */
export class StartOrder {
  /** Services whose start waits for their dependencies (not supervised yet). */
  readonly held = new Set<string>();
  /** Dependents taken down for a dependency's restart, waiting for it to be satisfied again. */
  readonly waiting = new Set<string>();
  /** Each dependency's last pid other than 0. */
  private readonly lastPids = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly time: Time,
    private readonly intervalMs: number,
    private readonly view: OrderView,
    private readonly actions: OrderActions,
  ) {}

  /** Starts polling if some daemon has `after:` (again after a reload that added one). */
  watch(): void {
    if (this.timer !== undefined || this.stopped || !hasOrder(this.view.daemons())) return;
    this.timer = this.time.setTimeout(() => {
      this.timer = undefined;
      this.step();
      this.watch();
    }, this.intervalMs);
  }

  /** Stops polling for good (shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.time.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One look at the dependencies. */
  step(): void {
    const daemons = this.view.daemons();
    const byName = new Map(daemons.map((daemon) => [daemon.name, daemon]));
    const ready = (name: string): boolean => (byName.get(name)?.after ?? []).every((edge) => this.view.satisfied(edge.name));
    const released = [...this.held].filter((name) => !byName.has(name) || ready(name));
    for (const name of released) this.held.delete(name);
    if (released.length > 0) this.actions.release(released);
    for (const daemon of daemons) {
      if (this.held.has(daemon.name) || this.waiting.has(daemon.name)) continue;
      const restarted = (daemon.after ?? []).find((edge) => {
        const last = this.lastPids.get(edge.name) ?? 0;
        const pid = this.view.pidOf(edge.name);
        return edge.restart && last !== 0 && pid !== 0 && pid !== last;
      });
      if (!restarted) continue;
      this.waiting.add(daemon.name);
      this.actions.stop(daemon.name, restarted.name);
    }
    for (const daemon of daemons) {
      for (const edge of daemon.after ?? []) {
        const pid = this.view.pidOf(edge.name);
        if (pid !== 0) this.lastPids.set(edge.name, pid);
      }
    }
    for (const name of [...this.waiting]) {
      if (byName.has(name) && !ready(name)) continue;
      this.waiting.delete(name);
      if (byName.has(name)) this.actions.start(name);
    }
  }
}
