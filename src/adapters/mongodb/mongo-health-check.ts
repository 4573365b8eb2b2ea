import type { Db } from 'mongodb';
import type { HealthCheck } from '../../application/ports';

/** `ping`, bounded by our own timer: a server that accepts connections but never answers must not hang /readyz. */
export const mongoHealthCheck = (db: Db, timeoutMs = 2_000): HealthCheck => ({
  name: 'mongodb',
  async check() {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to ping within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([db.command({ ping: 1 }), timeout]);
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  },
});
