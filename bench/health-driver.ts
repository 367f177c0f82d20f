// The keepup side of health.bench: keepup's health monitor HTTP-checking N services every
// INTERVAL seconds (as `keepup supervise` runs it), until killed. argv: port count interval.
import {HealthMonitor} from '../src/lib/health/monitor.js';
import {systemTime} from '../src/lib/time/time.js';

const [port, count, interval] = process.argv.slice(2).map(Number) as [number, number, number];
const monitor = new HealthMonitor({time: systemTime});
for (let i = 0; i < count; i++) {
  monitor.set({
    name: `svc${i}`,
    spec: {probes: [{kind: 'http', url: `http://127.0.0.1:${port}/h${i}`}], intervalMs: interval * 1000, timeoutMs: 5000, failures: 3, startPeriodMs: 0, action: 'alert'},
    pid: () => process.pid,
    restart: () => {},
  });
}
process.on('SIGTERM', () => void monitor.stop().then(() => process.exit(0)));
