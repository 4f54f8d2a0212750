//! Absolute links in what the server writes (exports, invitations): the
//! configured public address, else the request's own (see
//! `domain::public_url` for what is believed from a request).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use http::request::Parts;

/// What decides the link base: `--public-url` and the trusted proxies.
#[derive(Debug, Clone, Default)]
pub struct PublicUrl {
    pub configured: Option<String>,
    pub trusted_proxies: Vec<IpAddr>,
}

/// The base of absolute links for this request, as an extractor.
pub struct LinkBase(pub String);

impl<S: Send + Sync> FromRequestParts<S> for LinkBase {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let config = parts
            .extensions
            .get::<PublicUrl>()
            .cloned()
            .unwrap_or_default();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_canonical());
        let from_trusted_proxy = peer.is_some_and(|peer| {
            config
                .trusted_proxies
                .iter()
                .any(|t| t.to_canonical() == peer)
        });
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        Ok(LinkBase(crate::domain::public_url::link_base(
            config.configured.as_deref(),
            header("host"),
            header("x-forwarded-proto"),
            from_trusted_proxy,
        )))
    }
}
