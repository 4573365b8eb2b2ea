export * from './codec-error';
export * from './schema-registry';
export * from './upcasters';
export * from './event-codec';
