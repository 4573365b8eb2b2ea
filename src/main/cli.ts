// Operations from the command line: `npm run cli -- <command>`. Talks to the configured stores directly.
import { parsePosition } from '../application/ports';
import { createPinoLogger, loggerPort } from '../adapters/runtime/pino-logger';
import { loadConfigOrReport } from './config';
import { createContainer } from './container';
import { migrateStores } from './open-stores';
import { TOKENS } from './tokens';

const USAGE = `usage: npm run cli -- <command>
  migrate                 apply the PostgreSQL migrations (DATABASE_URL)
  projections             status of every projection (checkpoint, lag, state, parked)
  rebuild <projection>    rebuild a catch-up projection (done by the worker holding its lease), with progress
  parked                  list parked events
  replay <parked-id>      replay one parked event`;

const print = (text: string) => process.stdout.write(`${text}\n`);

const progressBar = (fraction: number, width = 40): string => {
  const done = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(fraction * 100).toFixed(1).padStart(5)}%`;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const main = async (argv: readonly string[]): Promise<number> => {
  const [command, arg] = argv;
  const config = loadConfigOrReport();
  if (!config) return 1;
  if (command === 'migrate') {
    const applied = await migrateStores(config, loggerPort(createPinoLogger('warn')));
    print(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the schema is up to date');
    return 0;
  }
  if (!command || !['projections', 'rebuild', 'parked', 'replay'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return command ? 1 : 0;
  }
  if (config.eventStore === 'memory') {
    process.stderr.write('The CLI works on durable stores: the in-memory stores live inside the running service (use its /ops API).\n');
    return 1;
  }
  const container = createContainer(config, { pino: createPinoLogger('warn') });
  const application = await container.getAsync(TOKENS.Application);
  const events = await container.getAsync(TOKENS.EventStore);
  const reads = await container.getAsync(TOKENS.ReadStore);
  try {
    switch (command) {
      case 'projections':
        console.table(await application.operations.list());
        return 0;
      case 'parked':
        console.table(await application.operations.listParked(1000));
        return 0;
      case 'replay':
        if (!arg) throw new Error('replay needs a parked event id (see `parked`)');
        print(JSON.stringify(await application.operations.replayParked(arg)));
        return 0;
      case 'rebuild': {
        if (!arg) throw new Error('rebuild needs a projection name (see `projections`)');
        const { status } = await application.operations.rebuild(arg);
        print(`rebuild of ${arg} ${status}; the worker holding its lease runs it`);
        // Progress: the rebuild copy's checkpoint against the head of the log, until the copy is promoted.
        let seen = false;
        for (;;) {
          const [copy, head] = await Promise.all([reads.checkpoints.load(`${arg}__rebuild`), events.eventStore.headPosition()]);
          if (copy) seen = true;
          if (seen && !copy) {
            process.stderr.write(`\r${progressBar(1)}\n`);
            print(`${arg} rebuilt and switched over`);
            return 0;
          }
          const fraction = copy && head ? Number(parsePosition(copy)[0]) / Math.max(1, Number(parsePosition(head)[0])) : 0;
          process.stderr.write(`\r${progressBar(fraction)}`);
          await sleep(500);
        }
      }
      default:
        return 1;
    }
  } finally {
    await Promise.allSettled([events.close(), reads.close()]);
  }
};

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
