import type {NotifyEvent} from '../config/watchdog-config.js';
import type {KeepupEvent} from '../events/event.js';

/**
 * One notification: what happened to one service since its last message. The webhook's body
 * and the exec hook's stdin are this object as JSON (schema in the README, "Notifications"):
 * `{"version":1,"host","service","subject","text","events":[KeepupEvent…],"counts":{KIND:N}}`.
 */
export interface Notification {
  readonly version: 1;
  readonly host: string;
  readonly service: string;
  readonly subject: string;
  readonly text: string;
  /** The events this message tells of, oldest first (more than one: a throttled summary). */
  readonly events: readonly KeepupEvent[];
  /** How many of each kind it tells of. */
  readonly counts: Readonly<Record<string, number>>;
}

/** Whether `notify.events` asks for this event: `restarted` means a check-mode restart or a supervised restart. */
export function wanted(events: readonly NotifyEvent[], event: KeepupEvent): boolean {
  const kind = event.kind === 'restarting' ? 'restarted' : event.kind;
  return (events as readonly string[]).includes(kind);
}

/** One line for an event: `2026-12-02T13:00:00.000Z gave-up: started 10 times within 300 s …`. */
export function describeEvent(event: KeepupEvent): string {
  const details: string[] = [];
  if (event.pid !== undefined) details.push(`pid ${event.pid}`);
  if (event.code !== undefined) details.push(`exit code ${event.code}`);
  if (event.signal !== undefined) details.push(`signal ${event.signal}`);
  if (event.uptime !== undefined) details.push(`up ${event.uptime} s`);
  if (event.delay !== undefined) details.push(`next start in ${event.delay} s`);
  if (event.reason !== undefined) details.push(event.reason);
  if (event.retryAt !== undefined) details.push(`next try at ${event.retryAt}`);
  if (event.by !== undefined) details.push(`by ${event.by}`);
  return `${event.time} ${event.kind}${details.length > 0 ? `: ${details.join(', ')}` : ''}`;
}

const HEADLINE: Partial<Record<KeepupEvent['kind'], string>> = {
  'gave-up': 'gave up restarting',
  restarting: 'restarted',
  restarted: 'restarted',
  recovered: 'recovered',
  exited: 'exited',
  stopped: 'stopped',
  unhealthy: 'unhealthy',
};

/**
 * The message for `events` (at least one) of `service`. `lastExit` is the service's last exit
 * (told for a crash or a give-up), `logTail` the last lines of its log, when known.
 */
export function composeNotification(host: string, service: string, events: readonly KeepupEvent[], context: {lastExit?: KeepupEvent; logTail?: string}): Notification {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.kind] = (counts[event.kind] ?? 0) + 1;
  const last = events.at(-1)!;
  const headline = HEADLINE[last.kind] ?? last.kind;
  const subject = `keepup on ${host}: ${service} ${headline}${events.length > 1 ? ` (${events.length} events)` : ''}`;
  let text = `${service} on ${host}: ${headline}\n\n`;
  if (events.length > 1) {
    const summary = Object.entries(counts)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', ');
    text += `${events.length} events since the last message (${summary}):\n`;
  }
  text += events.map((event) => `  ${describeEvent(event)}\n`).join('');
  const crash = events.some((event) => event.kind === 'gave-up' || event.kind === 'restarting' || event.kind === 'exited');
  if (crash && context.lastExit) text += `\nlast exit: ${describeEvent(context.lastExit)}\n`;
  if (crash && context.logTail) text += `\nlast lines of its log:\n${context.logTail.replace(/^(?=.)/gm, '    ')}${context.logTail.endsWith('\n') ? '' : '\n'}`;
  return {version: 1, host, service, subject, text, events, counts};
}
