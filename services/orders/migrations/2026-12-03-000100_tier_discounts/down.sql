DROP TABLE tier_discounts;
