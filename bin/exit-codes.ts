/**
 * What `matchcoach` exits with (README "Exit codes"), so scripts can tell a refusal from a usage
 * mistake and from a command that did part of its work.
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Refused or failed, nothing changed: a value that is not valid, no such person, no local stack, a fault. */
  failed: 1,
  /** The command line itself: an unknown command or option, a missing argument, a flag value of the wrong shape. */
  usage: 2,
  /** Done in part: an import with rejected rows (the rest went in), a tick or digest where some sends hit a fault (retried later). */
  partial: 3,
} as const;
