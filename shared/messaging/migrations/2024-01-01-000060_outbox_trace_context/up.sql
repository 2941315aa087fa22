-- The W3C trace context of the transaction that wrote the event (NULL when tracing is
-- off): the relay publishes the message as a child of it, so the trace goes on across
-- the broker. Kept beside the envelope, not in it: the envelope is the documented event
-- contract (docs/events.md), the trace context is transport, like the AMQP headers.
ALTER TABLE outbox ADD COLUMN traceparent TEXT, ADD COLUMN tracestate TEXT;
