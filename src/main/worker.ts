// Projection runners (catch-up with a lease, persistent groups competing) plus /healthz, /readyz and /metrics.
import { fail, run } from './run';

run('worker').catch(fail);
