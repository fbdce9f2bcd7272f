-- Orleans ADO.NET clustering and grain persistence on PostgreSQL (invariant "Npgsql").
--
-- Written for, and tested against, Microsoft.Orleans.Clustering.AdoNet 10.4.2 and
-- Microsoft.Orleans.Persistence.AdoNet 10.4.2. The packages ship no SQL: at start-up each provider
-- reads its query texts, by key, from the table OrleansQuery, and afterwards runs only those texts.
-- What a text must do is fixed by the provider (parameter names and types it binds, column names and
-- shapes it reads back); how it does it is ours. Everything lives in the schema "public" because the
-- providers read "OrleansQuery" unqualified: the connection's search_path must reach it (PostgreSQL's
-- default "$user", public does). Unquoted names fold to lower case; Npgsql matches the providers'
-- PascalCase column names case-insensitively.
--
-- Parameters as the 10.4.2 providers bind them:
--   strings -> text, int -> int4, long -> int8, byte[] -> bytea, DateTime (UTC) -> timestamptz,
--   null int? stays typed int4. Booleans the providers read are "one column, non-zero = true".
--
-- Reminders are not used by Nemo and have no tables here.
-- Requires PostgreSQL 15 or later (UNIQUE NULLS NOT DISTINCT).

-- ================================================================ query catalogue
CREATE TABLE orleansquery (
    querykey   varchar(64) NOT NULL PRIMARY KEY,
    querytext  text        NOT NULL
);

-- ================================================================ clustering (membership)
-- One row per cluster (the provider's "DeploymentId" is Orleans' ClusterId). Its version is the
-- optimistic-concurrency token of the whole membership table: every change to a silo row must name the
-- version it read, and bumps it by one.
CREATE TABLE orleansmembershipversiontable (
    deploymentid  text        NOT NULL PRIMARY KEY,
    "timestamp"   timestamptz NOT NULL DEFAULT now(),
    version       integer     NOT NULL DEFAULT 0
);

-- One row per silo incarnation (address, port, generation). Status is Orleans' SiloStatus:
-- 1 Created, 2 Joining, 3 Active, 4 ShuttingDown, 5 Stopping, 6 Dead.
-- SuspectTimes is the provider's "silo,time|silo,time" text of suspicion votes.
CREATE TABLE orleansmembershiptable (
    deploymentid  text        NOT NULL REFERENCES orleansmembershipversiontable (deploymentid),
    address       text        NOT NULL,
    port          integer     NOT NULL,
    generation    integer     NOT NULL,
    siloname      text        NOT NULL,
    hostname      text        NOT NULL,
    status        integer     NOT NULL,
    proxyport     integer     NOT NULL,
    suspecttimes  text        NULL,
    starttime     timestamptz NOT NULL,
    iamalivetime  timestamptz NOT NULL,
    PRIMARY KEY (deploymentid, address, port, generation)
);

-- Adds a silo row if the caller's table version is still current, and bumps the version.
-- Returns 1 on success, 0 when the version moved on or the silo row already exists (nothing changed).
-- The version row is locked first (SELECT … FOR UPDATE re-checks the version after any concurrent
-- writer commits), so no exception-and-rollback trick is needed.
CREATE FUNCTION orleans_membership_insert(
    p_deploymentid text, p_address text, p_port integer, p_generation integer,
    p_siloname text, p_hostname text, p_status integer, p_proxyport integer,
    p_starttime timestamptz, p_iamalivetime timestamptz, p_version integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    inserted integer;
BEGIN
    PERFORM 1 FROM orleansmembershipversiontable
     WHERE deploymentid = p_deploymentid AND version = p_version
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    INSERT INTO orleansmembershiptable
        (deploymentid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
    VALUES
        (p_deploymentid, p_address, p_port, p_generation, p_siloname, p_hostname, p_status, p_proxyport, p_starttime, p_iamalivetime)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    IF inserted = 0 THEN
        RETURN 0;
    END IF;

    UPDATE orleansmembershipversiontable
       SET version = version + 1, "timestamp" = now()
     WHERE deploymentid = p_deploymentid;
    RETURN 1;
END
$$;

-- Changes a silo row's status, suspicion votes and liveness time if the caller's table version is still
-- current, and bumps the version. Returns 1 on success, 0 when nothing changed.
CREATE FUNCTION orleans_membership_update(
    p_deploymentid text, p_address text, p_port integer, p_generation integer,
    p_status integer, p_suspecttimes text, p_iamalivetime timestamptz, p_version integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    updated integer;
BEGIN
    PERFORM 1 FROM orleansmembershipversiontable
     WHERE deploymentid = p_deploymentid AND version = p_version
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    UPDATE orleansmembershiptable
       SET status = p_status, suspecttimes = p_suspecttimes, iamalivetime = p_iamalivetime
     WHERE deploymentid = p_deploymentid AND address = p_address AND port = p_port AND generation = p_generation;
    GET DIAGNOSTICS updated = ROW_COUNT;
    IF updated = 0 THEN
        RETURN 0;
    END IF;

    UPDATE orleansmembershipversiontable
       SET version = version + 1, "timestamp" = now()
     WHERE deploymentid = p_deploymentid;
    RETURN 1;
END
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES
-- Creates the cluster's version row if missing. Returns 1 when it created it, 0 when it was there.
('InsertMembershipVersionKey', '
WITH created AS (
    INSERT INTO orleansmembershipversiontable (deploymentid) VALUES (@DeploymentId)
    ON CONFLICT (deploymentid) DO NOTHING
    RETURNING 1)
SELECT count(*)::integer FROM created;'),

('InsertMembershipKey', '
SELECT orleans_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
                                 @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version);'),

('UpdateMembershipKey', '
SELECT orleans_membership_update(@DeploymentId, @Address, @Port, @Generation,
                                 @Status, @SuspectTimes, @IAmAliveTime, @Version);'),

-- Liveness heartbeat of one silo. Not versioned and its result is not read.
('UpdateIAmAlivetimeKey', '
UPDATE orleansmembershiptable SET iamalivetime = @IAmAliveTime
 WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;'),

-- One silo row plus the table version. The version row drives the join so that the version comes back
-- (with NULL silo columns) even when the silo has no row yet.
('MembershipReadRowKey', '
SELECT m.address AS Address, m.port AS Port, m.generation AS Generation, m.siloname AS SiloName,
       m.hostname AS HostName, m.status AS Status, m.proxyport AS ProxyPort, m.suspecttimes AS SuspectTimes,
       m.starttime AS StartTime, m.iamalivetime AS IAmAliveTime, v.version AS Version
  FROM orleansmembershipversiontable v
  LEFT JOIN orleansmembershiptable m
         ON m.deploymentid = v.deploymentid
        AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
 WHERE v.deploymentid = @DeploymentId;'),

-- Every silo row plus the table version (same shape as MembershipReadRowKey).
('MembershipReadAllKey', '
SELECT m.address AS Address, m.port AS Port, m.generation AS Generation, m.siloname AS SiloName,
       m.hostname AS HostName, m.status AS Status, m.proxyport AS ProxyPort, m.suspecttimes AS SuspectTimes,
       m.starttime AS StartTime, m.iamalivetime AS IAmAliveTime, v.version AS Version
  FROM orleansmembershipversiontable v
  LEFT JOIN orleansmembershiptable m ON m.deploymentid = v.deploymentid
 WHERE v.deploymentid = @DeploymentId;'),

-- Gateways for clients: silos in the status the provider asks for (Active) that listen for clients.
('GatewaysQueryKey', '
SELECT address AS Address, proxyport AS ProxyPort, generation AS Generation
  FROM orleansmembershiptable
 WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0;'),

-- Removes a whole cluster (used by tests and tooling, never by a running silo).
('DeleteMembershipTableEntriesKey', '
DELETE FROM orleansmembershiptable WHERE deploymentid = @DeploymentId;
DELETE FROM orleansmembershipversiontable WHERE deploymentid = @DeploymentId;'),

-- Defunct-silo cleanup, coarse form: rows not Active whose last heartbeat is older than the cut-off.
('CleanupDefunctSiloEntriesKey', '
DELETE FROM orleansmembershiptable
 WHERE deploymentid = @DeploymentId AND iamalivetime < @IAmAliveTime AND status <> 3;'),

-- Defunct-silo cleanup, precise form (optional key; when present 10.4.2 uses it instead of the coarse
-- one): the provider reads all rows, picks Dead ones older than the cut-off, and deletes each only if
-- it is still exactly as read (so a row changed meanwhile survives).
('CleanupDefunctSiloEntryKey', '
DELETE FROM orleansmembershiptable
 WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
   AND status = 6
   AND starttime = @StartTime AND iamalivetime = @IAmAliveTime
   AND suspecttimes IS NOT DISTINCT FROM @SuspectTimes;');

-- ================================================================ grain persistence
-- One row per (service, grain type, grain id). The provider hashes the grain id and type into
-- grainidhash / graintypehash and splits the id into two int8 halves plus an optional string part
-- (grainidextensionstring, NULL when the id has none). Version is the state's ETag; the payload is the
-- provider's serialized state (binary, whatever serializer is configured). A cleared state keeps its row
-- with a NULL payload and a bumped version, so a stale writer still loses.
CREATE TABLE orleansstorage (
    grainidhash             integer     NOT NULL,
    grainidn0               bigint      NOT NULL,
    grainidn1               bigint      NOT NULL,
    graintypehash           integer     NOT NULL,
    graintypestring         text        NOT NULL,
    grainidextensionstring  text        NULL,
    serviceid               text        NOT NULL,
    payloadbinary           bytea       NULL,
    modifiedon              timestamptz NOT NULL DEFAULT now(),
    version                 integer     NOT NULL
);

-- The grain identity is unique. The stock Orleans script has no such key and guards its first insert
-- with INSERT … WHERE NOT EXISTS, which two concurrent transactions both pass: both first writes of a
-- new grain "succeed" and the table ends with two rows for one grain. NULLS NOT DISTINCT makes two
-- NULL extension strings collide as well (plain UNIQUE would let them through).
CREATE UNIQUE INDEX orleansstorage_grain_key ON orleansstorage
    (grainidhash, graintypehash, grainidn0, grainidn1, serviceid, graintypestring, grainidextensionstring)
    NULLS NOT DISTINCT;

-- Writes a grain's state. With no version (the grain has never seen a stored row) it inserts version 1;
-- if another writer got there first the unique key turns the insert into a no-op. With a version it
-- updates only the row still at that version. Returns the new version, or NULL when nothing was
-- written: the provider turns NULL into InconsistentStateException.
CREATE FUNCTION orleans_storage_write(
    p_grainidhash integer, p_grainidn0 bigint, p_grainidn1 bigint, p_graintypehash integer,
    p_graintypestring text, p_grainidextensionstring text, p_serviceid text,
    p_version integer, p_payloadbinary bytea)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    written integer;
BEGIN
    IF p_version IS NULL THEN
        INSERT INTO orleansstorage
            (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring,
             serviceid, payloadbinary, modifiedon, version)
        VALUES
            (p_grainidhash, p_grainidn0, p_grainidn1, p_graintypehash, p_graintypestring, p_grainidextensionstring,
             p_serviceid, p_payloadbinary, now(), 1)
        ON CONFLICT DO NOTHING
        RETURNING version INTO written;
    ELSE
        UPDATE orleansstorage
           SET payloadbinary = p_payloadbinary, modifiedon = now(), version = version + 1
         WHERE grainidhash = p_grainidhash AND graintypehash = p_graintypehash
           AND grainidn0 = p_grainidn0 AND grainidn1 = p_grainidn1
           AND serviceid = p_serviceid AND graintypestring = p_graintypestring
           AND grainidextensionstring IS NOT DISTINCT FROM p_grainidextensionstring
           AND version = p_version
        RETURNING version INTO written;
    END IF;
    RETURN written;
END
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('WriteToStorageKey', '
SELECT orleans_storage_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                             @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary)
       AS NewGrainStateVersion;'),

-- No row: the grain has never been written. A row with a NULL payload: it was cleared (the version still
-- comes back as the ETag).
('ReadFromStorageKey', '
SELECT payloadbinary AS PayloadBinary, version AS Version
  FROM orleansstorage
 WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
   AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
   AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
   AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString;'),

-- Clear (the default, DeleteStateOnClear = false): drop the payload, keep the row, bump the version.
-- Returns the new version in the first column; no row (stale ETag) means a version conflict.
('ClearStorageKey', '
UPDATE orleansstorage
   SET payloadbinary = NULL, modifiedon = now(), version = version + 1
 WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
   AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
   AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
   AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
   AND version = @GrainStateVersion
RETURNING version AS NewGrainStateVersion;'),

-- Clear with DeleteStateOnClear = true: remove the row if it is still at the caller's version. Returns
-- one value that differs from the caller's ETag (the provider only checks that it does); no row means
-- a version conflict. The grain's next write is then a first write again (ETag NULL).
('DeleteStorageKey', '
DELETE FROM orleansstorage
 WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
   AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
   AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
   AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
   AND version = @GrainStateVersion
RETURNING version + 1 AS NewGrainStateVersion;');

-- ================================================================ privileges
-- New functions are executable by PUBLIC by default. They run with the caller's rights (not SECURITY
-- DEFINER), so another role could not touch the tables through them anyway; still, only the service role
-- that owns them (the one the silos connect as) has any business calling them. The tenant role nemo_app
-- gets no grant on anything here.
REVOKE EXECUTE ON FUNCTION
    orleans_membership_insert(text, text, integer, integer, text, text, integer, integer, timestamptz, timestamptz, integer),
    orleans_membership_update(text, text, integer, integer, integer, text, timestamptz, integer),
    orleans_storage_write(integer, bigint, bigint, integer, text, text, text, integer, bytea)
FROM PUBLIC;
