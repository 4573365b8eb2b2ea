import { comparePositions, NotYetConsistent, type CheckpointStore, type Position } from '../ports';
import { sleepUnless } from '../shared/timing';

/**
 * Read-your-writes: waits until a projection's checkpoint has reached a position. Works across
 * processes by polling the checkpoint store; in-process runners also signal each advance.
 */
export class ProjectionProgress {
  private signals = new Map<string, { promise: Promise<void>; resolve: () => void }>();

  constructor(
    private readonly checkpoints: CheckpointStore,
    private readonly pollMs = 50,
  ) {}

  /** Called by runners in this process after each committed batch. */
  advanced(projection: string): void {
    this.signals.get(projection)?.resolve();
    this.signals.delete(projection);
  }

  async reached(projection: string, position: Position): Promise<boolean> {
    const checkpoint = await this.checkpoints.load(projection);
    return checkpoint !== null && comparePositions(checkpoint, position) >= 0;
  }

  async waitFor(projection: string, position: Position, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const signal = this.signal(projection);
      if (await this.reached(projection, position)) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new NotYetConsistent(projection, position, Math.max(1, Math.ceil(timeoutMs / 1000)));
      await sleepUnless(Math.min(this.pollMs, left), signal);
    }
  }

  private signal(projection: string): Promise<void> {
    let entry = this.signals.get(projection);
    if (!entry) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      entry = { promise, resolve };
      this.signals.set(projection, entry);
    }
    return entry.promise;
  }
}
