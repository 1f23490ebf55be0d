//! The lab order, read from `labs/labs.toml`: the one list that code and docs follow.

use serde::Deserialize;
use std::sync::OnceLock;

/// The manifest's text, compiled in so every binary knows the whole course.
pub const MANIFEST_TOML: &str = include_str!("../../labs/labs.toml");

/// What a lab makes: how code finds "the lab that makes the keys" without naming a lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Makes {
    Keys,
    Volumes,
    Snapshots,
    /// The snapshots' copies in the destination region.
    Copies,
}

/// One lab of the course, as the manifest describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct LabInfo {
    /// Folder under `labs/` and binary name, e.g. `01-keys`.
    pub id: String,
    /// The title in English; [`LabInfo::name`] gives it in the learner's language.
    pub title: String,
    pub title_ja: String,
    pub summary: String,
    /// Ids of the labs that must have run first.
    #[serde(default)]
    pub needs: Vec<String>,
    /// The resources this lab makes (none for cleanup and the tools).
    #[serde(default)]
    pub makes: Option<Makes>,
    /// The lab that ends the course by removing what the others made (cleanup).
    #[serde(default, rename = "final")]
    pub is_final: bool,
}

impl LabInfo {
    /// The title in the learner's language.
    pub fn name(&self) -> &str {
        crate::text::lang().pick(&self.title, &self.title_ja)
    }
}

#[derive(Deserialize)]
struct Manifest {
    lab: Vec<LabInfo>,
    #[serde(default)]
    tool: Vec<LabInfo>,
}

fn manifest() -> &'static Manifest {
    static MANIFEST: OnceLock<Manifest> = OnceLock::new();
    MANIFEST.get_or_init(|| toml::from_str(MANIFEST_TOML).expect("labs/labs.toml is checked by the tidy test"))
}

/// All labs in learning order.
pub fn labs() -> &'static [LabInfo] {
    &manifest().lab
}

/// The helper binaries beside the labs (`status`), in the folder `tools/`.
pub fn tools() -> &'static [LabInfo] {
    &manifest().tool
}

/// The lab or tool with this id; panics on an id the manifest lacks (a programming error,
/// caught by tests).
pub fn lab(id: &str) -> &'static LabInfo {
    labs().iter().chain(tools()).find(|lab| lab.id == id).unwrap_or_else(|| panic!("{id} is not in labs/labs.toml"))
}

/// The lab that makes `what`; panics when no lab does (a manifest error, caught by tests).
pub fn lab_that_makes(what: Makes) -> &'static LabInfo {
    labs()
        .iter()
        .find(|lab| lab.makes == Some(what))
        .unwrap_or_else(|| panic!("no lab in labs/labs.toml makes {what:?}"))
}

/// The final lab, which removes what the others made.
pub fn final_lab() -> &'static LabInfo {
    labs().iter().find(|lab| lab.is_final).expect("labs/labs.toml marks one lab `final = true`")
}

/// The first lab of the course.
pub fn first_lab() -> &'static LabInfo {
    &labs()[0]
}

/// The lab that follows `id` in the course, if any.
pub fn next_after(id: &str) -> Option<&'static LabInfo> {
    let all = labs();
    let position = all.iter().position(|lab| lab.id == id)?;
    all.get(position + 1)
}

/// The command a learner types to run a lab.
pub fn command_for(lab: &LabInfo) -> String {
    format!("cargo run --bin {}", lab.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_parses_and_ids_are_numbered_in_order() {
        let all = labs();
        assert!(!all.is_empty());
        for (index, lab) in all.iter().enumerate() {
            let expected_number = format!("{:02}-", index + 1);
            assert!(lab.id.starts_with(&expected_number), "{} is out of order", lab.id);
            for need in &lab.needs {
                let needed = all.iter().position(|l| &l.id == need);
                assert!(matches!(needed, Some(n) if n < index), "{} needs unknown or later lab {need}", lab.id);
            }
        }
    }

    #[test]
    fn each_kind_of_resource_has_one_maker_and_one_lab_is_final() {
        for what in [Makes::Keys, Makes::Volumes, Makes::Snapshots, Makes::Copies] {
            assert_eq!(labs().iter().filter(|lab| lab.makes == Some(what)).count(), 1, "{what:?}");
            assert!(!lab_that_makes(what).is_final);
        }
        assert_eq!(labs().iter().filter(|lab| lab.is_final).count(), 1);
        assert!(final_lab().makes.is_none());
        assert!(tools().iter().all(|tool| tool.makes.is_none() && !tool.is_final));
    }

    #[test]
    fn next_after_follows_manifest_order() {
        let all = labs();
        assert_eq!(next_after(&all[0].id).map(|l| &l.id), all.get(1).map(|l| &l.id));
        assert!(next_after(&all[all.len() - 1].id).is_none());
        assert!(next_after("99-nothing").is_none());
    }
}
