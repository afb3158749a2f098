/**
 * What the RESP server needs from the rest of the daemon. The runtime implements it;
 * tests may implement it with a core driven by a fake clock.
 */
import type { CommandTable } from '../commands/meta';
import type { LoadedConfig } from '../config/types';
import type { Reply } from '../protocol/reply';

export interface PendingScriptView {
  argv: readonly string[];
  running: boolean;
  pid: number;
  /** ms since start (running) or until the next attempt (scheduled). */
  runTimeOrDelay: number;
  retryNum: number;
}

export interface ServerContext {
  readonly config: LoadedConfig;
  /** Absolute path of the executable, for INFO server. */
  readonly executable: string;
  /** Which Redis version's command set COMMAND enumerates; 7.0's when absent. */
  readonly commandTable?: CommandTable;
  readonly startTime: number;
  now(): number;
  /** The SENTINEL command family: args excludes the word SENTINEL itself. */
  sentinelCommand(args: readonly string[]): Reply;
  /** Master names for ROLE, in dictionary order. */
  masterNames(): string[];
  /** Body of the `# Sentinel` INFO section (lines without the header). */
  infoSentinelLines(): string[];
  /** A `PUBLISH __sentinel__:hello <payload>` received on our port. */
  onHelloPublish(payload: string): void;
  /** SHUTDOWN: flush, close everything and exit. */
  shutdown(): void;
  /**
   * Called before any output leaves for a client: writes a config change still due, so that no
   * reply (a vote above all) is seen before what it says is on disk.
   */
  settleConfig?(): void;
}

/** The script queue as SENTINEL PENDING-SCRIPTS and INFO sentinel see it. */
export interface ScriptQueueView {
  pending(): PendingScriptView[];
  runningCount(): number;
  queuedCount(): number;
}
