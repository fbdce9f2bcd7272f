-- Guardrails, prompt templates and A/B tests (issue 12): organization resources the admin API writes
-- (owner and admin) and every gateway keeps in memory, reloaded per organization on NOTIFY nemo_policies
-- (payload: the organization id). The request path never reads these tables.

-- ---------------------------------------------------------------- guardrails
-- A rule applies to the organization's requests, narrowed to one team or one key when team_id / key_id
-- is set. config is validated by the admin API per kind (docs/API.md); hits are recorded by rule id.
CREATE TABLE nemo.guardrails (
    id              uuid        PRIMARY KEY,
    organization_id uuid        NOT NULL REFERENCES nemo.organizations (id) ON DELETE CASCADE,
    team_id         uuid        NULL REFERENCES nemo.teams (id) ON DELETE CASCADE,
    key_id          uuid        NULL REFERENCES nemo.api_keys (id) ON DELETE CASCADE,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind            text        NOT NULL CHECK (kind IN ('pii', 'regex', 'keywords', 'max_prompt_tokens')),
    action          text        NOT NULL CHECK (action IN ('block', 'redact', 'flag')),
    applies_to      text        NOT NULL CHECK (applies_to IN ('input', 'output', 'both')),
    config          jsonb       NOT NULL,
    enabled         boolean     NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX guardrails_org ON nemo.guardrails (organization_id, created_at);

-- ---------------------------------------------------------------- prompt templates
-- Versions are immutable: nemo_app may insert and read them, never update; they go only with their
-- template (ON DELETE CASCADE). A label names one version of its template.
CREATE TABLE nemo.prompts (
    id              uuid        PRIMARY KEY,
    organization_id uuid        NOT NULL REFERENCES nemo.organizations (id) ON DELETE CASCADE,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    latest_version  integer     NOT NULL DEFAULT 1 CHECK (latest_version >= 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX prompts_org_name ON nemo.prompts (organization_id, lower(name));

CREATE TABLE nemo.prompt_versions (
    prompt_id       uuid        NOT NULL REFERENCES nemo.prompts (id) ON DELETE CASCADE,
    organization_id uuid        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    template        jsonb       NOT NULL,
    variables       text[]      NOT NULL,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (prompt_id, version)
);

CREATE TABLE nemo.prompt_labels (
    prompt_id       uuid        NOT NULL REFERENCES nemo.prompts (id) ON DELETE CASCADE,
    organization_id uuid        NOT NULL,
    label           text        NOT NULL CHECK (label ~ '^[A-Za-z][A-Za-z0-9_.-]{0,63}$'),
    version         integer     NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (prompt_id, label),
    FOREIGN KEY (prompt_id, version) REFERENCES nemo.prompt_versions (prompt_id, version)
);

-- ---------------------------------------------------------------- experiments (A/B tests)
-- An experiment matches requests by model or by template and splits them across its variants by weight
-- (variants: [{name, weight, model?, prompt_version?}]). At most one running experiment per model and
-- per template of an organization (partial unique indexes).
CREATE TABLE nemo.experiments (
    id              uuid        PRIMARY KEY,
    organization_id uuid        NOT NULL REFERENCES nemo.organizations (id) ON DELETE CASCADE,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    status          text        NOT NULL DEFAULT 'stopped' CHECK (status IN ('running', 'stopped')),
    match_model     text        NULL,
    match_prompt_id uuid        NULL REFERENCES nemo.prompts (id) ON DELETE CASCADE,
    variants        jsonb       NOT NULL,
    sticky_by       text        NOT NULL DEFAULT 'customer' CHECK (sticky_by = 'customer'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((match_model IS NULL) <> (match_prompt_id IS NULL))
);
CREATE UNIQUE INDEX experiments_running_model ON nemo.experiments (organization_id, match_model)
    WHERE status = 'running' AND match_model IS NOT NULL;
CREATE UNIQUE INDEX experiments_running_prompt ON nemo.experiments (organization_id, match_prompt_id)
    WHERE status = 'running' AND match_prompt_id IS NOT NULL;

-- ---------------------------------------------------------------- the request log
-- Which guardrails a request hit (rule ids, never the matched text) and which experiment variant served it.
ALTER TABLE nemo.usage_events
    ADD COLUMN guardrail_hits     uuid[] NULL,
    ADD COLUMN experiment_id      uuid   NULL,
    ADD COLUMN experiment_variant text   NULL;
CREATE INDEX usage_events_experiment ON nemo.usage_events (organization_id, experiment_id) WHERE experiment_id IS NOT NULL;
ALTER TABLE nemo.request_failures
    ADD COLUMN guardrail_hits     uuid[] NULL,
    ADD COLUMN experiment_id      uuid   NULL,
    ADD COLUMN experiment_variant text   NULL;
CREATE INDEX request_failures_experiment ON nemo.request_failures (organization_id, experiment_id) WHERE experiment_id IS NOT NULL;

-- ---------------------------------------------------------------- row-level security and grants
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['guardrails', 'prompts', 'prompt_versions', 'prompt_labels', 'experiments']
    LOOP
        EXECUTE format('ALTER TABLE nemo.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON nemo.%I TO nemo_app '
                       'USING (organization_id = nemo.current_organization_id()) '
                       'WITH CHECK (organization_id = nemo.current_organization_id())', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE, DELETE ON nemo.guardrails, nemo.prompts, nemo.prompt_labels, nemo.experiments TO nemo_app;
GRANT SELECT, INSERT ON nemo.prompt_versions TO nemo_app;
