-- What a run's completion and a lead's first email set off on the web application's
-- database, as its own processor did: the end-of-run statistics schedule and the call
-- hand-off. Both are functions so that the statements calling them (completion in
-- lib/campaign/completion.cpp, the sent outcome in lib/queue/outcome.cpp) stay the same
-- on a database emailqueue created on its own, where the application's tables are
-- absent: each function checks its table with to_regclass and then writes nothing.
-- PL/pgSQL plans a statement when it first runs it, so a body naming a missing table is
-- never planned there.

-- database.create_or_update_campaign_schedule: for the UTC date D of the completion,
-- (scheduled_for D 00:00, data_fetch_date D-1 00:00) and (D+1 00:00, D 00:00), pending.
-- A run completed again (the same day or later) adds no row already there: the
-- application's unique index on (campaign_run_id, scheduled_for) decides. Returns the
-- rows written.
CREATE OR REPLACE FUNCTION email_queue_run_completed(p_runs UUID[])
RETURNS INTEGER LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    d DATE := (now() AT TIME ZONE 'UTC')::date;
    n INTEGER := 0;
BEGIN
    IF p_runs IS NULL OR cardinality(p_runs) = 0
       OR to_regclass('campaign_message_schedule') IS NULL THEN
        RETURN 0;
    END IF;
    INSERT INTO campaign_message_schedule (campaign_run_id, status, scheduled_for,
                                           data_fetch_date)
    SELECT r, 'pending', (s.day + time '00:00') AT TIME ZONE 'UTC',
           (s.day - 1 + time '00:00') AT TIME ZONE 'UTC'
    FROM unnest(p_runs) AS r, (VALUES (d), (d + 1)) AS s (day)
    ON CONFLICT (campaign_run_id, scheduled_for) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- database.add_call_to_queue as the application's email processor calls it after a
-- lead's first email: for a campaign of type 'email_and_call' with trigger_call_on
-- 'after_email_sent' and a lead with a phone number, one pending call_queue row per
-- company, campaign, run and lead (priority 1, 3 retries). Its working hours are
-- 09:00-17:00 in the lead's time zone (leads.timezone, when it names a known zone),
-- stored as UTC times of the day of the hand-off, as the application stores them; with
-- no known zone they stay NULL, as the application leaves them when it cannot tell the
-- zone of a phone number. Returns the rows written (0 or 1).
CREATE OR REPLACE FUNCTION email_queue_call_handoff(p_campaign UUID, p_run UUID, p_lead UUID,
                                                    p_script TEXT)
RETURNS INTEGER LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n INTEGER := 0;
BEGIN
    IF to_regclass('call_queue') IS NULL THEN
        RETURN 0;
    END IF;
    INSERT INTO call_queue (company_id, campaign_id, campaign_run_id, lead_id, status,
                            priority, retry_count, max_retries, call_script,
                            work_time_start, work_time_end)
    SELECT c.company_id, c.id, p_run, l.id, 'pending', 1, 0, 3, p_script,
           (((now() AT TIME ZONE z.name)::date + time '09:00') AT TIME ZONE z.name
            AT TIME ZONE 'UTC')::time,
           (((now() AT TIME ZONE z.name)::date + time '17:00') AT TIME ZONE z.name
            AT TIME ZONE 'UTC')::time
    FROM campaigns c
    JOIN leads l ON l.id = p_lead
    LEFT JOIN email_queue_time_zones z ON z.name = l.timezone
    WHERE c.id = p_campaign AND c.type = 'email_and_call'
      AND c.trigger_call_on = 'after_email_sent'
      AND NULLIF(btrim(l.phone_number), '') IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM call_queue k
                      WHERE k.company_id = c.company_id AND k.campaign_id = c.id
                        AND k.campaign_run_id = p_run AND k.lead_id = l.id);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
