import pino, { type DestinationStream, type LevelWithSilent } from 'pino';
import type { Logger } from '../../application/ports';

export type PinoLogger = pino.Logger;

/** JSON logs to stdout; errors are serialized with their stack (logs only — never in HTTP answers). */
export const createPinoLogger = (level: LevelWithSilent = 'info', destination?: DestinationStream): PinoLogger =>
  pino({ level, base: { service: 'order-service' }, serializers: { err: pino.stdSerializers.err } }, destination ?? pino.destination({ sync: false }));

/** The application's Logger port on top of pino. */
export const loggerPort = (logger: PinoLogger): Logger => ({
  debug: (fields, message) => logger.debug(fields, message),
  info: (fields, message) => logger.info(fields, message),
  warn: (fields, message) => logger.warn(fields, message),
  error: (fields, message) => logger.error(fields, message),
});
