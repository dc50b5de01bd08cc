//! Every rule of [`RedirectUri::parse`] and [`matches`], as a table.

use super::*;

use RedirectUriPolicy::{Development, Production};

/// What a row expects: the URI as registered, or the reason for the refusal.
enum Expect {
    Ok(&'static str),
    Refused(Reason),
}
use Expect::{Ok as Accepted, Refused};

fn scheme(name: &str) -> Reason {
    Reason::UnknownScheme(name.to_owned())
}

fn dangerous(name: &str) -> Reason {
    Reason::Dangerous(name.to_owned())
}

#[test]
fn the_rules_of_redirect_uris() {
    let both = [Production, Development];
    let cases: Vec<(&str, &[RedirectUriPolicy], Expect)> = vec![
        // https: any host, kept as written.
        (
            "https://app.example/cb",
            &both,
            Accepted("https://app.example/cb"),
        ),
        (
            "https://app.example/cb?x=1",
            &both,
            Accepted("https://app.example/cb?x=1"),
        ),
        (
            "HTTPS://App.Example:443/cb",
            &both,
            Accepted("HTTPS://App.Example:443/cb"),
        ),
        (
            "https://app.example",
            &both,
            Accepted("https://app.example"),
        ),
        (
            "https://app.example:8443/cb",
            &both,
            Accepted("https://app.example:8443/cb"),
        ),
        // http to loopback (RFC 8252 §7.3): 127.0.0.0/8, [::1], localhost.
        (
            "http://127.0.0.1/cb",
            &both,
            Accepted("http://127.0.0.1/cb"),
        ),
        (
            "http://127.0.0.1:8000/cb",
            &both,
            Accepted("http://127.0.0.1:8000/cb"),
        ),
        (
            "http://127.9.8.7/cb",
            &both,
            Accepted("http://127.9.8.7/cb"),
        ),
        (
            "http://[::1]:4000/cb",
            &both,
            Accepted("http://[::1]:4000/cb"),
        ),
        (
            "http://localhost:3000/cb",
            &both,
            Accepted("http://localhost:3000/cb"),
        ),
        (
            "http://LOCALHOST/cb",
            &both,
            Accepted("http://LOCALHOST/cb"),
        ),
        // http elsewhere: development only.
        (
            "http://app.example/cb",
            &[Production],
            Refused(Reason::HttpNotLoopback),
        ),
        (
            "http://app.example/cb",
            &[Development],
            Accepted("http://app.example/cb"),
        ),
        (
            "http://10.0.0.1/cb",
            &[Production],
            Refused(Reason::HttpNotLoopback),
        ),
        (
            "http://128.0.0.1/cb",
            &[Production],
            Refused(Reason::HttpNotLoopback),
        ),
        (
            "http://localhost.evil.example/cb",
            &[Production],
            Refused(Reason::HttpNotLoopback),
        ),
        (
            "http://127.0.0.1.evil.example/cb",
            &[Production],
            Refused(Reason::HttpNotLoopback),
        ),
        (
            "http://[::ffff:127.0.0.1]/cb",
            &[Production],
            Refused(Reason::HttpNotLoopback),
        ),
        // Private-use schemes (RFC 8252 §7.1): reverse-domain.
        (
            "com.example.app:/oauth2redirect",
            &both,
            Accepted("com.example.app:/oauth2redirect"),
        ),
        (
            "com.example.app://cb",
            &both,
            Accepted("com.example.app://cb"),
        ),
        (
            "Com.Example.App:/cb",
            &both,
            Accepted("Com.Example.App:/cb"),
        ),
        // No fragment (RFC 6749 §3.1.2), no user information, a host for http(s).
        (
            "https://app.example/cb#frag",
            &both,
            Refused(Reason::Fragment),
        ),
        ("https://app.example/cb#", &both, Refused(Reason::Fragment)),
        ("com.example.app:/cb#x", &both, Refused(Reason::Fragment)),
        (
            "https://user@app.example/cb",
            &both,
            Refused(Reason::UserInfo),
        ),
        (
            "https://user:pw@app.example/cb",
            &both,
            Refused(Reason::UserInfo),
        ),
        ("http://a@127.0.0.1/cb", &both, Refused(Reason::UserInfo)),
        (
            "com.example.app://u@host/cb",
            &both,
            Refused(Reason::UserInfo),
        ),
        ("https:app.example/cb", &both, Refused(Reason::NoHost)),
        ("https:///app.example/cb", &both, Refused(Reason::NoHost)),
        ("https://", &both, Refused(Reason::NotAbsolute)),
        // Not absolute, or not one string.
        ("/cb", &both, Refused(Reason::NotAbsolute)),
        ("app.example/cb", &both, Refused(Reason::NotAbsolute)),
        ("", &both, Refused(Reason::Whitespace)),
        (
            "https://app.example/c b",
            &both,
            Refused(Reason::Whitespace),
        ),
        (
            " https://app.example/cb",
            &both,
            Refused(Reason::Whitespace),
        ),
        (
            "https://app.example/cb\n",
            &both,
            Refused(Reason::Whitespace),
        ),
        (
            "https://app.example/\tcb",
            &both,
            Refused(Reason::Whitespace),
        ),
        // Never: schemes that run code or read files, whatever the policy.
        (
            "javascript:alert(1)",
            &both,
            Refused(dangerous("javascript")),
        ),
        (
            "JavaScript:alert(1)",
            &both,
            Refused(dangerous("javascript")),
        ),
        (
            "data:text/html,<script>alert(1)</script>",
            &both,
            Refused(dangerous("data")),
        ),
        ("file:///etc/passwd", &both, Refused(dangerous("file"))),
        ("vbscript:msgbox", &both, Refused(dangerous("vbscript"))),
        // Nor any other scheme that is not listed.
        ("ftp://app.example/cb", &both, Refused(scheme("ftp"))),
        ("myapp:/cb", &both, Refused(scheme("myapp"))),
        ("ws://127.0.0.1/cb", &both, Refused(scheme("ws"))),
        ("urn:ietf:wg:oauth:2.0:oob", &both, Refused(scheme("urn"))),
    ];
    for (uri, policies, expect) in cases {
        for policy in policies {
            match (&expect, RedirectUri::parse(uri, *policy)) {
                (Accepted(normal), Ok(parsed)) => assert_eq!(parsed.as_str(), *normal, "{uri}"),
                (Refused(reason), Err(e)) => {
                    assert_eq!(&e.reason, reason, "{uri} under {policy:?}");
                    assert_eq!(e.uri, uri);
                    // It may become an RFC 7591 error_description: ASCII only.
                    assert!(e.to_string().is_ascii(), "{e}");
                }
                (Accepted(_), Err(e)) => panic!("{uri} under {policy:?} refused: {e}"),
                (Refused(reason), Ok(_)) => {
                    panic!("{uri} under {policy:?} accepted, expected {reason:?}")
                }
            }
        }
    }
}

#[test]
fn the_error_is_one_line_with_the_code_and_the_uri() {
    let e = RedirectUri::parse("javascript:alert(1)", Production).unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("invalid_redirect_uri: "), "{text}");
    assert!(text.contains("\"javascript:alert(1)\""), "{text}");
    assert_eq!(text.lines().count(), 1);
    assert_eq!(RedirectUriError::CODE, "invalid_redirect_uri");
}

#[test]
fn the_default_policy_is_production() {
    assert_eq!(RedirectUriPolicy::default(), Production);
}

#[test]
fn requests_match_exactly_except_loopback_ports() {
    let cases = [
        ("https://app.example/cb", "https://app.example/cb", true),
        ("https://app.example/cb", "https://app.example/cb/", false),
        ("https://app.example/cb", "https://APP.example/cb", false),
        (
            "https://app.example/cb",
            "https://app.example:444/cb",
            false,
        ),
        (
            "https://app.example/cb",
            "https://app.example/cb?x=1",
            false,
        ),
        ("com.example.app:/cb", "com.example.app:/cb", true),
        // RFC 8252 §7.3: any port on a loopback IP literal.
        ("http://127.0.0.1/cb", "http://127.0.0.1:53124/cb", true),
        ("http://127.0.0.1:8000/cb", "http://127.0.0.1:9/cb", true),
        ("http://[::1]/cb", "http://[::1]:4000/cb", true),
        ("http://127.0.0.1/cb", "http://127.0.0.1:53124/cb2", false),
        (
            "http://127.0.0.1/cb",
            "http://127.0.0.1.evil.example/cb",
            false,
        ),
        ("http://127.0.0.1/cb", "http://127.0.0.1:/cb", false),
        ("http://127.0.0.1/cb", "http://[::1]:80/cb", false),
        ("https://127.0.0.1/cb", "https://127.0.0.1:444/cb", false),
    ];
    for (registered, requested, expected) in cases {
        assert_eq!(
            matches(registered, requested),
            expected,
            "{registered} vs {requested}"
        );
    }
}
