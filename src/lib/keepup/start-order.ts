import type {DaemonRule} from '../config/watchdog-config.js';

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
