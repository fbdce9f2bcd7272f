-- The web console's sign-in for people (issue 11): a password (ASP.NET Core Identity's PasswordHasher
-- format), a security stamp that ends every session when the password changes, lockout after repeated
-- failures, an optional OIDC subject, and one-time password-reset tokens (stored as SHA-256 hashes).
--
-- An account exists only once its email has been proven: it is created when a signup verification
-- token or an invitation token (both sent to that address through the email outbox) is redeemed, so
-- email_verified_at is never NULL.
--
-- Accounts belong to people, not to an organization: they are read and written only on the service
-- connection (sign-in happens before there is an organization to scope to), like the key lookup of
-- the admin API. Row-level security is enabled with no policy and nemo_app gets no grant, so a tenant
-- transaction can never see a password hash.
CREATE TABLE nemo.accounts (
    user_id            uuid        PRIMARY KEY REFERENCES nemo.users (id) ON DELETE CASCADE,
    password_hash      text        NULL,
    security_stamp     uuid        NOT NULL,
    email_verified_at  timestamptz NOT NULL,
    failed_attempts    integer     NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until       timestamptz NULL,
    oidc_subject       text        NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_oidc_subject ON nemo.accounts (oidc_subject) WHERE oidc_subject IS NOT NULL;

CREATE TABLE nemo.account_tokens (
    token_hash  bytea       PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES nemo.users (id) ON DELETE CASCADE,
    purpose     text        NOT NULL CHECK (purpose IN ('password_reset')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz NULL
);
CREATE INDEX account_tokens_user ON nemo.account_tokens (user_id);

ALTER TABLE nemo.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE nemo.account_tokens ENABLE ROW LEVEL SECURITY;

-- Organization logos uploaded through the console: bytes checked for type and size, served with
-- their checked content type and nosniff; one per organization, under row-level security.
CREATE TABLE nemo.organization_logos (
    organization_id uuid        PRIMARY KEY REFERENCES nemo.organizations (id) ON DELETE CASCADE,
    content_type    text        NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    bytes           bytea       NOT NULL CHECK (octet_length(bytes) <= 262144),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE nemo.organization_logos ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON nemo.organization_logos TO nemo_app
    USING (organization_id = nemo.current_organization_id()) WITH CHECK (organization_id = nemo.current_organization_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON nemo.organization_logos TO nemo_app;
