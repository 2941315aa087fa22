-- The audit trail (aftersales_web::audit). Unqualified: the connection's search_path
-- selects the service's schema.
--
-- audit_log holds one row per change, written in the transaction that made it.
-- audit_chain seals the rows into a hash chain, in the order their transactions were
-- known to be finished (tx, id): the sealer, not the writers, keeps the chain, so
-- that no write waits for another to take the chain's head.
CREATE TABLE audit_log (
    id             BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The writing transaction: the sealer takes only rows of transactions older than
    -- every one still running, so a row never joins the chain behind one sealed later.
    tx             XID8        NOT NULL DEFAULT pg_current_xact_id(),
    at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_kind     TEXT        NOT NULL CHECK (actor_kind IN ('user', 'event', 'job')),
    -- The user's subject, the producing service, or the job's name.
    actor          TEXT        NOT NULL,
    actor_role     TEXT,
    actor_dealer   TEXT,
    event_id       UUID,
    action         TEXT        NOT NULL,
    entity_type    TEXT        NOT NULL,
    entity_id      TEXT        NOT NULL,
    -- The dealer the entity belongs to, if any: what a dealer may read.
    entity_dealer  TEXT,
    -- {"field": {"before": …, "after": …}}
    changes        JSONB       NOT NULL DEFAULT '{}',
    reason         TEXT,
    correlation_id UUID
);

CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id);
CREATE INDEX audit_log_dealer_idx ON audit_log (entity_dealer, id) WHERE entity_dealer IS NOT NULL;
-- Rows arrive in time order: a BRIN index serves the period filters for a fraction of
-- a B-tree's cost on every insert.
CREATE INDEX audit_log_at_idx ON audit_log USING brin (at);
CREATE INDEX audit_log_tx_idx ON audit_log (tx, id);

CREATE TABLE audit_chain (
    position  BIGINT      PRIMARY KEY,
    audit_id  BIGINT      NOT NULL UNIQUE,
    audit_tx  XID8        NOT NULL,
    prev_hash BYTEA       NOT NULL,
    hash      BYTEA       NOT NULL,
    sealed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Where the chain starts after pruning: the first kept position and the hash it links
-- to (see the retention section of docs/audit.md).
CREATE TABLE audit_anchor (
    position    BIGINT      PRIMARY KEY,
    prev_hash   BYTEA       NOT NULL,
    pruned_rows BIGINT      NOT NULL,
    anchored_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Append-only. The service's runtime role is not the tables' owner, so it can neither
-- drop these triggers nor get round them; only the owner's pruning (audit_prune) may
-- delete, and nobody may update.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('aftersales.audit_prune', true) = 'on'
       AND current_user = (SELECT tableowner FROM pg_tables
                           WHERE schemaname = TG_TABLE_SCHEMA AND tablename = TG_TABLE_NAME) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_anchor_append_only BEFORE UPDATE OR DELETE ON audit_anchor
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- The runtime role got UPDATE and DELETE on every new table from the schema's default
-- privileges; take them back here (the triggers hold either way).
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
             WHERE table_schema = current_schema()
               AND table_name IN ('audit_log', 'audit_chain', 'audit_anchor')
               AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
               AND grantee <> current_user LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_chain, audit_anchor FROM %I',
                       r.grantee);
    END LOOP;
END;
$$;
