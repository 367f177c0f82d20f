/** Exit codes shared by every keepup command (daemontools and s6 conventions). */
export const EXIT_OK = 0;
/** Usage error or permanent failure. */
export const EXIT_USAGE = 100;
/** "Can't happen": an internal inconsistency (s6's 101). */
export const EXIT_INTERNAL = 101;
/** Temporary or system failure: every "unable to …". */
export const EXIT_TEMPORARY = 111;
