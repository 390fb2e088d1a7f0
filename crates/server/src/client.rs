//! Who is asking: the client address every throttle and rate limit keys on, decided once per
//! request. Only a peer listed in `--trusted-proxies` may name the client with
//! `X-Forwarded-For` (the right-most address that is not itself a trusted proxy); from anyone
//! else the forwarding headers are removed before any handler sees them, so neither the
//! client address nor `X-Forwarded-Proto` (the `Secure` cookie, `auth::is_https`) can be
//! forged by a caller.

use crate::headers::list_items;
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// Headers only a trusted proxy may set.
const FORWARDING_HEADERS: [&str; 5] = [
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-real-ip",
    "forwarded",
];

/// Peers allowed to say who the client is: addresses and CIDR blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Block>);

/// An address block: `addr` with its first `prefix` bits significant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    addr: IpAddr,
    prefix: u8,
}

impl Block {
    fn parse(text: &str) -> Result<Block, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR block"))?;
        let addr = addr.to_canonical();
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("{text:?}: the prefix must be 0–{bits}"))?,
        };
        Ok(Block { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        fn same_prefix(a: u128, b: u128, prefix: u8, bits: u8) -> bool {
            let drop = u32::from(bits - prefix);
            a.checked_shr(drop).unwrap_or(0) == b.checked_shr(drop).unwrap_or(0)
        }
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                same_prefix(u32::from(net).into(), u32::from(ip).into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(net.into(), ip.into(), self.prefix, 128)
            }
            _ => false,
        }
    }
}

impl TrustedProxies {
    /// A comma-separated list of IP addresses and CIDR blocks (`10.0.0.1,192.168.0.0/16`);
    /// empty trusts nobody.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(Block::parse)
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|block| block.contains(ip))
    }

    /// The client behind `peer`: `peer` itself unless it is trusted; then the right-most
    /// `X-Forwarded-For` address that is not a trusted proxy (each proxy appends the address
    /// it was reached from, so everything left of that is the client's own say).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.contains(client) {
            return client;
        }
        // A proxy that sends only the standard `Forwarded` header (RFC 7239) names the hops
        // in its `for=` parameters, in the same order.
        let mut hops: Vec<&str> = list_items(headers, "x-forwarded-for", ',').collect();
        if hops.is_empty() {
            // An element without a `for=` names no hop: the walk stops there.
            hops = forwarded_param(headers, "for")
                .map(Option::unwrap_or_default)
                .collect();
        }
        for hop in hops.into_iter().rev() {
            let Some(ip) = hop_address(hop) else {
                // Garbage to the left of a trusted hop: the hop we trust is the client.
                break;
            };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry or `Forwarded` `for=` node: an address, an address with a
/// port (some proxies add it), or an IPv6 address in brackets with or without one;
/// `unknown` and hidden names (`_proxy1`) are none.
fn hop_address(hop: &str) -> Option<IpAddr> {
    let bare = hop.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    bare.unwrap_or(hop)
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

/// The value of parameter `name` in each element of the `Forwarded` header (RFC 7239:
/// `for=192.0.2.60;proto=https, for="[2001:db8::17]:4711"`), in order, unquoted; `None`
/// for an element without it, or with any parameter twice (malformed). Commas and
/// semicolons inside a quoted value separate nothing.
pub fn forwarded_param<'a>(
    headers: &'a HeaderMap,
    name: &'a str,
) -> impl Iterator<Item = Option<&'a str>> {
    headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| outside_quotes(v, ','))
        .map(move |element| {
            let pairs: Vec<(&str, &str)> = outside_quotes(element, ';')
                .filter_map(|pair| pair.trim().split_once('='))
                .map(|(key, value)| (key.trim(), value.trim()))
                .collect();
            // A parameter given twice makes the element void (RFC 7239, section 4). Counted
            // in one pass: a client's header passed on by a careless proxy may hold a
            // hundred thousand of them.
            let mut seen = std::collections::HashSet::with_capacity(pairs.len());
            let twice = !pairs
                .iter()
                .all(|(key, _)| seen.insert(key.to_ascii_lowercase()));
            let (_, value) = pairs
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .filter(|_| !twice)?;
            let unquoted = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
            Some(unquoted.unwrap_or(value))
        })
}

/// `text` cut at each `separator` that stands outside a quoted string (`"…"`, in which `\`
/// escapes the next character).
fn outside_quotes(text: &str, separator: char) -> impl Iterator<Item = &str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts.into_iter()
}

/// The client address of a request, as decided by [`resolve`]; `None` when the server was
/// driven without a connection (tests calling the router directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// Who the client is for throttles and rate limits: its IPv4 address, or its IPv6 /64
    /// (one subscriber's network: a phone may pick any address in it at will).
    pub fn network(&self) -> Option<IpAddr> {
        self.0.map(|ip| match ip {
            IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !(u128::from(u64::MAX))).into()),
            v4 => v4,
        })
    }

    /// [`ClientAddr::network`] as a throttle key (`unknown` when there is none: such callers
    /// share one).
    pub fn key(&self) -> String {
        self.network()
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientAddr>()
            .copied()
            .unwrap_or(ClientAddr(None)))
    }
}

/// Decides the client address and removes forwarding headers that an untrusted peer sent;
/// the outermost layer (`headers::apply`) calls it before anything reads them.
pub fn resolve(trusted: &TrustedProxies, request: &mut Request) {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = peer.map(|peer| trusted.client(peer, request.headers()));
    if !peer.is_some_and(|peer| trusted.contains(peer)) {
        let headers = request.headers_mut();
        for name in FORWARDING_HEADERS {
            headers.remove(name);
        }
    }
    request.extensions_mut().insert(ClientAddr(client));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn lists_of_addresses_and_blocks_parse_and_match() {
        let t = TrustedProxies::parse(" 10.0.0.1, 192.168.0.0/16,fd00::/8 ").unwrap();
        assert!(t.contains(ip("10.0.0.1")));
        assert!(!t.contains(ip("10.0.0.2")));
        assert!(t.contains(ip("192.168.254.3")));
        assert!(t.contains(ip("::ffff:192.168.1.1")), "IPv4-mapped peers");
        assert!(t.contains(ip("fd12::1")));
        assert!(!t.contains(ip("fe80::1")));
        assert!(TrustedProxies::parse("0.0.0.0/0")
            .unwrap()
            .contains(ip("8.8.8.8")));
        assert_eq!(
            TrustedProxies::parse("").unwrap(),
            TrustedProxies::default()
        );
        for bad in [
            "10.0.0.300",
            "10.0.0.0/33",
            "example.org",
            "::/129",
            "10.0.0.0/x",
        ] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_a_trusted_peer_names_the_client() {
        let none = TrustedProxies::default();
        let headers = forwarded("203.0.113.9");
        assert_eq!(
            none.client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );

        let proxy = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(proxy.client(ip("10.0.0.1"), &headers), ip("203.0.113.9"));
        assert_eq!(
            proxy.client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1"),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            proxy.client(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1"),
            "no header: the proxy itself"
        );
    }

    #[test]
    fn an_ipv6_client_is_its_64_network() {
        let a = ClientAddr(Some(ip("2001:db8:1:2:aaaa::1")));
        let b = ClientAddr(Some(ip("2001:db8:1:2:bbbb::2")));
        let other = ClientAddr(Some(ip("2001:db8:1:3::1")));
        assert_eq!(a.key(), b.key());
        assert_eq!(a.key(), "2001:db8:1:2::");
        assert_ne!(a.key(), other.key());
        assert_eq!(ClientAddr(Some(ip("203.0.113.9"))).key(), "203.0.113.9");
        assert_eq!(ClientAddr(None).key(), "unknown");
    }

    #[test]
    fn a_proxy_sending_only_the_standard_forwarded_header_names_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let standard = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("forwarded", value.parse().unwrap());
            headers
        };
        let cases = [
            ("for=203.0.113.9", "203.0.113.9"),
            ("For=\"203.0.113.9:5123\";proto=https", "203.0.113.9"),
            ("for=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17"),
            ("for=\"[2001:db8:cafe::17]\"", "2001:db8:cafe::17"),
            // Forged first, then our proxies' own: the right-most untrusted hop.
            (
                "for=1.1.1.1, for=203.0.113.9;by=10.0.0.7, for=10.0.0.7",
                "203.0.113.9",
            ),
            // A hidden or unknown hop stops the walk at the last trusted one.
            ("for=_hidden, for=10.0.0.9", "10.0.0.9"),
            ("for=unknown", "10.0.0.1"),
            ("proto=https", "10.0.0.1"),
            // A comma or a semicolon inside quotes separates nothing; a hop named twice is
            // malformed.
            ("for=\"203.0.113.9;x=1, 5\", for=10.0.0.7", "10.0.0.7"),
            ("for=203.0.113.9;for=198.51.100.7", "10.0.0.1"),
            ("for=203.0.113.9;proto=https;proto=http", "10.0.0.1"),
            ("for=203.0.113.9, proto=https;by=10.0.0.7", "10.0.0.1"),
        ];
        for (value, client) in cases {
            assert_eq!(
                proxies.client(ip("10.0.0.1"), &standard(value)),
                ip(client),
                "{value}"
            );
        }
        // A client's element of 100,000 parameters, passed on: one with a parameter twice
        // is void, one without is read, and neither takes a pass per pair of parameters.
        let many: String = (0..100_000).map(|i| format!("p{i}=1;")).collect();
        let forged = format!("{many}for=203.0.113.9, for=10.0.0.7");
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &standard(&forged)),
            ip("203.0.113.9")
        );
        let forged = format!("{many}p7=2;for=203.0.113.9, for=10.0.0.7");
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &standard(&forged)),
            ip("10.0.0.7")
        );
        // X-Forwarded-For, when both come, is what the proxy appended to.
        let mut both = standard("for=198.51.100.7");
        both.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        assert_eq!(proxies.client(ip("10.0.0.1"), &both), ip("203.0.113.9"));
        // From anyone else it names nobody.
        assert_eq!(
            TrustedProxies::default().client(ip("198.51.100.1"), &standard("for=203.0.113.9")),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        // The client forged the first entry; our proxies appended the rest.
        let headers = forwarded("1.1.1.1, 203.0.113.9, 10.0.0.7");
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers), ip("203.0.113.9"));
        let mut two_lines = forwarded("1.1.1.1");
        two_lines.append("x-forwarded-for", "203.0.113.9:5123".parse().unwrap());
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &two_lines),
            ip("203.0.113.9")
        );
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &forwarded("junk, 10.0.0.9")),
            ip("10.0.0.9"),
            "garbage stops the walk at the last trusted hop"
        );
    }
}
