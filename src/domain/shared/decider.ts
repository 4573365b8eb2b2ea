/**
 * A decider is the whole behaviour of one aggregate as data + pure functions:
 * `decide` turns a command and the current state into new events (or throws a DomainError),
 * `evolve` folds one event into the state. No I/O, no clock, no id generation.
 */
export interface Decider<Command, Event, State> {
  readonly decide: (command: Command, state: State) => readonly Event[];
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: State;
  /** Bumped whenever the State shape changes, so older snapshots are ignored. */
  readonly stateVersion: number;
}

/** Every event of this service: a stable type name and its data (always the latest schema version). */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

export const fold = <Event, State>(decider: Pick<Decider<unknown, Event, State>, 'evolve'>, state: State, events: readonly Event[]): State =>
  events.reduce(decider.evolve, state);

/** Compile-time exhaustiveness check at the end of every switch over a union. */
export const assertNever = (value: never): never => {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
};
