-- The read side: checkpoints (written in the same transaction as the read-model changes), leases,
-- rebuild requests, parked events, snapshots and idempotency records. Read-model documents live in one
-- table per collection ("rm_<collection>"), created on first write (see postgres-read-model-store.ts).

CREATE TABLE checkpoints (
  projection text COLLATE "C" PRIMARY KEY,
  position text NOT NULL
);

-- A lease row per projection; expiry is judged on the database clock, so runners need no synchronized clocks.
CREATE TABLE leases (
  projection text COLLATE "C" PRIMARY KEY,
  owner text NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE rebuild_requests (
  projection text COLLATE "C" PRIMARY KEY,
  requested_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE parked_events (
  id text COLLATE "C" PRIMARY KEY,
  projection text COLLATE "C" NOT NULL,
  event_id text NOT NULL,
  stream_id text NOT NULL,
  revision bigint NOT NULL,
  position text NOT NULL,
  type text NOT NULL,
  error text NOT NULL,
  attempts integer NOT NULL,
  -- ISO-8601 UTC as given: such strings sort chronologically, and the record reads back unchanged.
  parked_at text COLLATE "C" NOT NULL
);
CREATE INDEX parked_events_projection_idx ON parked_events (projection, parked_at, id);
CREATE INDEX parked_events_parked_at_idx ON parked_events (parked_at, id);

CREATE TABLE snapshots (
  stream_id text COLLATE "C" PRIMARY KEY,
  revision bigint NOT NULL,
  state_version integer NOT NULL,
  state jsonb NOT NULL
);

CREATE TABLE idempotency_records (
  key text COLLATE "C" PRIMARY KEY,
  record jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

/*
 * Sort keys of a JSON value, in MongoDB's cross-type order (the memory store's): rank (missing/null 0 <
 * number 1 < string 2 < object/array 3 < boolean 4), then the number (booleans as 0/1), then the string
 * (compared with COLLATE "C": code point order). Each is total and never NULL, so row comparisons work
 * for keyset pagination, and expression indexes on them serve equality, ranges and sorting alike.
 */
CREATE FUNCTION rm_rank(v jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE jsonb_typeof(v) WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'object' THEN 3
                              WHEN 'array' THEN 3 WHEN 'boolean' THEN 4 ELSE 0 END
$$;

CREATE FUNCTION rm_num(v jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE jsonb_typeof(v) WHEN 'number' THEN v::numeric
                              WHEN 'boolean' THEN CASE WHEN v::boolean THEN 1 ELSE 0 END ELSE 0 END::numeric
$$;

CREATE FUNCTION rm_txt(v jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE jsonb_typeof(v) WHEN 'string' THEN v #>> '{}' WHEN 'object' THEN v::text
                              WHEN 'array' THEN v::text ELSE '' END
$$;
