-- queue-process: how many companies each invocation found held.
ALTER TABLE email_queue_invocations
    ADD COLUMN IF NOT EXISTS companies_held INTEGER NOT NULL DEFAULT 0;
