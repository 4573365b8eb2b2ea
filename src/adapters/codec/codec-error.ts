export interface SchemaViolation {
  readonly path: string;
  readonly message: string;
}

/** An event could not be encoded or decoded. Names the event, its type and version, and every violation. */
export class CodecError extends Error {
  constructor(
    readonly eventId: string,
    readonly eventType: string,
    readonly schemaVersion: number | null,
    readonly problem: 'unknown-type' | 'unknown-version' | 'invalid-data' | 'invalid-metadata' | 'upcast-failed',
    readonly violations: readonly SchemaViolation[] = [],
  ) {
    const details = violations.length ? `: ${violations.map((v) => `${v.path || '/'} ${v.message}`).join('; ')}` : '';
    super(`Event ${eventId} (${eventType} v${schemaVersion ?? '?'}) ${problem.replace('-', ' ')}${details}`);
    this.name = 'CodecError';
  }
}

/**
 * The store could not read a stream's first event while an upcaster needed it. Not a decoding
 * problem: it is rethrown as is, so readers retry instead of reporting the event as undecodable.
 */
export class OriginUnavailable extends Error {
  constructor(
    readonly streamId: string,
    options: { cause: unknown },
  ) {
    super(`the first event of stream ${streamId} could not be read: ${(options.cause as Error)?.message ?? String(options.cause)}`, options);
    this.name = 'OriginUnavailable';
  }
}
