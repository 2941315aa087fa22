DROP TABLE claim_return_reminders;
