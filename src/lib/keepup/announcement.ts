import type {TreePlan} from '../service-tree/tree.js';

/** What `keepup supervise` supervises right now. */
export interface Census {
  readonly dir: string;
  /** Service directories the scanner supervises (keepup's and the admin's own). */
  readonly services: number;
  /** Daemons without `run:`, checked by name. */
  readonly checked: number;
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * The one line `keepup supervise` prints at start and after each good reload:
 * `supervising N services in DIR (M checked by name)`, and on a reload what the config
 * changed: `; added: a, b; removed: c; changed: d` (or `; no change`).
 */
export function formatSupervising(census: Census, reload?: TreePlan): string {
  const head = `supervising ${plural(census.services, 'service')} in ${census.dir} (${census.checked} checked by name)`;
  if (!reload) return head;
  const changed = [...reload.update.map((update) => update.service.name), ...reload.replace.map((service) => service.name)].sort();
  const parts: Array<[string, string[]]> = [
    ['added', reload.create.map((service) => service.name).sort()],
    ['removed', [...reload.remove].sort()],
    ['changed', changed],
  ];
  const said = parts.filter(([, names]) => names.length > 0).map(([what, names]) => `${what}: ${names.join(', ')}`);
  return `${head}; ${said.length > 0 ? said.join('; ') : 'no change'}`;
}
