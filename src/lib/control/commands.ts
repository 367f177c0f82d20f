/**
 * The control letters of daemontools 0.76: what svc writes to `supervise/control`, one byte per
 * command, and what supervise reads there. Pure: shared by the client side (svc) and the
 * supervisor.
 */

/** The control characters supervise understands, in svc's option order. */
export const CONTROL_COMMANDS = 'udopchaitkx';

/** The control bytes daemontools 0.76 understands (`supervise/control`). */
export type ControlCommand = 'u' | 'd' | 'o' | 'p' | 'c' | 'h' | 'a' | 'i' | 't' | 'k' | 'x';

/** A control byte, or undefined for anything supervise ignores. */
export function parseControlByte(byte: number): ControlCommand | undefined {
  const char = String.fromCharCode(byte);
  return byte < 128 && CONTROL_COMMANDS.includes(char) ? (char as ControlCommand) : undefined;
}
