-- The request log (GET /v1/logs): one entry per request of a known key. Billed requests are the usage
-- events, which now also record the deployment (the provider that served the model) and, for streams,
-- the time to the first token. Requests that ended without a usage event (refused 402/403/429, failed
-- upstream 502/504, invalid 400, unavailable 503) go to nemo.request_failures, written after the
-- response by each gateway's batched request-log writer. Neither table holds prompt or completion text.
ALTER TABLE nemo.usage_events
    ADD COLUMN deployment text   NULL,
    ADD COLUMN ttft_ms    bigint NULL;

CREATE TABLE nemo.request_failures (
    request_id      uuid        PRIMARY KEY,
    organization_id uuid        NOT NULL,
    team_id         uuid        NOT NULL,
    key_id          uuid        NOT NULL,
    user_id         uuid        NULL,
    customer_id     text        NULL,
    model           text        NULL,
    deployment      text        NULL,
    endpoint        text        NOT NULL,
    status_code     integer     NOT NULL,
    error_code      text        NULL,
    latency_ms      bigint      NOT NULL,
    occurred_at     timestamptz NOT NULL
);
CREATE INDEX request_failures_org_time ON nemo.request_failures (organization_id, occurred_at);

ALTER TABLE nemo.request_failures ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON nemo.request_failures TO nemo_app
    USING (organization_id = nemo.current_organization_id())
    WITH CHECK (organization_id = nemo.current_organization_id());
-- Read by the admin API; removed by retention (the writer is the gateway's own connection, the owner).
GRANT SELECT, DELETE ON nemo.request_failures TO nemo_app;
