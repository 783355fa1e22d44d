//! The page shell shared by every console page: header, navigation, the
//! open-mode banner, the "data shown" line and the footer.

use chrono::NaiveDate;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::timeline::short_list;

/// The pages of the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Search,
    Entity,
    Lists,
    Trade,
    Portfolio,
    Review,
    Keys,
    Login,
}

/// Who is looking at the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The key or session label, `None` in open (localhost-only) mode.
    pub name: Option<String>,
    /// May manage API keys.
    pub admin: bool,
    /// The server runs without keys: everything is open.
    pub open: bool,
}

/// One list version a page used, for the "data shown" line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataVersion {
    pub list: String,
    pub seq: u32,
    /// The date the version speaks for (publication or import date).
    pub as_of: NaiveDate,
}

/// What data a page shows: the list versions and the instant asked about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataLine {
    pub versions: Vec<DataVersion>,
    /// The "as of" date the user chose; `None` means the latest versions.
    pub as_of: Option<NaiveDate>,
    /// What the versions are, when not the latest ones (e.g. "Compared
    /// versions").
    pub label: Option<&'static str>,
}

impl DataLine {
    /// Renders the line; every page shows one.
    pub fn render(&self) -> Markup {
        html! {
            p.dataline data-testid="dataline" {
                @match (self.as_of, self.label) {
                    (Some(d), _) => { "As of " strong { (d) } ": " }
                    (None, Some(l)) => { (l) ": " }
                    (None, None) => { "Latest list versions: " }
                }
                @if self.versions.is_empty() {
                    "no list version loaded."
                }
                @for (i, v) in self.versions.iter().enumerate() {
                    @if i > 0 { " · " }
                    span title=(v.list) { (short_list(&v.list)) " v" (v.seq) " (" (v.as_of) ")" }
                }
            }
        }
    }
}

const NAV: &[(Nav, &str, &str)] = &[
    (Nav::Search, "/", "Search"),
    (Nav::Lists, "/lists", "Lists"),
    (Nav::Trade, "/trade", "Check a trade"),
    (Nav::Portfolio, "/portfolio", "Portfolio"),
    (Nav::Review, "/review", "Review"),
];

/// Renders a whole page around `body`.
pub fn page(
    viewer: &Viewer,
    nav: Nav,
    title: &str,
    data: Option<&DataLine>,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · embargo" }
                link rel="stylesheet" href=(super::assets::CSS_PATH);
                script src=(super::assets::JS_PATH) defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    div.wrap {
                        a.brand href="/" { "embargo" }
                        nav aria-label="Main" {
                            @for (item, href, label) in NAV {
                                @if *item == nav {
                                    a href=(href) aria-current="page" { (label) }
                                } @else {
                                    a href=(href) { (label) }
                                }
                            }
                            @if viewer.admin {
                                @if nav == Nav::Keys {
                                    a href="/keys" aria-current="page" { "API keys" }
                                } @else {
                                    a href="/keys" { "API keys" }
                                }
                            }
                        }
                        div.who {
                            @if let Some(name) = &viewer.name {
                                "Signed in as " strong { (name) } " "
                                form method="post" action="/logout" { button type="submit" { "Sign out" } }
                            }
                        }
                    }
                }
                @if viewer.open {
                    div.banner.open role="status" data-testid="open-banner" {
                        strong { "Open mode: " }
                        "no API keys are configured, so this console is open to anyone who can reach the server. "
                        "Keep it on localhost, or create a key to require sign-in."
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    @if let Some(d) = data { (d.render()) }
                    (body)
                }
                footer.bottom {
                    "embargo console · press " span.kbd { "/" } " to search · "
                    a href="/openapi.json" { "API" }
                }
            }
        }
    }
}

/// A fragment that explains an error in plain words.
pub fn error_box(message: &str) -> Markup {
    html! { div.error-box role="alert" { (message) } }
}

/// A list badge with the list's short name.
pub fn list_badge(list: &str) -> Markup {
    html! { span class=(format!("badge l-{list}")) title=(list) { (short_list(list)) } }
}

/// A program badge.
pub fn program_badge(program: &str) -> Markup {
    html! { span.badge.prog { (program) } }
}

/// Inline SVG (already escaped by its renderer).
pub fn raw(svg: String) -> Markup {
    PreEscaped(svg)
}

/// A CSS class for an outcome keyword (lower case, `_` for spaces).
pub fn outcome_class(outcome: &str) -> String {
    outcome
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_has_title_nav_banner_and_data_line() {
        let data = DataLine {
            versions: vec![DataVersion {
                list: "us_ofac_cons".into(),
                seq: 3,
                as_of: "2025-12-01".parse().unwrap(),
            }],
            as_of: Some("2021-03-16".parse().unwrap()),
            label: None,
        };
        let open = Viewer {
            name: None,
            admin: true,
            open: true,
        };
        let html = page(
            &open,
            Nav::Lists,
            "Lists & <versions>",
            Some(&data),
            html! { p { "body" } },
        )
        .into_string();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>Lists &amp; &lt;versions&gt; · embargo</title>"));
        assert!(html.contains(r#"<a href="/lists" aria-current="page">Lists</a>"#));
        assert!(html.contains("Open mode"));
        assert!(html.contains("OFAC non-SDN v3 (2025-12-01)"));
        assert!(html.contains("As of <strong>2021-03-16</strong>"));
        // In open mode the local user is the administrator: the keys page
        // is where the first key is created.
        assert!(html.contains(r#"<a href="/keys">API keys</a>"#));
        let reader = Viewer {
            name: Some("analyst".into()),
            admin: false,
            open: false,
        };
        let html = page(&reader, Nav::Lists, "Lists", None, html! {}).into_string();
        assert!(!html.contains("API keys</a>"));
    }

    #[test]
    fn signed_in_admin_sees_keys_and_no_banner() {
        let v = Viewer {
            name: Some("ops".into()),
            admin: true,
            open: false,
        };
        let html = page(&v, Nav::Search, "Search", None, html! {}).into_string();
        assert!(html.contains(r#"<a href="/keys">API keys</a>"#));
        assert!(html.contains("Signed in as <strong>ops</strong>"));
        assert!(!html.contains("Open mode"));
    }

    #[test]
    fn outcome_classes_are_css_safe() {
        assert_eq!(outcome_class("Not covered"), "not_covered");
        assert_eq!(outcome_class("prohibited"), "prohibited");
    }
}
