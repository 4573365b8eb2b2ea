// Port wrappers that record what the application asks of the stores, and inject the failures and
// interleavings tests need (a competing writer, a dropped or paused subscription, a failing commit).
import type {
  AppendResult,
  CheckpointWrite,
  DocumentWrite,
  EventStore,
  ExpectedRevision,
  FindQuery,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadModelStore,
  ReadStreamOptions,
  RecordedEvent,
  StoredDocument,
  SubscribeToAllOptions,
  Subscription,
  SubscriptionMessage,
} from '../../src/application/ports';

export interface AppendCall {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly NewEvent[];
}

export class InstrumentedEventStore implements EventStore {
  readonly appends: AppendCall[] = [];
  readonly streamReads: { readonly streamId: string; readonly options: ReadStreamOptions | undefined }[] = [];
  readonly subscriptions: SubscribeToAllOptions[] = [];
  /** Event messages handed to subscribers, over all subscriptions. */
  deliveredEvents = 0;
  /** Runs before each append reaches the store (e.g. to let a competing writer in first). */
  beforeAppend: ((call: AppendCall) => Promise<void>) | null = null;
  /** Replaces each new subscription (e.g. with one that fails or waits). */
  wrapSubscription: ((subscription: Subscription, options: SubscribeToAllOptions) => Subscription) | null = null;

  constructor(readonly inner: EventStore) {}

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const call = { streamId, expected, events };
    this.appends.push(call);
    await this.beforeAppend?.(call);
    return this.inner.append(streamId, events, expected);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.streamReads.push({ streamId, options });
    return this.inner.readStream(streamId, options);
  }

  readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  headPosition(): Promise<Position | null> {
    return this.inner.headPosition();
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    this.subscriptions.push(options);
    const counted = mapMessages(this.inner.subscribeToAll(options), async (next) => {
      const result = await next();
      if (!result.done && result.value.kind === 'event') this.deliveredEvents++;
      return result;
    });
    return this.wrapSubscription ? this.wrapSubscription(counted, options) : counted;
  }

  appendsTo(prefix: string): AppendCall[] {
    return this.appends.filter((call) => call.streamId.startsWith(prefix));
  }
}

type Next = () => Promise<IteratorResult<SubscriptionMessage>>;

/** A subscription whose every `next` goes through `step` (which calls the inner `next` when it wants). */
export const mapMessages = (inner: Subscription, step: (next: Next) => Promise<IteratorResult<SubscriptionMessage>>): Subscription => {
  const iterator = inner[Symbol.asyncIterator]();
  return {
    close: () => inner.close(),
    [Symbol.asyncIterator]: () => ({ next: () => step(() => iterator.next()) }),
  };
};

/** Delivers `count` messages, then fails the way a dropped connection does. */
export const failingAfter = (inner: Subscription, count: number, error: Error = new Error('connection dropped')): Subscription => {
  let delivered = 0;
  return mapMessages(inner, async (next) => {
    if (delivered >= count) throw error;
    delivered++;
    return next();
  });
};

/** Delivers nothing until `gate` resolves (or the subscription is closed). */
export const heldUntil = (inner: Subscription, gate: Promise<void>): Subscription => {
  let closed!: () => void;
  const closing = new Promise<void>((resolve) => (closed = resolve));
  const held = mapMessages(inner, async (next) => {
    await Promise.race([gate, closing]);
    return next();
  });
  return {
    [Symbol.asyncIterator]: () => held[Symbol.asyncIterator](),
    close: async () => {
      closed();
      await inner.close();
    },
  };
};

/** A promise with its resolve function: a gate a test opens when it is ready. */
export const gate = (): { readonly promise: Promise<void>; open(): void } => {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
};

export interface CommitCall {
  readonly writes: readonly DocumentWrite[];
  readonly checkpoint: CheckpointWrite | null;
}

export class InstrumentedReadModelStore implements ReadModelStore {
  readonly commits: CommitCall[] = [];
  /** Runs before each commit reaches the store; throw from it to fail the commit. */
  beforeCommit: ((call: CommitCall) => void | Promise<void>) | null = null;

  constructor(readonly inner: ReadModelStore) {}

  get<D>(collection: string, id: string): Promise<StoredDocument<D> | null> {
    return this.inner.get<D>(collection, id);
  }
  getMany<D>(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument<D>>> {
    return this.inner.getMany<D>(collection, ids);
  }
  find<D>(collection: string, query: FindQuery): Promise<StoredDocument<D>[]> {
    return this.inner.find<D>(collection, query);
  }
  search<D>(collection: string, text: string, limit: number): Promise<StoredDocument<D>[]> {
    return this.inner.search<D>(collection, text, limit);
  }
  count(collection: string): Promise<number> {
    return this.inner.count(collection);
  }
  async commit(writes: readonly DocumentWrite[], checkpoint: CheckpointWrite | null): Promise<void> {
    const call = { writes, checkpoint };
    await this.beforeCommit?.(call);
    await this.inner.commit(writes, checkpoint);
    this.commits.push(call);
  }
  resetCollections(collections: readonly string[]): Promise<void> {
    return this.inner.resetCollections(collections);
  }
  promoteCollections(moves: readonly { readonly from: string; readonly to: string }[], checkpoint: { readonly from: string; readonly to: string }): Promise<void> {
    return this.inner.promoteCollections(moves, checkpoint);
  }
}
