-- Sending schedules: windows in the recipient's time zone, pacing, ramp-up and
-- auto-pause, per company. Kept in tables of emailqueue's own so the web application's
-- email_throttle_settings keeps exactly the shape it writes.

CREATE TABLE IF NOT EXISTS email_queue_schedules (
    company_id UUID PRIMARY KEY REFERENCES companies(id) ON DELETE CASCADE,
    -- IANA zone of the sending window; NULL: no window, the company sends at any time.
    timezone TEXT,
    -- Days of the week the window is open: bit 0 Monday ... bit 6 Sunday.
    days SMALLINT NOT NULL DEFAULT 127 CHECK (days BETWEEN 0 AND 127),
    window_start TIME NOT NULL DEFAULT '00:00',
    window_end TIME NOT NULL DEFAULT '24:00',  -- exclusive; 24:00 is the end of the day
    -- Pacing: at least min_gap between two sends of the company, plus up to jitter.
    min_gap_seconds INTEGER NOT NULL DEFAULT 0 CHECK (min_gap_seconds >= 0),
    jitter_seconds INTEGER NOT NULL DEFAULT 0 CHECK (jitter_seconds >= 0),
    -- Ramp-up: the daily limit is ramp_start on ramp_started_on and grows by ramp_step
    -- a day up to max_emails_per_day. NULL ramp_start: no ramp.
    ramp_start INTEGER CHECK (ramp_start >= 0),
    ramp_step INTEGER NOT NULL DEFAULT 0 CHECK (ramp_step >= 0),
    ramp_started_on DATE,
    -- Auto-pause: a campaign run whose failed share of finished attempts exceeds this
    -- percentage after pause_min_attempts attempts is paused. NULL: never.
    pause_failure_percent INTEGER CHECK (pause_failure_percent BETWEEN 1 AND 100),
    pause_min_attempts INTEGER NOT NULL DEFAULT 20 CHECK (pause_min_attempts >= 1),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (window_start < window_end)
);

-- Dates on which a company does not send, in the zone the window applies in.
CREATE TABLE IF NOT EXISTS email_queue_holidays (
    company_id UUID NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    day DATE NOT NULL,
    PRIMARY KEY (company_id, day)
);

-- A lead's own zone; the web application may already have the column.
ALTER TABLE leads ADD COLUMN IF NOT EXISTS timezone TEXT;

-- Pacing: the company's next send may not start before this (reserved under the
-- company's lock by the run that plans its sends).
ALTER TABLE email_queue_companies ADD COLUMN IF NOT EXISTS next_send_at TIMESTAMPTZ;

-- Set when queue-process paused the run on its failure rate (cleared on resume).
ALTER TABLE email_queue_runs ADD COLUMN IF NOT EXISTS auto_paused_at TIMESTAMPTZ;

-- The zone names PostgreSQL knows, so a lead's zone is checked with one index lookup
-- (pg_timezone_names reads the whole tz database on every call). A lead whose zone is
-- not listed (mistyped, or newer than this list) is sent in the company's zone.
CREATE TABLE IF NOT EXISTS email_queue_time_zones (name TEXT PRIMARY KEY);
INSERT INTO email_queue_time_zones (name)
    SELECT name FROM pg_timezone_names ON CONFLICT DO NOTHING;

-- The zone a row's window applies in: the lead's when it names a known zone, else the
-- company's. NULL when the company has no window.
CREATE OR REPLACE FUNCTION email_queue_send_zone(p_lead UUID, p_company_zone TEXT)
RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_company_zone IS NULL THEN NULL ELSE COALESCE(
        (SELECT l.timezone FROM leads l JOIN email_queue_time_zones z ON z.name = l.timezone
         WHERE l.id = p_lead), p_company_zone) END
$$;

-- Whether the window is open at p_at: the local day is one of p_days and not a holiday
-- of the company, and the local time is in [p_start, p_end). Local time comes from
-- PostgreSQL's tz database, so daylight-saving changes are exact. A NULL zone is always
-- open.
CREATE OR REPLACE FUNCTION email_queue_window_open(p_at TIMESTAMPTZ, p_zone TEXT,
                                                   p_days SMALLINT, p_start TIME, p_end TIME,
                                                   p_company UUID)
RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT p_zone IS NULL OR (
        ((p_days >> (extract(isodow FROM p_at AT TIME ZONE p_zone)::int - 1)) & 1) = 1
        AND (p_at AT TIME ZONE p_zone)::time >= p_start
        AND (p_at AT TIME ZONE p_zone)::time < p_end
        AND NOT EXISTS (SELECT 1 FROM email_queue_holidays h
                        WHERE h.company_id = p_company
                          AND h.day = (p_at AT TIME ZONE p_zone)::date))
$$;

-- When the window is next open at or after p_at (p_at itself when open now), looking a
-- year ahead; NULL when it never opens (no day chosen, or every day a holiday). A start
-- time that a daylight-saving change skips maps to the first instant after the gap.
CREATE OR REPLACE FUNCTION email_queue_window_opens(p_at TIMESTAMPTZ, p_zone TEXT,
                                                    p_days SMALLINT, p_start TIME, p_end TIME,
                                                    p_company UUID)
RETURNS TIMESTAMPTZ LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_day DATE;
    v_opens TIMESTAMPTZ;
BEGIN
    IF email_queue_window_open(p_at, p_zone, p_days, p_start, p_end, p_company) THEN
        RETURN p_at;
    END IF;
    FOR i IN 0..370 LOOP
        v_day := (p_at AT TIME ZONE p_zone)::date + i;
        IF ((p_days >> (extract(isodow FROM v_day)::int - 1)) & 1) = 1
           AND NOT EXISTS (SELECT 1 FROM email_queue_holidays h
                           WHERE h.company_id = p_company AND h.day = v_day) THEN
            v_opens := (v_day + p_start) AT TIME ZONE p_zone;
            IF v_opens > p_at THEN
                RETURN v_opens;
            END IF;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
