DROP INDEX units_by_model;
DROP INDEX claims_one_per_unit_and_campaign;
ALTER TABLE claims DROP CONSTRAINT claims_campaign_or_goodwill;
ALTER TABLE claims DROP COLUMN campaign_code;
DROP TABLE campaigns;
