// A hand-written double of the @eventstore/db-client 6.2.1 client, typed against its real method
// signatures (EventStoreDbClient = Pick<EventStoreDBClient, ...>). Reads and catch-up subscriptions go
// through the client's own ReadStream and Subscription Transforms, fed by a fake gRPC stream of fake
// ReadResp messages, so buffering, lazy errors and the checkpointReached / caughtUp callbacks behave
// exactly as the real client's code makes them behave. Calls can be made to fail or to hang.
import { PassThrough, Readable, type DuplexOptions, type ReadableOptions } from 'node:stream';
import {
  ANY,
  BACKWARDS,
  END,
  EVENT_TYPE,
  NO_STREAM,
  PersistentSubscriptionDoesNotExistError,
  PersistentSubscriptionExistsError,
  START,
  STREAM_EXISTS,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendResult,
  type AppendToStreamOptions,
  type CreatePersistentSubscriptionToAllOptions,
  type EventData,
  type EventType,
  type Filter,
  type PersistentAction,
  type PersistentSubscriptionToAll,
  type PersistentSubscriptionToAllResolvedEvent,
  type PersistentSubscriptionToAllSettings,
  type Position as EsdbPosition,
  type ReadAllOptions as EsdbReadAllOptions,
  type ReadStreamOptions as EsdbReadStreamOptions,
  type ReplayParkedMessagesToAllOptions,
  type ResolvedEvent,
  type SetStreamMetadataOptions,
  type StreamingRead,
  type StreamMetadata,
  type SubscribeToAllOptions as EsdbSubscribeToAllOptions,
  type SubscribeToPersistentSubscriptionToAllOptions,
} from '@eventstore/db-client';
import { ReadStream } from '@eventstore/db-client/dist/streams/utils/ReadStream';
import { Subscription as ClientSubscription } from '@eventstore/db-client/dist/streams/utils/Subscription';
import type { EventStoreDbClient } from '../../../src/adapters/eventstoredb';

/** An event as the fake server stores it. */
export interface FakeRecord {
  readonly streamId: string;
  readonly id: string;
  readonly type: string;
  readonly revision: bigint;
  readonly position: EsdbPosition;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly isJson: boolean;
  readonly created: Date;
}

export type Failure = Error | 'hang';

type Method = keyof EventStoreDbClient;

/** A raw gRPC ServiceError as the client sometimes passes it on unconverted (no CommandError class, only `code`). */
export const rawGrpcError = (code: number, details: string): Error =>
  Object.assign(new Error(`${code} ${details}`), { code, details, metadata: { getMap: () => ({}) } });

/** The ServiceError shape the client's CommandError constructors read (`metadata.getMap()`). */
const serviceError = (code: number, message: string, map: Record<string, string> = {}) =>
  Object.assign(new Error(message), { code, details: message, metadata: { getMap: () => map } }) as never;

// ------------------------------------------------------------ fake gRPC stream and ReadResp messages

/** Stands in for the gRPC call stream the client's Transforms are piped from. */
export class FakeGrpcStream extends PassThrough {
  cancelled = false;

  constructor() {
    super({ objectMode: true });
  }

  /** What grpc-js does on ClientReadableStream.cancel(): an error the client recognises as its own cancellation. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.destroy(Object.assign(new Error('1 CANCELLED: Cancelled on client'), { code: 1, details: 'Cancelled on client' }));
  }
}

/** Fake ReadResp messages: only the accessors the client's _transform calls. */
export const resp = {
  confirmation: () => ({ hasConfirmation: () => true, getConfirmation: () => ({ getSubscriptionId: () => 'fake-subscription' }) }),
  event: (event: unknown) => ({ hasEvent: () => true, getEvent: () => event }),
  checkpoint: (position: EsdbPosition) => ({
    hasCheckpoint: () => true,
    getCheckpoint: () => ({ getCommitPosition: () => position.commit.toString(), getPreparePosition: () => position.prepare.toString() }),
  }),
  caughtUp: () => ({ hasCaughtUp: () => true }),
  streamNotFound: (streamName: string) => ({
    hasStreamNotFound: () => true,
    getStreamNotFound: () => ({ getStreamIdentifier: () => ({ getStreamName: () => Buffer.from(streamName) }) }),
  }),
};

// The fake ReadResp.getEvent() already returns the converted event.
const asConverted = ((event: unknown) => event) as never;

/** Every read parses the stored bytes afresh on the real client: readers never share objects. */
const copyOf = (record: FakeRecord): FakeRecord => ({ ...record, data: structuredClone(record.data), metadata: structuredClone(record.metadata) });

const resolvedOf = (record: FakeRecord): AllStreamResolvedEvent => ({ event: copyOf(record) as never, commitPosition: record.position.commit });

const isAfter = (a: EsdbPosition, b: EsdbPosition): boolean => a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);

const passes = (filter: Filter | undefined, record: FakeRecord): boolean => {
  if (!filter) return true;
  const subject = filter.filterOn === EVENT_TYPE ? record.type : record.streamId;
  if ('prefixes' in filter) return filter.prefixes.some((prefix) => subject.startsWith(prefix));
  return new RegExp(filter.regex).test(subject);
};

// ------------------------------------------------------------ catch-up subscription feed

/** The server side of one subscribeToAll call: a test drives it, or it serves history then live events. */
export class SubscriptionFeed {
  live = false;

  constructor(
    readonly grpc: FakeGrpcStream,
    readonly subscription: AllStreamSubscription,
    readonly options: EsdbSubscribeToAllOptions,
  ) {}

  get from(): EsdbPosition | typeof START | typeof END {
    return this.options.fromPosition ?? START;
  }

  send(message: unknown): void {
    if (!this.grpc.destroyed && !this.grpc.writableEnded) this.grpc.write(message);
  }

  event(record: FakeRecord): void {
    this.send(resp.event(resolvedOf(record)));
  }

  checkpoint(position: EsdbPosition): void {
    this.send(resp.checkpoint(position));
  }

  caughtUp(): void {
    this.send(resp.caughtUp());
  }

  /** The server ends the call with an error (as a dropped connection does). */
  fail(error: Error): void {
    this.grpc.destroy(error);
  }

  /** History after `from` that passes the filter, a checkpoint at the last record, caught-up, then live events. */
  serve(records: readonly FakeRecord[]): void {
    this.send(resp.confirmation());
    const from = this.from;
    for (const record of records) {
      if (from === END) break;
      if (from !== START && !isAfter(record.position, from)) continue;
      if (passes(this.options.filter, record)) this.event(record);
    }
    const last = records.at(-1);
    if (last && this.options.filter) this.checkpoint(last.position);
    this.caughtUp();
    this.live = true;
  }

  appended(record: FakeRecord): void {
    if (this.live && passes(this.options.filter, record)) this.event(record);
  }
}

// ------------------------------------------------------------ persistent subscription double

/** A persistent-subscription connection: the test pushes deliveries; ack / nack / unsubscribe are recorded. */
export class FakePersistentSubscription extends Readable {
  readonly acks: string[] = [];
  readonly nacks: { action: PersistentAction; reason: string; ids: string[] }[] = [];
  unsubscribed = false;

  constructor(
    readonly group: string,
    readonly bufferSize: number | undefined,
  ) {
    super({ objectMode: true, read: () => {} });
  }

  deliver(resolved: PersistentSubscriptionToAllResolvedEvent): void {
    this.push(resolved);
  }

  fail(error: Error): void {
    this.emit('error', error);
  }

  async ack(...events: ResolvedEvent[]): Promise<void> {
    this.acks.push(...events.map((event) => (event.link?.id ?? event.event?.id) as string));
  }

  async nack(action: PersistentAction, reason: string, ...events: ResolvedEvent[]): Promise<void> {
    this.nacks.push({ action, reason, ids: events.map((event) => (event.link?.id ?? event.event?.id) as string) });
  }

  async unsubscribe(): Promise<void> {
    this.unsubscribed = true;
  }
}

// ------------------------------------------------------------ the client double

export interface Call {
  readonly method: Method;
  readonly args: readonly unknown[];
  readonly at: number;
}

export class FakeEventStoreDb implements EventStoreDbClient {
  readonly calls: Call[] = [];
  readonly records: FakeRecord[] = [];
  readonly streams = new Map<string, FakeRecord[]>();
  readonly metadata = new Map<string, Record<string, unknown>>();
  readonly feeds: SubscriptionFeed[] = [];
  readonly groups = new Map<string, { settings: PersistentSubscriptionToAllSettings; options: CreatePersistentSubscriptionToAllOptions }>();
  readonly consumers: FakePersistentSubscription[] = [];
  readonly replays: string[] = [];
  /** The gRPC streams behind readStream / readAll calls, in call order. */
  readonly reads: FakeGrpcStream[] = [];
  /** What the next appends answer instead of writing (e.g. an idempotent success without a position). */
  readonly appendResults: AppendResult[] = [];
  /** Called for each subscribeToAll; by default the feed serves history and live events. */
  onSubscribe: (feed: SubscriptionFeed, fake: FakeEventStoreDb) => void = (feed, fake) => feed.serve(fake.records);
  disposed = false;
  private readonly failures = new Map<Method, Failure[]>();
  private nextPosition: bigint;

  /** Positions start at `basePosition` and grow by 100 per event (commit = prepare, as for self-committed writes). */
  constructor(options: { readonly basePosition?: bigint } = {}) {
    this.nextPosition = options.basePosition ?? 100n;
  }

  /** The next call of `method` fails with `failure` (an error, or 'hang': it never answers). */
  failNext(method: Method, ...failures: Failure[]): this {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...failures]);
    return this;
  }

  callsOf(method: Method): Call[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Stores a record directly (e.g. links of a parked-message stream). */
  store(streamId: string, record: Omit<FakeRecord, 'streamId' | 'revision' | 'position' | 'created'>): FakeRecord {
    const stream = this.streams.get(streamId) ?? [];
    const stored: FakeRecord = { ...record, streamId, revision: BigInt(stream.length), position: { commit: this.nextPosition, prepare: this.nextPosition }, created: new Date() };
    this.nextPosition += 100n;
    stream.push(stored);
    this.streams.set(streamId, stream);
    this.records.push(stored);
    for (const feed of this.feeds) feed.appended(stored);
    return stored;
  }

  async appendToStream<KnownEventType extends EventType = EventType>(
    streamName: string,
    events: EventData<KnownEventType> | EventData<KnownEventType>[],
    options: AppendToStreamOptions = {},
  ): Promise<AppendResult> {
    await this.enter('appendToStream', [streamName, events, options]);
    const planned = this.appendResults.shift();
    if (planned) return planned;
    const batch = (Array.isArray(events) ? events : [events]) as EventData[];
    const current = (this.streams.get(streamName)?.length ?? 0) - 1;
    const expected = options.expectedRevision ?? ANY;
    const conflict =
      (expected === NO_STREAM && current >= 0) ||
      (expected === STREAM_EXISTS && current < 0) ||
      (typeof expected === 'bigint' && expected !== BigInt(current));
    if (conflict) throw new WrongExpectedVersionError(undefined, { streamName, expected, current: current < 0 ? NO_STREAM : BigInt(current) });
    // Stored as the server stores it: JSON text, parsed again on read.
    const written = batch.map((event) =>
      this.store(streamName, {
        id: event.id,
        type: event.type,
        data: JSON.parse(JSON.stringify(event.data)) as unknown,
        metadata: event.metadata === undefined ? undefined : (JSON.parse(JSON.stringify(event.metadata)) as unknown),
        isJson: event.contentType === 'application/json',
      }),
    );
    const last = written.at(-1) as FakeRecord;
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  readStream<KnownEventType extends EventType = EventType>(
    streamName: string,
    options: EsdbReadStreamOptions = {},
    readableOptions: ReadableOptions = {},
  ): StreamingRead<ResolvedEvent<KnownEventType>> {
    return this.openRead<ResolvedEvent<KnownEventType>>('readStream', [streamName, options], readableOptions, () => {
      const stream = this.streams.get(streamName);
      // As the server does: a missing stream is a message in the response stream, not an error of the call.
      if (!stream) return [resp.streamNotFound(streamName)];
      const { fromRevision, direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER } = options;
      const ordered = direction === BACKWARDS ? [...stream].reverse() : stream;
      const selected = ordered.filter((record) =>
        fromRevision === undefined || fromRevision === START || fromRevision === END
          ? true
          : direction === BACKWARDS
            ? record.revision <= fromRevision
            : record.revision >= fromRevision,
      );
      return selected.slice(0, Number(maxCount)).map((record) => resp.event(this.resolve(record, options.resolveLinkTos === true)));
    });
  }

  readAll(options: EsdbReadAllOptions = {}, readableOptions: ReadableOptions = {}): StreamingRead<AllStreamResolvedEvent> {
    return this.openRead<AllStreamResolvedEvent>('readAll', [options], readableOptions, () => {
      const { fromPosition = START, direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER } = options;
      const ordered = direction === BACKWARDS ? [...this.records].reverse() : this.records;
      const selected = ordered.filter((record) =>
        fromPosition === START || fromPosition === END
          ? true
          : direction === BACKWARDS
            ? !isAfter(record.position, fromPosition)
            : !isAfter(fromPosition, record.position),
      );
      return selected.slice(0, Number(maxCount)).map((record) => resp.event(resolvedOf(record)));
    });
  }

  subscribeToAll(options: EsdbSubscribeToAllOptions = {}, readableOptions: ReadableOptions = {}): AllStreamSubscription {
    this.calls.push({ method: 'subscribeToAll', args: [options], at: Date.now() });
    const grpc = new FakeGrpcStream();
    const subscription = new ClientSubscription<AllStreamResolvedEvent>(
      () => Promise.resolve(grpc as never),
      asConverted,
      readableOptions,
      options.filter?.checkpointReached,
    ) as unknown as AllStreamSubscription;
    const feed = new SubscriptionFeed(grpc, subscription, options);
    this.feeds.push(feed);
    const failure = this.takeFailure('subscribeToAll');
    if (failure instanceof Error) setImmediate(() => feed.fail(failure));
    else if (failure !== 'hang') this.onSubscribe(feed, this);
    return subscription;
  }

  async setStreamMetadata<MetadataType extends StreamMetadata = StreamMetadata>(
    streamName: string,
    metadata: StreamMetadata<MetadataType>,
    options: SetStreamMetadataOptions = {},
  ): Promise<AppendResult> {
    await this.enter('setStreamMetadata', [streamName, metadata, options]);
    this.metadata.set(streamName, { ...metadata });
    return { success: true, nextExpectedRevision: 0n };
  }

  async createPersistentSubscriptionToAll(
    groupName: string,
    settings: PersistentSubscriptionToAllSettings,
    options: CreatePersistentSubscriptionToAllOptions = {},
  ): Promise<void> {
    await this.enter('createPersistentSubscriptionToAll', [groupName, settings, options]);
    if (this.groups.has(groupName)) {
      throw new PersistentSubscriptionExistsError(serviceError(6, `6 ALREADY_EXISTS: group ${groupName} exists`, { 'group-name': groupName, 'stream-name': '$all' }));
    }
    this.groups.set(groupName, { settings, options });
  }

  subscribeToPersistentSubscriptionToAll(
    groupName: string,
    options: SubscribeToPersistentSubscriptionToAllOptions = {},
    duplexOptions: DuplexOptions = {},
  ): PersistentSubscriptionToAll {
    this.calls.push({ method: 'subscribeToPersistentSubscriptionToAll', args: [groupName, options, duplexOptions], at: Date.now() });
    const consumer = new FakePersistentSubscription(groupName, options.bufferSize);
    this.consumers.push(consumer);
    if (!this.groups.has(groupName)) {
      setImmediate(() => consumer.fail(new PersistentSubscriptionDoesNotExistError(undefined, { streamName: '$all', groupName })));
    }
    return consumer as unknown as PersistentSubscriptionToAll;
  }

  async replayParkedMessagesToAll(groupName: string, options: ReplayParkedMessagesToAllOptions = {}): Promise<void> {
    await this.enter('replayParkedMessagesToAll', [groupName, options]);
    if (!this.groups.has(groupName)) throw new PersistentSubscriptionDoesNotExistError(undefined, { streamName: '$all', groupName });
    this.replays.push(groupName);
  }

  dispose = async (): Promise<void> => {
    this.calls.push({ method: 'dispose', args: [], at: Date.now() });
    this.disposed = true;
  };

  // ---------------------------------------------------------------- internals

  private resolve(record: FakeRecord, resolveLinkTos: boolean): ResolvedEvent {
    if (!resolveLinkTos || record.type !== '$>') return { event: copyOf(record) as never };
    const [revision, streamId] = String(Buffer.from(record.data as Uint8Array)).split('@') as [string, string];
    const target = this.streams.get(streamId)?.[Number(revision)];
    return { event: target ? (copyOf(target) as never) : undefined, link: copyOf(record) as never };
  }

  private openRead<E>(method: Method, args: readonly unknown[], readableOptions: ReadableOptions, responses: () => unknown[]): StreamingRead<E> {
    this.calls.push({ method, args, at: Date.now() });
    const grpc = new FakeGrpcStream();
    this.reads.push(grpc);
    const read = new ReadStream<E>(() => Promise.resolve(grpc as never), asConverted, readableOptions);
    const failure = this.takeFailure(method);
    if (failure instanceof Error) setImmediate(() => grpc.destroy(failure));
    else if (failure !== 'hang') {
      for (const message of responses()) grpc.write(message);
      // The call's status (the end of the stream) arrives after its last message, as a separate I/O event.
      setImmediate(() => {
        if (!grpc.destroyed) grpc.end();
      });
    }
    return read;
  }

  private takeFailure(method: Method): Failure | undefined {
    return this.failures.get(method)?.shift();
  }

  private async enter(method: Method, args: readonly unknown[]): Promise<void> {
    this.calls.push({ method, args, at: Date.now() });
    const failure = this.takeFailure(method);
    if (failure === 'hang') await new Promise<never>(() => {});
    if (failure) throw failure;
  }
}
