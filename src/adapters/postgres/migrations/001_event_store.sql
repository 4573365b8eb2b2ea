-- The event log: one row per event, a global position from a sequence, and one row per stream with
-- its current revision (the O(1) lookup the expected-revision check needs). Runs with search_path set
-- to the service's schema; functions keep that schema (SET search_path FROM CURRENT).

-- CACHE 1 (the default) matters: positions must be handed out in time order across sessions, which is
-- what the in-flight-writer horizon below relies on.
CREATE SEQUENCE events_position_seq AS bigint CACHE 1;

CREATE TABLE streams (
  stream_id text COLLATE "C" PRIMARY KEY,
  -- Revision of the last event; a row exists only while its stream has events (-1 only inside an append).
  revision bigint NOT NULL
);

CREATE TABLE events (
  position bigint PRIMARY KEY,
  stream_id text COLLATE "C" NOT NULL,
  revision bigint NOT NULL,
  -- Not unique: an append at the current revision writes an id again (the idempotency matrix, row 3).
  event_id uuid NOT NULL,
  type text NOT NULL,
  schema_version integer NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  CONSTRAINT events_stream_revision_key UNIQUE (stream_id, revision)
);
ALTER SEQUENCE events_position_seq OWNED BY events.position;

-- Idempotent retries look the first id of a batch up in its stream.
CREATE INDEX events_stream_event_id_idx ON events (stream_id, event_id);

-- The advisory-lock namespace of this schema's event writers (pg_locks.classid). Called only from the
-- functions below, whose search_path makes current_schema() this schema (no SET here: it stays inlinable).
CREATE FUNCTION events_writer_namespace() RETURNS integer
LANGUAGE sql STABLE
AS $$ SELECT hashtext('order-service-events:' || current_schema()) $$;

/*
 * Gap-safe horizon: the highest position below which every event is committed (or rolled back) for good.
 * A writer reads the sequence (lb), takes a shared advisory lock keyed by lb, and only then draws its
 * positions, all > lb; the lock lasts until its commit or rollback. A reader reads the sequence (seq) FIRST,
 * then the writer locks: every writer still in flight either shows a lock (its positions are > its lb) or
 * draws its positions after the reader read seq (they are > seq). So min(seq, every in-flight lb) bounds
 * from below every position that may still appear, and a later statement (a new snapshot) sees every
 * committed event up to it. Only this schema's event writers count: other transactions never hold it back.
 */
CREATE FUNCTION events_horizon() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT
AS $$
DECLARE
  v_seq bigint;
  v_low bigint;
  v_lowest_writer bigint;
BEGIN
  v_seq := coalesce(pg_sequence_last_value('events_position_seq'), 0);
  v_low := v_seq & 4294967295;
  -- A lock key holds lb modulo 2^32; lb is within 2^31 of seq, which restores it.
  SELECT min(v_seq + ((l.objid::bigint - v_low + 6442450944) % 4294967296) - 2147483648)
    INTO v_lowest_writer
    FROM pg_locks l
   WHERE l.locktype = 'advisory'
     AND l.objsubid = 2
     AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
     AND l.classid::bigint = (events_writer_namespace()::bigint & 4294967295);
  RETURN least(v_seq, v_lowest_writer);
END
$$;

/*
 * Appends a batch in one call: the expected-revision decision of EventStoreDB (the in-memory EventLog is
 * the executable model: src/adapters/memory/event-log.ts), then the write. p_expected: >= 0 exact revision,
 * -1 no stream, -2 any, -3 stream exists. p_events: [[eventId, type, data, metadata], ...] (metadata holds
 * schemaVersion and occurredAt). A conflict raises SQLSTATE OS409 with the actual revision as DETAIL.
 * Returns the stream's revision and the position of the last event of the batch (of the stored copy of
 * the last matched event for an idempotent retry). One append per transaction: the horizon lock must be
 * taken before the positions are drawn, inside this call. No NOTIFY here: a notifying transaction takes a
 * cluster-wide lock at commit, which serializes every append's commit (6x fewer appends/s at 16 writers
 * here); the adapter notifies after the commit instead, coalesced (postgres-subscription.ts).
 */
CREATE FUNCTION append_events(p_stream text, p_expected bigint, p_events jsonb)
RETURNS TABLE (next_revision bigint, last_position bigint)
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT
AS $$
DECLARE
  v_count integer := jsonb_array_length(p_events);
  v_ids uuid[];
  v_current bigint;
  v_decided boolean := false;
  v_start bigint;
  v_seen boolean := false;
  v_key bigint;
  v_positions bigint[];
BEGIN
  IF p_stream IS NULL OR p_stream = '' THEN
    RAISE EXCEPTION 'a stream id must not be empty' USING ERRCODE = '22023';
  END IF;
  IF p_expected IS NULL OR p_expected < -3 THEN
    RAISE EXCEPTION 'invalid expected revision %', p_expected USING ERRCODE = '22023';
  END IF;
  -- Fast paths (the command pipeline's case): the expected revision is the current one.
  IF v_count > 0 AND p_expected >= 0 THEN
    UPDATE streams SET revision = p_expected + v_count WHERE stream_id = p_stream AND revision = p_expected;
    IF FOUND THEN v_current := p_expected; v_decided := true; END IF;
  ELSIF v_count > 0 AND p_expected = -1 THEN
    INSERT INTO streams (stream_id, revision) VALUES (p_stream, v_count - 1) ON CONFLICT DO NOTHING;
    IF FOUND THEN v_current := -1; v_decided := true; END IF;
  END IF;

  IF NOT v_decided THEN
    SELECT coalesce(array_agg((x.e ->> 0)::uuid ORDER BY x.i), '{}') INTO v_ids
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(e, i);
    -- A placeholder row (-1 = no stream) lets concurrent creators of a stream queue on its row lock.
    IF v_count > 0 THEN
      INSERT INTO streams (stream_id, revision) VALUES (p_stream, -1) ON CONFLICT DO NOTHING;
    END IF;
    SELECT s.revision INTO v_current FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;
    IF NOT FOUND THEN v_current := -1; END IF;

    IF p_expected IN (-2, -3) THEN
      IF p_expected = -3 AND v_current = -1 THEN
        RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = 'OS409', DETAIL = v_current::text;
      END IF;
      IF v_current >= 0 AND v_count > 0 THEN
        -- The first id already in the stream: a retry if the whole batch matches from there (newest copy first).
        FOR v_start IN
          SELECT e.revision FROM events e WHERE e.stream_id = p_stream AND e.event_id = v_ids[1] ORDER BY e.revision DESC
        LOOP
          v_seen := true;
          IF (SELECT array_agg(e.event_id ORDER BY e.revision) FROM events e
               WHERE e.stream_id = p_stream AND e.revision BETWEEN v_start AND v_start + v_count - 1) = v_ids THEN
            RETURN QUERY SELECT e.revision, e.position FROM events e
              WHERE e.stream_id = p_stream AND e.revision = v_start + v_count - 1;
            RETURN;
          END IF;
        END LOOP;
        IF v_seen THEN
          RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = 'OS409', DETAIL = v_current::text;
        END IF;
      END IF;
    ELSIF p_expected > v_current THEN
      RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = 'OS409', DETAIL = v_current::text;
    ELSIF p_expected < v_current THEN
      -- Behind the current revision: a retry only if the batch equals the events stored right after it.
      IF v_count > 0 AND (SELECT array_agg(e.event_id ORDER BY e.revision) FROM events e
                           WHERE e.stream_id = p_stream AND e.revision BETWEEN p_expected + 1 AND p_expected + v_count) = v_ids THEN
        RETURN QUERY SELECT e.revision, e.position FROM events e
          WHERE e.stream_id = p_stream AND e.revision = p_expected + v_count;
        RETURN;
      END IF;
      RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = 'OS409', DETAIL = v_current::text;
    END IF;

    IF v_count = 0 THEN
      RETURN QUERY SELECT v_current, coalesce((SELECT e.position FROM events e WHERE e.stream_id = p_stream AND e.revision = v_current), 0);
      RETURN;
    END IF;
    UPDATE streams SET revision = v_current + v_count WHERE stream_id = p_stream;
  END IF;

  -- Positions: announce the lower bound (see events_horizon) before drawing them. The key is lb mod 2^32.
  -- (Plain expressions, not queries: PL/pgSQL evaluates them without the executor.)
  v_key := coalesce(pg_sequence_last_value('events_position_seq'), 0) & 4294967295;
  v_key := v_key - CASE WHEN v_key >= 2147483648 THEN 4294967296 ELSE 0 END;
  -- A shared lock nobody takes exclusively is always granted at once.
  IF NOT pg_try_advisory_xact_lock_shared(events_writer_namespace(), v_key::integer) THEN
    PERFORM pg_advisory_xact_lock_shared(events_writer_namespace(), v_key::integer);
  END IF;
  IF v_count = 1 THEN
    v_positions := ARRAY[nextval('events_position_seq')];
  ELSE
    SELECT array_agg(n.p ORDER BY n.p) INTO v_positions
      FROM (SELECT nextval('events_position_seq') AS p FROM generate_series(1, v_count)) n;
  END IF;

  INSERT INTO events (position, stream_id, revision, event_id, type, schema_version, data, metadata, occurred_at)
  SELECT v_positions[x.i], p_stream, v_current + x.i, (x.e ->> 0)::uuid, x.e ->> 1,
         (x.e -> 3 ->> 'schemaVersion')::integer, x.e -> 2, x.e -> 3, (x.e -> 3 ->> 'occurredAt')::timestamptz
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(e, i);

  next_revision := v_current + v_count;
  last_position := v_positions[v_count];
  RETURN NEXT;
END
$$;

/*
 * One page of $all for readers and subscriptions: events after p_after, up to the horizon (and at most
 * p_window positions further, so a sparse filter never scans the whole log at once), of streams matching
 * one of the LIKE patterns (NULL: every stream), in position order, at most p_limit. The first row is a
 * header: scanned_to (every matching event up to it is in this page or before it), the horizon, and
 * pending (a writer is in flight beyond the horizon: it will commit or roll back soon). Event rows follow.
 * A page is a walk of the position index that stops after p_limit rows: never a bitmap scan of the whole
 * window followed by a sort (what the planner picks for a table it has no statistics of yet).
 */
CREATE FUNCTION read_all_events(p_after bigint, p_limit bigint, p_patterns text[], p_window bigint)
RETURNS TABLE (o_position bigint, o_stream_id text, o_revision bigint, o_event_id uuid, o_type text,
               o_data jsonb, o_metadata jsonb, scanned_to bigint, horizon bigint, pending boolean)
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET enable_bitmapscan = off SET enable_sort = off
AS $$
DECLARE
  v_horizon bigint := events_horizon();
  v_to bigint;
  v_seq bigint;
BEGIN
  v_to := CASE WHEN p_window IS NULL OR p_after >= v_horizon THEN v_horizon ELSE least(v_horizon, p_after + p_window) END;
  v_seq := coalesce(pg_sequence_last_value('events_position_seq'), 0);
  RETURN QUERY SELECT NULL::bigint, NULL::text, NULL::bigint, NULL::uuid, NULL::text, NULL::jsonb, NULL::jsonb,
                      greatest(v_to, p_after), v_horizon, v_seq > v_horizon;
  -- A new statement: a new snapshot, taken after the horizon was read.
  RETURN QUERY
    SELECT e.position, e.stream_id, e.revision, e.event_id, e.type, e.data, e.metadata, NULL::bigint, NULL::bigint, NULL::boolean
      FROM events e
     WHERE e.position > p_after AND e.position <= v_to
       AND (p_patterns IS NULL OR e.stream_id LIKE ANY (p_patterns))
     ORDER BY e.position
     LIMIT p_limit;
END
$$;

-- The last deliverable position (NULL for an empty log).
CREATE FUNCTION events_head() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT
AS $$
DECLARE
  v_horizon bigint := events_horizon();
BEGIN
  RETURN (SELECT max(e.position) FROM events e WHERE e.position <= v_horizon);
END
$$;
