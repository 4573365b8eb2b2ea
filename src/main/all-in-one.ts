// `npm start`: API and projection workers in one process (on the in-memory stores unless configured otherwise).
import { fail, run } from './run';

run('all').catch(fail);
