//! Operations: health, readiness, Prometheus metrics and request ids.

pub mod health;
pub mod metrics;
pub mod request_id;
