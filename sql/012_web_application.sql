-- Living on the web application's own database beside its other writers of the queue.
-- Nothing here drops or weakens a constraint of the application's tables: every change
-- is an added column, index or foreign key, or a repair of what an earlier emailqueue
-- did to the queue's rows.
--
-- The application's columns are its input and emailqueue never writes them:
-- email_log_id is the thread's email log (set on its reminders and AI replies, NULL on a
-- first email) and message_id the Message-ID a reply answers. What emailqueue sends with
-- has columns of its own: sent_message_id (the Message-ID it generated) and
-- sent_email_log_id (the email log it created for a first email, or the thread's).

ALTER TABLE email_queue
    ADD COLUMN IF NOT EXISTS sent_message_id TEXT,
    ADD COLUMN IF NOT EXISTS sent_email_log_id UUID;

-- 002's first form kept (run, lead) unique over every row, follow-ups included; the
-- repairs below need it gone, and its successor (first emails only) is created after
-- them.
DROP INDEX IF EXISTS email_queue_run_lead_key;

-- Earlier versions of emailqueue stored the Message-IDs they generated in message_id,
-- on the rows they claimed. Theirs are "<32 hex digits@domain>"; a follow-up answering
-- such a message carries the same id, so only the earliest row holding an id has it
-- moved.
UPDATE email_queue q SET sent_message_id = q.message_id, message_id = NULL
WHERE q.sent_message_id IS NULL AND q.claimed_by IS NOT NULL
  AND q.message_id ~ '^<[0-9a-f]{32}@[^<>@ ]+>$'
  AND NOT EXISTS (SELECT 1 FROM email_queue o
                  WHERE o.message_id = q.message_id AND o.id <> q.id
                    AND (COALESCE(o.created_at, '-infinity'), o.id)
                        < (COALESCE(q.created_at, '-infinity'), q.id));

-- They also wrote a new email_log_id on every row they claimed, creating the log only
-- when the message was sent. A log id a follow-up was queued with names a log made
-- before the row; one emailqueue wrote names a later log, or none. (A table without
-- email_logs.created_at, which the application always has, cannot tell: its ids move.) Those move to
-- sent_email_log_id: a log that exists is kept; a missing one is created for a row whose
-- message may have gone out (held, still processing), and dropped for the others (no
-- message was accepted with it).
INSERT INTO email_logs (id, campaign_id, campaign_run_id, lead_id, sent_at)
SELECT q.email_log_id, q.campaign_id, q.campaign_run_id, q.lead_id,
       COALESCE(q.send_started_at, q.processed_at, now())
FROM email_queue q
WHERE q.claimed_by IS NOT NULL AND q.message_id IS NULL AND q.email_log_id IS NOT NULL
  AND q.status IN ('held', 'processing')
  AND NOT EXISTS (SELECT 1 FROM email_logs l WHERE l.id = q.email_log_id)
ON CONFLICT (id) DO NOTHING;

UPDATE email_queue q
SET sent_email_log_id = CASE WHEN EXISTS (SELECT 1 FROM email_logs l WHERE l.id = q.email_log_id)
                             THEN q.email_log_id END,
    email_log_id = NULL
WHERE q.claimed_by IS NOT NULL AND q.message_id IS NULL AND q.email_log_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM email_logs l
                  WHERE l.id = q.email_log_id
                    AND (to_jsonb(l) ->> 'created_at')::timestamptz < q.created_at);

-- Its own log column references the log too; removing a log only clears it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'email_queue'::regclass
                     AND conname = 'email_queue_sent_email_log_id_fkey') THEN
        ALTER TABLE email_queue ADD CONSTRAINT email_queue_sent_email_log_id_fkey
            FOREIGN KEY (sent_email_log_id) REFERENCES email_logs (id) ON DELETE SET NULL;
    END IF;
END
$$;

-- The first form of 002 took follow-ups for duplicates of the lead's first email: they
-- are not, and those it cancelled go back to pending. A first email it marked as the
-- duplicate of a follow-up is released the same way; the first emails are then
-- deduplicated among themselves, as 002 now does.
UPDATE email_queue q
SET duplicate_of = NULL,
    status = CASE WHEN q.status = 'cancelled'
                   AND q.error_message = 'duplicate of queue row ' || q.duplicate_of
                                         || ': not sent twice'
                  THEN 'pending' ELSE q.status END,
    error_message = CASE WHEN q.status = 'cancelled'
                          AND q.error_message = 'duplicate of queue row ' || q.duplicate_of
                                                || ': not sent twice'
                         THEN NULL ELSE q.error_message END
WHERE q.duplicate_of IS NOT NULL
  AND (q.email_log_id IS NOT NULL OR q.message_id IS NOT NULL
       OR EXISTS (SELECT 1 FROM email_queue k WHERE k.id = q.duplicate_of
                  AND (k.email_log_id IS NOT NULL OR k.message_id IS NOT NULL)));

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

-- Fan-out idempotency covers first emails only: one per lead and run.
CREATE UNIQUE INDEX IF NOT EXISTS email_queue_first_email_key
    ON email_queue (campaign_run_id, lead_id)
    WHERE duplicate_of IS NULL AND email_log_id IS NULL AND message_id IS NULL;

-- The application's email_queue references its email log; a queue emailqueue created
-- gets the same foreign key. NOT VALID: checked for every row written from now on,
-- without scanning the queue's history under the table's lock.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.conrelid = 'email_queue'::regclass AND c.contype = 'f'
          AND a.attname = 'email_log_id') THEN
        ALTER TABLE email_queue ADD CONSTRAINT email_queue_email_log_id_fkey
            FOREIGN KEY (email_log_id) REFERENCES email_logs (id) NOT VALID;
    END IF;
END
$$;

-- The application queues rows with scheduled_for set; a row without one would never be
-- due. New rows that leave it out are due at once.
ALTER TABLE email_queue ALTER COLUMN scheduled_for SET DEFAULT now();

-- The application soft-deletes companies; emailqueue skips their rows.
ALTER TABLE companies ADD COLUMN IF NOT EXISTS deleted BOOLEAN DEFAULT false;

-- The application's throttle settings page updates the row it read when that row has
-- an id and inserts one otherwise, which turns a second save of the same company into
-- a primary key violation where the table has no id. An id of its own, beside the
-- company_id key, keeps that page working.
ALTER TABLE email_throttle_settings ADD COLUMN IF NOT EXISTS id UUID NOT NULL
    DEFAULT gen_random_uuid();
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = 'email_throttle_settings'::regclass AND i.indisunique
          AND i.indnatts = 1 AND a.attname = 'id') THEN
        CREATE UNIQUE INDEX email_throttle_settings_id_key ON email_throttle_settings (id);
    END IF;
END
$$;
