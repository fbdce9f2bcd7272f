-- Reservations that gateways re-present after an organization's activation ended uncleanly. Written by
-- every gateway holding admissions of the organization when the new activation announces its epoch
-- (NOTIFY), read by that activation when its recovery window ends, before it admits anything new.
-- Through PostgreSQL rather than a grain call: a call can be stuck behind a frozen silo's open
-- connection for the whole window, a row can't.
CREATE TABLE nemo.reasserted_reservations (
    organization_id uuid        NOT NULL,
    epoch           bigint      NOT NULL,
    request_id      uuid        NOT NULL,
    team_id         uuid        NOT NULL,
    key_id          uuid        NOT NULL,
    customer_id     text        NULL,
    cost            bigint      NOT NULL CHECK (cost >= 0),
    tokens          bigint      NOT NULL CHECK (tokens >= 0),
    reasserted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, epoch, request_id)
);
