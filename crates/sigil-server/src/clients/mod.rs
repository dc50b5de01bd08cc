//! Client policy: what a client may register, shared by every way of registering one (the
//! CLI through `provision`, dynamic registration of RFC 7591) and by the endpoints that match
//! requests against a registration.

pub mod redirect_uri;

pub use redirect_uri::{Reason, RedirectUri, RedirectUriError, RedirectUriPolicy};
