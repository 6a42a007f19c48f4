-- The queue and the throttle settings, as the seed defines them, plus what emailqueue
-- needs: idempotent enqueue, optional pre-generated content, claim and lease
-- bookkeeping, and the 'skipped', 'held' and 'cancelled' statuses.
-- A later version of the web application creates its own email_queue (subject and
-- email_body NOT NULL, priority default 0, a status check without 'skipped',
-- email_log_id, message_id, reference_ids); this migration brings such a table to the
-- same shape without losing a row.

CREATE TABLE IF NOT EXISTS email_queue (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id UUID NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    campaign_id UUID NOT NULL REFERENCES campaigns(id),
    campaign_run_id UUID NOT NULL REFERENCES campaign_runs(id),
    lead_id UUID NOT NULL REFERENCES leads(id),
    status VARCHAR(50) NOT NULL DEFAULT 'pending',
    priority INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    scheduled_for TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at TIMESTAMPTZ,
    retry_count INTEGER NOT NULL DEFAULT 0,
    max_retries INTEGER NOT NULL DEFAULT 3,
    error_message TEXT
);

ALTER TABLE email_queue
    ADD COLUMN IF NOT EXISTS subject TEXT,           -- pre-generated: sent as it is
    ADD COLUMN IF NOT EXISTS email_body TEXT,        -- pre-generated HTML body
    ADD COLUMN IF NOT EXISTS message_id TEXT,        -- a follow-up's: the Message-ID it answers
    ADD COLUMN IF NOT EXISTS reference_ids TEXT,     -- References of a follow-up (threading)
    ADD COLUMN IF NOT EXISTS email_log_id UUID,      -- the email log (thread) it belongs to
    ADD COLUMN IF NOT EXISTS claimed_by TEXT,        -- host:pid of the run holding the row
    ADD COLUMN IF NOT EXISTS claimed_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS lease_until TIMESTAMPTZ,    -- after this a crashed claim is recovered
    ADD COLUMN IF NOT EXISTS send_started_at TIMESTAMPTZ,-- set, durably, before the SMTP dialogue
    ADD COLUMN IF NOT EXISTS last_attempt_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS duplicate_of UUID;      -- a second row for one (run, lead), kept

ALTER TABLE email_queue ALTER COLUMN subject DROP NOT NULL;
ALTER TABLE email_queue ALTER COLUMN email_body DROP NOT NULL;
ALTER TABLE email_queue ALTER COLUMN priority SET DEFAULT 1;

-- Replace whatever status check exists with one that admits every status.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT conname FROM pg_constraint
        WHERE conrelid = 'email_queue'::regclass AND contype = 'c'
          AND pg_get_constraintdef(oid) ILIKE '%status%'
    LOOP
        EXECUTE format('ALTER TABLE email_queue DROP CONSTRAINT %I', c.conname);
    END LOOP;
END
$$;
ALTER TABLE email_queue ADD CONSTRAINT email_queue_status_check
    CHECK (status IN ('pending', 'processing', 'sent', 'failed', 'skipped', 'held', 'cancelled'));

-- First emails queued twice for one lead of one run (the old enqueue was not
-- idempotent) are all kept; every one but the first is marked duplicate_of the first,
-- and a duplicate still pending is cancelled so the lead is not mailed twice. Follow-ups
-- (reminders and replies the web application queues for the same run and lead, with
-- the thread's email_log_id, and a reply the Message-ID it answers in message_id) are
-- never duplicates.
WITH ranked AS (
    SELECT id,
           first_value(id) OVER (PARTITION BY campaign_run_id, lead_id
                                 ORDER BY (status = 'sent') DESC, created_at, id) AS keep
    FROM email_queue
    WHERE duplicate_of IS NULL AND email_log_id IS NULL AND message_id IS NULL
)
UPDATE email_queue q
SET duplicate_of = r.keep,
    status = CASE WHEN q.status = 'pending' THEN 'cancelled' ELSE q.status END,
    error_message = CASE WHEN q.status = 'pending'
                         THEN 'duplicate of queue row ' || r.keep || ': not sent twice'
                         ELSE q.error_message END
FROM ranked r
WHERE q.id = r.id AND r.id <> r.keep;

CREATE UNIQUE INDEX IF NOT EXISTS email_queue_first_email_key
    ON email_queue (campaign_run_id, lead_id)
    WHERE duplicate_of IS NULL AND email_log_id IS NULL AND message_id IS NULL;

-- The seed's indexes.
CREATE INDEX IF NOT EXISTS email_queue_status_scheduled_idx ON email_queue (status, scheduled_for);
CREATE INDEX IF NOT EXISTS email_queue_company_status_idx ON email_queue (company_id, status);
CREATE INDEX IF NOT EXISTS email_queue_campaign_run_status_idx ON email_queue (campaign_run_id, status);

-- Which companies have due rows: only pending rows are indexed, so the index stays
-- small however much history the table holds.
CREATE INDEX IF NOT EXISTS email_queue_due_idx
    ON email_queue (scheduled_for, company_id) WHERE status = 'pending';
-- The claim: one company's pending rows in send order.
CREATE INDEX IF NOT EXISTS email_queue_claim_idx
    ON email_queue (company_id, priority DESC, created_at) WHERE status = 'pending';
-- The sliding windows: what a company sent (or may have sent) recently.
CREATE INDEX IF NOT EXISTS email_queue_window_idx
    ON email_queue (company_id, processed_at) WHERE status IN ('sent', 'held');
-- Rows in flight: counted by the windows, recovered when their lease has expired.
CREATE INDEX IF NOT EXISTS email_queue_in_flight_idx
    ON email_queue (company_id, lease_until) WHERE status = 'processing';

CREATE TABLE IF NOT EXISTS email_throttle_settings (
    company_id UUID PRIMARY KEY REFERENCES companies(id) ON DELETE CASCADE,
    max_emails_per_hour INTEGER NOT NULL DEFAULT 50,
    max_emails_per_day INTEGER NOT NULL DEFAULT 500,
    enabled BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Limits are never negative. NOT VALID keeps rows an older writer stored while still
-- checking every new or changed row.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'email_throttle_settings'::regclass
                     AND conname = 'email_throttle_settings_limits_check') THEN
        ALTER TABLE email_throttle_settings ADD CONSTRAINT email_throttle_settings_limits_check
            CHECK (max_emails_per_hour >= 0 AND max_emails_per_day >= 0) NOT VALID;
    END IF;
END
$$;
