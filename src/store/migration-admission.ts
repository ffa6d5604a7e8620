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
 * The same state machine as src/pipeline/admission/memory.ts, step for step. Kept in its own file
 * so the MIGRATIONS entry is one line.
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
  -- the slot holding the half-open probe until its first result (or until that slot expires)
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

-- The lane's breaker as seen at t (after its expired slots were reclaimed), and when to probe it.
CREATE FUNCTION admission_view(l admission_lanes, t timestamptz, p_threshold integer, p_trial_hint_ms double precision,
  OUT breaker text, OUT probe_in_ms double precision)
  LANGUAGE plpgsql AS $$
DECLARE trial_until timestamptz;
BEGIN
  IF l.failures < p_threshold THEN
    breaker := 'closed'; probe_in_ms := NULL;
  ELSIF t < l.open_until THEN
    breaker := 'open'; probe_in_ms := admission_ms(l.open_until - t);
  ELSE
    breaker := 'half_open';
    SELECT s.until INTO trial_until FROM admission_slots s
      WHERE s.lane = l.lane AND s.slot = l.trial_slot AND s.until > t;
    probe_in_ms := CASE WHEN trial_until IS NULL THEN 0
      ELSE least(p_trial_hint_ms, admission_ms(trial_until - t)) END;
  END IF;
END $$;

CREATE FUNCTION admission_acquire(p_lane text, p_per_second double precision, p_burst double precision,
  p_concurrency integer, p_slot text, p_holder text, p_hold_ms double precision, p_threshold integer,
  p_open_ms double precision, p_trial_hint_ms double precision, p_concurrency_hint_ms double precision,
  OUT ok boolean, OUT trial boolean, OUT reason text, OUT retry_in_ms double precision)
  LANGUAGE plpgsql AS $$
DECLARE
  l admission_lanes;
  t timestamptz;
  held integer;
  earliest timestamptz;
  trial_until timestamptz;
  half boolean;
BEGIN
  ok := false; trial := false;
  INSERT INTO admission_lanes (lane, tokens, refilled_at, open_ms)
    VALUES (p_lane, p_burst, clock_timestamp(), p_open_ms) ON CONFLICT (lane) DO NOTHING;
  SELECT * INTO l FROM admission_lanes WHERE lane = p_lane FOR UPDATE;
  t := clock_timestamp();
  -- Slots whose holder neither renewed nor released them (it died) are free again.
  DELETE FROM admission_slots WHERE lane = p_lane AND until <= t;
  SELECT count(*), min(until) INTO held, earliest FROM admission_slots WHERE lane = p_lane;
  IF l.trial_slot IS NOT NULL THEN
    SELECT until INTO trial_until FROM admission_slots WHERE lane = p_lane AND slot = l.trial_slot;
    IF trial_until IS NULL THEN
      -- The probe's slot expired: the probe is given back untried.
      l.trial_slot := NULL;
      UPDATE admission_lanes SET trial_slot = NULL WHERE lane = p_lane;
    END IF;
  END IF;
  half := l.failures >= p_threshold;
  IF half AND t < l.open_until THEN
    reason := 'circuit_open'; retry_in_ms := greatest(1, admission_ms(l.open_until - t)); RETURN;
  END IF;
  IF half AND l.trial_slot IS NOT NULL THEN
    reason := 'circuit_open'; retry_in_ms := greatest(1, least(p_trial_hint_ms, admission_ms(trial_until - t)));
    RETURN;
  END IF;
  -- Refilling is not written back on a refusal: min(burst, x + a) + b clamps to the same value later.
  l.tokens := least(p_burst, l.tokens + greatest(0, admission_ms(t - l.refilled_at)) / 1000 * p_per_second);
  IF l.paused_until > t THEN
    reason := 'rate_limited'; retry_in_ms := ceil(admission_ms(l.paused_until - t)); RETURN;
  END IF;
  IF l.tokens < 1 THEN
    reason := 'rate_budget'; retry_in_ms := greatest(1, ceil((1 - l.tokens) / p_per_second * 1000)); RETURN;
  END IF;
  IF held >= p_concurrency THEN
    reason := 'concurrency'; retry_in_ms := greatest(1, least(p_concurrency_hint_ms, admission_ms(earliest - t)));
    RETURN;
  END IF;
  UPDATE admission_lanes SET tokens = l.tokens - 1, refilled_at = t,
    trial_slot = CASE WHEN half THEN p_slot ELSE l.trial_slot END
    WHERE lane = p_lane;
  INSERT INTO admission_slots (lane, slot, holder, until)
    VALUES (p_lane, p_slot, p_holder, t + make_interval(secs => p_hold_ms / 1000));
  ok := true; trial := half; retry_in_ms := 0;
END $$;

-- A further call inside a held slot: one token now, at most one token of debt.
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
    tokens = greatest(-1, least(p_burst, l.tokens + greatest(0, admission_ms(t - l.refilled_at)) / 1000 * p_per_second) - 1)
    WHERE lane = p_lane;
END $$;

-- A call's result (record: the slot stays held; release: the slot ends). p_open_periods[k] is the
-- open period after k failed trials and more (backoffCeilingMs's schedule, computed by the caller
-- so the one backoff formula stays in src/util/backoff.ts).
CREATE FUNCTION admission_result(p_lane text, p_slot text, p_result text, p_retry_after_ms double precision,
  p_release boolean, p_threshold integer, p_open_periods double precision[], p_trial_hint_ms double precision,
  OUT breaker text, OUT probe_in_ms double precision)
  LANGUAGE plpgsql AS $$
DECLARE l admission_lanes; t timestamptz; trial boolean; held boolean := false;
BEGIN
  SELECT * INTO l FROM admission_lanes WHERE lane = p_lane FOR UPDATE;
  IF NOT FOUND THEN breaker := 'closed'; probe_in_ms := NULL; RETURN; END IF;
  t := clock_timestamp();
  -- The probe's slot, unless it expired (then the probe was lost and another worker may hold the next).
  trial := l.trial_slot IS NOT NULL AND l.trial_slot = p_slot AND EXISTS (
    SELECT 1 FROM admission_slots WHERE lane = p_lane AND slot = p_slot AND until > t);
  IF p_release THEN
    DELETE FROM admission_slots WHERE lane = p_lane AND slot = p_slot;
    held := FOUND;
  END IF;
  -- The probe's outcome is its first result; later calls in the slot are ordinary calls.
  IF trial THEN l.trial_slot := NULL; END IF;
  IF p_result = 'unused' THEN
    -- No call was made: its token goes back (the next refill clamps it to the burst).
    IF held THEN l.tokens := l.tokens + 1; END IF;
  ELSE
    IF p_retry_after_ms > 0 THEN
      l.paused_until := greatest(coalesce(l.paused_until, t), t + make_interval(secs => p_retry_after_ms / 1000));
    END IF;
    IF p_result = 'retriable' AND p_retry_after_ms IS NULL THEN
      l.failures := l.failures + 1;
      IF l.failures >= p_threshold THEN
        IF trial THEN
          l.failed_trials := l.failed_trials + 1;
          l.open_ms := p_open_periods[least(l.failed_trials + 1, cardinality(p_open_periods))];
        END IF;
        l.open_until := t + make_interval(secs => l.open_ms / 1000);
      END IF;
    ELSIF p_result <> 'retriable' THEN
      l.failures := 0; l.failed_trials := 0; l.open_ms := p_open_periods[1];
    END IF;
  END IF;
  UPDATE admission_lanes SET tokens = l.tokens, paused_until = l.paused_until, failures = l.failures,
    open_until = l.open_until, open_ms = l.open_ms, failed_trials = l.failed_trials, trial_slot = l.trial_slot
    WHERE lane = p_lane;
  SELECT v.breaker, v.probe_in_ms INTO breaker, probe_in_ms FROM admission_view(l, t, p_threshold, p_trial_hint_ms) v;
END $$;
`,
} as const;
