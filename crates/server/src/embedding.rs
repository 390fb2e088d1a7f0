//! Who may embed labday: portal origins allowed to frame the app (CSP `frame-ancestors`,
//! part of the policy `headers.rs` sends) and to call the API from their own pages (CORS).
//! By default only labday itself.

use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The portal origins allowed to embed labday (CSP `frame-ancestors` and CORS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalOrigins(pub Vec<String>);

impl PortalOrigins {
    /// Parses a comma-separated list (see [`parse_origins`]).
    pub fn parse(raw: &str) -> Result<PortalOrigins, String> {
        parse_origins(raw).map(PortalOrigins)
    }
}

/// Parses `https://a.gov.cn,https://b.gov.cn` into origins, refusing anything that is not a
/// bare `scheme://host[:port]` so a typo cannot open the app to every site.
pub fn parse_origins(raw: &str) -> Result<Vec<String>, String> {
    raw.split(',')
        .map(|o| o.trim().trim_end_matches('/'))
        .filter(|o| !o.is_empty())
        .map(|o| {
            let rest = o
                .strip_prefix("https://")
                .or_else(|| o.strip_prefix("http://"))
                .ok_or_else(|| {
                    format!("portal origin {o:?} must start with https:// or http://")
                })?;
            let ok = !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
            if ok {
                Ok(o.to_owned())
            } else {
                Err(format!(
                    "portal origin {o:?} must be scheme://host[:port], nothing more"
                ))
            }
        })
        .collect()
}

/// The CSP directive that lets only labday and the given portals frame it.
pub fn frame_ancestors(origins: &[String]) -> String {
    let mut ancestors = vec!["'self'".to_owned()];
    ancestors.extend(origins.iter().cloned());
    format!("frame-ancestors {}", ancestors.join(" "))
}

/// Adds CORS for the allowed portals.
pub fn apply(router: Router, origins: &[String]) -> Router {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if allowed.is_empty() {
        return router;
    }
    router.layer(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(allowed))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("prefer"),
            ])
            // What a portal's page may read besides the simple headers: whether a brief
            // answer was given (`Prefer: return=minimal`), and when to try again.
            .expose_headers([
                HeaderName::from_static("preference-applied"),
                header::RETRY_AFTER,
            ]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_bare_scheme_host_port() {
        assert_eq!(
            parse_origins(" https://www.jiangxi.gov.cn, http://127.0.0.1:8090/ ").unwrap(),
            vec!["https://www.jiangxi.gov.cn", "http://127.0.0.1:8090"]
        );
        assert!(parse_origins("*").is_err());
        assert!(parse_origins("www.jiangxi.gov.cn").is_err());
        assert!(parse_origins("https://a.cn/path").is_err());
        assert!(parse_origins("https://a.cn; script-src *").is_err());
        assert_eq!(parse_origins("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn only_self_frames_by_default() {
        assert_eq!(frame_ancestors(&[]), "frame-ancestors 'self'");
        assert_eq!(
            frame_ancestors(&["https://a.gov.cn".into()]),
            "frame-ancestors 'self' https://a.gov.cn"
        );
    }
}
