DROP TABLE notify_dead_letter_watch;
DROP TABLE notify_delivery;
DROP TABLE notify_message;
DROP TABLE notify_subscription;
