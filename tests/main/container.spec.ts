import { Application } from '../../src/application/application';
import { createPinoLogger } from '../../src/adapters/runtime/pino-logger';
import { loadConfig } from '../../src/main/config';
import { createContainer } from '../../src/main/container';
import { createService } from '../../src/main/service';
import { TOKENS } from '../../src/main/tokens';

describe('composition root', () => {
  it('wires an Application from the memory adapters once (singletons)', async () => {
    const container = createContainer(loadConfig({}), { pino: createPinoLogger('silent') });
    const application = await container.getAsync(TOKENS.Application);
    expect(application).toBeInstanceOf(Application);
    expect(await container.getAsync(TOKENS.Application)).toBe(application);
    expect(application.commands.types()).toHaveLength(14);
    expect(application.queries.types()).toHaveLength(9);
    const events = await container.getAsync(TOKENS.EventStore);
    expect(events.persistent).not.toBeNull();
    await events.close();
  });

  it('reports an unreachable configured store instead of starting half-wired', async () => {
    const config = loadConfig({ EVENT_STORE: 'postgres', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    const container = createContainer(config, { pino: createPinoLogger('silent') });
    await expect(container.getAsync(TOKENS.Application)).rejects.toThrow();
  });

  it.each(['api', 'worker'] as const)('refuses to run the %s process alone on the in-memory event store', async (mode) => {
    await expect(createService(loadConfig({}), mode, { pino: createPinoLogger('silent') })).rejects.toThrow(/EVENT_STORE=memory keeps events inside one process/);
  });
});
