// tsc copies no SQL: put the migration files next to the compiled PostgreSQL adapter.
import { cpSync, existsSync } from 'node:fs';

const from = 'src/adapters/postgres/migrations';
if (existsSync(from)) cpSync(from, 'dist/adapters/postgres/migrations', { recursive: true });
