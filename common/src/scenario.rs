//! The walkthrough's model: three kinds of key, each with a key in the source and one in the
//! destination region, and the names the walkthrough gives them.

use crate::regions::RegionInfo;
use serde::Serialize;
use std::fmt;

/// The three kinds of KMS key the walkthrough compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// `aws/ebs`: made and rotated by AWS, free, cannot be deleted.
    AwsManaged,
    /// A customer managed key that exists in one region only.
    SingleRegion,
    /// A customer managed multi-region key: a primary and its replica share key material.
    MultiRegion,
}

impl KeyKind {
    pub const ALL: [KeyKind; 3] = [KeyKind::AwsManaged, KeyKind::SingleRegion, KeyKind::MultiRegion];

    /// How the walkthrough names the kind in its resource names (`EBS-encrypted-with-…`).
    pub fn walkthrough_label(self) -> &'static str {
        match self {
            KeyKind::AwsManaged => "default-key",
            KeyKind::SingleRegion => "Single-region-key",
            KeyKind::MultiRegion => "Multi-region-key",
        }
    }

    /// A short name in English: for what is sent to AWS (descriptions), where the language of
    /// one run must not leak in.
    pub fn english_label(self) -> &'static str {
        match self {
            // english-only: sent to AWS in key descriptions; Display gives the learner's language
            KeyKind::AwsManaged => "AWS managed",
            // english-only: sent to AWS in key descriptions; Display gives the learner's language
            KeyKind::SingleRegion => "customer managed, single-region",
            // english-only: sent to AWS in key descriptions; Display gives the learner's language
            KeyKind::MultiRegion => "customer managed, multi-region",
        }
    }
}

/// The learner's language; use [`KeyKind::english_label`] for text sent to AWS.
impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::text::pick(
            self.english_label(),
            match self {
                KeyKind::AwsManaged => "AWS マネージド",
                KeyKind::SingleRegion => "カスタマーマネージド、単一リージョン",
                KeyKind::MultiRegion => "カスタマーマネージド、マルチリージョン",
            },
        ))
    }
}

/// Which end of the copy a key or resource is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Source,
    Destination,
}

/// The alias of the AWS managed key for EBS, in every region.
pub const AWS_EBS_ALIAS: &str = "alias/aws/ebs";

/// One key of the scenario: which kind, which side, and its alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioKey {
    pub kind: KeyKind,
    pub side: Side,
    pub region: &'static RegionInfo,
    /// Full alias name, `alias/…`.
    pub alias: String,
}

impl ScenarioKey {
    /// The alias without its `alias/` prefix, as the console shows it.
    pub fn short_alias(&self) -> &str {
        self.alias.strip_prefix("alias/").unwrap_or(&self.alias)
    }
}

/// The regions and names of one run of the labs.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub source: &'static RegionInfo,
    pub destination: &'static RegionInfo,
    /// Put before every alias and Name tag (empty by default).
    pub prefix: String,
}

impl Scenario {
    pub fn new(source: &'static RegionInfo, destination: &'static RegionInfo, prefix: &str) -> Self {
        Scenario { source, destination, prefix: prefix.to_string() }
    }

    pub fn region(&self, side: Side) -> &'static RegionInfo {
        match side {
            Side::Source => self.source,
            Side::Destination => self.destination,
        }
    }

    /// The alias of the key of `kind` on `side`, e.g. `alias/Single-region-key-oregon`.
    pub fn alias(&self, kind: KeyKind, side: Side) -> String {
        let prefix = &self.prefix;
        let slug = self.destination.slug;
        match (kind, side) {
            (KeyKind::AwsManaged, _) => AWS_EBS_ALIAS.to_string(),
            (KeyKind::SingleRegion, Side::Source) => format!("alias/{prefix}Single-region-key"),
            (KeyKind::SingleRegion, Side::Destination) => {
                format!("alias/{prefix}Single-region-key-{slug}")
            }
            (KeyKind::MultiRegion, Side::Source) => format!("alias/{prefix}Multi-region-key"),
            (KeyKind::MultiRegion, Side::Destination) => {
                format!("alias/{prefix}Multi-region-key-rep-{slug}")
            }
        }
    }

    pub fn key(&self, kind: KeyKind, side: Side) -> ScenarioKey {
        ScenarioKey { kind, side, region: self.region(side), alias: self.alias(kind, side) }
    }

    /// The six keys of the walkthrough, source side first, in the walkthrough's order.
    pub fn keys(&self) -> Vec<ScenarioKey> {
        [Side::Source, Side::Destination]
            .into_iter()
            .flat_map(|side| KeyKind::ALL.into_iter().map(move |kind| self.key(kind, side)))
            .collect()
    }

    /// Name tag of the volume encrypted with the source key of `kind`, e.g.
    /// `EBS-encrypted-with-default-key`.
    pub fn volume_name(&self, kind: KeyKind) -> String {
        self.name(&format!("EBS-encrypted-with-{}", kind.walkthrough_label()))
    }

    /// Name tag and description of the snapshot of that volume, e.g. `snap-EBS-encrypted-with-default-key`.
    pub fn snapshot_name(&self, kind: KeyKind) -> String {
        self.name(&format!("snap-EBS-encrypted-with-{}", kind.walkthrough_label()))
    }

    /// Name tag of the copy of `source`'s snapshot re-encrypted with the destination key of `destination`.
    pub fn copy_name(&self, source: KeyKind, destination: KeyKind) -> String {
        let key = self.key(destination, Side::Destination);
        format!("{}-copy-{}", self.snapshot_name(source), key.short_alias().replace('/', "-"))
    }

    /// A Name tag value with the run's prefix, e.g. `EBS-encrypted-with-Single-region-key`.
    pub fn name(&self, base: &str) -> String {
        format!("{}{base}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions::find;

    fn tokyo_to_oregon(prefix: &str) -> Scenario {
        Scenario::new(find("ap-northeast-1").unwrap(), find("us-west-2").unwrap(), prefix)
    }

    #[test]
    fn aliases_follow_the_walkthrough() {
        let scenario = tokyo_to_oregon("");
        let aliases: Vec<String> = scenario.keys().into_iter().map(|key| key.alias).collect();
        assert_eq!(
            aliases,
            [
                "alias/aws/ebs",
                "alias/Single-region-key",
                "alias/Multi-region-key",
                "alias/aws/ebs",
                "alias/Single-region-key-oregon",
                "alias/Multi-region-key-rep-oregon",
            ]
        );
    }

    #[test]
    fn destination_suffix_follows_the_destination_city_and_prefix_applies_to_customer_keys_only() {
        let scenario = Scenario::new(find("us-east-1").unwrap(), find("eu-west-1").unwrap(), "alice-");
        assert_eq!(scenario.alias(KeyKind::SingleRegion, Side::Destination), "alias/alice-Single-region-key-ireland");
        assert_eq!(scenario.alias(KeyKind::MultiRegion, Side::Destination), "alias/alice-Multi-region-key-rep-ireland");
        assert_eq!(scenario.alias(KeyKind::AwsManaged, Side::Destination), "alias/aws/ebs");
        assert_eq!(scenario.key(KeyKind::SingleRegion, Side::Source).short_alias(), "alice-Single-region-key");
        assert_eq!(scenario.name("EBS-encrypted-with-default-key"), "alice-EBS-encrypted-with-default-key");
    }
}
