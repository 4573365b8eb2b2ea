import type { EventMetadata, NewEvent, Position, RecordedEvent, UndecodableEvent } from '../../application/ports';
import { isUuid } from '../../domain';
import { CodecError, OriginUnavailable } from './codec-error';
import { EventSchemaRegistry, toViolations } from './schema-registry';
import { upcasters as defaultUpcasters, type UpcastContext, type UpcasterTable } from './upcasters';

/** An event as a store holds it: JSON data and metadata, not yet validated or upcast. */
export interface StoredEvent {
  readonly eventId: string;
  readonly type: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: Position;
  readonly data: unknown;
  readonly metadata: unknown;
}

export type StoredMetadata = EventMetadata & { readonly schemaVersion: number };

/** What a store writes: validated data in the latest schema version, the version stamped in metadata. */
export interface EncodedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: StoredMetadata;
}

/** Reads the first stored event of a stream; upcasters that need stream facts (the order currency) use it. */
export type StreamOriginReader = (streamId: string) => Promise<StoredEvent | undefined>;

export type DecodeOutcome = { readonly kind: 'event'; readonly event: RecordedEvent } | { readonly kind: 'undecodable'; readonly event: UndecodableEvent };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates event data against the JSON schemas in schemas/events (compiled once) and upcasts stored
 * versions step by step to the latest. Every event-store adapter reads and writes through it.
 */
export class EventCodec {
  private readonly origins = new Map<string, Promise<{ type: string; data: unknown }>>();

  constructor(
    readonly registry: EventSchemaRegistry = EventSchemaRegistry.fromDirectory(),
    private readonly upcasters: UpcasterTable = defaultUpcasters,
    private readonly originCacheSize = 10_000,
  ) {}

  encode(event: NewEvent): EncodedEvent {
    const version = this.registry.latestVersion(event.type);
    if (version === undefined) throw new CodecError(event.eventId, event.type, null, 'unknown-type');
    if (!isUuid(event.eventId)) {
      throw new CodecError(event.eventId, event.type, version, 'invalid-metadata', [{ path: '/eventId', message: 'must be a lower-case UUID' }]);
    }
    this.check(event.eventId, event.type, version, event.data);
    const metadata: StoredMetadata = { ...pickMetadata(event.metadata), schemaVersion: version };
    if (!this.registry.metadata(metadata)) {
      throw new CodecError(event.eventId, event.type, version, 'invalid-metadata', toViolations(this.registry.metadata.errors));
    }
    return { eventId: event.eventId, type: event.type, data: event.data as Record<string, unknown>, metadata };
  }

  /** Validates the stored version, upcasts to the latest, validates each step. Throws CodecError. */
  decode(stored: StoredEvent, readOrigin: StreamOriginReader): Promise<RecordedEvent> {
    return this.decodeWith(stored, () => this.origin(stored, readOrigin));
  }

  private async decodeWith(stored: StoredEvent, streamOrigin: UpcastContext['streamOrigin']): Promise<RecordedEvent> {
    const latest = this.registry.latestVersion(stored.type);
    if (latest === undefined) throw new CodecError(stored.eventId, stored.type, versionOf(stored.metadata), 'unknown-type');
    // Always run the validator: its `errors` must describe this metadata, not the previous call's.
    if (!this.registry.metadata(stored.metadata)) {
      throw new CodecError(stored.eventId, stored.type, versionOf(stored.metadata), 'invalid-metadata', toViolations(this.registry.metadata.errors));
    }
    const metadata = stored.metadata as unknown as StoredMetadata;
    const version = metadata.schemaVersion;
    if (!this.registry.validator(stored.type, version)) throw new CodecError(stored.eventId, stored.type, version, 'unknown-version');
    this.check(stored.eventId, stored.type, version, stored.data);

    let data = stored.data as Record<string, unknown>;
    const context: UpcastContext = { streamId: stored.streamId, eventId: stored.eventId, streamOrigin };
    for (let v = version; v < latest; v++) {
      const upcast = this.upcasters[stored.type]?.[v];
      if (!upcast) throw new CodecError(stored.eventId, stored.type, v, 'upcast-failed', [{ path: '', message: `no upcaster from v${v} to v${v + 1}` }]);
      try {
        data = await upcast(data, context);
      } catch (error) {
        if (error instanceof CodecError || error instanceof OriginUnavailable) throw error;
        throw new CodecError(stored.eventId, stored.type, v, 'upcast-failed', [{ path: '', message: (error as Error).message }]);
      }
      this.check(stored.eventId, stored.type, v + 1, data);
    }

    return {
      type: stored.type,
      data,
      eventId: stored.eventId,
      streamId: stored.streamId,
      revision: stored.revision,
      position: stored.position,
      metadata: pickMetadata(metadata),
      storedSchemaVersion: version,
    } as RecordedEvent;
  }

  /** Like decode, but reports a CodecError as an undecodable event instead of throwing (for subscriptions). */
  async decodeOrReport(stored: StoredEvent, readOrigin: StreamOriginReader): Promise<DecodeOutcome> {
    try {
      return { kind: 'event', event: await this.decode(stored, readOrigin) };
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
      const { eventId, streamId, revision, position, type } = stored;
      return { kind: 'undecodable', event: { eventId, streamId, revision, position, type, error } };
    }
  }

  /** "<Type> v<N>" for every stored version that has no upcaster chain to the latest. */
  missingUpcasterPaths(): string[] {
    return this.registry.types().flatMap((type) => {
      const latest = this.registry.latestVersion(type) ?? 0;
      return this.registry
        .versionsOf(type)
        .filter((version) => {
          for (let v = version; v < latest; v++) if (!this.upcasters[type]?.[v]) return true;
          return false;
        })
        .map((version) => `${type} v${version}`);
    });
  }

  private check(eventId: string, type: string, version: number, data: unknown): void {
    const validate = this.registry.validator(type, version);
    if (!validate) throw new CodecError(eventId, type, version, 'unknown-version');
    if (!validate(data)) throw new CodecError(eventId, type, version, 'invalid-data', toViolations(validate.errors));
  }

  // First events never change, so a decoded origin is cached per stream (bounded, oldest evicted first).
  private origin(stored: StoredEvent, readOrigin: StreamOriginReader): Promise<{ type: string; data: unknown }> {
    const cached = this.origins.get(stored.streamId);
    if (cached) return cached;
    const loading = (async () => {
      let first: StoredEvent | undefined;
      try {
        first = await readOrigin(stored.streamId);
      } catch (error) {
        throw new OriginUnavailable(stored.streamId, { cause: error });
      }
      if (!first) throw new Error(`stream ${stored.streamId} has no first event`);
      if (first.eventId === stored.eventId) throw new Error(`event ${stored.eventId} is the first of its stream and cannot depend on it`);
      // The origin must not depend on itself: through the cache that would wait on this very promise forever.
      const noOrigin = (): Promise<never> => Promise.reject(new Error(`event ${first.eventId} is the first of its stream and cannot depend on it`));
      try {
        const { type, data } = await this.decodeWith(first, noOrigin);
        return { type, data };
      } catch (error) {
        throw new Error(`the first event of stream ${stored.streamId} cannot be decoded: ${(error as Error).message}`);
      }
    })();
    loading.catch(() => {
      if (this.origins.get(stored.streamId) === loading) this.origins.delete(stored.streamId);
    });
    if (this.origins.size >= this.originCacheSize) this.origins.delete(this.origins.keys().next().value as string);
    this.origins.set(stored.streamId, loading);
    return loading;
  }
}

const pickMetadata = (metadata: EventMetadata): EventMetadata => ({
  correlationId: metadata.correlationId,
  causationId: metadata.causationId,
  actor: metadata.actor,
  occurredAt: metadata.occurredAt,
});

const versionOf = (metadata: unknown): number | null =>
  isRecord(metadata) && typeof metadata['schemaVersion'] === 'number' ? metadata['schemaVersion'] : null;
