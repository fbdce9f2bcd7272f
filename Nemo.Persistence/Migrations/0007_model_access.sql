-- Model access control: an organization, a team and a key may each carry an allow-list of public
-- model names (NULL = every model of the operator's catalog). The effective list of a request is the
-- intersection; a model outside it is refused with 403 model_not_allowed in the organization's grain.
ALTER TABLE nemo.organizations ADD COLUMN models text[]
    CHECK (models IS NULL OR (cardinality(models) <= 256 AND array_position(models, NULL) IS NULL));
ALTER TABLE nemo.teams ADD COLUMN models text[]
    CHECK (models IS NULL OR (cardinality(models) <= 256 AND array_position(models, NULL) IS NULL));
ALTER TABLE nemo.api_keys ADD COLUMN models text[]
    CHECK (models IS NULL OR (cardinality(models) <= 256 AND array_position(models, NULL) IS NULL));
