//! The W3C trace context (`traceparent`, `tracestate`) carried from a request through
//! the outbox and RabbitMQ to the consumer, so that one trace shows a business flow
//! across services (docs/observability.md).
//!
//! Tracing is off unless the process installed an OpenTelemetry layer and said so
//! with [`set_enabled`] (`aftersales_web::telemetry` does, when an OTLP endpoint is
//! configured). Off, nothing here reads or writes a context: the outbox column stays
//! NULL and messages carry no trace headers.

use std::sync::atomic::{AtomicBool, Ordering};

use lapin::types::{AMQPValue, FieldTable, LongString};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

pub const TRACEPARENT: &str = "traceparent";
pub const TRACESTATE: &str = "tracestate";

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Records that spans are exported: from now on contexts are captured and continued.
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// Whether this process traces (see the module docs).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A trace context as it travels between processes: the two W3C header values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceContext {
    pub traceparent: Option<String>,
    pub tracestate: Option<String>,
}

impl TraceContext {
    /// The context of `span`; empty when tracing is off or the span is not recorded.
    pub fn of(span: &tracing::Span) -> Self {
        let mut carried = TraceContext::default();
        if !enabled() {
            return carried;
        }
        let cx = span.context();
        if cx.span().span_context().is_valid() {
            TraceContextPropagator::new().inject_context(&cx, &mut carried);
        }
        carried
    }

    /// The context of the span the caller runs in.
    pub fn current() -> Self {
        Self::of(&tracing::Span::current())
    }

    pub fn is_empty(&self) -> bool {
        self.traceparent.is_none()
    }

    /// Makes `span` a child of this context; returns whether it did. Call it right after
    /// creating `span`: once the span has started its parent is fixed. A malformed
    /// `traceparent` is ignored, as the W3C rules say, and the span starts a new trace.
    pub fn parent(&self, span: &tracing::Span) -> bool {
        if self.is_empty() || !enabled() {
            return false;
        }
        let cx = TraceContextPropagator::new().extract(self);
        cx.span().span_context().is_valid() && span.set_parent(cx).is_ok()
    }

    /// From the headers of an AMQP message; values that are not text are ignored.
    pub fn from_amqp(headers: Option<&FieldTable>) -> Self {
        let text = |name: &str| {
            let value = headers?.inner().get(name)?;
            match value {
                AMQPValue::LongString(s) => std::str::from_utf8(s.as_bytes()).ok(),
                AMQPValue::ShortString(s) => Some(s.as_str()),
                _ => None,
            }
            .map(str::to_owned)
        };
        TraceContext {
            traceparent: text(TRACEPARENT),
            tracestate: text(TRACESTATE),
        }
    }

    /// Adds this context to `headers` (nothing when it is empty).
    pub fn to_amqp(&self, headers: &mut FieldTable) {
        for (name, value) in [
            (TRACEPARENT, &self.traceparent),
            (TRACESTATE, &self.tracestate),
        ] {
            if let Some(value) = value {
                headers.insert(
                    name.into(),
                    AMQPValue::LongString(LongString::from(value.as_str())),
                );
            }
        }
    }
}

/// The span for work done at once for several traced operations (a group commit), so
/// that what it enqueues carries a context: the one operation's own span, or for
/// several a new span linked to each of theirs (OpenTelemetry's model of a batch: the
/// trace of each operation shows the link). No span when tracing is off.
pub fn batch_span(spans: &[tracing::Span]) -> tracing::Span {
    if !enabled() {
        return tracing::Span::none();
    }
    match spans {
        [one] => one.clone(),
        many => {
            let batch = tracing::info_span!("batch", size = many.len());
            for span in many {
                let cx = span.context();
                let linked = cx.span().span_context().clone();
                if linked.is_valid() {
                    batch.add_link(linked);
                }
            }
            batch
        }
    }
}

impl Injector for TraceContext {
    fn set(&mut self, key: &str, value: String) {
        match key {
            TRACEPARENT => self.traceparent = Some(value),
            // An empty tracestate is the same as none (W3C).
            TRACESTATE if !value.is_empty() => self.tracestate = Some(value),
            _ => {}
        }
    }
}

impl Extractor for TraceContext {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            TRACEPARENT => self.traceparent.as_deref(),
            TRACESTATE => self.tracestate.as_deref(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec![TRACEPARENT, TRACESTATE]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amqp_headers_carry_both_values_and_only_text_is_read() {
        let carried = TraceContext {
            traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
            tracestate: Some("vendor=x".into()),
        };
        let mut headers = FieldTable::default();
        carried.to_amqp(&mut headers);
        assert_eq!(TraceContext::from_amqp(Some(&headers)), carried);

        let mut odd = FieldTable::default();
        odd.insert(TRACEPARENT.into(), AMQPValue::LongInt(7));
        assert!(TraceContext::from_amqp(Some(&odd)).is_empty());
        assert!(TraceContext::from_amqp(None).is_empty());
    }

    #[test]
    fn off_nothing_is_captured_or_continued() {
        // No OpenTelemetry layer and not enabled: the span has no context to give,
        // and a carried one is not applied.
        let span = tracing::info_span!("off");
        assert!(TraceContext::of(&span).is_empty());
        let carried = TraceContext {
            traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
            tracestate: None,
        };
        assert!(!carried.parent(&span));
    }
}
