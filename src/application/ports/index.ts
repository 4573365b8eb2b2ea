export * from './position';
export * from './errors';
export * from './event-store.port';
export * from './checkpoint-store.port';
export * from './read-model-store.port';
export * from './snapshot-store.port';
export * from './parked-events.port';
export * from './runtime.port';
