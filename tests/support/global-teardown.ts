import { dropPostgres } from './setup/postgres';

export default async function globalTeardown(): Promise<void> {
  await dropPostgres();
}
