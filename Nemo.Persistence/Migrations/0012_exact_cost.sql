-- Exact cost: a usage event records the parts of its token totals billed at their own prices (cache reads
-- and cache writes within prompt_tokens, reasoning within completion_tokens; 0 when the provider reported
-- none) and the upstream attempts serving it took (retries and fallbacks included; NULL for events
-- recorded before this column). A failed request's request-log entry records its attempts too.
-- No CHECK constraints: the gateway guarantees the values, and one refused row would fail the ledger's
-- whole group-commit batch; the defaults keep the change metadata-only on a large table.
ALTER TABLE nemo.usage_events
    ADD COLUMN attempts           integer NULL,
    ADD COLUMN cached_tokens      bigint  NOT NULL DEFAULT 0,
    ADD COLUMN cache_write_tokens bigint  NOT NULL DEFAULT 0,
    ADD COLUMN reasoning_tokens   bigint  NOT NULL DEFAULT 0;

ALTER TABLE nemo.request_failures
    ADD COLUMN attempts integer NULL;
