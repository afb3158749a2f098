/**
 * The read-only view of the core that the edge (server, runtime, metrics) may look at.
 * The types forbid writes; changes go through the facade's typed operations.
 */
import type { Address, Instance, MasterInstance, ReadonlyDeep } from './model';
import type { GlobalSettings, SimulatedFailures } from './state';
import type { Tunables } from './tunables';

export type MasterView = ReadonlyDeep<MasterInstance>;
export type InstanceView = ReadonlyDeep<Instance>;

export interface CoreView {
  readonly myid: string;
  readonly currentEpoch: bigint;
  readonly tilt: boolean;
  readonly tiltStartTime: number;
  readonly totalTilt: number;
  /** Minority fencing asked for (--fence-minority); each master's pause is `fencePausedAt`. */
  readonly fenceMinority: boolean;
  readonly masters: ReadonlyMap<string, MasterView>;
  readonly tunables: Readonly<Tunables>;
  readonly settings: Readonly<GlobalSettings>;
  readonly simFailure: Readonly<SimulatedFailures>;
  /** The core's clock: what every age shown to a client is measured against. */
  now(): number;
  /** The host part of an address as we show it (IP, or hostname with announce-hostnames). */
  announceAddr(addr: Readonly<Address>): string;
  /** The master address clients should use now. */
  currentMasterAddress(master: MasterView): Readonly<Address>;
  /** The port we announce in hellos. */
  announcedPort(): number;
}
