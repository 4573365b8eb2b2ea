import {
  loopIterator,
  NotFound,
  type NackAction,
  type ParkedMessage,
  type PersistentDelivery,
  type PersistentGroupSettings,
  type PersistentSubscription,
  type PersistentSubscriptions,
} from '../../application/ports';
import type { EventCodec, StreamOriginReader } from '../codec';
import { positionAt, streamFilter, type EventLog } from './event-log';

/** What the groups read: a MemoryEventStore, or any other holder of the shared log and its codec. */
export interface EventLogSource {
  readonly log: EventLog;
  readonly codec: EventCodec;
}

/** In-flight messages per consumer when subscribe() gives no bufferSize (the @eventstore/db-client default). */
export const DEFAULT_BUFFER_SIZE = 10;

/** Events read ahead of the consumers, at most (EventStoreDB's group bufferSize default): enough to skip past a busy pinned consumer. */
const READ_AHEAD = 500;

/** Streams are pinned through this many hash buckets, as EventStoreDB's pinned strategy does, so no per-stream state grows. */
const PIN_BUCKETS = 1024;

interface Message {
  readonly index: number;
  readonly retryCount: number;
}

/** A message handed to a consumer and not yet acked, nacked, timed out or returned. */
interface InFlight {
  readonly message: Message;
  readonly consumer: Consumer;
  readonly timer: NodeJS.Timeout;
}

interface Parked {
  readonly index: number;
  readonly reason: string;
}

/**
 * EventStoreDB persistent subscriptions to $all, in memory, over the shared event log: server-side
 * groups (starting at the beginning of the log, filtered by stream prefix) whose consumers compete
 * for messages; ack / nack (retry, park, skip), redelivery after a message timeout, parking after
 * maxRetryCount retries, listing and replaying parked messages. Modelled on EventStoreDB's
 * PersistentSubscription service: retries go out before new events; a retry of a message already at
 * maxRetryCount parks it.
 */
export class MemoryPersistentSubscriptions implements PersistentSubscriptions {
  private readonly groups = new Map<string, Group>();

  /** `new MemoryPersistentSubscriptions(eventStore)` — the groups read the store's log through its codec. */
  constructor(private readonly source: EventLogSource) {}

  async ensureGroup(group: string, settings: PersistentGroupSettings): Promise<void> {
    if (this.groups.has(group)) return;
    assertSettings(group, settings);
    this.groups.set(group, new Group(group, { ...settings, streamPrefixes: [...settings.streamPrefixes] }, this.source));
  }

  subscribe(group: string, options: { readonly bufferSize?: number } = {}): PersistentSubscription {
    const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    if (!(Number.isSafeInteger(bufferSize) && bufferSize > 0)) throw new RangeError(`bufferSize must be a positive integer, got ${bufferSize}`);
    return this.group(group).connect(bufferSize);
  }

  async listParked(group: string, options: { readonly maxCount: number }): Promise<ParkedMessage[]> {
    return this.group(group).listParked(options.maxCount);
  }

  async replayParked(group: string): Promise<void> {
    this.group(group).replayParked();
  }

  /** Disconnects every consumer and stops every timer. */
  async close(): Promise<void> {
    for (const group of this.groups.values()) group.close();
    this.groups.clear();
  }

  private group(name: string): Group {
    const group = this.groups.get(name);
    if (!group) throw new NotFound('persistent subscription group', name);
    return group;
  }
}

const assertSettings = (group: string, settings: PersistentGroupSettings): void => {
  const problems = [
    Number.isSafeInteger(settings.maxRetryCount) && settings.maxRetryCount >= 0 ? null : 'maxRetryCount must be an integer >= 0',
    settings.messageTimeoutMs > 0 && settings.messageTimeoutMs <= 2 ** 31 - 1 ? null : 'messageTimeoutMs must be > 0 (and fit a timer)',
    ['round-robin', 'pinned'].includes(settings.consumerStrategy) ? null : `unknown consumerStrategy ${String(settings.consumerStrategy)}`,
  ].filter((problem) => problem !== null);
  if (problems.length > 0) throw new RangeError(`persistent subscription group ${group}: ${problems.join('; ')}`);
};

class Group {
  /** Next log index to read; messages are read only as consumers have room (never the whole log at once). */
  private cursor = 0;
  private readonly retries: Message[] = [];
  private readonly fresh: Message[] = [];
  private parked: Parked[] = [];
  private readonly consumers: Consumer[] = [];
  private readonly inFlight = new Set<InFlight>();
  private readonly pins: (Consumer | undefined)[] = new Array<Consumer | undefined>(PIN_BUCKETS);
  private nextConsumer = 0;
  private readonly matches: (streamId: string) => boolean;
  private readonly stopListening: () => void;
  readonly readOrigin: StreamOriginReader;

  constructor(
    readonly name: string,
    readonly settings: PersistentGroupSettings,
    readonly source: EventLogSource,
  ) {
    this.matches = streamFilter(settings.streamPrefixes);
    this.readOrigin = (streamId) => Promise.resolve(source.log.first(streamId));
    this.stopListening = source.log.onAppend(() => this.pump());
  }

  connect(bufferSize: number): Consumer {
    const consumer = new Consumer(this, bufferSize);
    this.consumers.push(consumer);
    this.pump();
    return consumer;
  }

  listParked(maxCount: number): ParkedMessage[] {
    return this.parked.slice(0, Math.max(0, maxCount)).map(({ index, reason }) => {
      const { eventId, streamId, revision, type } = this.source.log.storedAt(index);
      return { group: this.name, eventId, streamId, revision, position: positionAt(index), type, reason };
    });
  }

  replayParked(): void {
    this.retries.push(...this.parked.map(({ index }) => ({ index, retryCount: 0 })));
    this.parked = [];
    this.pump();
  }

  settle(inFlight: InFlight, outcome: { readonly action: NackAction | 'ack' | 'timeout'; readonly reason?: string }): void {
    if (!this.inFlight.delete(inFlight)) return; // already settled: a late ack, a second nack, a timed-out message
    clearTimeout(inFlight.timer);
    inFlight.consumer.forget(inFlight);
    const { message } = inFlight;
    switch (outcome.action) {
      case 'ack':
      case 'skip':
        break;
      case 'park':
        this.parked.push({ index: message.index, reason: outcome.reason ?? '' });
        break;
      case 'retry':
        this.retry(message, `max retries: ${outcome.reason ?? ''}`);
        break;
      case 'timeout':
        this.retry(message, 'message timeout');
        break;
      default: {
        const unknown: never = outcome.action;
        throw new RangeError(`unknown nack action ${String(unknown)}`);
      }
    }
    this.pump();
  }

  /**
   * A consumer leaves: its messages go back to the group as retries with retryCount 1 and are not parked,
   * as EventStoreDB does (RemoveClientByConnectionId → RetryMessage(message, 0)), oldest first.
   */
  disconnect(consumer: Consumer, messages: readonly InFlight[]): void {
    const position = this.consumers.indexOf(consumer);
    if (position >= 0) this.consumers.splice(position, 1);
    this.pins.forEach((pinned, bucket) => {
      if (pinned === consumer) this.pins[bucket] = undefined;
    });
    const returned = messages.filter((inFlight) => this.inFlight.delete(inFlight)).sort((a, b) => a.message.index - b.message.index);
    for (const inFlight of returned) {
      clearTimeout(inFlight.timer);
      this.retries.push({ index: inFlight.message.index, retryCount: 1 });
    }
    this.pump();
  }

  close(): void {
    this.stopListening();
    for (const consumer of [...this.consumers]) consumer.end();
    for (const inFlight of this.inFlight) clearTimeout(inFlight.timer);
    this.inFlight.clear();
    this.consumers.length = 0;
  }

  private retry(message: Message, parkReason: string): void {
    if (message.retryCount >= this.settings.maxRetryCount) this.parked.push({ index: message.index, reason: parkReason });
    else this.retries.push({ index: message.index, retryCount: message.retryCount + 1 });
  }

  /** Hands out messages while some consumer has room: retries first, then events in log order. */
  private pump(): void {
    for (;;) {
      const room = this.consumers.reduce((sum, consumer) => sum + consumer.room(), 0);
      if (room === 0) return;
      this.readAhead(Math.max(room, READ_AHEAD));
      let sent = false;
      for (const queue of [this.retries, this.fresh]) {
        for (let i = 0; i < queue.length; ) {
          if (!this.consumers.some((consumer) => consumer.room() > 0)) return;
          const message = queue[i] as Message;
          const consumer = this.consumerFor(message);
          if (!consumer) {
            i++; // pinned to a busy consumer: it waits, later messages may go on
            continue;
          }
          queue.splice(i, 1);
          this.send(message, consumer);
          sent = true;
        }
      }
      if (!sent) return;
    }
  }

  private readAhead(limit: number): void {
    const { log } = this.source;
    while (this.fresh.length < limit && this.cursor < log.length) {
      const index = this.cursor++;
      if (this.matches(log.streamIdAt(index))) this.fresh.push({ index, retryCount: 0 });
    }
  }

  private consumerFor(message: Message): Consumer | undefined {
    if (this.settings.consumerStrategy === 'round-robin') return this.nextWithRoom();
    const bucket = hashOf(this.source.log.streamIdAt(message.index)) % PIN_BUCKETS;
    const pinned = this.pins[bucket];
    if (pinned) return pinned.room() > 0 ? pinned : undefined;
    const chosen = this.nextWithRoom();
    if (chosen) this.pins[bucket] = chosen;
    return chosen;
  }

  private nextWithRoom(): Consumer | undefined {
    const count = this.consumers.length;
    for (let k = 0; k < count; k++) {
      const slot = (this.nextConsumer + k) % count;
      const consumer = this.consumers[slot] as Consumer;
      if (consumer.room() > 0) {
        this.nextConsumer = (slot + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  private send(message: Message, consumer: Consumer): void {
    const timer = setTimeout(() => this.settle(inFlight, { action: 'timeout' }), this.settings.messageTimeoutMs);
    timer.unref();
    const inFlight: InFlight = { message, consumer, timer };
    this.inFlight.add(inFlight);
    consumer.receive(inFlight);
  }
}

/** FNV-1a: a stable, cheap hash of a stream id. */
const hashOf = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
};

/**
 * One connected consumer. Up to bufferSize messages are in flight for it (handed over and not yet
 * settled); the message timeout runs from the hand-over, as on the server. ack/nack take the delivery
 * object exactly as it was yielded.
 */
class Consumer implements PersistentSubscription {
  private closed = false;
  /** Handed over, not yet yielded. */
  private readonly queue: InFlight[] = [];
  /** Handed over and not settled, yielded or not. */
  private readonly held = new Set<InFlight>();
  private readonly deliveries = new WeakMap<PersistentDelivery, InFlight>();
  private wake: (() => void) | null = null;
  private readonly messages: AsyncGenerator<PersistentDelivery, void, undefined>;

  constructor(
    private readonly group: Group,
    private readonly bufferSize: number,
  ) {
    this.messages = this.run();
  }

  [Symbol.asyncIterator](): AsyncIterator<PersistentDelivery> {
    return loopIterator(this.messages);
  }

  room(): number {
    return this.closed ? 0 : this.bufferSize - this.held.size;
  }

  receive(inFlight: InFlight): void {
    this.held.add(inFlight);
    this.queue.push(inFlight);
    this.wake?.();
  }

  forget(inFlight: InFlight): void {
    this.held.delete(inFlight);
    const queued = this.queue.indexOf(inFlight);
    if (queued >= 0) this.queue.splice(queued, 1);
  }

  async ack(delivery: PersistentDelivery): Promise<void> {
    const inFlight = this.deliveries.get(delivery);
    if (inFlight) this.group.settle(inFlight, { action: 'ack' });
  }

  async nack(delivery: PersistentDelivery, action: NackAction, reason: string): Promise<void> {
    const inFlight = this.deliveries.get(delivery);
    if (inFlight) this.group.settle(inFlight, { action, reason });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const held = [...this.held];
    this.end();
    this.group.disconnect(this, held);
  }

  /** Stops delivering without returning anything to the group (the group is going away, or already took the messages back). */
  end(): void {
    this.closed = true;
    this.held.clear();
    this.queue.length = 0;
    this.wake?.();
  }

  private async *run(): AsyncGenerator<PersistentDelivery, void, undefined> {
    const { log, codec } = this.group.source;
    while (!this.closed) {
      const inFlight = this.queue.shift();
      if (!inFlight) {
        await new Promise<void>((resolve) => {
          this.wake = () => {
            this.wake = null;
            resolve();
          };
        });
        continue;
      }
      const outcome = await codec.decodeOrReport(log.storedAt(inFlight.message.index), this.group.readOrigin);
      // Settled while decoding (timed out): it is already on its way again.
      if (this.closed || !this.held.has(inFlight)) continue;
      const delivery: PersistentDelivery =
        outcome.kind === 'event'
          ? { kind: 'event', event: outcome.event, retryCount: inFlight.message.retryCount }
          : { kind: 'undecodable', event: outcome.event, retryCount: inFlight.message.retryCount };
      this.deliveries.set(delivery, inFlight);
      yield delivery;
    }
  }
}
