-- Tenancy (issue 4): organization settings, invitations, key rotation, outboxes, the admin API's role
-- and row-level security on every tenant table.
--
-- Who bypasses row-level security: the connection-string user (the "service connection" that runs
-- these migrations and the runtime) owns every table, and a table's owner is not subject to its
-- policies (FORCE ROW LEVEL SECURITY is deliberately not set). The admin API runs its queries as
-- nemo_app (below), which has no BYPASSRLS, inside transactions that set nemo.organization_id.

-- ---------------------------------------------------------------- the admin API's role
-- Roles are cluster-wide while this migration runs once per database, so creation is idempotent and
-- tolerates another database's migration creating the role at the same moment. Creating a role needs
-- CREATEROLE (or superuser); an operator without it creates the role once by hand (docs/TENANCY.md).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nemo_app') THEN
        BEGIN
            CREATE ROLE nemo_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created concurrently by another database's migration
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nemo_app' AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'role nemo_app must not be SUPERUSER or BYPASSRLS: it is the role row-level security applies to; run ALTER ROLE nemo_app NOSUPERUSER NOBYPASSRLS';
    END IF;
    -- The service connection switches to nemo_app with SET LOCAL ROLE, which needs membership.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'nemo_app', 'MEMBER') THEN
        EXECUTE format('GRANT nemo_app TO %I', current_user);
    END IF;
END
$$;

-- The organization of the current admin transaction (NULL outside one: every policy then matches nothing).
CREATE FUNCTION nemo.current_organization_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('nemo.organization_id', true), '')::uuid $$;

-- ---------------------------------------------------------------- organization settings
ALTER TABLE nemo.organizations
    ADD COLUMN logo_url               text        NULL,
    ADD COLUMN timezone               text        NOT NULL DEFAULT 'UTC',
    ADD COLUMN data_retention_days    integer     NOT NULL DEFAULT 90 CHECK (data_retention_days BETWEEN 1 AND 3650),
    ADD COLUMN data_processing        boolean     NOT NULL DEFAULT false,
    ADD COLUMN region                 text        NOT NULL DEFAULT 'auto',
    ADD COLUMN invitation_expiry_days integer     NOT NULL DEFAULT 7 CHECK (invitation_expiry_days BETWEEN 1 AND 30),
    ADD COLUMN webhook_url            text        NULL,
    ADD COLUMN webhook_secret         text        NULL,
    ADD COLUMN fee_basis_points       integer     NULL CHECK (fee_basis_points BETWEEN 0 AND 10000),
    ADD COLUMN deleted_at             timestamptz NULL;

-- ---------------------------------------------------------------- keys: scope and rotation
-- During a rotation's grace period the previous secret's hash stays valid until previous_expires_at.
ALTER TABLE nemo.api_keys
    ADD COLUMN scope               text        NOT NULL DEFAULT 'team' CHECK (scope IN ('organization', 'team')),
    ADD COLUMN previous_key_hash   bytea       NULL,
    ADD COLUMN previous_expires_at timestamptz NULL,
    ADD COLUMN rotated_at          timestamptz NULL,
    ADD COLUMN updated_at          timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT api_keys_previous_pair CHECK ((previous_key_hash IS NULL) = (previous_expires_at IS NULL));
CREATE UNIQUE INDEX api_keys_previous_hash_key ON nemo.api_keys (previous_key_hash) WHERE previous_key_hash IS NOT NULL;
CREATE INDEX api_keys_user ON nemo.api_keys (user_id);
CREATE INDEX api_keys_team ON nemo.api_keys (team_id);
CREATE INDEX memberships_team ON nemo.memberships (team_id);

-- ---------------------------------------------------------------- invitations
CREATE TABLE nemo.invitations (
    id               uuid PRIMARY KEY,
    organization_id  uuid        NOT NULL REFERENCES nemo.organizations (id) ON DELETE CASCADE,
    email            text        NOT NULL,
    role             text        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    team_id          uuid        NOT NULL REFERENCES nemo.teams (id),
    token_hash       bytea       NOT NULL,
    invited_by       text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    responded_at     timestamptz NULL,
    user_id          uuid        NULL
);
CREATE UNIQUE INDEX invitations_token_key ON nemo.invitations (token_hash);
CREATE UNIQUE INDEX invitations_one_pending ON nemo.invitations (organization_id, lower(email)) WHERE status = 'pending';
CREATE INDEX invitations_org_time ON nemo.invitations (organization_id, created_at);
CREATE INDEX invitations_expiry ON nemo.invitations (expires_at) WHERE status = 'pending';

-- ---------------------------------------------------------------- outgoing email (outbox)
-- The body is cleared once sent: an invitation email carries its token.
CREATE TABLE nemo.email_outbox (
    id               bigserial PRIMARY KEY,
    organization_id  uuid        NOT NULL,
    to_address       text        NOT NULL,
    subject          text        NOT NULL,
    body             text        NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    attempts         integer     NOT NULL DEFAULT 0,
    sent_at          timestamptz NULL,
    failed_at        timestamptz NULL,
    last_error       text        NULL
);
CREATE INDEX email_outbox_due ON nemo.email_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX email_outbox_org ON nemo.email_outbox (organization_id, created_at);

-- ---------------------------------------------------------------- webhook delivery state of notifications
ALTER TABLE nemo.notifications
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN failed_at       timestamptz NULL,
    ADD COLUMN last_error      text        NULL;
CREATE INDEX notifications_due ON nemo.notifications (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX notifications_org ON nemo.notifications (organization_id, created_at);

-- ---------------------------------------------------------------- credit ledger: payments, idempotency, append-only
ALTER TABLE nemo.credit_transactions
    ADD COLUMN payment_reference text NULL,
    ADD COLUMN idempotency_key   text NULL;
CREATE UNIQUE INDEX credit_transactions_idempotency ON nemo.credit_transactions (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE FUNCTION nemo.refuse_ledger_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER credit_transactions_append_only BEFORE UPDATE OR DELETE ON nemo.credit_transactions
    FOR EACH ROW EXECUTE FUNCTION nemo.refuse_ledger_change();
CREATE TRIGGER credit_transactions_no_truncate BEFORE TRUNCATE ON nemo.credit_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION nemo.refuse_ledger_change();

-- ---------------------------------------------------------------- usage queries
-- Activity filtered by key, newest first (the organization/time index of 0001 serves the rest).
CREATE INDEX usage_events_org_key_time ON nemo.usage_events (organization_id, key_id, occurred_at);
CREATE INDEX audit_log_org_id ON nemo.audit_log (organization_id, id);

-- ---------------------------------------------------------------- row-level security
-- One policy per tenant table, for nemo_app only, keyed on the transaction's organization. No policy
-- is USING (true). Runtime tables (silos, partition_leases, grain_state, schema_migrations) get no
-- grant at all: nemo_app cannot read them.
ALTER TABLE nemo.organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON nemo.organizations TO nemo_app
    USING (id = nemo.current_organization_id()) WITH CHECK (id = nemo.current_organization_id());

-- Users carry no organization: a user is visible while a member of the transaction's organization.
ALTER TABLE nemo.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON nemo.users TO nemo_app
    USING (EXISTS (SELECT 1 FROM nemo.memberships m
                   WHERE m.user_id = users.id AND m.organization_id = nemo.current_organization_id()));

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['teams', 'memberships', 'api_keys', 'budgets', 'credit_transactions', 'usage_events',
                             'usage_daily', 'unsettled_reservations', 'notifications', 'audit_log', 'invitations', 'email_outbox']
    LOOP
        EXECUTE format('ALTER TABLE nemo.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON nemo.%I TO nemo_app '
                       'USING (organization_id = nemo.current_organization_id()) '
                       'WITH CHECK (organization_id = nemo.current_organization_id())', t);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------- grants: exactly what the admin API needs
GRANT USAGE ON SCHEMA nemo TO nemo_app;
GRANT SELECT, UPDATE ON nemo.organizations TO nemo_app;
GRANT SELECT ON nemo.users TO nemo_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON nemo.teams, nemo.memberships, nemo.api_keys, nemo.budgets, nemo.invitations TO nemo_app;
-- Ledgers and the audit trail: append and read, never change.
GRANT SELECT, INSERT ON nemo.credit_transactions, nemo.audit_log TO nemo_app;
GRANT SELECT, INSERT, DELETE ON nemo.email_outbox TO nemo_app;
-- Detail rows are removed only when their organization is deleted.
GRANT SELECT, DELETE ON nemo.usage_events, nemo.usage_daily, nemo.unsettled_reservations, nemo.notifications TO nemo_app;
GRANT USAGE ON SEQUENCE nemo.credit_transactions_id_seq, nemo.audit_log_id_seq, nemo.email_outbox_id_seq TO nemo_app;
