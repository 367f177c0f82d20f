import type {ResetOutcome, RestartOutcome, StartOutcome, StopOutcome} from './service.js';
import {describeObserved} from './readiness.js';

/** The one line a front-end prints for an outcome (without the program name). */
export function describeStart(service: string, outcome: StartOutcome): string {
  switch (outcome.kind) {
    case 'up':
      return `${service}: ${describeObserved(outcome.observed)}`;
    case 'not-up':
      if (outcome.notReady) return `${service}: not ready within ${seconds(outcome.limitMs)}: ${describeObserved(outcome.observed)}`;
      return `${service}: not running within ${seconds(outcome.limitMs)}: ${describeObserved(outcome.observed)}`;
    default:
      return describeScript(service, outcome);
  }
}

export function describeStop(service: string, outcome: StopOutcome): string {
  switch (outcome.kind) {
    case 'down':
      return `${service}: down`;
    case 'not-down':
      return `${service}: not stopped within ${seconds(outcome.limitMs)}: ${describeObserved(outcome.observed)}`;
    default:
      return describeScript(service, outcome);
  }
}

export function describeReset(service: string, reset: ResetOutcome): string {
  return reset.action === 'start' ? describeStart(service, reset.outcome) : describeStop(service, reset.outcome);
}

export function describeRestart(service: string, restart: RestartOutcome): string {
  if (restart.kind === 'not-running') return `${service}: not running, left alone`;
  if (restart.kind === 'stop-failed') return describeStop(service, restart.stop);
  return describeStart(service, restart.start);
}

function describeScript(service: string, outcome: Extract<StartOutcome | StopOutcome, {kind: 'script'}>): string {
  const result = outcome.result;
  if ('signal' in result) return `${service}: ${outcome.name} script killed by ${result.signal}`;
  return result.code === 0 ? `${service}: ${outcome.name} script succeeded` : `${service}: ${outcome.name} script failed with exit code ${result.code}`;
}

function seconds(ms: number): string {
  const value = ms / 1000;
  return `${value} second${value === 1 ? '' : 's'}`;
}
