-- Content logging: an organization may keep the text of its requests and responses (off by default).
-- When it is on, each gateway keeps, for every admitted request of the organization, the request body
-- and the response body (a stream's events, one per line), each cut at Nemo:Gateway:ContentLogMaxBytes,
-- written after the response by a batched best-effort writer, read back by owners and admins
-- (GET /v1/logs/{request_id}/content), purged with the organization's data_retention_days and at once
-- when the organization is deleted.
ALTER TABLE nemo.organizations ADD COLUMN content_logging boolean NOT NULL DEFAULT false;

CREATE TABLE nemo.request_contents (
    request_id         uuid        PRIMARY KEY,
    organization_id    uuid        NOT NULL,
    recorded_at        timestamptz NOT NULL,
    request            text        NOT NULL,
    response           text        NOT NULL,
    request_truncated  boolean     NOT NULL,
    response_truncated boolean     NOT NULL
);
CREATE INDEX request_contents_org_time ON nemo.request_contents (organization_id, recorded_at);

ALTER TABLE nemo.request_contents ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON nemo.request_contents TO nemo_app
    USING (organization_id = nemo.current_organization_id())
    WITH CHECK (organization_id = nemo.current_organization_id());
-- Read by the admin API; removed by retention and deletion (the writer is the gateway's own connection, the owner).
GRANT SELECT, DELETE ON nemo.request_contents TO nemo_app;
