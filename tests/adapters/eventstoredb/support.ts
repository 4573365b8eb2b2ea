// Builds the EventStoreDB adapters over the client double, with one compiled codec per test file.
import { EventCodec } from '../../../src/adapters/codec';
import { createEventStoreDbAdapters, type EventStoreDbAdapters } from '../../../src/adapters/eventstoredb';
import type { Logger } from '../../../src/application/ports';
import { FakeEventStoreDb } from './fake-eventstoredb';

export const codec = new EventCodec();

export interface LogLine {
  readonly level: keyof Logger;
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export const recordingLogger = (): Logger & { readonly lines: LogLine[] } => {
  const lines: LogLine[] = [];
  const at =
    (level: keyof Logger) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

export interface Harness extends EventStoreDbAdapters {
  /** Every client the adapters connected, in order: a replaced client is followed by its successor. */
  readonly clients: FakeEventStoreDb[];
  /** The client in use now. */
  readonly fake: FakeEventStoreDb;
  readonly logger: ReturnType<typeof recordingLogger>;
}

/** The adapters over fresh doubles; `make` builds each client the connection asks for. */
export const harness = (options: { readonly timeoutMs?: number; readonly make?: () => FakeEventStoreDb } = {}): Harness => {
  const clients: FakeEventStoreDb[] = [];
  const logger = recordingLogger();
  const make = options.make ?? (() => new FakeEventStoreDb());
  const adapters = createEventStoreDbAdapters({
    connect: () => {
      const client = make();
      clients.push(client);
      return client;
    },
    timeoutMs: options.timeoutMs ?? 1_000,
    logger,
    codec,
  });
  return {
    ...adapters,
    clients,
    logger,
    get fake(): FakeEventStoreDb {
      return clients.at(-1) as FakeEventStoreDb;
    },
  };
};
