//! Ownership: the tags every lab resource carries from its create call on, and the checks and
//! filters that let the labs find, reuse and delete only what they made.

use aws_sdk_ec2::types::{Filter, ResourceType, Tag as Ec2Tag, TagSpecification};
use aws_sdk_kms::types::Tag as KmsTag;

/// Tag key that marks a resource as made by the labs; its value is always [`PROJECT`].
pub const PROJECT_KEY: &str = "ebs-kms-labs:project";
pub const PROJECT: &str = "ebs-kms-labs";
/// Tag key naming the lab that made the resource, e.g. `01-keys`.
pub const STEP_KEY: &str = "ebs-kms-labs:step";
/// Tag key naming the resource within the scenario (a key's intended alias, a volume's Name):
/// lets a re-run adopt a key whose alias was never made, instead of making a second key.
pub const ROLE_KEY: &str = "ebs-kms-labs:role";
/// Tag key naming the set the resource belongs to: the run's `--name-prefix`, empty for the
/// default set. Matched exactly, so that no set's names can be read as another's.
pub const SET_KEY: &str = "ebs-kms-labs:set";

/// The ownership tags of a resource made by lab `step`, playing `role` in the set `set`.
pub fn ownership(step: &str, role: &str, set: &str) -> Vec<(&'static str, String)> {
    vec![
        (PROJECT_KEY, PROJECT.to_string()),
        (STEP_KEY, step.to_string()),
        (ROLE_KEY, role.to_string()),
        (SET_KEY, set.to_string()),
    ]
}

/// Ownership tags in the shape CreateKey and ReplicateKey take.
pub fn kms_tags(step: &str, role: &str, set: &str) -> Vec<KmsTag> {
    ownership(step, role, set)
        .into_iter()
        .map(|(key, value)| KmsTag::builder().tag_key(key).tag_value(value).build().expect("key and value are set"))
        .collect()
}

/// A `TagSpecifications` entry for EC2 create calls: ownership tags plus the Name tag.
pub fn ec2_tag_spec(resource: ResourceType, step: &str, name: &str, set: &str) -> TagSpecification {
    let tags = ownership(step, name, set)
        .into_iter()
        .chain([("Name", name.to_string())])
        .map(|(key, value)| Ec2Tag::builder().key(key).value(value).build());
    TagSpecification::builder().resource_type(resource).set_tags(Some(tags.collect())).build()
}

/// The Describe filter that returns only lab-owned EC2 resources.
pub fn ec2_owned_filter() -> Filter {
    Filter::builder().name(format!("tag:{PROJECT_KEY}")).values(PROJECT).build()
}

/// Whether a set of tags (key, value) marks a resource as lab-owned.
pub fn is_owned<'a>(mut tags: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
    tags.any(|(key, value)| key == PROJECT_KEY && value == PROJECT)
}

/// The value of tag `key`, if present.
pub fn value_of<'a>(mut tags: impl Iterator<Item = (&'a str, &'a str)>, key: &str) -> Option<&'a str> {
    tags.find(|(k, _)| *k == key).map(|(_, value)| value)
}

/// The ownership tags' values on a resource that carries the project tag: which lab made it,
/// the part it plays, and its set (`None` on resources made before the set tag existed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabTags {
    pub step: Option<String>,
    pub role: Option<String>,
    pub set: Option<String>,
}

impl LabTags {
    /// The lab tags, or `None` when the project tag is missing.
    pub fn read<'a>(tags: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> Option<LabTags> {
        if !is_owned(tags.clone()) {
            return None;
        }
        let value = |key: &str| value_of(tags.clone(), key).map(str::to_string);
        Some(LabTags { step: value(STEP_KEY), role: value(ROLE_KEY), set: value(SET_KEY) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kms_tags_carry_project_step_and_role() {
        let tags = kms_tags("01-keys", "alice-Single-region-key", "alice-");
        let pairs: Vec<(&str, &str)> = tags.iter().map(|t| (t.tag_key(), t.tag_value())).collect();
        let read = LabTags::read(pairs.iter().copied()).expect("the project tag is there");
        assert_eq!(read.step.as_deref(), Some("01-keys"));
        assert_eq!(read.role.as_deref(), Some("alice-Single-region-key"));
        assert_eq!(read.set.as_deref(), Some("alice-"));
    }

    #[test]
    fn ownership_needs_the_exact_project_tag() {
        assert!(!is_owned([("Name", "ebs-kms-labs")].into_iter()));
        assert!(!is_owned([(PROJECT_KEY, "something-else")].into_iter()));
        assert!(!is_owned(std::iter::empty()));
        assert_eq!(LabTags::read([(ROLE_KEY, "Single-region-key")].into_iter()), None);
    }

    #[test]
    fn ec2_tag_spec_adds_the_name_tag() {
        let spec = ec2_tag_spec(ResourceType::Volume, "02-volumes", "EBS-encrypted-with-default-key", "");
        let tags = spec.tags();
        assert!(tags.iter().any(|t| t.key() == Some("Name") && t.value() == Some("EBS-encrypted-with-default-key")));
        assert!(is_owned(tags.iter().map(|t| (t.key().unwrap_or(""), t.value().unwrap_or("")))));
    }
}
