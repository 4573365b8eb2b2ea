export interface Snapshot {
  readonly streamId: string;
  /** Revision of the last event folded into `state`. */
  readonly revision: number;
  /** The decider's stateVersion when the snapshot was taken; a different version means "ignore it". */
  readonly stateVersion: number;
  readonly state: unknown;
}

export interface SnapshotStore {
  load(streamId: string): Promise<Snapshot | null>;
  /** Keeps only the newest snapshot per stream; an older revision never replaces a newer one. */
  save(snapshot: Snapshot): Promise<void>;
}
