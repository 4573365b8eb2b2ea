// The stateless HTTP API; projections run in the worker process.
import { fail, run } from './run';

run('api').catch(fail);
