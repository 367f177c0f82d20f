/** One process as the watchdog sees it. Unknown fields are undefined, never a misleading 0. */
export interface ProcessEntry {
  pid: number;
  /** The kernel's process name (at most 15 characters on Linux), as `ps -c` shows it. */
  comm: string;
  /** The command line; empty for kernel threads and zombies. */
  argv: string[];
  /** The executable's path (the /proc/PID/exe link); undefined when unreadable. */
  exe?: string;
  ppid?: number;
  session?: number;
  /** True for a zombie: dead, waiting for its parent to reap it. Never counts as running. */
  zombie?: boolean;
}
