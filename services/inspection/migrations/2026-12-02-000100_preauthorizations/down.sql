DROP INDEX claims_one_per_preauthorization;
ALTER TABLE claims DROP CONSTRAINT claims_goodwill_with_preauthorization;
ALTER TABLE claims DROP COLUMN waived_reasons;
ALTER TABLE claims DROP COLUMN goodwill_pct;
ALTER TABLE claims DROP COLUMN preauthorization_id;
DROP TABLE preauthorizations;
DROP SEQUENCE preauthorization_number_seq;
