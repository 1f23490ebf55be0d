//! AWS commercial regions: the built-in table of the regions the labs know (code, display name,
//! the slug used in alias names, whether the region is opt-in), and regions it does not know yet.
//!
//! A region argument must be a well-formed commercial region code. One in [`REGIONS`] is shown
//! with its city, e.g. `Tokyo (ap-northeast-1)`, and names its destination aliases with the
//! table's slug (`Single-region-key-oregon`). One that is not (a region launched after this
//! table) is accepted here as *unlisted* ([`lookup`]): it is shown by its code alone, with no
//! city, and its slug is the code itself (`Single-region-key-ap-future-1`: letters, digits and
//! `-` only, so it fits an alias name, and it holds a digit, so it is never a table slug). Before
//! any change, the session asks EC2 `DescribeRegions` whether the account has it, enabled
//! (`session::check_unlisted_regions`), and refuses it otherwise, saying how to opt in.
//!
//! Tests only: `EBS_LABS_TEST_UNLISTED_REGIONS` (codes separated by commas) makes the table
//! forget those regions, so that the emulator, which knows no region the table does not, can
//! serve an unlisted one. It only ever takes regions out of the table, which makes them go
//! through the `DescribeRegions` check; it accepts nothing the table would not.

use crate::tr;
use std::fmt;
use std::sync::{Mutex, OnceLock};

/// A region the labs can work in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionInfo {
    pub code: &'static str,
    /// The name the console shows, e.g. "Tokyo" (the code, for an unlisted region).
    pub city: &'static str,
    /// The name the Japanese console shows, e.g. "東京" (the code, for an unlisted region).
    pub city_ja: &'static str,
    /// Lower-case city used in alias names, e.g. `oregon` in `Single-region-key-oregon`; the code
    /// itself for an unlisted region.
    pub slug: &'static str,
    /// Opt-in regions must be enabled for the account before use (the banner warns). `false` for
    /// an unlisted region: the session has checked that the account has it enabled.
    pub opt_in: bool,
    /// Whether the region is in [`REGIONS`]; `false` for a region the table does not know yet.
    pub in_table: bool,
}

impl fmt::Display for RegionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.in_table {
            write!(f, "{} ({})", self.city_name(), self.code)
        } else {
            f.write_str(self.code)
        }
    }
}

impl RegionInfo {
    /// The city in the learner's language (the code, for an unlisted region).
    pub fn city_name(&self) -> &'static str {
        crate::text::lang().pick(self.city, self.city_ja)
    }
}

const fn region(
    code: &'static str,
    city: &'static str,
    city_ja: &'static str,
    slug: &'static str,
    opt_in: bool,
) -> RegionInfo {
    RegionInfo { code, city, city_ja, slug, opt_in, in_table: true }
}

/// The commercial (`aws` partition) regions, November 2026.
pub const REGIONS: &[RegionInfo] = &[
    region("us-east-1", "N. Virginia", "バージニア北部", "virginia", false),
    region("us-east-2", "Ohio", "オハイオ", "ohio", false),
    region("us-west-1", "N. California", "北カリフォルニア", "california", false),
    region("us-west-2", "Oregon", "オレゴン", "oregon", false),
    region("af-south-1", "Cape Town", "ケープタウン", "capetown", true),
    region("ap-east-1", "Hong Kong", "香港", "hongkong", true),
    region("ap-east-2", "Taipei", "台北", "taipei", true),
    region("ap-south-1", "Mumbai", "ムンバイ", "mumbai", false),
    region("ap-south-2", "Hyderabad", "ハイデラバード", "hyderabad", true),
    region("ap-southeast-1", "Singapore", "シンガポール", "singapore", false),
    region("ap-southeast-2", "Sydney", "シドニー", "sydney", false),
    region("ap-southeast-3", "Jakarta", "ジャカルタ", "jakarta", true),
    region("ap-southeast-4", "Melbourne", "メルボルン", "melbourne", true),
    region("ap-southeast-5", "Malaysia", "マレーシア", "malaysia", true),
    region("ap-southeast-6", "New Zealand", "ニュージーランド", "newzealand", true),
    region("ap-southeast-7", "Thailand", "タイ", "thailand", true),
    region("ap-northeast-1", "Tokyo", "東京", "tokyo", false),
    region("ap-northeast-2", "Seoul", "ソウル", "seoul", false),
    region("ap-northeast-3", "Osaka", "大阪", "osaka", false),
    region("ca-central-1", "Canada Central", "カナダ中部", "canada", false),
    region("ca-west-1", "Calgary", "カルガリー", "calgary", true),
    region("eu-central-1", "Frankfurt", "フランクフルト", "frankfurt", false),
    region("eu-central-2", "Zurich", "チューリッヒ", "zurich", true),
    region("eu-west-1", "Ireland", "アイルランド", "ireland", false),
    region("eu-west-2", "London", "ロンドン", "london", false),
    region("eu-west-3", "Paris", "パリ", "paris", false),
    region("eu-north-1", "Stockholm", "ストックホルム", "stockholm", false),
    region("eu-south-1", "Milan", "ミラノ", "milan", true),
    region("eu-south-2", "Spain", "スペイン", "spain", true),
    region("il-central-1", "Tel Aviv", "テルアビブ", "telaviv", true),
    region("me-central-1", "UAE", "アラブ首長国連邦", "uae", true),
    region("me-south-1", "Bahrain", "バーレーン", "bahrain", true),
    region("mx-central-1", "Mexico Central", "メキシコ中部", "mexico", true),
    region("sa-east-1", "São Paulo", "サンパウロ", "saopaulo", false),
];

/// Looks a region code up in [`REGIONS`] (less the regions a test made it forget).
pub fn find(code: &str) -> Option<&'static RegionInfo> {
    REGIONS.iter().find(|region| region.code == code && !forgotten_by_test(code))
}

/// Whether `EBS_LABS_TEST_UNLISTED_REGIONS` takes `code` out of the table (see the module docs).
fn forgotten_by_test(code: &str) -> bool {
    static FORGOTTEN: OnceLock<Vec<String>> = OnceLock::new();
    let forgotten = FORGOTTEN.get_or_init(|| {
        let codes = std::env::var("EBS_LABS_TEST_UNLISTED_REGIONS").unwrap_or_default();
        codes.split(',').map(|code| code.trim().to_string()).filter(|code| !code.is_empty()).collect()
    });
    forgotten.iter().any(|forgotten| forgotten == code)
}

/// The region of a well-formed code: its entry in [`REGIONS`], or else an unlisted region (code
/// for city and slug; see the module docs), made once per code and kept for the process.
pub fn lookup(code: &str) -> &'static RegionInfo {
    if let Some(region) = find(code) {
        return region;
    }
    static UNLISTED: Mutex<Vec<&'static RegionInfo>> = Mutex::new(Vec::new());
    let mut unlisted = UNLISTED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(region) = unlisted.iter().find(|region| region.code == code) {
        return region;
    }
    let code: &'static str = Box::leak(code.to_string().into_boxed_str());
    let region: &'static RegionInfo =
        Box::leak(Box::new(RegionInfo { code, city: code, city_ja: code, slug: code, opt_in: false, in_table: false }));
    unlisted.push(region);
    region
}

/// Whether `code` has the shape of a region code (`xx-word-N`), known or not.
fn well_formed(code: &str) -> bool {
    let parts: Vec<&str> = code.split('-').collect();
    match parts.as_slice() {
        [area, .., number] if parts.len() >= 3 => {
            area.len() == 2
                && area.chars().all(|c| c.is_ascii_lowercase())
                && parts[1..parts.len() - 1]
                    .iter()
                    .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase()))
                && !number.is_empty()
                && number.chars().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// Parses a region argument: a region of the table, or an unlisted one that the session checks
/// against the account before any change; the error says what is wrong and what would be right.
pub fn parse(text: &str) -> Result<&'static RegionInfo, String> {
    let code = text.trim();
    if let Some(region) = find(code) {
        return Ok(region);
    }
    if !well_formed(code) {
        return Err(tr!(
            "'{code}' is not a region code; codes look like ap-northeast-1 (Tokyo) or us-west-2 (Oregon)",
            "'{code}' はリージョンコードではありません。リージョンコードは ap-northeast-1 (東京) や us-west-2 (オレゴン) \
             のような形です"
        ));
    }
    if code.starts_with("us-gov-") || code.starts_with("cn-") || code.contains("-iso") {
        return Err(tr!(
            "'{code}' is in a separate AWS partition (GovCloud, China or ISO); the labs work in the commercial regions only",
            "'{code}' は別の AWS パーティション (GovCloud、中国、ISO) のリージョンです。\
             このラボは商用リージョンでのみ動作します"
        ));
    }
    // Not in the table: a region launched after it, or a typo. The session asks the account's
    // DescribeRegions before any change (session::check_unlisted_regions).
    Ok(lookup(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_regions_parse_with_their_city() {
        let tokyo = parse("ap-northeast-1").unwrap();
        assert_eq!(tokyo.to_string(), "Tokyo (ap-northeast-1)");
        assert_eq!(parse(" us-west-2 ").unwrap().slug, "oregon");
    }

    #[test]
    fn malformed_and_other_partition_regions_are_refused_with_reasons() {
        let cases = [
            ("tokyo", "is not a region code"),
            ("ap-northeast", "is not a region code"),
            ("AP-NORTHEAST-1", "is not a region code"),
            ("ap-northeast-1; rm", "is not a region code"),
            ("us-gov-west-1", "separate AWS partition"),
            ("cn-north-1", "separate AWS partition"),
            ("us-isob-east-1", "separate AWS partition"),
            ("", "is not a region code"),
        ];
        for (input, expected) in cases {
            let error = parse(input).expect_err(input);
            assert!(error.contains(expected), "{input}: {error}");
        }
    }

    #[test]
    fn a_well_formed_region_the_table_does_not_know_is_unlisted_shown_by_its_code() {
        let future = parse(" ap-future-1 ").unwrap();
        assert_eq!((future.code, future.in_table, future.opt_in), ("ap-future-1", false, false));
        assert_eq!(future.to_string(), "ap-future-1", "no city for a region the table does not know");
        assert_eq!(future.city_name(), "ap-future-1");
        assert!(find("ap-future-1").is_none(), "the table itself stays as it is");
        // Made once per code: the same region each time.
        assert!(std::ptr::eq(future, lookup("ap-future-1")));
        assert!(std::ptr::eq(lookup("us-west-2"), find("us-west-2").unwrap()));
    }

    #[test]
    fn an_unlisted_regions_slug_is_its_code_which_fits_an_alias_and_is_never_a_table_slug() {
        for code in ["ap-future-1", "mx-south-12", "eu-north-west-3"] {
            let region = lookup(code);
            assert_eq!(region.slug, code);
            let fits_alias = region.slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            assert!(fits_alias, "{code}");
            assert!(region.slug.chars().any(|c| c.is_ascii_digit()), "{code}");
            assert!(REGIONS.iter().all(|known| known.slug != region.slug), "{code}");
        }
    }

    #[test]
    fn region_table_is_consistent() {
        for region in REGIONS {
            assert!(well_formed(region.code), "{}", region.code);
            assert!(region.slug.chars().all(|c| c.is_ascii_lowercase()), "slug {} must fit an alias name", region.slug);
            assert!(region.in_table);
            assert_eq!(REGIONS.iter().filter(|r| r.code == region.code).count(), 1);
        }
    }
}
