-- The tables of the web application that emailqueue reads and writes, created only
-- where absent: on an existing database of that application nothing here changes its
-- data, and only the columns emailqueue relies on are added when missing.
-- gen_random_uuid() is built into PostgreSQL 13 and later.

CREATE TABLE IF NOT EXISTS companies (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,
    account_email TEXT,
    account_password TEXT,          -- a Fernet token, never the password itself
    account_type TEXT,              -- the SMTP provider: gmail, outlook, yahoo, ...
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE companies
    ADD COLUMN IF NOT EXISTS account_email TEXT,
    ADD COLUMN IF NOT EXISTS account_password TEXT,
    ADD COLUMN IF NOT EXISTS account_type TEXT;

CREATE TABLE IF NOT EXISTS campaigns (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id UUID NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'email',
    template TEXT,
    scheduled_at TIMESTAMPTZ,
    auto_run_triggered BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE campaigns
    ADD COLUMN IF NOT EXISTS template TEXT,
    ADD COLUMN IF NOT EXISTS scheduled_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS auto_run_triggered BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS campaigns_company_idx ON campaigns (company_id);

CREATE TABLE IF NOT EXISTS campaign_runs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    run_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    leads_total INTEGER NOT NULL DEFAULT 0,
    leads_processed INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'idle'
        CHECK (status IN ('idle', 'running', 'completed', 'failed')),
    failure_reason TEXT
);
ALTER TABLE campaign_runs
    ADD COLUMN IF NOT EXISTS leads_total INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS leads_processed INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS failure_reason TEXT;
CREATE INDEX IF NOT EXISTS campaign_runs_campaign_idx ON campaign_runs (campaign_id);

DO $$
BEGIN
    IF to_regclass('leads') IS NULL THEN
        CREATE TABLE leads (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            company_id UUID NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
            name TEXT,
            email TEXT,
            company TEXT,
            job_title TEXT,
            phone_number TEXT,
            deleted_at TIMESTAMPTZ,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        -- The application keeps (company_id, email) unique among live leads.
        CREATE UNIQUE INDEX leads_company_email_live_key
            ON leads (company_id, email) WHERE deleted_at IS NULL;
    END IF;
END
$$;
ALTER TABLE leads
    ADD COLUMN IF NOT EXISTS name TEXT,
    ADD COLUMN IF NOT EXISTS email TEXT,
    ADD COLUMN IF NOT EXISTS company TEXT,
    ADD COLUMN IF NOT EXISTS job_title TEXT,
    ADD COLUMN IF NOT EXISTS phone_number TEXT,
    ADD COLUMN IF NOT EXISTS deleted_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS leads_company_idx ON leads (company_id);

CREATE TABLE IF NOT EXISTS email_logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id UUID REFERENCES campaigns(id) ON DELETE CASCADE,
    campaign_run_id UUID REFERENCES campaign_runs(id) ON DELETE CASCADE,
    lead_id UUID REFERENCES leads(id) ON DELETE CASCADE,
    sent_at TIMESTAMPTZ,
    has_opened BOOLEAN NOT NULL DEFAULT false,
    has_replied BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE email_logs ADD COLUMN IF NOT EXISTS campaign_run_id UUID;

CREATE TABLE IF NOT EXISTS email_log_details (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email_logs_id UUID NOT NULL REFERENCES email_logs(id) ON DELETE CASCADE,
    message_id TEXT UNIQUE NOT NULL,
    email_subject TEXT,
    email_body TEXT,                 -- stored without the tracking pixel
    sender_type TEXT CHECK (sender_type IN ('user', 'assistant')),
    sent_at TIMESTAMPTZ,
    from_name TEXT,
    from_email TEXT,
    to_email TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Suppression list: company_id NULL applies to every company.
CREATE TABLE IF NOT EXISTS do_not_email (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email TEXT NOT NULL,
    reason TEXT,
    company_id UUID REFERENCES companies(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS do_not_email_lower_email_idx ON do_not_email (lower(email));
