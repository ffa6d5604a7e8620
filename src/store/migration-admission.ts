/**
 * Migration 9: the shared admission state (src/pipeline/admission/port.ts) — one row per lane, one
 * row per held slot, and the functions that change them. A function per operation makes each one
 * statement (one round trip) and atomic across processes: it takes the lane row's lock first, then
 * reads the slots and the clock. Inside a plpgsql function under READ COMMITTED every statement
 * takes a fresh snapshot, so what it reads after the lock is what the previous holder of the lock
 * committed; a single SQL statement with CTEs would read the slots from a snapshot older than its
 * row lock and could over-admit. The clock is the database's (clock_timestamp(), read after the
 * lock, not now(), which is the transaction's start): every worker shares it.
 *
 * The same state machine as the in-process adapter (src/pipeline/admission/memory.ts), step for
 * step; the conformance suite (test/contract/admission-suite.ts) holds both to it. Lock order is
 * always the lane row first, then its slot rows, so a release and a reclaiming acquire never
 * deadlock. Kept in its own file so the MIGRATIONS entry is one line.
 */
export const ADMISSION_MIGRATION = {
  version: 9,
  sql: `
CREATE TABLE admission_lanes (
  lane text PRIMARY KEY,
  tokens double precision NOT NULL,
  refilled_at timestamptz NOT NULL,
  -- a provider's Retry-After pauses the lane for every worker until then
  paused_until timestamptz,
  -- consecutive retriable failures; at the threshold the circuit is open until open_until, then half-open
  failures integer NOT NULL DEFAULT 0,
  open_until timestamptz,
  open_ms double precision NOT NULL,
  failed_trials integer NOT NULL DEFAULT 0,
  -- the slot holding the half-open probe until a result is recorded, it is released, or it expires
  trial_slot text
);

CREATE TABLE admission_slots (
  lane text NOT NULL REFERENCES admission_lanes (lane) ON DELETE CASCADE,
  slot text NOT NULL,
  holder text NOT NULL,
  until timestamptz NOT NULL,
  PRIMARY KEY (lane, slot)
);

CREATE FUNCTION admission_ms(i interval) RETURNS double precision
  LANGUAGE sql IMMUTABLE AS $$ SELECT extract(epoch FROM i)::double precision * 1000 $$;

CREATE FUNCTION admission_breaker(l admission_lanes, t timestamptz, p_threshold integer) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN l.failures < p_threshold THEN 'closed' WHEN t < l.open_until THEN 'open' ELSE 'half_open' END
$$;

CREATE FUNCTION admission_acquire(p_lane text, p_per_second double precision, p_burst double precision,
  p_concurrency integer, p_slot text, p_holder text, p_hold_ms double precision, p_threshold integer,
  p_open_ms double precision, p_trial_retry_ms double precision, p_concurrency_retry_ms double precision,
  OUT ok boolean, OUT trial boolean, OUT reason text, OUT retry_in_ms double precision, OUT breaker text)
  LANGUAGE plpgsql AS $$
DECLARE
  l admission_lanes;
  t timestamptz;
  held integer;
BEGIN
  ok := false; trial := false;
  INSERT INTO admission_lanes (lane, tokens, refilled_at, open_ms)
    VALUES (p_lane, p_burst, clock_timestamp(), p_open_ms) ON CONFLICT (lane) DO NOTHING;
  SELECT * INTO l FROM admission_lanes WHERE lane = p_lane FOR UPDATE;
  t := clock_timestamp();
  -- Refilling is not written back on a refusal: min(burst, x + a) + b clamps to the same value later.
  l.tokens := least(p_burst, l.tokens + greatest(0, admission_ms(t - l.refilled_at)) / 1000 * p_per_second);
  -- Slots whose holder neither renewed nor released them (it died) are free again; a probe whose
  -- slot expired is given back untried.
  DELETE FROM admission_slots WHERE lane = p_lane AND until <= t;
  SELECT count(*) INTO held FROM admission_slots WHERE lane = p_lane;
  IF l.trial_slot IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM admission_slots WHERE lane = p_lane AND slot = l.trial_slot) THEN
    l.trial_slot := NULL;
    UPDATE admission_lanes SET trial_slot = NULL WHERE lane = p_lane;
  END IF;
  breaker := admission_breaker(l, t, p_threshold);
  IF breaker = 'open' THEN
    reason := 'circuit_open'; retry_in_ms := greatest(admission_ms(l.open_until - t), p_concurrency_retry_ms); RETURN;
  END IF;
  IF breaker = 'half_open' AND l.trial_slot IS NOT NULL THEN
    -- The probe is out: its verdict decides.
    reason := 'circuit_open'; retry_in_ms := p_trial_retry_ms; RETURN;
  END IF;
  IF l.paused_until > t THEN
    reason := 'rate_limited'; retry_in_ms := admission_ms(l.paused_until - t); RETURN;
  END IF;
  IF l.tokens < 1 THEN
    reason := 'rate_budget'; retry_in_ms := ceil((1 - l.tokens) / p_per_second * 1000); RETURN;
  END IF;
  IF held >= p_concurrency THEN
    reason := 'concurrency'; retry_in_ms := p_concurrency_retry_ms; RETURN;
  END IF;
  trial := breaker = 'half_open';
  UPDATE admission_lanes SET tokens = l.tokens - 1, refilled_at = t,
    trial_slot = CASE WHEN trial THEN p_slot ELSE l.trial_slot END
    WHERE lane = p_lane;
  INSERT INTO admission_slots (lane, slot, holder, until)
    VALUES (p_lane, p_slot, p_holder, t + make_interval(secs => p_hold_ms / 1000));
  ok := true; retry_in_ms := 0;
END $$;

-- A further call inside a held slot: its token now, into debt if need be.
CREATE FUNCTION admission_charge(p_lane text, p_per_second double precision, p_burst double precision,
  p_open_ms double precision) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE l admission_lanes; t timestamptz;
BEGIN
  INSERT INTO admission_lanes (lane, tokens, refilled_at, open_ms)
    VALUES (p_lane, p_burst, clock_timestamp(), p_open_ms) ON CONFLICT (lane) DO NOTHING;
  SELECT * INTO l FROM admission_lanes WHERE lane = p_lane FOR UPDATE;
  t := clock_timestamp();
  UPDATE admission_lanes SET refilled_at = t,
    tokens = least(p_burst, l.tokens + greatest(0, admission_ms(t - l.refilled_at)) / 1000 * p_per_second) - 1
    WHERE lane = p_lane;
END $$;

-- A call's result. p_open_periods[k] is the open period after k - 1 failed trials (the one
-- backoff's ceilings, computed by the caller so the formula stays in src/util/backoff.ts).
CREATE FUNCTION admission_record(p_lane text, p_result text, p_retry_after_ms double precision,
  p_threshold integer, p_open_periods double precision[], OUT breaker text)
  LANGUAGE plpgsql AS $$
DECLARE l admission_lanes; t timestamptz;
BEGIN
  SELECT * INTO l FROM admission_lanes WHERE lane = p_lane FOR UPDATE;
  IF NOT FOUND THEN breaker := 'closed'; RETURN; END IF;
  t := clock_timestamp();
  IF p_retry_after_ms > 0 THEN
    -- "Slow down" applies to every call at the provider, and says nothing about its health.
    l.paused_until := greatest(coalesce(l.paused_until, t), t + make_interval(secs => p_retry_after_ms / 1000));
  ELSIF p_result = 'retriable' THEN
    l.failures := l.failures + 1;
    IF l.failures >= p_threshold THEN
      IF l.trial_slot IS NOT NULL THEN
        -- The probe failed: stay open longer.
        l.failed_trials := l.failed_trials + 1;
        l.open_ms := p_open_periods[least(l.failed_trials + 1, cardinality(p_open_periods))];
        l.trial_slot := NULL;
      END IF;
      l.open_until := t + make_interval(secs => l.open_ms / 1000);
    END IF;
  ELSE
    l.failures := 0; l.failed_trials := 0; l.open_ms := p_open_periods[1]; l.trial_slot := NULL;
  END IF;
  UPDATE admission_lanes SET paused_until = l.paused_until, failures = l.failures, open_until = l.open_until,
    open_ms = l.open_ms, failed_trials = l.failed_trials, trial_slot = l.trial_slot
    WHERE lane = p_lane;
  breaker := admission_breaker(l, t, p_threshold);
END $$;

-- Frees a slot; a probe released without a result leaves the circuit half-open for the next one.
-- The lane row is locked first (the lock order of every function here).
CREATE FUNCTION admission_release(p_lane text, p_slot text) RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM admission_lanes WHERE lane = p_lane FOR UPDATE;
  DELETE FROM admission_slots WHERE lane = p_lane AND slot = p_slot;
  UPDATE admission_lanes SET trial_slot = NULL WHERE lane = p_lane AND trial_slot = p_slot;
END $$;
`,
} as const;
