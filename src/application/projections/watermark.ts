import { maxPosition, type Position } from '../ports';

/**
 * The checkpoint of a projection fed out of order (a persistent subscription): the position up to
 * which every event this worker was handed has been applied or given up on. While an event is being
 * retried the watermark stays where it was when the retry began (it never moves back); a retry not
 * seen again within `pendingTtlMs` (another consumer took it, or the server parked it) stops holding it.
 */
export class Watermark {
  private readonly pending = new Map<string, number>();
  private highest: Position | null;
  private frozenAt: Position | null = null;

  constructor(
    start: Position | null,
    private readonly pendingTtlMs: number,
  ) {
    this.highest = start;
  }

  /** The event is applied (or acknowledged as needing nothing, or given up). */
  resolved(eventId: string, position: Position): void {
    this.pending.delete(eventId);
    this.highest = maxPosition(this.highest, position);
  }

  /** The event failed and will come again. */
  retrying(eventId: string, now: number): void {
    if (this.pending.size === 0) this.frozenAt = this.highest;
    if (!this.pending.has(eventId)) this.pending.set(eventId, now);
  }

  value(now: number): Position | null {
    for (const [eventId, since] of this.pending) if (now - since > this.pendingTtlMs) this.pending.delete(eventId);
    return this.pending.size === 0 ? this.highest : this.frozenAt;
  }
}
