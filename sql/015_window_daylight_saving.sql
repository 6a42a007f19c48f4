-- When a sending window opens on a day whose clocks change, so that
-- email_queue_window_opens (queue-admin status and explain: "opens at") names the first
-- instant email_queue_window_open (the claim) finds the window open.
--
-- `(day + start) AT TIME ZONE zone` is not that instant on such a day:
--  * spring forward, a start the gap skips (02:30 in Berlin on the last Sunday of March):
--    PostgreSQL reads it with the offset before the change (03:30 CEST), but the local
--    time is past 02:30 from the change itself on (03:00 CEST), and the claim sends then;
--  * fall back, a start that happens twice (02:30 in Berlin on the last Sunday of
--    October): PostgreSQL takes the second one (CET), but the window is open from the
--    first (CEST); after the change the local time goes back before the start, the
--    window closes, and opens again at the second one.

-- The first instant after p_after at which the local time in p_zone on p_day reaches
-- p_start: the earlier of the instants whose local time is p_start, or, when the clocks
-- skip p_start, the change itself. NULL when the day holds no such instant after p_after.
CREATE OR REPLACE FUNCTION email_queue_day_opens(p_day DATE, p_start TIME, p_zone TEXT,
                                                 p_after TIMESTAMPTZ)
RETURNS TIMESTAMPTZ LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_local TIMESTAMP := p_day + p_start;
    v_guess TIMESTAMPTZ := v_local AT TIME ZONE p_zone;
    -- The zone's offsets a day before and a day after (equal on most days).
    v_before INTERVAL := ((v_guess - interval '1 day') AT TIME ZONE p_zone)
                         - ((v_guess - interval '1 day') AT TIME ZONE 'UTC');
    v_after INTERVAL := ((v_guess + interval '1 day') AT TIME ZONE p_zone)
                        - ((v_guess + interval '1 day') AT TIME ZONE 'UTC');
    v_exists BOOLEAN := false;
    v_best TIMESTAMPTZ;
    v_lo TIMESTAMPTZ;
    v_hi TIMESTAMPTZ;
    v_mid TIMESTAMPTZ;
    c TIMESTAMPTZ;
BEGIN
    FOREACH c IN ARRAY ARRAY[(v_local - v_before) AT TIME ZONE 'UTC',
                             (v_local - v_after) AT TIME ZONE 'UTC'] LOOP
        IF (c AT TIME ZONE p_zone) = v_local THEN
            v_exists := true;
            IF c > p_after AND (v_best IS NULL OR c < v_best) THEN
                v_best := c;
            END IF;
        END IF;
    END LOOP;
    IF v_exists THEN
        RETURN v_best;
    END IF;
    -- The clocks skip p_start: the local time passes it at the change, the first instant
    -- on the later offset, found to the second (changes fall on whole seconds).
    v_lo := date_trunc('second', v_guess) - interval '1 day';
    v_hi := date_trunc('second', v_guess) + interval '1 day';
    WHILE v_hi - v_lo > interval '1 second' LOOP
        v_mid := v_lo + floor(extract(epoch FROM v_hi - v_lo) / 2) * interval '1 second';
        IF (v_mid AT TIME ZONE p_zone) - (v_mid AT TIME ZONE 'UTC') = v_after THEN
            v_hi := v_mid;
        ELSE
            v_lo := v_mid;
        END IF;
    END LOOP;
    RETURN CASE WHEN v_hi > p_after THEN v_hi END;
END
$$;

-- When the window is next open at or after p_at (p_at itself when open now), looking a
-- year ahead; NULL when it never opens (no day chosen, or every day a holiday). Agrees
-- with email_queue_window_open on days whose clocks change (email_queue_day_opens).
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
            v_opens := email_queue_day_opens(v_day, p_start, p_zone, p_at);
            -- (A start the clocks skip opens at the change, unless that is past the end.)
            IF v_opens IS NOT NULL
               AND email_queue_window_open(v_opens, p_zone, p_days, p_start, p_end,
                                           p_company) THEN
                RETURN v_opens;
            END IF;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
