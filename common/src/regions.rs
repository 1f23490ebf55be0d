//! AWS commercial regions the labs know: code, display name, the slug used in alias names, and
//! whether the region is opt-in. Region arguments are checked against this table.

use crate::tr;
use std::fmt;

/// A region the labs can work in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionInfo {
    pub code: &'static str,
    /// The name the console shows, e.g. "Tokyo".
    pub city: &'static str,
    /// The name the Japanese console shows, e.g. "東京".
    pub city_ja: &'static str,
    /// Lower-case city used in alias names, e.g. `oregon` in `Single-region-key-oregon`.
    pub slug: &'static str,
    /// Opt-in regions must be enabled for the account before use.
    pub opt_in: bool,
}

impl fmt::Display for RegionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.city_name(), self.code)
    }
}

impl RegionInfo {
    /// The city in the learner's language.
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
    RegionInfo { code, city, city_ja, slug, opt_in }
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

/// Looks a region code up in [`REGIONS`].
pub fn find(code: &str) -> Option<&'static RegionInfo> {
    REGIONS.iter().find(|region| region.code == code)
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

/// Parses a region argument; the error says what is wrong and what would be right.
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
    let lower = code.to_ascii_lowercase();
    let suggestion = REGIONS
        .iter()
        .find(|region| region.code.starts_with(lower.rsplit_once('-').map_or("", |(head, _)| head)))
        .map(|region| region.code);
    let known = REGIONS.iter().map(|region| region.code).collect::<Vec<_>>().join(", ");
    Err(match suggestion {
        Some(suggestion) => tr!(
            "'{code}' is not a region the labs know; did you mean {suggestion}? Known regions: {known}",
            "'{code}' はこのラボが扱うリージョンではありません。{suggestion} のことですか? 扱えるリージョン: {known}"
        ),
        None => tr!(
            "'{code}' is not a region the labs know Known regions: {known}",
            "'{code}' はこのラボが扱うリージョンではありません。扱えるリージョン: {known}"
        ),
    })
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
    fn malformed_unknown_and_other_partition_regions_are_refused_with_reasons() {
        let cases = [
            ("tokyo", "is not a region code"),
            ("ap-northeast", "is not a region code"),
            ("AP-NORTHEAST-1", "is not a region code"),
            ("ap-northeast-9", "not a region the labs know"),
            ("us-gov-west-1", "separate AWS partition"),
            ("cn-north-1", "separate AWS partition"),
            ("", "is not a region code"),
        ];
        for (input, expected) in cases {
            let error = parse(input).expect_err(input);
            assert!(error.contains(expected), "{input}: {error}");
        }
    }

    #[test]
    fn unknown_region_suggests_a_neighbour() {
        let error = parse("ap-northeast-9").unwrap_err();
        assert!(error.contains("did you mean ap-northeast-"), "{error}");
    }

    #[test]
    fn region_table_is_consistent() {
        for region in REGIONS {
            assert!(well_formed(region.code), "{}", region.code);
            assert!(region.slug.chars().all(|c| c.is_ascii_lowercase()), "slug {} must fit an alias name", region.slug);
            assert_eq!(REGIONS.iter().filter(|r| r.code == region.code).count(), 1);
        }
    }
}
