-- Nemo core schema: cluster runtime tables, tenancy, ledgers.
-- Money columns are bigint nano-dollars (1 USD = 10^9). Times are timestamptz (UTC).

CREATE SCHEMA IF NOT EXISTS nemo;

-- ---------------------------------------------------------------- cluster runtime
CREATE TABLE nemo.silos (
    silo_id      uuid PRIMARY KEY,
    address      text        NOT NULL,
    status       text        NOT NULL CHECK (status IN ('joining', 'active', 'shutting_down', 'dead')),
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

-- One row per virtual partition. A silo serves a partition only while it holds an unexpired lease;
-- every takeover bumps the epoch, and every state or ledger write is checked against it (fencing).
CREATE TABLE nemo.partition_leases (
    partition   integer PRIMARY KEY CHECK (partition >= 0),
    owner_silo  uuid        NULL,
    epoch       bigint      NOT NULL DEFAULT 0,
    expires_at  timestamptz NOT NULL DEFAULT '-infinity'
);

CREATE TABLE nemo.grain_state (
    grain_id    text PRIMARY KEY,
    partition   integer     NOT NULL,
    etag        bigint      NOT NULL,
    epoch       bigint      NOT NULL,
    payload     jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------- tenancy
CREATE TABLE nemo.users (
    id          uuid PRIMARY KEY,
    email       text        NOT NULL,
    name        text        NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON nemo.users (lower(email));

CREATE TABLE nemo.organizations (
    id                  uuid PRIMARY KEY,
    name                text        NOT NULL,
    slug                text        NOT NULL,
    kind                text        NOT NULL DEFAULT 'individual' CHECK (kind IN ('individual', 'organization')),
    plan                text        NOT NULL DEFAULT 'payg' CHECK (plan IN ('payg', 'tier2', 'tier3', 'enterprise')),
    status              text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted')),
    credits_purchased   bigint      NOT NULL DEFAULT 0,
    rpm                 bigint      NULL CHECK (rpm > 0),
    tpm                 bigint      NULL CHECK (tpm > 0),
    billing_anchor      date        NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')::date,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organizations_slug_key ON nemo.organizations (slug);

CREATE TABLE nemo.teams (
    id               uuid PRIMARY KEY,
    organization_id  uuid        NOT NULL REFERENCES nemo.organizations (id) ON DELETE CASCADE,
    name             text        NOT NULL,
    is_default       boolean     NOT NULL DEFAULT false,
    status           text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    rpm              bigint      NULL CHECK (rpm > 0),
    tpm              bigint      NULL CHECK (tpm > 0),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX teams_org_name_key ON nemo.teams (organization_id, lower(name));
CREATE UNIQUE INDEX teams_one_default ON nemo.teams (organization_id) WHERE is_default;

-- One organization per user (unique user_id) and so one team per user inside it.
CREATE TABLE nemo.memberships (
    user_id          uuid        NOT NULL REFERENCES nemo.users (id) ON DELETE CASCADE,
    organization_id  uuid        NOT NULL REFERENCES nemo.organizations (id) ON DELETE CASCADE,
    team_id          uuid        NOT NULL REFERENCES nemo.teams (id),
    role             text        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id)
);
CREATE INDEX memberships_org ON nemo.memberships (organization_id);

CREATE TABLE nemo.api_keys (
    id               uuid PRIMARY KEY,
    organization_id  uuid        NOT NULL REFERENCES nemo.organizations (id) ON DELETE CASCADE,
    team_id          uuid        NOT NULL REFERENCES nemo.teams (id),
    user_id          uuid        NULL REFERENCES nemo.users (id) ON DELETE SET NULL,
    name             text        NOT NULL,
    prefix           text        NOT NULL,
    key_hash         bytea       NOT NULL,
    status           text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'revoked')),
    rpm              bigint      NULL CHECK (rpm > 0),
    tpm              bigint      NULL CHECK (tpm > 0),
    expires_at       timestamptz NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    revoked_at       timestamptz NULL
);
CREATE UNIQUE INDEX api_keys_hash_key ON nemo.api_keys (key_hash);
CREATE INDEX api_keys_org ON nemo.api_keys (organization_id);

CREATE TABLE nemo.budgets (
    organization_id  uuid        NOT NULL REFERENCES nemo.organizations (id) ON DELETE CASCADE,
    scope            text        NOT NULL CHECK (scope IN ('organization', 'team', 'key', 'customer')),
    scope_id         text        NOT NULL,
    limit_nanos      bigint      NOT NULL CHECK (limit_nanos >= 0),
    period           text        NOT NULL CHECK (period IN ('total', 'monthly', 'weekly', 'daily')),
    anchor           date        NOT NULL,
    soft_thresholds  integer[]   NOT NULL DEFAULT '{}',
    rpm              bigint      NULL CHECK (rpm > 0),
    tpm              bigint      NULL CHECK (tpm > 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, scope, scope_id)
);

-- ---------------------------------------------------------------- ledgers (append-only)
CREATE TABLE nemo.credit_transactions (
    id               bigserial PRIMARY KEY,
    organization_id  uuid        NOT NULL REFERENCES nemo.organizations (id) ON DELETE CASCADE,
    kind             text        NOT NULL CHECK (kind IN ('grant', 'purchase', 'adjustment')),
    amount           bigint      NOT NULL,
    fee              bigint      NOT NULL DEFAULT 0,
    reason           text        NULL,
    actor            text        NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_transactions_org ON nemo.credit_transactions (organization_id, created_at);

CREATE TABLE nemo.usage_events (
    seq               bigserial PRIMARY KEY,
    request_id        uuid        NOT NULL,
    organization_id   uuid        NOT NULL,
    team_id           uuid        NOT NULL,
    key_id            uuid        NOT NULL,
    user_id           uuid        NULL,
    customer_id       text        NULL,
    model             text        NOT NULL,
    endpoint          text        NOT NULL,
    prompt_tokens     bigint      NOT NULL,
    completion_tokens bigint      NOT NULL,
    cost              bigint      NOT NULL CHECK (cost >= 0),
    flags             integer     NOT NULL DEFAULT 0,
    status_code       integer     NOT NULL,
    latency_ms        bigint      NOT NULL,
    partition         integer     NOT NULL,
    epoch             bigint      NOT NULL,
    occurred_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX usage_events_request_key ON nemo.usage_events (request_id);
CREATE INDEX usage_events_org_time ON nemo.usage_events (organization_id, occurred_at);

-- Spend totals per scope and UTC day, maintained in the same statement as the usage events they sum,
-- so a grain that activates reads exact figures without replaying the ledger.
CREATE TABLE nemo.usage_daily (
    organization_id   uuid    NOT NULL,
    scope             text    NOT NULL,
    scope_id          text    NOT NULL,
    day               date    NOT NULL,
    requests          bigint  NOT NULL,
    prompt_tokens     bigint  NOT NULL,
    completion_tokens bigint  NOT NULL,
    cost              bigint  NOT NULL,
    PRIMARY KEY (organization_id, scope, scope_id, day)
);

CREATE TABLE nemo.unsettled_reservations (
    request_id       uuid PRIMARY KEY,
    organization_id  uuid        NOT NULL,
    reserved_cost    bigint      NOT NULL,
    expired_at       timestamptz NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX unsettled_reservations_org ON nemo.unsettled_reservations (organization_id, recorded_at);

CREATE TABLE nemo.notifications (
    id               bigserial PRIMARY KEY,
    organization_id  uuid        NOT NULL,
    kind             text        NOT NULL,
    dedupe_key       text        NOT NULL,
    payload          jsonb       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz NULL,
    attempts         integer     NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX notifications_dedupe_key ON nemo.notifications (dedupe_key);

CREATE TABLE nemo.audit_log (
    id               bigserial PRIMARY KEY,
    organization_id  uuid        NULL,
    actor            text        NOT NULL,
    ip               text        NULL,
    action           text        NOT NULL,
    target           text        NULL,
    before           jsonb       NULL,
    after            jsonb       NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org_time ON nemo.audit_log (organization_id, created_at);
