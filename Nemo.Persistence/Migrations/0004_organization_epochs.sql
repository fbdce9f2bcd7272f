-- Nemo runs on Microsoft Orleans: its own cluster runtime's tables go (membership, partition leases,
-- grain state), and single-writer fencing moves from partitions to organizations.

DROP TABLE IF EXISTS nemo.grain_state;
DROP TABLE IF EXISTS nemo.partition_leases;
DROP TABLE IF EXISTS nemo.silos;

-- One row per organization that ever had an activation. Every activation takes epoch + 1; every
-- usage event and hand-over names the epoch it was written under and is refused unless it is the
-- current one (the ledger reads this row FOR SHARE, an activation updates it, so the two serialize).
-- active: an activation holds this epoch and has not ended cleanly; a new activation that finds it
-- set knows the previous one crashed, froze or still runs (a duplicate) and recovers accordingly.
-- held: the reservations a clean deactivation handed over to the next activation.
CREATE TABLE nemo.organization_activations (
    organization_id uuid PRIMARY KEY,
    epoch           bigint      NOT NULL CHECK (epoch > 0),
    active          boolean     NOT NULL,
    silo            text        NOT NULL,
    held            jsonb       NOT NULL DEFAULT '[]'::jsonb,
    activated_at    timestamptz NOT NULL DEFAULT now(),
    ended_at        timestamptz NULL
);

-- Events now carry the organization's activation epoch only; partitions are gone.
ALTER TABLE nemo.usage_events DROP COLUMN partition;
