-- emailqueue's own bookkeeping, in tables the web application does not read.

-- Per company: a hold after an account-level failure (authentication refused, TLS,
-- host down, quota), with exponential back-off.
CREATE TABLE IF NOT EXISTS email_queue_companies (
    company_id UUID PRIMARY KEY REFERENCES companies(id) ON DELETE CASCADE,
    held_until TIMESTAMPTZ,          -- no claim for this company before this time
    hold_reason TEXT,                -- what failed, with the server's reply
    held_since TIMESTAMPTZ,
    consecutive_holds INTEGER NOT NULL DEFAULT 0,
    last_sent_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Per campaign run: pause and cancel (campaign_runs.status keeps the application's own
-- values), and when the queue started and finished it.
CREATE TABLE IF NOT EXISTS email_queue_runs (
    campaign_run_id UUID PRIMARY KEY REFERENCES campaign_runs(id) ON DELETE CASCADE,
    control TEXT NOT NULL DEFAULT 'active' CHECK (control IN ('active', 'paused', 'cancelled')),
    control_reason TEXT,
    control_changed_at TIMESTAMPTZ,
    enqueued_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS email_queue_runs_control_idx
    ON email_queue_runs (control) WHERE control <> 'active';

-- One row per queue-process invocation, for monitoring (queue-admin health, metrics).
CREATE TABLE IF NOT EXISTS email_queue_invocations (
    id BIGSERIAL PRIMARY KEY,
    program TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    companies_visited INTEGER NOT NULL DEFAULT 0,
    sent INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    held INTEGER NOT NULL DEFAULT 0,
    retried INTEGER NOT NULL DEFAULT 0,
    recovered INTEGER NOT NULL DEFAULT 0,
    dry_run BOOLEAN NOT NULL DEFAULT false,
    error TEXT
);
CREATE INDEX IF NOT EXISTS email_queue_invocations_started_idx
    ON email_queue_invocations (started_at);
