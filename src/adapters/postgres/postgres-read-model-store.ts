import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import {
  assertFindQuery,
  assertLimit,
  assertPromotion,
  liveCollectionOf,
  parsePosition,
  positionSortKey,
  type CheckpointWrite,
  type CollectionMove,
  type DocumentWrite,
  type FindQuery,
  type ReadModelDefinition,
  type ReadModelStore,
  type Scalar,
  type StoredDocument,
  type Where,
} from '../../application/ports';
import { assertNever } from '../../domain';
import { wordsOf, wordWeightsOf, type TextField } from '../memory/text-search';
import { inTransaction, query, quoteIdent, sqlState, storeError, type ConnectionSettings } from './postgres-connection';

type Data = Record<string, unknown>;

const isObject = (value: unknown): value is Data => typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON text of a value, or a TypeError for what JSON cannot hold (e.g. a bigint) — before anything is written. */
const jsonText = (value: unknown, what: string): string => {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`${what} cannot be stored as JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw new TypeError(`${what} cannot be stored as JSON`);
  return text;
};

/** A SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1). */
const literal = (text: string): string => {
  if (text.includes('\u0000')) throw new RangeError('a field name must not contain NUL');
  return `'${text.replace(/'/g, "''")}'`;
};

const UNDEFINED_TABLE = '42P01';

/** Collects positional parameters for one statement. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

/** The sort keys of a scalar, as rm_rank / rm_num / rm_txt compute them for stored JSON (migrations/002). */
const keysOf = (value: Scalar): { rank: number; num: string; txt: string } => {
  if (value === null) return { rank: 0, num: '0', txt: '' };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`${value} is not a JSON number`);
    return { rank: 1, num: String(value), txt: '' };
  }
  if (typeof value === 'string') return { rank: 2, num: '0', txt: value };
  if (typeof value === 'boolean') return { rank: 4, num: value ? '1' : '0', txt: '' };
  throw new RangeError(`${String(value)} is not a scalar`);
};

interface DocumentRow extends Record<string, unknown> {
  id: string;
  position: string;
  revision: string | null;
  data: unknown;
}

const toStored = <D>(row: DocumentRow): StoredDocument<D> => ({
  id: row.id,
  position: row.position,
  revision: row.revision === null ? null : Number(row.revision),
  data: row.data as D,
});

/** Consecutive writes that run as one statement. */
type Step =
  | { readonly kind: 'put'; readonly collection: string; readonly rows: PutRow[]; readonly ids: Set<string> }
  | { readonly kind: 'delete'; readonly collection: string; readonly rows: { id: string; position_key: string }[] }
  | { readonly kind: 'update-where'; readonly collection: string; readonly write: Extract<DocumentWrite, { kind: 'update-where' }>; readonly positionKey: string };

/** One row of a multi-row upsert, already as JSON text (the document is serialized once). */
type PutRow = string;

/**
 * Read models on PostgreSQL: one table per collection ("rm_<collection>": id, position, its sort key,
 * revision, data JSONB, search words JSONB), created on first write with the definition's indexes.
 * Semantics are the memory store's (tests/contract/read-model-store.contract.ts): guarded writes,
 * commits in one transaction with their checkpoint, keyset pagination in code point order, and
 * whole-word search with the words computed by the same `wordsOf` at write time (PostgreSQL's own
 * parser splits words differently). A rebuild copy is promoted by renaming its table.
 */
export class PostgresReadModelStore implements ReadModelStore {
  private readonly schema: string;
  private readonly definitions = new Map<string, ReadModelDefinition>();
  private readonly textFields = new Map<string, readonly TextField[]>();
  /** Tables this process knows exist (another process may drop one: a write then retries). */
  private readonly known = new Set<string>();

  constructor(
    private readonly pool: Pool,
    private readonly settings: ConnectionSettings,
    definitions: readonly ReadModelDefinition[],
  ) {
    this.schema = quoteIdent(settings.schema);
    for (const definition of definitions) {
      this.definitions.set(definition.collection, definition);
      if (definition.textFields?.length) this.textFields.set(definition.collection, definition.textFields);
    }
  }

  async get<D>(collection: string, id: string): Promise<StoredDocument<D> | null> {
    const rows = await this.read<DocumentRow>(collection, (t) => `SELECT id, position, revision, data FROM ${t} WHERE id = $1`, [id]);
    return rows[0] ? toStored<D>(rows[0]) : null;
  }

  async getMany<D>(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument<D>>> {
    const found = new Map<string, StoredDocument<D>>();
    if (ids.length === 0) return found;
    const rows = await this.read<DocumentRow>(collection, (t) => `SELECT id, position, revision, data FROM ${t} WHERE id = ANY($1::text[])`, [[...ids]]);
    for (const row of rows) found.set(row.id, toStored<D>(row));
    return found;
  }

  async find<D>(collection: string, findQuery: FindQuery): Promise<StoredDocument<D>[]> {
    const { where = {}, range, orderBy, after, limit } = findQuery;
    assertFindQuery(findQuery);
    const params = new Params();
    const conditions = Object.entries(where).map(([field, value]) => this.equals(this.field(field), value, params));
    if (range) {
      for (const [bound, operator] of [
        [range.gte, '>='],
        [range.lte, '<='],
      ] as const) {
        if (bound === undefined) continue;
        const keys = keysOf(bound);
        const [rank, num, txt] = this.keyExpressions(this.field(range.field));
        conditions.push(`${rank} = ${params.add(keys.rank)}`);
        conditions.push(typeof bound === 'number' ? `${num} ${operator} ${params.add(keys.num, '::numeric')}` : `${txt} ${operator} ${params.add(keys.txt, '::text')}`);
      }
    }
    const sortKeys = orderBy.fields.slice(0, -1).flatMap((field) => this.keyExpressions(this.field(field)));
    if (after !== undefined) {
      const lastId = after.at(-1);
      if (typeof lastId !== 'string') throw new RangeError('the last after value must be a document id (a string)');
      const values = after.slice(0, -1).flatMap((value) => {
        const keys = keysOf(value);
        return [params.add(keys.rank, '::integer'), params.add(keys.num, '::numeric'), params.add(keys.txt, '::text')];
      });
      const comparison = orderBy.direction === 'asc' ? '>' : '<';
      conditions.push(`(${[...sortKeys, 'id'].join(', ')}) ${comparison} (${[...values, params.add(lastId, '::text')].join(', ')})`);
    }
    const direction = orderBy.direction === 'asc' ? 'ASC' : 'DESC';
    const order = [...sortKeys, 'id'].map((key) => `${key} ${direction}`).join(', ');
    const limitParam = params.add(limit);
    const rows = await this.read<DocumentRow>(
      collection,
      (t) => `SELECT id, position, revision, data FROM ${t}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${limitParam}`,
      params.values,
    );
    return rows.map((row) => toStored<D>(row));
  }

  async search<D>(collection: string, text: string, limit: number): Promise<StoredDocument<D>[]> {
    assertLimit(limit);
    const words = wordsOf(text);
    if (words.length === 0 || !this.textFieldsOf(collection)) return [];
    const rows = await this.read<DocumentRow>(
      collection,
      (t) =>
        `SELECT id, position, revision, data FROM ${t} WHERE words ?& $1::text[]
          ORDER BY (SELECT sum((words ->> w)::float8) FROM unnest($1::text[]) AS w) DESC, id ASC LIMIT $2`,
      [words, limit],
    );
    return rows.map((row) => toStored<D>(row));
  }

  async count(collection: string): Promise<number> {
    const rows = await this.read<{ count: string }>(collection, (t) => `SELECT count(*) AS count FROM ${t}`, []);
    return Number(rows[0]?.count ?? 0);
  }

  async commit(writes: readonly DocumentWrite[], checkpoint: CheckpointWrite | null): Promise<void> {
    // Everything is validated and serialized first: a bad write fails the commit before it starts.
    const steps = this.plan(writes);
    if (checkpoint) parsePosition(checkpoint.position);
    try {
      if (this.singleStatement(steps)) await this.commitInOneStatement(steps, checkpoint);
      else await this.commitInTransaction(steps, checkpoint);
    } catch (error) {
      // Another process dropped a table this process believed existed (a rebuild): look again once.
      if (sqlState(error) !== UNDEFINED_TABLE) throw error;
      for (const step of steps) this.known.delete(step.collection);
      await this.commitInTransaction(steps, checkpoint);
    }
  }

  /**
   * The usual commit of a projection batch — upserts (and deletes) into tables that exist, one step per
   * collection, plus the checkpoint — as one statement of data-modifying CTEs: atomic without BEGIN/COMMIT.
   */
  private singleStatement(steps: readonly Step[]): boolean {
    const collections = steps.map((step) => step.collection);
    return (
      steps.every((step) => step.kind !== 'update-where' && this.known.has(step.collection)) && new Set(collections).size === collections.length
    );
  }

  private async commitInOneStatement(steps: readonly Step[], checkpoint: CheckpointWrite | null): Promise<void> {
    const params = new Params();
    const parts = steps.map((step, i) => `w${i} AS (${this.writeSql(step as Exclude<Step, { kind: 'update-where' }>, params)})`);
    if (checkpoint) parts.push(`c AS (${this.checkpointSql(checkpoint, params)})`);
    if (parts.length === 0) return;
    await query(this.pool, `WITH ${parts.join(', ')} SELECT 1`, params.values);
  }

  private async commitInTransaction(steps: readonly Step[], checkpoint: CheckpointWrite | null): Promise<void> {
    await this.transaction(async (client, created) => {
      for (const collection of new Set(steps.filter((step) => step.kind === 'put').map((step) => step.collection))) {
        await this.ensureTable(client, collection, created);
      }
      for (const step of steps) await this.execute(client, step, created);
      if (checkpoint) {
        const params = new Params();
        await client.query(this.checkpointSql(checkpoint, params), params.values);
      }
    });
  }

  private checkpointSql(checkpoint: CheckpointWrite, params: Params): string {
    return `INSERT INTO ${this.schema}.checkpoints (projection, position) VALUES (${params.add(checkpoint.projection, '::text')}, ${params.add(checkpoint.position, '::text')})
            ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position`;
  }

  async resetCollections(collections: readonly string[]): Promise<void> {
    await this.transaction(async (client, created) => {
      await this.lockDdl(client);
      for (const collection of collections) {
        await client.query(`DROP TABLE IF EXISTS ${this.table(collection)}`);
        this.known.delete(collection);
        await this.createTable(client, collection, created);
      }
    });
  }

  async promoteCollections(moves: readonly CollectionMove[], checkpoint: CollectionMove): Promise<void> {
    assertPromotion(moves, checkpoint);
    // The copies get their target's indexes first, several at once (each CREATE INDEX on a connection of its
    // own; they share the table lock), under names of the copy: the live tables keep serving meanwhile.
    await Promise.all(
      moves.flatMap(({ from, to }) =>
        this.indexesOf(to, from).map(async ({ create }) => {
          try {
            await this.pool.query(create);
          } catch (error) {
            if (sqlState(error) !== UNDEFINED_TABLE) throw storeError(error);
          }
        }),
      ),
    );
    await this.transaction(async (client, created) => {
      await this.lockDdl(client);
      for (const { from, to } of moves) {
        await client.query(`DROP TABLE IF EXISTS ${this.table(to)}`);
        this.known.delete(to);
        this.known.delete(from);
        if (!(await this.exists(client, from))) continue;
        for (const { key, create } of this.indexesOf(to, from)) {
          // Built above; IF NOT EXISTS covers a copy that appeared since.
          await client.query(create);
          await client.query(`ALTER INDEX ${this.schema}.${indexName(from, key)} RENAME TO ${indexName(to, key)}`);
        }
        await client.query(`ALTER TABLE ${this.table(from)} RENAME CONSTRAINT ${quoteIdent(primaryKeyName(from))} TO ${quoteIdent(primaryKeyName(to))}`);
        await client.query(`ALTER TABLE ${this.table(from)} RENAME TO ${quoteIdent(tableName(to))}`);
        created.add(to);
        // The target may search other fields than the copy did: re-derive its words.
        if (JSON.stringify(this.textFieldsOf(from) ?? null) !== JSON.stringify(this.textFieldsOf(to) ?? null)) await this.rederiveWords(client, to);
      }
      const [stored] = (await client.query<{ position: string }>(`DELETE FROM ${this.schema}.checkpoints WHERE projection = $1 RETURNING position`, [checkpoint.from])).rows;
      if (stored) {
        await client.query(
          `INSERT INTO ${this.schema}.checkpoints (projection, position) VALUES ($1, $2) ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position`,
          [checkpoint.to, stored.position],
        );
      } else {
        await client.query(`DELETE FROM ${this.schema}.checkpoints WHERE projection = $1`, [checkpoint.to]);
      }
    });
  }

  // ------------------------------------------------------------------ writes

  private plan(writes: readonly DocumentWrite[]): Step[] {
    const steps: Step[] = [];
    for (const write of writes) {
      const positionKey = positionSortKey(write.position);
      const last = steps.at(-1);
      switch (write.kind) {
        case 'put': {
          const { collection, id, position, revision } = write;
          if (revision !== undefined && (!Number.isSafeInteger(revision) || revision < 0)) throw new RangeError(`Invalid revision ${revision}`);
          if (!isObject(write.data)) throw new TypeError(`Document ${collection}/${id} must be a JSON object`);
          const data = jsonText(write.data, `Document ${collection}/${id}`);
          const fields = this.textFieldsOf(collection);
          // Words come from the document as stored (a JSON round trip), like the memory store's.
          const words = fields ? JSON.stringify(Object.fromEntries(wordWeightsOf(JSON.parse(data), fields))) : 'null';
          const row: PutRow = `{"id":${JSON.stringify(id)},"position":${JSON.stringify(position)},"position_key":"${positionKey}","revision":${revision ?? 'null'},"data":${data},"words":${words}}`;
          // One statement cannot upsert a row twice: a repeated id starts the next statement (order is kept).
          if (last?.kind === 'put' && last.collection === collection && !last.ids.has(id)) {
            last.rows.push(row);
            last.ids.add(id);
          } else {
            steps.push({ kind: 'put', collection, rows: [row], ids: new Set([id]) });
          }
          break;
        }
        case 'delete': {
          const row = { id: write.id, position_key: positionKey };
          if (last?.kind === 'delete' && last.collection === write.collection) last.rows.push(row);
          else steps.push({ kind: 'delete', collection: write.collection, rows: [row] });
          break;
        }
        case 'update-where': {
          // Values are checked (and the statement built) now, so a bad one fails before the transaction.
          this.updateStatement(write, positionKey);
          steps.push({ kind: 'update-where', collection: write.collection, write, positionKey });
          break;
        }
        default:
          return assertNever(write);
      }
    }
    return steps;
  }

  private async execute(client: PoolClient, step: Step, created: ReadonlySet<string>): Promise<void> {
    switch (step.kind) {
      case 'put':
      case 'delete': {
        if (step.kind === 'delete' && !(await this.knownToExist(client, step.collection, created))) return;
        const params = new Params();
        await client.query(this.writeSql(step, params), params.values);
        return;
      }
      case 'update-where': {
        if (!(await this.knownToExist(client, step.collection, created))) return;
        const { text, values } = this.updateStatement(step.write, step.positionKey);
        const fields = this.textFieldsOf(step.collection);
        const updated = await client.query<{ id: string; data: Data }>(fields ? `${text} RETURNING id, data` : text, values);
        if (fields && updated.rows.length > 0) await this.writeWords(client, step.collection, updated.rows, fields);
        return;
      }
      default:
        return assertNever(step);
    }
  }

  private writeSql(step: Exclude<Step, { kind: 'update-where' }>, params: Params): string {
    const table = this.table(step.collection);
    if (step.kind === 'put') {
      // Guarded: by revision when both have one, otherwise by position (as the memory store's isOlder).
      return `INSERT INTO ${table} AS d (id, position, position_key, revision, data, words)
              SELECT x.id, x.position, x.position_key, x.revision, x.data, x.words
                FROM jsonb_to_recordset(${params.add(`[${step.rows.join(',')}]`, '::jsonb')})
                  AS x(id text, position text, position_key text, revision bigint, data jsonb, words jsonb)
              ON CONFLICT (id) DO UPDATE
                 SET position = EXCLUDED.position, position_key = EXCLUDED.position_key, revision = EXCLUDED.revision,
                     data = EXCLUDED.data, words = EXCLUDED.words
               WHERE CASE WHEN EXCLUDED.revision IS NOT NULL AND d.revision IS NOT NULL THEN d.revision < EXCLUDED.revision
                          ELSE d.position_key < EXCLUDED.position_key END`;
    }
    return `DELETE FROM ${table} AS d USING jsonb_to_recordset(${params.add(JSON.stringify(step.rows), '::jsonb')}) AS x(id text, position_key text)
             WHERE d.id = x.id AND d.position_key < x.position_key`;
  }

  /** UPDATE for a fan-out: top-level `set` (jsonb ||), then `setInArray` rebuilding the array element by element. */
  private updateStatement(write: Extract<DocumentWrite, { kind: 'update-where' }>, positionKey: string): { text: string; values: unknown[] } {
    const params = new Params();
    let data = 'd.data';
    if (write.set && Object.keys(write.set).length > 0) {
      for (const value of Object.values(write.set)) keysOf(value);
      data = `(${data} || ${params.add(jsonText(write.set, 'update-where set'), '::jsonb')})`;
    }
    if (write.setInArray) {
      const { array, elementMatches, set } = write.setInArray;
      for (const value of Object.values(set)) keysOf(value);
      const arrayField = literal(array);
      const matches = this.elementMatches('el.v', elementMatches, params);
      data = `(CASE WHEN jsonb_typeof(${data} -> ${arrayField}) = 'array' THEN jsonb_set(${data}, ARRAY[${arrayField}], (
                 SELECT coalesce(jsonb_agg(CASE WHEN ${matches} THEN el.v || ${params.add(jsonText(set, 'setInArray set'), '::jsonb')} ELSE el.v END ORDER BY el.i), '[]'::jsonb)
                   FROM jsonb_array_elements(${data} -> ${arrayField}) WITH ORDINALITY AS el(v, i)))
               ELSE ${data} END)`;
    }
    const position = params.add(write.position, '::text');
    const key = params.add(positionKey, '::text');
    const condition = this.whereCondition(write.where, params);
    return {
      text: `UPDATE ${this.table(write.collection)} AS d SET data = ${data}, position = ${position}, position_key = ${key}
              WHERE d.position_key < ${key} AND ${condition}`,
      values: params.values,
    };
  }

  private whereCondition(where: Where, params: Params): string {
    if ('field' in where) return this.equals(this.field(where.field), where.equals, params);
    const array = `d.data -> ${literal(where.array)}`;
    return `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${array}) = 'array' THEN ${array} ELSE '[]'::jsonb END) AS el(v)
                     WHERE ${this.elementMatches('el.v', where.elementMatches, params)})`;
  }

  /** The element is an object and every field equals (strictly; null also matches a missing field). */
  private elementMatches(element: string, fields: Readonly<Record<string, Scalar>>, params: Params): string {
    const conditions = Object.entries(fields).map(([field, value]) => this.equals(`(${element} -> ${literal(field)})`, value, params));
    return [`jsonb_typeof(${element}) = 'object'`, ...conditions].join(' AND ');
  }

  /** Strict equality of a JSON value with a scalar through its sort keys (so expression indexes serve it). */
  private equals(json: string, value: Scalar, params: Params): string {
    const keys = keysOf(value);
    const [rank, num, txt] = this.keyExpressions(json);
    if (keys.rank === 0) return `${rank} = 0`;
    return `${rank} = ${params.add(keys.rank, '::integer')} AND ${num} = ${params.add(keys.num, '::numeric')} AND ${txt} = ${params.add(keys.txt, '::text')}`;
  }

  private async writeWords(client: PoolClient, collection: string, rows: readonly { id: string; data: Data }[], fields: readonly TextField[]): Promise<void> {
    const words = rows.map((row) => ({ id: row.id, words: Object.fromEntries(wordWeightsOf(row.data, fields)) }));
    await client.query(
      `UPDATE ${this.table(collection)} AS d SET words = x.words FROM jsonb_to_recordset($1::jsonb) AS x(id text, words jsonb) WHERE d.id = x.id`,
      [JSON.stringify(words)],
    );
  }

  private async rederiveWords(client: PoolClient, collection: string): Promise<void> {
    const fields = this.textFieldsOf(collection);
    if (!fields) {
      await client.query(`UPDATE ${this.table(collection)} SET words = NULL`);
      return;
    }
    let after = '';
    for (;;) {
      const rows = (await client.query<{ id: string; data: Data }>(`SELECT id, data FROM ${this.table(collection)} WHERE id > $1 ORDER BY id LIMIT 1000`, [after])).rows;
      if (rows.length === 0) return;
      await this.writeWords(client, collection, rows, fields);
      after = (rows.at(-1) as { id: string }).id;
    }
  }

  // ------------------------------------------------------------------ tables

  /** Runs a read; a collection whose table does not exist reads as empty. */
  private async read<R extends Record<string, unknown>>(collection: string, sql: (table: string) => string, values: readonly unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql(this.table(collection)), values as unknown[])).rows;
    } catch (error) {
      if (sqlState(error) === UNDEFINED_TABLE) {
        this.known.delete(collection);
        return [];
      }
      throw storeError(error);
    }
  }

  private async transaction(work: (client: PoolClient, created: Set<string>) => Promise<void>): Promise<void> {
    const created = new Set<string>();
    await inTransaction(this.pool, (client) => work(client, created));
    for (const collection of created) this.known.add(collection);
  }

  private async ensureTable(client: PoolClient, collection: string, created: Set<string>): Promise<void> {
    if (this.known.has(collection) || created.has(collection)) return;
    if (await this.exists(client, collection)) {
      created.add(collection);
      return;
    }
    await this.lockDdl(client);
    if (await this.exists(client, collection)) {
      created.add(collection);
      return;
    }
    await this.createTable(client, collection, created);
  }

  /**
   * Creates the collection's table. A live collection gets the indexes (and text index) of its definition
   * at once; a rebuild copy only its primary key — loading a table without secondary indexes and indexing
   * it once at promotion is about twice as fast — and reads it by id while it is being filled.
   */
  private async createTable(client: PoolClient, collection: string, created: Set<string>): Promise<void> {
    const table = this.table(collection);
    await client.query(
      `CREATE TABLE ${table} (
         id text COLLATE "C" NOT NULL,
         position text NOT NULL,
         position_key text COLLATE "C" NOT NULL,
         revision bigint,
         data jsonb NOT NULL,
         words jsonb,
         CONSTRAINT ${quoteIdent(primaryKeyName(collection))} PRIMARY KEY (id)
       )`,
    );
    if (liveCollectionOf(collection) === collection) await this.createIndexes(client, collection);
    created.add(collection);
  }

  /** Creates the indexes (and text index) of `collection`'s definition on its table. */
  private async createIndexes(client: PoolClient, collection: string): Promise<void> {
    for (const { create } of this.indexesOf(collection, collection)) await client.query(create);
  }

  /**
   * The indexes `collection` needs (a rebuild copy: those of its live collection), each with its key (the
   * indexed fields) and the statement creating it on the table of `on`, named after `on`.
   */
  private indexesOf(collection: string, on: string): { key: string; create: string }[] {
    const columnLists: { key: string; columns: string }[] = [];
    if (this.textFieldsOf(collection)) columnLists.push({ key: 'words', columns: 'USING gin (words)' });
    const definition = this.definitions.get(collection) ?? this.definitions.get(liveCollectionOf(collection));
    for (const fields of definition?.indexes ?? []) {
      const keys = fields.flatMap((field) => (field === 'id' ? ['id'] : this.keyExpressions(`(data -> ${literal(field)})`)));
      columnLists.push({ key: fields.join('\u0000'), columns: `(${[...keys, ...(fields.includes('id') ? [] : ['id'])].join(', ')})` });
    }
    return columnLists.map(({ key, columns }) => ({ key, create: `CREATE INDEX IF NOT EXISTS ${indexName(on, key)} ON ${this.table(on)} ${columns}` }));
  }

  private async knownToExist(client: PoolClient, collection: string, created: ReadonlySet<string>): Promise<boolean> {
    return this.known.has(collection) || created.has(collection) || (await this.exists(client, collection));
  }

  // pg_class with the statement's snapshot, not to_regclass: after waiting for the DDL lock, a name lookup may
  // still use a catalog snapshot from before the other creator committed.
  private async exists(client: PoolClient, collection: string): Promise<boolean> {
    const { rows } = await client.query(
      'SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2',
      [this.settings.schema, tableName(collection)],
    );
    return rows.length > 0;
  }

  /** Serializes DDL on read-model tables (CREATE TABLE IF NOT EXISTS is not safe against concurrent creators). */
  private async lockDdl(client: PoolClient): Promise<void> {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('order-service-read-models'), hashtext($1))", [this.settings.schema]);
  }

  private table(collection: string): string {
    return `${this.schema}.${quoteIdent(tableName(collection))}`;
  }

  /** A top-level document field; "id" is the document id. */
  private field(field: string): string {
    return field === 'id' ? `to_jsonb(id)` : `(data -> ${literal(field)})`;
  }

  /** The three sort keys of a JSON expression (rank, number, string in code point order). */
  private keyExpressions(json: string): [string, string, string] {
    return [`${this.schema}.rm_rank(${json})`, `${this.schema}.rm_num(${json})`, `(${this.schema}.rm_txt(${json}) COLLATE "C")`];
  }

  /** A rebuild copy ("x__rebuild") searches like its live collection unless it has text fields of its own. */
  private textFieldsOf(collection: string): readonly TextField[] | null {
    return this.textFields.get(collection) ?? this.textFields.get(liveCollectionOf(collection)) ?? null;
  }
}

/** An index of a collection's table, by its key (the indexed fields); unique in the schema, as PostgreSQL requires. */
const indexName = (collection: string, key: string): string =>
  quoteIdent(`rmi_${createHash('sha256').update(`${tableName(collection)}\u0000${key}`).digest('hex').slice(0, 24)}`);

/** The primary key of a collection's table (named, so a promoted copy can take its live collection's name). */
const primaryKeyName = (collection: string): string => `rmpk_${createHash('sha256').update(tableName(collection)).digest('hex').slice(0, 24)}`;

/** The table of a collection: "rm_<name>" for plain lower-case names, a hash for anything else. */
export const tableName = (collection: string): string =>
  /^[a-z0-9_]{1,59}$/.test(collection) ? `rm_${collection}` : `rmh_${createHash('sha256').update(collection).digest('hex').slice(0, 40)}`;
