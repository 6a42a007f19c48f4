-- The least privileges queue-process needs, for a login role of its own.
--
-- Not a migration (queue-admin db migrate reads only the numbered files beside this
-- folder and never creates roles): the owner of the database, who manages its roles,
-- runs it once after creating the role and again after each upgrade that adds a table:
--
--     CREATE ROLE emailqueue_worker LOGIN;       -- and its password or certificate
--     psql -v ON_ERROR_STOP=1 -d DBNAME -f sql/roles/queue-process.sql
--
-- The role is called emailqueue_worker here; replace the name throughout to use another.
-- The test suite runs every queue-process test as a role given exactly these grants
-- (test/support/process_fixture.cpp), so a statement needing more fails a test.
-- docs/reliability.md explains each grant.

GRANT USAGE ON SCHEMA public TO emailqueue_worker;

-- The web application's rows: read only.
GRANT SELECT ON companies, campaigns, leads, do_not_email, email_throttle_settings
    TO emailqueue_worker;
-- ... except that a permanent failure about the address (5.1.x) suppresses it for the
-- company: a new do_not_email row with reason 'bounce'.
GRANT INSERT (email, reason, company_id) ON do_not_email TO emailqueue_worker;

-- Campaign runs: progress (leads_processed) and completion (status) only.
GRANT SELECT ON campaign_runs TO emailqueue_worker;
GRANT UPDATE (status, leads_processed) ON campaign_runs TO emailqueue_worker;

-- The queue: claim, lease, record outcomes. Never inserts or deletes rows, and never
-- changes what a row is for (company, campaign, run, lead, content, priority) nor the
-- web application's threading input (email_log_id, message_id, reference_ids).
GRANT SELECT ON email_queue TO emailqueue_worker;
GRANT UPDATE (status, scheduled_for, processed_at, retry_count, error_message,
              sent_message_id, sent_email_log_id, claimed_by, claimed_at, lease_until,
              send_started_at, last_attempt_at, company_holds)
    ON email_queue TO emailqueue_worker;

-- The email log the web application reads: one log and one detail per email sent.
GRANT SELECT, INSERT ON email_logs, email_log_details TO emailqueue_worker;

-- Sending schedules (windows, pacing, ramp-up), holidays and the known time zones:
-- read only (queue-admin throttle set writes them).
GRANT SELECT ON email_queue_schedules, email_queue_holidays, email_queue_time_zones
    TO emailqueue_worker;

-- emailqueue's own bookkeeping: company holds and pacing, run completion and automatic
-- pauses of failing runs, invocations.
GRANT SELECT, INSERT, UPDATE ON email_queue_companies TO emailqueue_worker;
GRANT SELECT ON email_queue_runs TO emailqueue_worker;
GRANT INSERT (campaign_run_id, completed_at, control, control_reason, control_changed_at,
              auto_paused_at),
      UPDATE (completed_at, control, control_reason, control_changed_at, auto_paused_at)
    ON email_queue_runs TO emailqueue_worker;
GRANT SELECT, INSERT, UPDATE ON email_queue_invocations TO emailqueue_worker;
GRANT USAGE ON SEQUENCE email_queue_invocations_id_seq TO emailqueue_worker;

-- The web application's tables that a run's completion and a lead's first email write
-- to (sql/014_run_completion.sql), where they exist: the end-of-run statistics schedule
-- (insert only) and the call queue (read, to hand a lead over once, and insert). A
-- database emailqueue created on its own has neither, and nothing is granted.
DO $$
BEGIN
    IF to_regclass('campaign_message_schedule') IS NOT NULL THEN
        GRANT SELECT (campaign_run_id, scheduled_for), INSERT ON campaign_message_schedule
            TO emailqueue_worker;
    END IF;
    IF to_regclass('call_queue') IS NOT NULL THEN
        GRANT SELECT (company_id, campaign_id, campaign_run_id, lead_id), INSERT
            ON call_queue TO emailqueue_worker;
    END IF;
END
$$;
