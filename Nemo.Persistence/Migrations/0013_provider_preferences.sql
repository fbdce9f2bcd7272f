-- Provider preferences: an organization may rank the operator's providers (provider_order: the first
-- healthy one that offers the model serves) and exclude some (provider_ignore: never used for its
-- requests, fallbacks included). Names are the operator's provider names (Nemo:Providers:{name}), checked
-- by the admin API against the running configuration; a name the operator later removes is simply
-- inert. Read into every gateway's policy cache (NOTIFY nemo_policies), never per request.
ALTER TABLE nemo.organizations
    ADD COLUMN provider_order text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(provider_order) <= 32 AND array_position(provider_order, NULL) IS NULL),
    ADD COLUMN provider_ignore text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(provider_ignore) <= 32 AND array_position(provider_ignore, NULL) IS NULL);
