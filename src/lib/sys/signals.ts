/**
 * Every resident keepup process calls this first: without a SIGUSR1 handler Node 20 opens
 * its inspector on 127.0.0.1:9229, a debugger port with root's powers.
 */
export function guardInspectorSignal(onUsr1: () => void = () => {}): void {
  process.on('SIGUSR1', onUsr1);
}
