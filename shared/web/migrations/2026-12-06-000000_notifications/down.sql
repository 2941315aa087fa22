DROP TABLE notify_delivery;
DROP TABLE notify_message;
DROP TABLE notify_subscription;
