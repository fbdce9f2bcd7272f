-- Bring your own key: an organization may store its own credential for a provider the operator
-- configured; it replaces the operator's for that organization's requests. The secret is encrypted by
-- ASP.NET Core Data Protection before it reaches the database; Data Protection's own key ring lives in
-- nemo.data_protection_keys, each key encrypted with a key derived from NEMO_MASTER_KEY when it is set.
CREATE TABLE nemo.data_protection_keys (
    friendly_name text        PRIMARY KEY,
    xml           text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- The key ring is the gateways' own (the owner role); nemo_app gets no right on it.

CREATE TABLE nemo.provider_credentials (
    organization_id  uuid        NOT NULL REFERENCES nemo.organizations (id),
    provider         text        NOT NULL CHECK (length(provider) BETWEEN 1 AND 64),
    secret_protected text        NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (organization_id, provider)
);

ALTER TABLE nemo.provider_credentials ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON nemo.provider_credentials TO nemo_app
    USING (organization_id = nemo.current_organization_id())
    WITH CHECK (organization_id = nemo.current_organization_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON nemo.provider_credentials TO nemo_app;
