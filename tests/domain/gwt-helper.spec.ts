import { DomainError, type Decider } from '../../src/domain';
import { deciderSpec } from '../support/gwt';

// A decider small enough to reason about: a counter that refuses to go above a limit.
type CounterCommand = { type: 'Increment'; by: number } | { type: 'Reset' };
type CounterEvent = { type: 'Incremented'; by: number } | { type: 'WasReset' };

class LimitReached extends DomainError {
  readonly code = 'LimitReached';
  constructor(readonly limit: number) {
    super(`limit ${limit} reached`);
  }
}
class NegativeStep extends DomainError {
  readonly code = 'NegativeStep';
  constructor() {
    super('steps must be positive');
  }
}

const LIMIT = 10;
const counterDecider: Decider<CounterCommand, CounterEvent, number> = {
  initialState: 0,
  stateVersion: 1,
  evolve: (state, event) => (event.type === 'Incremented' ? state + event.by : 0),
  decide: (command, state) => {
    if (command.type === 'Reset') return state === 0 ? [] : [{ type: 'WasReset' }];
    if (command.by < 0) throw new NegativeStep();
    if (state + command.by > LIMIT) throw new LimitReached(LIMIT);
    return [{ type: 'Incremented', by: command.by }];
  },
};

const spec = deciderSpec(counterDecider);
const increment = (by: number): CounterCommand => ({ type: 'Increment', by });
const incremented = (by: number): CounterEvent => ({ type: 'Incremented', by });
const reset: CounterCommand = { type: 'Reset' };

const failureOf = (assertion: () => void): Error => {
  try {
    assertion();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('the assertion passed, but it was expected to fail');
};

describe('deciderSpec (Given-When-Then helper)', () => {
  describe('given', () => {
    it('folds the history with evolve from initialState before deciding', () => {
      // 4 + 6 = 10 reaches the limit only if both events were folded.
      spec.given([incremented(4), incremented(6)]).when(increment(1)).thenThrows(LimitReached);
      spec.given([incremented(4), incremented(5)]).when(increment(1)).then([incremented(1)]);
    });

    it('starts from initialState when there is no history', () => {
      spec.when(reset).thenNothing();
      spec.given([]).when(increment(10)).then([incremented(10)]);
    });
  });

  describe('then', () => {
    it('passes when decide returns exactly the expected events', () => {
      spec.given([]).when(increment(2)).then([incremented(2)]);
    });

    it('fails with a jest diff and the given/when context when the events differ', () => {
      const error = failureOf(() => spec.given([incremented(1)]).when(increment(2)).then([incremented(3)]));
      expect(error.message).toContain('Given: Incremented');
      expect(error.message).toContain('When:  {"type":"Increment","by":2}');
      expect(error.message).toContain('toEqual');
      expect(error.message).toMatch(/-\s+"by": 3/);
      expect(error.message).toMatch(/\+\s+"by": 2/);
    });

    it('fails when decide returns more or fewer events than expected', () => {
      expect(() => spec.given([]).when(increment(1)).then([])).toThrow('events differ');
      expect(() => spec.given([]).when(increment(1)).then([incremented(1), incremented(1)])).toThrow('events differ');
    });

    it('fails, naming the error, when decide throws', () => {
      expect(() => spec.given([incremented(10)]).when(increment(1)).then([incremented(1)])).toThrow(
        /Expected events, but decide threw LimitReached: limit 10 reached/,
      );
    });

    it('summarizes long histories', () => {
      const history = [...Array.from({ length: 12 }, () => incremented(0)), { type: 'WasReset' } as const];
      expect(() => spec.given(history).when(increment(1)).then([])).toThrow('Given: Incremented ×12, WasReset');
    });
  });

  describe('thenThrows', () => {
    it('passes when decide throws the expected class', () => {
      spec.given([incremented(10)]).when(increment(1)).thenThrows(LimitReached);
    });

    it('accepts a base class', () => {
      spec.given([]).when(increment(-1)).thenThrows(DomainError);
    });

    it('fails, listing the events, when decide returns events', () => {
      expect(() => spec.given([]).when(increment(1)).thenThrows(LimitReached)).toThrow(
        /Expected decide to throw LimitReached, but it returned 1 event\(s\):[\s\S]*"Incremented"/,
      );
    });

    it('fails when decide returns no events', () => {
      expect(() => spec.given([]).when(reset).thenThrows(LimitReached)).toThrow('but it returned 0 event(s)');
    });

    it('fails, naming the class that was thrown, when decide throws another class', () => {
      const error = failureOf(() => spec.given([]).when(increment(-1)).thenThrows(LimitReached));
      expect(error.message).toContain('Expected decide to throw LimitReached, but it threw NegativeStep: steps must be positive');
      expect(error.message).toContain('When:  {"type":"Increment","by":-1}');
      expect(error.cause).toBeInstanceOf(NegativeStep);
    });

    it('checks matching fields with a jest diff', () => {
      spec.given([incremented(10)]).when(increment(1)).thenThrows(LimitReached, { limit: 10, code: 'LimitReached' });
      const error = failureOf(() => spec.given([incremented(10)]).when(increment(1)).thenThrows(LimitReached, { limit: 11 }));
      expect(error.message).toContain('Then:  throws LimitReached');
      expect(error.message).toContain('toMatchObject');
      expect(error.message).toMatch(/-\s+"limit": 11/);
    });

    it('checks a predicate', () => {
      spec.given([incremented(10)]).when(increment(1)).thenThrows(LimitReached, (error) => error.limit === 10);
      expect(() =>
        spec.given([incremented(10)]).when(increment(1)).thenThrows(LimitReached, (error) => error.limit === 11),
      ).toThrow(/LimitReached: limit 10 reached does not satisfy/);
    });
  });

  describe('thenNothing', () => {
    it('passes when decide returns no events', () => {
      spec.given([]).when(reset).thenNothing();
    });

    it('fails with a diff when decide returns events', () => {
      const error = failureOf(() => spec.given([incremented(3)]).when(reset).thenNothing());
      expect(error.message).toContain('Then:  expected no events');
      expect(error.message).toContain('"WasReset"');
    });

    it('fails, naming the error, when decide throws', () => {
      expect(() => spec.given([]).when(increment(-1)).thenNothing()).toThrow(
        'Expected no events, but decide threw NegativeStep: steps must be positive',
      );
    });
  });
});
