import { EventStoreDBClient } from '@eventstore/db-client';

/**
 * The part of @eventstore/db-client 6.2.1's EventStoreDBClient this adapter uses, with the client's own
 * signatures: unit tests substitute a hand-written double for it.
 */
export type EventStoreDbClient = Pick<
  EventStoreDBClient,
  | 'appendToStream'
  | 'readStream'
  | 'readAll'
  | 'subscribeToAll'
  | 'setStreamMetadata'
  | 'createPersistentSubscriptionToAll'
  | 'subscribeToPersistentSubscriptionToAll'
  | 'replayParkedMessagesToAll'
  | 'dispose'
>;

const SCHEMES = ['esdb', 'esdb+discover'];

/**
 * Rejects what this client cannot (or must not) use, with a message that says why: any scheme but
 * esdb:// and esdb+discover:// (the 6.x parser knows no other; `kurrentdb://` needs @kurrent/kurrentdb-client),
 * and throwOnAppendFailure=false (conflicts would come back as `success: false` results, and the
 * batch-append path reports a wrong current revision for them).
 */
export const validateConnectionString = (connectionString: string): string => {
  const trimmed = connectionString.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined || !SCHEMES.includes(scheme)) {
    const hint = scheme === 'kurrentdb' || scheme === 'kurrent' ? ' (kurrentdb:// needs @kurrent/kurrentdb-client; this service uses @eventstore/db-client)' : '';
    throw new Error(`EventStoreDB connection string must start with esdb:// or esdb+discover://, got "${scheme ?? trimmed.slice(0, 20)}://"${hint}`);
  }
  if (/[?&]throwOnAppendFailure=false(&|$)/i.test(trimmed)) {
    throw new Error('EventStoreDB connection string must not set throwOnAppendFailure=false: conflicts must surface as WrongExpectedVersionError');
  }
  return trimmed;
};

/** A real client for a validated connection string (the client connects lazily, on the first call). */
export const connectEventStoreDb = (connectionString: string): EventStoreDbClient => EventStoreDBClient.connectionString(validateConnectionString(connectionString));
