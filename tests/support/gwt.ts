import { type Decider, fold } from '../../src/domain/shared/decider';

/** Any error class, abstract ones included (e.g. `AggregateNotFound`). */
export type ErrorClass<E extends Error = Error> = abstract new (...args: never[]) => E;

/** What else a thrown error must satisfy: a predicate, or fields it must match (`toMatchObject`). */
export type ErrorCheck<E extends Error> = ((error: E) => boolean) | Partial<E>;

export interface Then<Event> {
  /** decide returned exactly these events, in this order. */
  then(expected: readonly Event[]): void;
  /** decide threw an instance of `errorClass` (and, optionally, one that passes `check`). */
  thenThrows<E extends Error>(errorClass: ErrorClass<E>, check?: ErrorCheck<E>): void;
  /** decide accepted the command and returned no events (an idempotent no-op). */
  thenNothing(): void;
}

export interface When<Command, Event> {
  when(command: Command): Then<Event>;
}

export interface DeciderSpec<Command, Event> extends When<Command, Event> {
  given(events: readonly Event[]): When<Command, Event>;
}

type Outcome<Event> = { readonly kind: 'events'; readonly events: readonly Event[] } | { readonly kind: 'threw'; readonly error: unknown };

const typeName = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string' ? value.type : JSON.stringify(value);

// Long histories (e.g. 100 lines added) read better as "OrderItemAdded ×100".
const summarize = (events: readonly unknown[]): string => {
  if (events.length === 0) return '(no events)';
  const runs: { name: string; count: number }[] = [];
  for (const event of events) {
    const name = typeName(event);
    const last = runs.at(-1);
    if (last?.name === name) last.count += 1;
    else runs.push({ name, count: 1 });
  }
  return runs.map(({ name, count }) => (count > 1 ? `${name} ×${count}` : name)).join(', ');
};

const errorName = (error: unknown): string =>
  error instanceof Error ? `${error.constructor.name}: ${error.message}` : `a non-Error value ${JSON.stringify(error)}`;

/** Runs a jest assertion; on failure the jest diff is kept and the given/when context put above it. */
const withContext = (context: string, assertion: () => void): void => {
  try {
    assertion();
  } catch (error) {
    if (error instanceof Error) error.message = `${context}\n\n${error.message}`;
    throw error;
  }
};

const failure = (context: string, message: string, cause?: unknown): Error =>
  new Error(`${context}\n\n${message}`, cause === undefined ? undefined : { cause });

/**
 * Given-When-Then over any decider: `given` folds events from `initialState` with `evolve`,
 * `when` runs `decide`, the `then*` methods assert on what it produced.
 */
export const deciderSpec = <Command, Event, State>(decider: Decider<Command, Event, State>): DeciderSpec<Command, Event> => {
  const given = (history: readonly Event[]): When<Command, Event> => ({
    when: (command: Command): Then<Event> => {
      const context = `Given: ${summarize(history)}\nWhen:  ${JSON.stringify(command)}`;
      const run = (): Outcome<Event> => {
        const state = fold(decider, decider.initialState, history);
        try {
          return { kind: 'events', events: decider.decide(command, state) };
        } catch (error) {
          return { kind: 'threw', error };
        }
      };

      const events = (expectation: string): readonly Event[] => {
        const outcome = run();
        if (outcome.kind === 'threw') {
          throw failure(context, `Expected ${expectation}, but decide threw ${errorName(outcome.error)}`, outcome.error);
        }
        return outcome.events;
      };

      return {
        then: (expected) => {
          const actual = events('events');
          withContext(`${context}\nThen:  events differ`, () => expect(actual).toEqual(expected));
        },
        thenNothing: () => {
          const actual = events('no events');
          withContext(`${context}\nThen:  expected no events`, () => expect(actual).toEqual([]));
        },
        thenThrows: (errorClass, check) => {
          const outcome = run();
          if (outcome.kind === 'events') {
            throw failure(
              context,
              `Expected decide to throw ${errorClass.name}, but it returned ${outcome.events.length} event(s): ${JSON.stringify(outcome.events, null, 2)}`,
            );
          }
          const { error } = outcome;
          if (!(error instanceof errorClass)) {
            throw failure(context, `Expected decide to throw ${errorClass.name}, but it threw ${errorName(error)}`, error);
          }
          withContext(`${context}\nThen:  throws ${errorClass.name}`, () => {
            expect(error).toBeInstanceOf(errorClass);
            if (typeof check === 'function') {
              if (!check(error)) throw new Error(`${errorName(error)} does not satisfy ${check.toString()}`);
            } else if (check !== undefined) {
              expect(error).toMatchObject(check);
            }
          });
        },
      };
    },
  });
  return { given, when: (command) => given([]).when(command) };
};
