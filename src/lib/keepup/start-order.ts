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
  /** How many up/down commands an admin has sent the service (svc -u/-d/-o): it only grows. */
  wantCommands(name: string): number;
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
 * `after:` at run time. A held service (not supervised yet) is released once its dependencies
 * are satisfied. Along a `restart: true` edge, a new pid of the dependency (a crash, `svc -t`, a
 * health restart) takes the dependent down at once and brings it up only once every dependency
 * is satisfied again: ready again when it has `ready:`, so the dependent never runs against a
 * dependency that is still starting. A pid gone to 0 and back counts as new (daemontools'
 * restart pause shows that 0 for up to a second). An up or down command from an admin to a
 * waiting dependent ends the wait: the dependent then stays as the admin left it.
 * It looks when told to (watch(): keepup supervise calls it on every start, exit, stop and
 * readiness event) and, only while some service is held or waiting, every `intervalMs` on the
 * injected clock as well; a tree where nothing happens costs no wake-up.
 */
export class StartOrder {
  /** Services whose start waits for their dependencies (not supervised yet). */
  readonly held = new Set<string>();
  /** Dependents taken down for a dependency's restart, waiting for it to be satisfied again, with their wantCommands then. */
  readonly waiting = new Map<string, number>();
  /** Each dependency's last pid other than 0. */
  private readonly lastPids = new Map<string, number>();
  private timer: TimerHandle | undefined;
  /** When the armed timer fires (watch() brings it forward). */
  private timerAt = 0;
  private stopped = false;

  constructor(
    private readonly time: Time,
    private readonly intervalMs: number,
    private readonly view: OrderView,
    private readonly actions: OrderActions,
  ) {}

  /**
   * Looks on the next turn of the clock (calls coalesce), then every `intervalMs` while some
   * service is held or waiting. Called after each reload and on every start, exit, stop and
   * readiness event; nothing else wakes it.
   */
  watch(): void {
    this.arm(0);
  }

  /** Stops for good (shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.time.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    if (this.stopped || !hasOrder(this.view.daemons())) return;
    const at = this.time.now() + ms;
    if (this.timer !== undefined) {
      if (this.timerAt <= at) return;
      this.time.clearTimeout(this.timer);
    }
    this.timerAt = at;
    this.timer = this.time.setTimeout(() => {
      this.timer = undefined;
      this.step();
      if (this.held.size > 0 || this.waiting.size > 0) this.arm(this.intervalMs);
    }, ms);
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
      this.waiting.set(daemon.name, this.view.wantCommands(daemon.name));
      this.actions.stop(daemon.name, restarted.name);
    }
    for (const daemon of daemons) {
      for (const edge of daemon.after ?? []) {
        const pid = this.view.pidOf(edge.name);
        if (pid !== 0) this.lastPids.set(edge.name, pid);
      }
    }
    for (const [name, commands] of [...this.waiting]) {
      // An admin's svc -d (or -u) while it waits is the last word: the order does not undo it.
      const overruled = this.view.wantCommands(name) !== commands;
      if (byName.has(name) && !overruled && !ready(name)) continue;
      this.waiting.delete(name);
      if (byName.has(name) && !overruled) this.actions.start(name);
    }
  }
}
