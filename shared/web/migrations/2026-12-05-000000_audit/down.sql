DROP TABLE audit_anchor;
DROP TABLE audit_chain;
DROP TABLE audit_log;
DROP FUNCTION audit_append_only();
