/** ACL LOG: recent denials and failed logins, newest first, repeats grouped as Redis does. */

export interface AclLogEntry {
  count: number;
  readonly reason: 'command' | 'channel' | 'auth';
  readonly context: 'toplevel';
  readonly object: string;
  readonly username: string;
  ctime: number;
  clientInfo: string;
}

const ACL_LOG_MAX_LEN = 128;
const ACL_LOG_GROUPING_MS = 60000;

/** Adds an entry to `log`, or counts it on a matching recent one (moved to the front). */
export function addLogEntry(log: AclLogEntry[], entry: Omit<AclLogEntry, 'count'>): void {
  const match = log
    .slice(0, 10)
    .findIndex(
      (e) =>
        e.reason === entry.reason &&
        e.context === entry.context &&
        Math.abs(e.ctime - entry.ctime) <= ACL_LOG_GROUPING_MS &&
        e.object === entry.object &&
        e.username === entry.username,
    );
  if (match !== -1) {
    const [found] = log.splice(match, 1) as [AclLogEntry];
    found.count++;
    found.ctime = entry.ctime;
    found.clientInfo = entry.clientInfo;
    log.unshift(found);
    return;
  }
  log.unshift({ ...entry, count: 1 });
  if (log.length > ACL_LOG_MAX_LEN) log.length = ACL_LOG_MAX_LEN;
}
