use serde::{Deserialize, Serialize};

/// A list embargo knows, with its dataset name (the yente-style key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListId {
    /// Dataset key: `us_ofac_sdn`, `us_ofac_cons`, …
    pub key: &'static str,
    pub title: &'static str,
    pub publisher: &'static str,
}

/// The lists embargo imports out of the box. `us_ofac_ns_cmic` is not a
/// separate source: it is the `CMIC-EO13959` program of `us_ofac_cons`.
pub const KNOWN_LISTS: &[ListId] = &[
    ListId {
        key: "us_ofac_sdn",
        title: "OFAC Specially Designated Nationals and Blocked Persons List",
        publisher: "US Treasury, OFAC",
    },
    ListId {
        key: "us_ofac_cons",
        title: "OFAC Consolidated (non-SDN) Sanctions List",
        publisher: "US Treasury, OFAC",
    },
    ListId {
        key: "us_ofac_ns_cmic",
        title: "OFAC Non-SDN Chinese Military-Industrial Complex Companies List (NS-CMIC)",
        publisher: "US Treasury, OFAC",
    },
    ListId {
        key: "us_dod_1260h",
        title: "DoD Section 1260H Chinese Military Companies",
        publisher: "US Department of Defense",
    },
    ListId {
        key: "us_dod_1237",
        title: "DoD Section 1237 Communist Chinese Military Companies (2020-2021)",
        publisher: "US Department of Defense",
    },
    ListId {
        key: "us_bis_dpl",
        title: "BIS Denied Persons List",
        publisher: "US Commerce, BIS",
    },
    ListId {
        key: "us_trade_csl",
        title: "trade.gov Consolidated Screening List",
        publisher: "US Commerce, ITA",
    },
];

impl ListId {
    pub fn find(key: &str) -> Option<&'static ListId> {
        KNOWN_LISTS.iter().find(|l| l.key == key)
    }
}
