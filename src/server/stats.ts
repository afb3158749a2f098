/** Server-wide counters, as INFO stats prints them. */
export interface ServerStats {
  connectionsReceived: number;
  commandsProcessed: number;
  netInputBytes: number;
  netOutputBytes: number;
  rejectedConnections: number;
  errorReplies: number;
  readsProcessed: number;
  writesProcessed: number;
}

export function emptyStats(): ServerStats {
  return {
    connectionsReceived: 0,
    commandsProcessed: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
    rejectedConnections: 0,
    errorReplies: 0,
    readsProcessed: 0,
    writesProcessed: 0,
  };
}
