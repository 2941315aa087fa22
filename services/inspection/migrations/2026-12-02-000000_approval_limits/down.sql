DROP TABLE approval_limits;
