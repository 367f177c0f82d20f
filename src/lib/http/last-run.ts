/** The last completed run of something periodic: a check pass (`keepup supervise`'s checker, `keepup cron`, `keepup check`), a scan of the tree. */
export class LastRun {
  private last: {startedMs: number; endedMs: number} | undefined;

  record(startedMs: number, endedMs: number): void {
    this.last = {startedMs, endedMs};
  }

  get latest(): {startedMs: number; endedMs: number} | undefined {
    return this.last;
  }
}
