//! The inventory of everything lab-owned in both regions (`Found`, `Inventory`), what each item
//! costs, and the engine that removes items in dependency order (`execute`): copies in the
//! destination, snapshots in the source, volumes, aliases, then keys (replica, primary,
//! single-region) scheduled for deletion. The cleanup flow, status and the Ctrl-C report
//! build on it; it names no lab (the manifest says which lab makes what).
//!
//! Safety: the inventory holds only this set's resources, by their whole ownership signature
//! (`crate::ownership`; a replica, when its primary is the set's; an alias, only the one the
//! scenario gives its key). Resources tagged like the labs' but not the set's are listed apart and
//! left alone. A key that something outside the set still uses (another alias, a grant that is
//! not EBS's, a volume or snapshot encrypted under it) is kept unless `--force-key` names it;
//! aliases are read again after the confirmation, and one that moved is left alone. AWS managed
//! keys are never touched.

use crate::cli;
use crate::ec2::{self, LabSnapshot, LabVolume};
use crate::errors::{AwsError, AwsResultExt};
use crate::facts;
use crate::kms::{self, AwsEbs, KeyInfo, LabKeys, MultiRegionRole, Purpose, RegionKeys};
use crate::manifest::{self, Makes};
use crate::ownership::{self, Made, Verdict};
use crate::regions::RegionInfo;
use crate::scenario::{Scenario, Side};
use crate::session::{RegionClients, Session};
use crate::text::{self, pick, Lang};
use crate::tr;
use crate::ui::{Report, Ui};
use anyhow::Result;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;

/// What kind of resource an inventory item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Snapshot,
    Volume,
    Alias,
    Key,
}

impl ItemKind {
    /// Its name in `--output json`: `key`, `alias`, `volume`, `snapshot`.
    pub fn json_name(self) -> &'static str {
        match self {
            ItemKind::Snapshot => "snapshot",
            ItemKind::Volume => "volume",
            ItemKind::Alias => "alias",
            ItemKind::Key => "key",
        }
    }
}

/// A command as `--output json` gives it: without the `--lang ja` a Japanese run repeats, so
/// that the document is the same in either language.
pub fn without_lang_flag(command: &str) -> String {
    let command = command.replace(" --lang ja", "");
    command.strip_suffix(" --").unwrap_or(&command).to_string()
}

/// A cost in USD per month, rounded to a hundredth of a cent (so that 8 × 0.08 is 0.64).
pub fn usd(amount: f64) -> f64 {
    (amount * 10_000.0).round() / 10_000.0 + 0.0
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ItemKind::Snapshot => pick("snapshot", "スナップショット"),
            ItemKind::Volume => pick("volume", "ボリューム"),
            ItemKind::Alias => pick("alias", "エイリアス"),
            ItemKind::Key => pick("KMS key", "KMS キー"),
        })
    }
}

/// One lab-owned resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub region: &'static RegionInfo,
    pub side: Side,
    /// Snapshot or volume id, alias name (`alias/…`) or key id.
    pub id: String,
    /// Name tag, alias, or the key's role.
    pub name: String,
    /// The lab that made it.
    pub step: String,
    pub state: String,
    pub size_gib: i32,
    pub attached: bool,
    pub key_role: Option<MultiRegionRole>,
    pub aws_managed: bool,
    pub deletion_date: Option<String>,
    /// An alias: the key it pointed at when the plan was made.
    pub target: Option<String>,
    /// A key: what outside the set still uses it (another alias, a grant, a volume or snapshot).
    pub used_by: Vec<String>,
    /// A key: named by `--force-key`, so scheduled for deletion even when something uses it.
    pub forced: bool,
    /// Left alone at the last moment (an alias that moved after the confirmation), and why.
    pub held: Option<String>,
}

impl Item {
    fn base(
        kind: ItemKind,
        region: &'static RegionInfo,
        side: Side,
        id: &str,
        name: &str,
        step: &str,
        state: &str,
    ) -> Item {
        Item {
            kind,
            region,
            side,
            id: id.to_string(),
            name: name.to_string(),
            step: step.to_string(),
            state: state.to_string(),
            size_gib: 0,
            attached: false,
            key_role: None,
            aws_managed: false,
            deletion_date: None,
            target: None,
            used_by: Vec::new(),
            forced: false,
            held: None,
        }
    }

    pub fn from_snapshot(snapshot: &LabSnapshot, region: &'static RegionInfo, side: Side) -> Item {
        let maker = if side == Side::Source { Makes::Snapshots } else { Makes::Copies };
        let step = snapshot.step().unwrap_or(&manifest::lab_that_makes(maker).id);
        Item::base(ItemKind::Snapshot, region, side, &snapshot.id, &snapshot.name, step, &snapshot.state)
    }

    pub fn from_volume(volume: &LabVolume, region: &'static RegionInfo, side: Side) -> Item {
        let step = volume.step().unwrap_or(&manifest::lab_that_makes(Makes::Volumes).id);
        let mut item = Item::base(ItemKind::Volume, region, side, &volume.id, &volume.name, step, &volume.state);
        item.size_gib = volume.size_gib;
        item.attached = volume.attached;
        item
    }

    pub fn from_key(key: &KeyInfo, region: &'static RegionInfo, side: Side) -> Item {
        let name = key.ownership.role_label().unwrap_or_else(|| key.display_name().to_string());
        let step = key.ownership.step().unwrap_or(&manifest::lab_that_makes(Makes::Keys).id);
        let mut item = Item::base(ItemKind::Key, region, side, &key.key_id, &name, step, key.state.as_str());
        item.key_role = key.multi_region;
        item.aws_managed = key.aws_managed;
        item.deletion_date = key.deletion_date.clone();
        item
    }

    /// The lab that makes a resource of this kind on this side.
    pub fn maker(&self) -> &'static manifest::LabInfo {
        manifest::lab_that_makes(match (self.kind, self.side) {
            (ItemKind::Key | ItemKind::Alias, _) => Makes::Keys,
            (ItemKind::Volume, _) => Makes::Volumes,
            (ItemKind::Snapshot, Side::Source) => Makes::Snapshots,
            (ItemKind::Snapshot, Side::Destination) => Makes::Copies,
        })
    }

    /// The AWS CLI command that deletes this untagged look-alike by hand (a key: scheduled, with
    /// the shortest waiting period).
    pub fn delete_command(&self) -> String {
        let (region, id) = (self.region.code, self.id.as_str());
        match self.kind {
            ItemKind::Volume => cli::aws(&["ec2", "delete-volume", "--region", region, "--volume-id", id]),
            ItemKind::Snapshot => cli::aws(&["ec2", "delete-snapshot", "--region", region, "--snapshot-id", id]),
            ItemKind::Alias => cli::aws(&["kms", "delete-alias", "--region", region, "--alias-name", id]),
            ItemKind::Key => {
                let alias = format!("alias/{}", self.name);
                let days = facts::KEY_DELETION_MIN_DAYS.to_string();
                let delete_alias = cli::aws(&["kms", "delete-alias", "--region", region, "--alias-name", &alias]);
                let schedule = ["kms", "schedule-key-deletion", "--region", region, "--key-id", id];
                let schedule = cli::aws(&[&schedule[..], &["--pending-window-in-days", &days]].concat());
                format!("{delete_alias} && {schedule}")
            }
        }
    }

    pub fn is_pending_deletion(&self) -> bool {
        self.kind == ItemKind::Key && matches!(self.state.as_str(), "PendingDeletion" | "PendingReplicaDeletion")
    }

    /// Whether it still costs money (estimate): live keys, volumes, snapshots.
    pub fn is_billable(&self) -> bool {
        match self.kind {
            ItemKind::Key => !self.is_pending_deletion(),
            ItemKind::Alias => false,
            ItemKind::Volume | ItemKind::Snapshot => true,
        }
    }

    /// Monthly cost estimate in USD: `None` for a snapshot (billed by data stored); nothing for a
    /// key pending deletion or an alias.
    pub fn monthly_usd(&self) -> Option<f64> {
        match self.kind {
            ItemKind::Key if self.is_pending_deletion() => Some(0.0),
            ItemKind::Key => Some(facts::CUSTOMER_KEY_USD_PER_MONTH),
            ItemKind::Alias => Some(0.0),
            ItemKind::Volume => Some(usd(f64::from(self.size_gib) * facts::gp3_usd_per_gb_month(self.region.code))),
            ItemKind::Snapshot => None,
        }
    }

    /// The item in `--output json` (docs/schemas/common.schema.json#/$defs/item): raw values, the
    /// same in every language.
    pub fn record(&self) -> Value {
        json!({
            "kind": self.kind.json_name(),
            "region": self.region.code,
            "side": match self.side { Side::Source => "source", Side::Destination => "destination" },
            "id": self.id,
            "name": self.name,
            // An alias has no state of its own.
            "state": (self.kind != ItemKind::Alias).then_some(&self.state),
            "step": self.step,
            "size_gib": (self.kind == ItemKind::Volume).then_some(self.size_gib),
            "attached": self.attached,
            "multi_region_role": self.key_role.map(|role| match role {
                MultiRegionRole::Primary => "primary",
                MultiRegionRole::Replica => "replica",
            }),
            "aws_managed": self.aws_managed,
            "deletion_date": self.deletion_date,
            "target_key_id": self.target,
            "cost_usd_per_month": self.monthly_usd(),
        })
    }

    /// Why cleanup leaves it alone, as a stable name for `--output json` (`None`: it is removed).
    pub fn leave_alone_reason(&self) -> Option<&'static str> {
        if self.held.is_some() {
            return Some("changed_since_plan");
        }
        match self.kind {
            _ if self.aws_managed => Some("aws_managed"),
            ItemKind::Volume if self.attached => Some("attached"),
            ItemKind::Key if self.is_pending_deletion() => Some("already_pending_deletion"),
            ItemKind::Key if !self.used_by.is_empty() && !self.forced => Some("used_outside_set"),
            _ => None,
        }
    }

    /// What cleanup does with it, for `--output json`: `delete`, `schedule_key_deletion` or
    /// `leave_alone`.
    pub fn action(&self) -> &'static str {
        match (self.leave_alone_reason(), self.kind) {
            (Some(_), _) => "leave_alone",
            (None, ItemKind::Key) => "schedule_key_deletion",
            (None, _) => "delete",
        }
    }

    /// Monthly cost estimate, as text.
    pub fn cost_label(&self) -> String {
        match self.kind {
            ItemKind::Key if self.is_pending_deletion() => {
                tr!("free while pending deletion", "削除の保留中は無料")
            }
            ItemKind::Key => facts::usd_per_month(facts::CUSTOMER_KEY_USD_PER_MONTH),
            ItemKind::Alias => tr!("free", "無料"),
            ItemKind::Volume => {
                facts::usd_per_month(f64::from(self.size_gib) * facts::gp3_usd_per_gb_month(self.region.code))
            }
            ItemKind::Snapshot => tr!(
                "~${price:.2}/GB stored/month",
                "保存データ 1 GB あたり 約 ${price:.2}/月",
                price = facts::SNAPSHOT_USD_PER_GB_MONTH
            ),
        }
    }

    /// Deletion order: lower first.
    fn phase(&self) -> u8 {
        match (self.kind, self.side, self.key_role) {
            (ItemKind::Snapshot, Side::Destination, _) => 0,
            (ItemKind::Snapshot, Side::Source, _) => 1,
            (ItemKind::Volume, _, _) => 2,
            (ItemKind::Alias, _, _) => 3,
            (ItemKind::Key, _, Some(MultiRegionRole::Replica)) => 4,
            (ItemKind::Key, _, Some(MultiRegionRole::Primary)) => 5,
            (ItemKind::Key, _, None) => 6,
        }
    }

    /// Teardown order, then region, name and id: the same order in every run (discovery is
    /// concurrent, and listings come in any order).
    fn sort_key(&self) -> (u8, &str, &str, &str) {
        (self.phase(), self.region.code, &self.name, &self.id)
    }

    /// Which wave of deletes it is removed in: what nothing depends on goes first, all at
    /// once (snapshots, copies, volumes, while the aliases are read again), then the aliases
    /// that did not move and the keys, the primary of a multi-region pair last of all, after
    /// its replica.
    fn wave(&self) -> u8 {
        match (self.kind, self.key_role) {
            (ItemKind::Key, Some(MultiRegionRole::Primary)) => 2,
            (ItemKind::Key | ItemKind::Alias, _) => 1,
            _ => 0,
        }
    }

    /// What cleanup will do with it, with the words that say so.
    pub fn plan(&self, pending_days: i32) -> Disposition {
        if let Some(why) = &self.held {
            return Disposition::LeaveAlone(why.clone());
        }
        match self.kind {
            _ if self.aws_managed => Disposition::LeaveAlone(tr!(
                "never touched: AWS managed keys are free and cannot be deleted",
                "対象外: AWS マネージドキーは無料で、削除できません"
            )),
            ItemKind::Volume if self.attached => Disposition::LeaveAlone(tr!(
                "left alone: attached to an instance (not force-detached); detach it first",
                "残します: インスタンスにアタッチされています (強制デタッチはしません)。先にデタッチしてください"
            )),
            ItemKind::Key if self.is_pending_deletion() => {
                let date = self.deletion_date.as_deref().unwrap_or("?");
                Disposition::LeaveAlone(tr!(
                    "already pending deletion (until {date})",
                    "既に削除の保留中 ({date} まで)"
                ))
            }
            ItemKind::Key if !self.used_by.is_empty() && !self.forced => {
                let (uses, id) = (self.used_by.join("; "), &self.id);
                Disposition::LeaveAlone(tr!(
                    "kept: still used outside this set ({uses}). Move or delete those first, or pass \
                     `--force-key {id}` to schedule it anyway",
                    "残します: このセット以外でまだ使われています ({uses})。先にそれらを移すか削除してください。\
                     それでも削除をスケジュールするには `--force-key {id}` を指定してください"
                ))
            }
            ItemKind::Key => Disposition::Remove(tr!(
                "schedule deletion in {pending_days} days",
                "{pending_days} 日後の削除をスケジュール"
            )),
            _ => Disposition::Remove(tr!("delete", "削除")),
        }
    }
}

/// What cleanup does with one item, and the words for it in the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    Remove(String),
    LeaveAlone(String),
}

impl Disposition {
    pub fn removes(&self) -> bool {
        matches!(self, Disposition::Remove(_))
    }

    pub fn words(&self) -> &str {
        match self {
            Disposition::Remove(words) | Disposition::LeaveAlone(words) => words,
        }
    }
}

/// This set's resources in both regions, and the lab-tagged ones left apart.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// This set's, in teardown order.
    pub items: Vec<Item>,
    /// Tagged like the labs' but not this set's (another set's, or near-misses), with the verdict
    /// that says why: never touched.
    pub not_ours: Vec<(Item, Verdict)>,
    /// Untagged look-alikes: named as the walkthrough names this set's resources (Name tag, alias)
    /// but carrying none of the labs' tags, e.g. made by hand for a hands-on step and not adopted.
    /// Never touched; `step` is the lab whose `--adopt` would make them the set's.
    pub untagged: Vec<Item>,
}

/// This set's resources in both regions, as discovered (the inventory and the status view
/// both start from this), with what is tagged like them but not theirs.
#[derive(Debug, Clone)]
pub struct Found {
    pub scenario: Scenario,
    pub keys: LabKeys,
    pub source_snapshots: Vec<LabSnapshot>,
    pub destination_snapshots: Vec<LabSnapshot>,
    pub source_volumes: Vec<LabVolume>,
    pub destination_volumes: Vec<LabVolume>,
    /// The volumes and snapshots listed that are not this set's.
    pub others: Others,
}

/// The volumes and snapshots a listing holds that are not the set's own (a run's pair of regions,
/// or a sweep).
#[derive(Debug, Clone, Default)]
pub struct Others {
    /// Those with the project tag, and the verdict that says why each is not the set's.
    pub not_ours: Vec<(Item, Verdict)>,
    /// Those encrypted under a key (region, id, key ARN), kept when `keys` is set: a key that
    /// encrypts them is not the set's alone.
    pub encrypted: Vec<(&'static str, String, String)>,
    /// Whether to keep `encrypted` (before a teardown only).
    pub keys: bool,
    /// The Names the walkthrough gives this set's volumes, snapshots and copies.
    pub names: Vec<String>,
    /// Those without the project tag that carry a walkthrough Name of the set (see
    /// [`Inventory::untagged`]).
    pub untagged: Vec<Item>,
}

impl Others {
    /// Whether a listed volume or snapshot is the set's own; one that is not is filed here.
    pub fn sort_out(&mut self, verdict: Option<Verdict>, item: impl Fn() -> Item, kms_key_id: Option<&str>) -> bool {
        if verdict == Some(Verdict::Ours) {
            return true;
        }
        if verdict.is_none() {
            self.file_if_named(item());
        }
        if let Some(key) = kms_key_id.filter(|_| self.keys) {
            let item = item();
            self.encrypted.push((item.region.code, item.id, key.to_string()));
        }
        if let Some(verdict) = verdict {
            self.not_ours.push((item(), verdict));
        }
        false
    }

    /// Files an untagged resource whose Name is one the walkthrough gives this set (`names`).
    fn file_if_named(&mut self, item: Item) {
        if self.names.contains(&item.name) && !matches!(item.state.as_str(), "deleting" | "deleted" | "error") {
            self.untagged.push(item);
        }
    }

    /// (id, key ARN) of those in `region` that are encrypted.
    pub fn encrypted_in<'a>(&'a self, region: &'a RegionInfo) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.encrypted.iter().filter(move |(r, _, _)| *r == region.code).map(|(_, id, key)| (id.as_str(), key.as_str()))
    }
}

/// What a listing is for: the set's resources only (the Ctrl-C report), everything in the regions
/// to also find untagged look-alikes (status), or everything and who uses which key, to know
/// whether a key the teardown would delete encrypts someone else's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    Tagged,
    Everything,
    EverythingWithKeyUses,
}

impl Found {
    /// One concurrent discovery of both regions, with the untagged look-alikes (status): every
    /// volume and snapshot is listed, in as many calls as the tagged ones alone.
    pub async fn load(session: &Session, scenario: &Scenario) -> Result<Found> {
        let (source, destination) = (&session.source, &session.destination);
        let keys = LabKeys::discover_in(source, destination, scenario, Purpose::Use);
        Found::read(keys, source, destination, scenario, Listing::Everything).await
    }

    /// The same, given the two regions' clients.
    pub async fn load_in(source: &RegionClients, destination: &RegionClients, scenario: &Scenario) -> Result<Found> {
        let keys = LabKeys::discover_in(source, destination, scenario, Purpose::Use);
        Found::read(keys, source, destination, scenario, Listing::Tagged).await
    }

    /// What a teardown needs: the set's resources without `aws/ebs` (never touched, so not
    /// read), with each key's grants and every volume and snapshot of both regions (to see who
    /// else uses a key).
    pub async fn load_for_teardown(session: &Session, scenario: &Scenario) -> Result<Found> {
        let (source, destination) = (&session.source, &session.destination);
        let keys = LabKeys::discover_in(source, destination, scenario, Purpose::Teardown);
        Found::read(keys, source, destination, scenario, Listing::EverythingWithKeyUses).await
    }

    /// The snapshots and volumes of both regions, listed while `keys` are found, sorted out by
    /// whose they are.
    async fn read(
        keys: impl std::future::Future<Output = Result<LabKeys>>,
        source: &RegionClients,
        destination: &RegionClients,
        scenario: &Scenario,
        listing: Listing,
    ) -> Result<Found> {
        let (snapshots, volumes) = (pick("snapshots", "スナップショット"), pick("volumes", "ボリューム"));
        let list_snapshots = |clients: &RegionClients| {
            let ec2 = clients.ec2.clone();
            async move {
                match listing {
                    Listing::Tagged => ec2::lab_snapshots(&ec2).await,
                    Listing::Everything | Listing::EverythingWithKeyUses => ec2::all_snapshots(&ec2).await,
                }
            }
        };
        let list_volumes = |clients: &RegionClients| {
            let ec2 = clients.ec2.clone();
            async move {
                match listing {
                    Listing::Tagged => ec2::lab_volumes(&ec2).await,
                    Listing::Everything | Listing::EverythingWithKeyUses => ec2::all_volumes(&ec2).await,
                }
            }
        };
        let (keys, source_snapshots, destination_snapshots, source_volumes, destination_volumes) = futures::try_join!(
            keys,
            ec2::listed(list_snapshots(source), snapshots, source.region),
            ec2::listed(list_snapshots(destination), snapshots, destination.region),
            ec2::listed(list_volumes(source), volumes, source.region),
            ec2::listed(list_volumes(destination), volumes, destination.region),
        )?;
        let mut found = Found {
            scenario: scenario.clone(),
            keys,
            source_snapshots: Vec::new(),
            destination_snapshots: Vec::new(),
            source_volumes: Vec::new(),
            destination_volumes: Vec::new(),
            others: Others {
                keys: listing == Listing::EverythingWithKeyUses,
                names: [Made::Volume, Made::Snapshot, Made::Copy]
                    .into_iter()
                    .flat_map(|made| ownership::names(scenario, made))
                    .collect(),
                ..Others::default()
            },
        };
        for (side, region, snapshots, made) in [
            (Side::Source, source.region, source_snapshots, Made::Snapshot),
            (Side::Destination, destination.region, destination_snapshots, Made::Copy),
        ] {
            for snapshot in snapshots {
                let item = || Item::from_snapshot(&snapshot, region, side);
                if found.others.sort_out(snapshot.verdict(scenario, made), item, snapshot.kms_key_id.as_deref()) {
                    found.snapshots_mut(side).push(snapshot);
                }
            }
        }
        for (side, region, volumes) in [
            (Side::Source, source.region, source_volumes),
            (Side::Destination, destination.region, destination_volumes),
        ] {
            for volume in volumes {
                let item = || Item::from_volume(&volume, region, side);
                if found.others.sort_out(volume.verdict(scenario), item, volume.kms_key_id.as_deref()) {
                    found.volumes_mut(side).push(volume);
                }
            }
        }
        Ok(found)
    }

    fn snapshots_mut(&mut self, side: Side) -> &mut Vec<LabSnapshot> {
        match side {
            Side::Source => &mut self.source_snapshots,
            Side::Destination => &mut self.destination_snapshots,
        }
    }

    fn volumes_mut(&mut self, side: Side) -> &mut Vec<LabVolume> {
        match side {
            Side::Source => &mut self.source_volumes,
            Side::Destination => &mut self.destination_volumes,
        }
    }

    /// The same resources described afresh, after a teardown: the lab's volumes and snapshots
    /// listed again, the keys already known described again (their ownership is known).
    pub async fn reload(&self, session: &Session) -> Result<Found> {
        let (source, destination) = (&session.source, &session.destination);
        let keys = self.keys.refresh(source, destination, &[], AwsEbs::Skip);
        Found::read(keys, source, destination, &self.scenario, Listing::Tagged).await
    }

    /// The inventory of what was found, in teardown order; each key with what outside the set
    /// still uses it.
    pub fn inventory(&self) -> Inventory {
        let Found { keys, source_snapshots, destination_snapshots, source_volumes, destination_volumes, .. } = self;
        let (source, destination) = (keys.source.region, keys.destination.region);
        let mut items = Vec::new();
        for (side, region, snapshots, volumes) in [
            (Side::Destination, destination, destination_snapshots, destination_volumes),
            (Side::Source, source, source_snapshots, source_volumes),
        ] {
            // A snapshot already in `error` costs nothing and is removed like any other.
            items.extend(snapshots.iter().map(|s| Item::from_snapshot(s, region, side)));
            items.extend(
                volumes
                    .iter()
                    .filter(|v| !matches!(v.state.as_str(), "deleted"))
                    .map(|v| Item::from_volume(v, region, side)),
            );
        }
        let mut not_ours = self.others.not_ours.clone();
        for (side, region_keys) in [(Side::Source, &keys.source), (Side::Destination, &keys.destination)] {
            let region = region_keys.region;
            for key in region_keys.owned.iter().filter(|key| !key.aws_managed) {
                let own_alias = key.scenario_alias();
                let used_by = Item::uses_outside_the_set(key, own_alias.as_deref(), self.others.encrypted_in(region));
                items.extend(Item::of_key_and_alias(key, region, side, own_alias, used_by));
            }
            for (key, why) in &region_keys.not_ours {
                not_ours.push((Item::from_key(key, region, side), why.clone()));
            }
        }
        let mut untagged = self.others.untagged.clone();
        for (side, region_keys) in [(Side::Source, &keys.source), (Side::Destination, &keys.destination)] {
            untagged.extend(untagged_keys(&self.scenario, region_keys, side));
        }
        for item in &mut untagged {
            item.step = item.maker().id.clone();
        }
        let mut inventory = Inventory { items, not_ours, untagged };
        inventory.settle();
        inventory
    }
}

/// The customer managed keys of `region_keys` that a walkthrough alias of this set names but that
/// carry none of the labs' tags (made by hand, not adopted): look-alikes, never touched.
fn untagged_keys(scenario: &Scenario, region_keys: &RegionKeys, side: Side) -> Vec<Item> {
    let known = |key_id: &str| {
        region_keys.owned.iter().any(|key| key.key_id == key_id)
            || region_keys.not_ours.iter().any(|(key, _)| key.key_id == key_id)
    };
    ownership::names(scenario, Made::Key(side))
        .into_iter()
        .filter_map(|name| {
            let key_id = region_keys.alias_target(&format!("alias/{name}"))?;
            (!known(key_id)).then(|| {
                Item::base(ItemKind::Key, region_keys.region, side, key_id, &name, "", pick("not tagged", "タグなし"))
            })
        })
        .collect()
}

impl Item {
    /// The items of one lab key: its own alias (the walkthrough's name for it, while it points at
    /// it) and the key, with what outside its set uses it.
    pub fn of_key_and_alias(
        key: &KeyInfo,
        region: &'static RegionInfo,
        side: Side,
        own_alias: Option<String>,
        used_by: Vec<String>,
    ) -> Vec<Item> {
        let mut items = Vec::new();
        for alias in key.aliases.iter().filter(|alias| Some(*alias) == own_alias.as_ref()) {
            let name = alias.trim_start_matches("alias/");
            let mut item = Item::base(ItemKind::Alias, region, side, alias, name, lab_of_keys(), "—");
            item.target = Some(key.key_id.clone());
            items.push(item);
        }
        let mut item = Item::from_key(key, region, side);
        item.used_by = used_by;
        items.push(item);
        items
    }

    /// What outside the set uses `key`: aliases other than its own, grants EBS did not make, and
    /// of `encrypted` (id, key ARN: volumes and snapshots that are not the set's) those under it.
    pub fn uses_outside_the_set<'a>(
        key: &KeyInfo,
        own_alias: Option<&str>,
        encrypted: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Vec<String> {
        let foreign_aliases = key.aliases.iter().filter(|alias| Some(alias.as_str()) != own_alias);
        let mut uses: Vec<String> = foreign_aliases.map(|alias| tr!("alias {alias}", "エイリアス {alias}")).collect();
        uses.extend(key.foreign_grants.iter().cloned());
        for (id, key_arn) in encrypted {
            if key_arn == key.arn || key_arn.ends_with(&format!("key/{}", key.key_id)) {
                uses.push(tr!("{id} is encrypted under it", "{id} がこのキーで暗号化されています"));
            }
        }
        uses
    }
}

fn lab_of_keys() -> &'static str {
    &manifest::lab_that_makes(Makes::Keys).id
}

/// A multi-region pair shares its key material: when one of the two is kept because something
/// outside the set uses it, the other is kept too.
fn hold_pairs_together(items: &mut [Item]) {
    let held: Vec<String> = items
        .iter()
        .filter(|item| item.kind == ItemKind::Key && item.key_role.is_some() && !item.used_by.is_empty())
        .map(|item| item.id.clone())
        .collect();
    for item in items.iter_mut().filter(|item| item.kind == ItemKind::Key && item.key_role.is_some()) {
        if item.used_by.is_empty() && held.contains(&item.id) {
            item.used_by.push(tr!(
                "the other key of its multi-region pair is kept",
                "マルチリージョンのペアのもう一方のキーを残すため"
            ));
        }
    }
}

impl Inventory {
    /// Holds multi-region pairs together and puts the items in teardown order (by region, then
    /// name, within each phase).
    pub fn settle(&mut self) {
        hold_pairs_together(&mut self.items);
        self.items.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }

    /// Schedules the keys named by `--force-key` even when something outside the set uses them.
    pub fn force_keys(&mut self, key_ids: &[String]) {
        for item in self.items.iter_mut().filter(|item| item.kind == ItemKind::Key) {
            item.forced = key_ids.contains(&item.id);
        }
    }

    /// The lab-tagged resources that are not the set's, and why: shown, never touched.
    pub fn not_ours_report(&self) -> Report {
        let columns = [
            ("Kind", "種類"),
            ("Region", "リージョン"),
            ("Name", "名前"),
            ("ID", "ID"),
            ("Why not this set's", "このセットのものではない理由"),
        ];
        let mut report = Report::new(
            "not_ours",
            tr!(
                "Tagged like the labs' resources, but not this set's: left alone",
                "ラボのリソースのようなタグがあるが、このセットのものではないもの: 触れません"
            ),
            &columns,
        );
        // In teardown order, the same in every run (discovery is concurrent).
        let mut not_ours: Vec<&(Item, Verdict)> = self.not_ours.iter().collect();
        not_ours.sort_by(|(a, _), (b, _)| a.sort_key().cmp(&b.sort_key()));
        for (item, verdict) in not_ours {
            let why = verdict.why_not_ours().unwrap_or_default();
            let cells =
                vec![item.kind.to_string(), item.region.to_string(), item.name.clone(), item.id.clone(), why.clone()];
            let mut record = item.record();
            record["why"] = match verdict {
                Verdict::OtherSet(set) => json!({ "verdict": "other_set", "set": set }),
                _ => json!({ "verdict": "near_miss", "set": null }),
            };
            record["message"] = json!(why);
            report.row_with(cells, None, record);
        }
        report
    }

    /// The untagged look-alikes, each with its cost and the commands that adopt it (so the labs
    /// clean it up) or delete it by hand.
    pub fn untagged_report(&self, adopt: impl Fn(&manifest::LabInfo) -> String) -> Report {
        let columns = [
            ("Kind", "種類"),
            ("Region", "リージョン"),
            ("Name", "名前"),
            ("ID", "ID"),
            ("Cost (estimate)", "費用 (概算)"),
            ("Adopt (then cleanup removes it)", "引き継ぐ (その後クリーンアップで削除)"),
            ("Or delete it by hand", "または手で削除"),
        ];
        let mut report = Report::new(
            "untagged",
            tr!(
                "Named like this set's resources but without the labs' tags (made by hand?): left alone",
                "このセットのリソースと同じ名前で、ラボのタグがないもの (手で作成したもの?): 触れません"
            ),
            &columns,
        );
        let mut untagged: Vec<&Item> = self.untagged.iter().collect();
        untagged.sort_by_key(|item| item.sort_key());
        for item in untagged {
            let cells = vec![
                item.kind.to_string(),
                item.region.to_string(),
                item.name.clone(),
                item.id.clone(),
                item.cost_label(),
                adopt(item.maker()),
                item.delete_command(),
            ];
            let mut record = item.record();
            record["adopt_command"] = json!(without_lang_flag(&adopt(item.maker())));
            record["delete_command"] = json!(item.delete_command());
            report.row_with(cells, None, record);
        }
        report
    }

    /// The monthly estimate of the untagged look-alikes (snapshots by data stored, not counted).
    pub fn untagged_monthly_usd(&self) -> f64 {
        Inventory { items: self.untagged.clone(), ..Inventory::default() }.monthly_usd()
    }

    /// Only what lab `from` or a later lab made (what depends on `from`'s work).
    pub fn from_step(mut self, from: &str) -> Inventory {
        let position = |step: &str| manifest::labs().iter().position(|lab| lab.id == step).unwrap_or(usize::MAX);
        let start = position(from);
        self.items.retain(|item| position(&item.step) >= start);
        self
    }

    pub fn billable(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|item| item.is_billable())
    }

    /// The estimate of what the billable items cost per month (snapshots not counted: by data stored).
    pub fn monthly_usd(&self) -> f64 {
        usd(self.billable().filter_map(Item::monthly_usd).sum())
    }

    /// The inventory as a table with each item's cost; with `plan_days`, also what teardown
    /// would do to it (keys scheduled with that waiting period).
    pub fn report(&self, plan_days: Option<i32>) -> Report {
        let mut columns = vec![
            ("Kind", "種類"),
            ("Region", "リージョン"),
            ("Name", "名前"),
            ("ID", "ID"),
            ("State", "状態"),
            ("Made by", "作成したラボ"),
            ("Cost (estimate)", "費用 (概算)"),
        ];
        if plan_days.is_some() {
            columns.push(("Cleanup will", "クリーンアップの処理"));
        }
        let mut report = Report::new(
            "inventory",
            tr!("Everything the labs made (found by their tags)", "ラボが作成したすべてのリソース (タグで検索)"),
            &columns,
        );
        for item in &self.items {
            let mut cells = vec![
                item.kind.to_string(),
                item.region.to_string(),
                item.name.clone(),
                item.id.clone(),
                item.state.clone(),
                item.step.clone(),
                item.cost_label(),
            ];
            let mut record = item.record();
            if let Some(days) = plan_days {
                let words = item.plan(days).words().to_string();
                record["action"] = json!(item.action());
                record["reason"] = json!(item.leave_alone_reason());
                record["message"] = json!(words);
                cells.push(words);
            }
            report.row_with(cells, None, record);
        }
        report
    }

    /// What remains, checked: ✓ for what costs nothing (keys pending deletion), ✗ otherwise.
    pub fn remains_report(&self) -> Report {
        let columns = [
            ("Kind", "種類"),
            ("Region", "リージョン"),
            ("Name", "名前"),
            ("ID", "ID"),
            ("State", "状態"),
            ("Deletion date", "削除予定日"),
        ];
        let mut report = Report::new(
            "remaining",
            tr!("What remains (described afresh)", "残っているリソース (改めて取得)"),
            &columns,
        );
        for item in &self.items {
            let check = if item.is_billable() || item.kind == ItemKind::Alias {
                let kind = item.kind;
                Err(tr!("{kind} still exists", "{kind}がまだ存在します"))
            } else {
                Ok(())
            };
            let mut record = item.record();
            record["check"] = json!("removed_or_free");
            record["expected"] = json!(if item.kind == ItemKind::Key { "pending_deletion" } else { "absent" });
            record["found"] = json!(if item.kind == ItemKind::Alias { "exists" } else { item.state.as_str() });
            report.row_with(
                vec![
                    item.kind.to_string(),
                    item.region.to_string(),
                    item.name.clone(),
                    item.id.clone(),
                    item.state.clone(),
                    item.deletion_date.clone().unwrap_or_else(|| "—".into()),
                ],
                Some(check),
                record,
            );
        }
        report
    }
}

/// What happened to one item: `Ok(what was done)` or `Err(why it remains)`.
pub type ItemResult = Result<String, String>;

/// Removes `items` in dependency order, each wave at once; one failure does not stop the rest. Items that the plan
/// leaves alone are reported as they are (an attached volume as a failure: it remains).
pub async fn execute(
    ui: &Ui,
    clients: &[&RegionClients],
    items: &[Item],
    pending_days: i32,
) -> Vec<(Item, ItemResult)> {
    let mut items = items.to_vec();
    let mut waves: Vec<u8> = items.iter().map(Item::wave).collect();
    waves.sort_unstable();
    waves.dedup();
    // Aliases can move while the confirmation waits: read them again, alongside the first wave.
    let in_kms = |item: &Item| matches!(item.kind, ItemKind::Alias | ItemKind::Key);
    let touches_kms = items.iter().any(|item| in_kms(item) && item.plan(pending_days).removes());
    let kms_regions: Vec<&RegionClients> = clients
        .iter()
        .copied()
        .filter(|c| items.iter().any(|item| in_kms(item) && item.region.code == c.region.code))
        .collect();
    let reread = async {
        if !touches_kms {
            return None;
        }
        let reads = kms_regions.iter().map(|c| async move {
            kms::list_aliases(&c.kms, c.region.code).await.map(|aliases| (c.region.code, aliases))
        });
        Some(
            futures::future::try_join_all(reads)
                .await
                .map(|all| all.into_iter().collect())
                .map_err(|error| error.to_string()),
        )
    };
    let mut results = Vec::new();
    // Wave 0 (snapshots, copies, volumes) touches no alias or key: it runs during the re-read.
    let (done, aliases_now) = futures::join!(run_wave(ui, clients, &items, 0, pending_days), reread);
    results.extend(done);
    if let Some(aliases_now) = aliases_now {
        hold_what_moved(&mut items, aliases_now);
    }
    for wave in waves.into_iter().filter(|wave| *wave > 0) {
        results.extend(run_wave(ui, clients, &items, wave, pending_days).await);
    }
    results
}

/// After the aliases are read again: an alias that no longer points at the key it pointed at
/// in the plan is left alone, and so is a key that an alias outside the plan points at now.
fn hold_what_moved(items: &mut [Item], aliases_now: Result<BTreeMap<&str, Aliases>, String>) {
    let by_region = match aliases_now {
        Ok(by_region) => by_region,
        Err(error) => {
            for item in items.iter_mut().filter(|item| matches!(item.kind, ItemKind::Alias | ItemKind::Key)) {
                item.held = Some(tr!(
                    "left alone: the aliases could not be read again after the confirmation ({error})",
                    "残します: 確認の後にエイリアスを改めて読めませんでした ({error})"
                ));
            }
            return;
        }
    };
    let planned: Vec<(&str, String)> = items
        .iter()
        .filter(|item| item.kind == ItemKind::Alias)
        .map(|item| (item.region.code, item.id.clone()))
        .collect();
    let none = Aliases::new();
    for item in items.iter_mut() {
        let aliases = by_region.get(item.region.code).unwrap_or(&none);
        match item.kind {
            ItemKind::Alias => {
                let now = aliases.get(&item.id).cloned().flatten();
                if now.is_some() && now != item.target {
                    let now = now.unwrap_or_default();
                    item.held = Some(tr!(
                        "left alone: it points at {now} now, not at the lab key it pointed at before the confirmation",
                        "残します: 確認の前とは違い、ラボのキーではなく {now} を指しています"
                    ));
                }
            }
            ItemKind::Key if !item.forced => {
                let appeared: Vec<&str> = aliases
                    .iter()
                    .filter(|(name, target)| {
                        target.as_deref() == Some(item.id.as_str()) && !name.starts_with("alias/aws/")
                    })
                    .filter(|(name, _)| !planned.contains(&(item.region.code, (*name).clone())))
                    .map(|(name, _)| name.as_str())
                    .collect();
                if !appeared.is_empty() {
                    let (appeared, id) = (appeared.join(", "), &item.id);
                    item.held = Some(tr!(
                        "kept: {appeared} points at it now (made since the plan). Pass `--force-key {id}` to schedule it anyway",
                        "残します: 計画の後に {appeared} がこのキーを指すようになりました。それでも削除をスケジュールするには `--force-key {id}` を指定してください"
                    ));
                }
            }
            _ => {}
        }
    }
}

type Aliases = BTreeMap<String, Option<String>>;

/// Removes the items of one wave, all at once, saying what happened to each.
async fn run_wave(
    ui: &Ui,
    clients: &[&RegionClients],
    items: &[Item],
    wave: u8,
    pending_days: i32,
) -> Vec<(Item, ItemResult)> {
    let work = items.iter().filter(|item| item.wave() == wave).map(|item| async move {
        let result = match clients.iter().find(|c| c.region.code == item.region.code) {
            Some(clients) => remove(clients, item, pending_days).await,
            None => Err(tr!("no client for {region}", "{region} のクライアントがありません", region = item.region)),
        };
        let (name, id, region) = (&item.name, &item.id, item.region);
        // Japanese spaces a Latin word off from the particle before it (の KMS キー), not kana.
        let kind = match item.kind.to_string() {
            kind if text::lang() == Lang::Ja && kind.starts_with(|c: char| c.is_ascii()) => format!(" {kind}"),
            kind => kind,
        };
        match &result {
            Ok(done) => {
                ui.say(&tr!("✓ {kind} {name} ({id}) in {region}: {done}", "✓ {region} の{kind} {name} ({id}): {done}"))
            }
            Err(why) => {
                ui.warn(&tr!("{kind} {name} ({id}) in {region}: {why}", "{region} の{kind} {name} ({id}): {why}"))
            }
        }
        (item.clone(), result)
    });
    futures::future::join_all(work).await
}

async fn remove(clients: &RegionClients, item: &Item, pending_days: i32) -> ItemResult {
    if let Some(why) = &item.held {
        return Err(why.clone());
    }
    if let Disposition::LeaveAlone(why) = item.plan(pending_days) {
        return if item.is_billable() { Err(why) } else { Ok(why) };
    }
    let gone = |error: &AwsError, codes: &[&str]| error.code().is_some_and(|code| codes.contains(&code));
    // Deleted, or already gone (NotFound), or why it remains.
    let already_gone = || tr!("already gone", "既に削除されています");
    let settle = |result: Result<(), AwsError>, not_found: &str| match result {
        Ok(()) => Ok(tr!("deleted", "削除しました")),
        Err(error) if gone(&error, &[not_found]) => Ok(already_gone()),
        Err(error) => Err(error.to_string()),
    };
    match item.kind {
        ItemKind::Snapshot => {
            let request = clients.ec2.delete_snapshot().snapshot_id(&item.id);
            settle(request.send().await.aws("ec2:DeleteSnapshot").map(drop), "InvalidSnapshot.NotFound")
        }
        ItemKind::Volume => {
            let request = clients.ec2.delete_volume().volume_id(&item.id);
            settle(request.send().await.aws("ec2:DeleteVolume").map(drop), "InvalidVolume.NotFound")
        }
        // The emulator deletes a multi-region alias in every region at once: NotFound is done.
        ItemKind::Alias => {
            let request = clients.kms.delete_alias().alias_name(&item.id);
            settle(request.send().await.aws("kms:DeleteAlias").map(drop), "NotFoundException")
        }
        ItemKind::Key => {
            // The bare key id: works on AWS and on the emulator (which fails on key ARNs here).
            let request = clients.kms.schedule_key_deletion().key_id(&item.id).pending_window_in_days(pending_days);
            match request.send().await.aws("kms:ScheduleKeyDeletion") {
                Ok(output) => {
                    let state = output.key_state().map_or("PendingDeletion", |s| s.as_str());
                    let date = output.deletion_date().map_or_else(|| "?".to_string(), |d| d.to_string());
                    Ok(tr!("{state}, deletion date {date}", "{state}、削除予定日 {date}"))
                }
                Err(error) if gone(&error, &["NotFoundException"]) => Ok(already_gone()),
                Err(error) if gone(&error, &["KMSInvalidStateException"]) => {
                    Ok(tr!("not scheduled: {error}", "削除をスケジュールしませんでした: {error}"))
                }
                Err(error) => Err(error.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions::find;

    fn item(kind: ItemKind, side: Side, role: Option<MultiRegionRole>) -> Item {
        let region = find(if side == Side::Source { "ap-northeast-1" } else { "us-west-2" }).unwrap();
        let mut item = Item::base(kind, region, side, "id", "name", "01-keys", "Enabled");
        item.key_role = role;
        item
    }

    #[test]
    fn deletes_go_in_three_waves_with_aliases_after_they_are_read_again_and_the_primary_after_its_replica() {
        let wave = |kind, role| item(kind, Side::Source, role).wave();
        assert_eq!(wave(ItemKind::Snapshot, None), 0);
        assert_eq!(wave(ItemKind::Volume, None), 0);
        assert_eq!(wave(ItemKind::Alias, None), 1);
        assert_eq!(wave(ItemKind::Key, None), 1);
        assert_eq!(wave(ItemKind::Key, Some(MultiRegionRole::Replica)), 1);
        assert_eq!(wave(ItemKind::Key, Some(MultiRegionRole::Primary)), 2);
    }

    #[test]
    fn teardown_order_is_copies_snapshots_volumes_aliases_replica_primary_single() {
        let mut items = [
            item(ItemKind::Key, Side::Source, None),
            item(ItemKind::Key, Side::Source, Some(MultiRegionRole::Primary)),
            item(ItemKind::Alias, Side::Source, None),
            item(ItemKind::Volume, Side::Source, None),
            item(ItemKind::Snapshot, Side::Source, None),
            item(ItemKind::Key, Side::Destination, Some(MultiRegionRole::Replica)),
            item(ItemKind::Snapshot, Side::Destination, None),
        ];
        items.sort_by_key(Item::phase);
        let order: Vec<(ItemKind, Side)> = items.iter().map(|i| (i.kind, i.side)).collect();
        assert_eq!(
            order,
            [
                (ItemKind::Snapshot, Side::Destination),
                (ItemKind::Snapshot, Side::Source),
                (ItemKind::Volume, Side::Source),
                (ItemKind::Alias, Side::Source),
                (ItemKind::Key, Side::Destination),
                (ItemKind::Key, Side::Source),
                (ItemKind::Key, Side::Source),
            ]
        );
        assert_eq!(items[5].key_role, Some(MultiRegionRole::Primary));
    }

    #[test]
    fn plans_leave_aws_managed_keys_attached_volumes_and_pending_keys_alone() {
        let mut aws = item(ItemKind::Key, Side::Source, None);
        aws.aws_managed = true;
        assert!(!aws.plan(7).removes());
        let mut attached = item(ItemKind::Volume, Side::Source, None);
        attached.attached = true;
        assert!(attached.plan(7).words().contains("not force-detached"));
        let mut pending = item(ItemKind::Key, Side::Source, None);
        pending.state = "PendingDeletion".into();
        assert!(!pending.plan(7).removes() && !pending.is_billable());
        assert_eq!(item(ItemKind::Key, Side::Source, None).plan(9).words(), "schedule deletion in 9 days");
    }

    #[test]
    fn records_give_the_plan_as_a_stable_action_and_raw_values() {
        let mut aws = item(ItemKind::Key, Side::Source, None);
        aws.aws_managed = true;
        let mut attached = item(ItemKind::Volume, Side::Source, None);
        (attached.attached, attached.size_gib) = (true, 8);
        let mut pending = item(ItemKind::Key, Side::Destination, Some(MultiRegionRole::Replica));
        pending.state = "PendingDeletion".into();
        let mut used = item(ItemKind::Key, Side::Source, None);
        used.used_by.push("alias/other".into());
        let mut held = item(ItemKind::Alias, Side::Source, None);
        held.held = Some("moved".into());
        let removed = [item(ItemKind::Key, Side::Source, None), item(ItemKind::Snapshot, Side::Source, None)];
        for one in [&aws, &attached, &pending, &used, &held].into_iter().chain(&removed) {
            assert_eq!(one.action() == "leave_alone", !one.plan(7).removes(), "{one:?}");
        }
        assert_eq!(
            [&aws, &attached, &pending, &used, &held].map(|one| one.leave_alone_reason()),
            [
                Some("aws_managed"),
                Some("attached"),
                Some("already_pending_deletion"),
                Some("used_outside_set"),
                Some("changed_since_plan")
            ]
        );
        assert_eq!((removed[0].action(), removed[1].action()), ("schedule_key_deletion", "delete"));
        let record = attached.record();
        assert_eq!(
            (&record["kind"], &record["size_gib"], &record["state"]),
            (&json!("volume"), &json!(8), &json!("Enabled"))
        );
        assert_eq!(record["cost_usd_per_month"], json!(0.768), "8 GiB of gp3 in Tokyo");
        assert_eq!(pending.record()["multi_region_role"], "replica");
        assert_eq!(pending.record()["cost_usd_per_month"], json!(0.0));
        assert_eq!(removed[1].record()["cost_usd_per_month"], Value::Null, "a snapshot is billed by data stored");
        assert_eq!(held.record()["state"], Value::Null, "an alias has no state");
        assert_eq!(
            without_lang_flag("cargo run --bin 02-volumes -- --lang ja --adopt"),
            "cargo run --bin 02-volumes -- --adopt"
        );
        assert_eq!(without_lang_flag("cargo run --bin 02-volumes -- --lang ja"), "cargo run --bin 02-volumes");
    }

    #[test]
    fn what_is_already_pending_deletion_or_aws_managed_is_left_alone() {
        for kind in [ItemKind::Snapshot, ItemKind::Volume, ItemKind::Alias, ItemKind::Key] {
            assert!(item(kind, Side::Source, None).plan(7).removes(), "{kind:?} is removed");
        }
        let mut key = item(ItemKind::Key, Side::Source, None);
        key.state = "PendingDeletion".into();
        assert!(!key.plan(9).removes());
        let mut aws_ebs = item(ItemKind::Key, Side::Source, None);
        aws_ebs.aws_managed = true;
        assert!(!aws_ebs.plan(9).removes());
    }

    #[test]
    fn volumes_cost_what_gp3_costs_in_their_own_region() {
        let mut tokyo = item(ItemKind::Volume, Side::Source, None);
        let mut oregon = item(ItemKind::Volume, Side::Destination, None);
        (tokyo.size_gib, oregon.size_gib) = (8, 8);
        assert!(tokyo.cost_label().contains("0.77"), "{}", tokyo.cost_label());
        assert!(oregon.cost_label().contains("0.64"), "{}", oregon.cost_label());
        let inventory = Inventory { items: vec![tokyo, oregon], ..Inventory::default() };
        assert!((inventory.monthly_usd() - 8.0 * (0.096 + 0.08)).abs() < 1e-9);
    }

    #[test]
    fn a_key_used_outside_the_set_is_kept_unless_forced() {
        let mut key = item(ItemKind::Key, Side::Source, None);
        key.id = "1234".into();
        key.used_by = vec!["alias alias/team-app".into()];
        let words = key.plan(7).words().to_string();
        assert!(!key.plan(7).removes());
        assert!(words.contains("alias/team-app") && words.contains("--force-key 1234"), "{words}");
        key.forced = true;
        assert!(key.plan(7).removes());
    }

    #[test]
    fn a_multi_region_pair_is_kept_together() {
        let mut primary = item(ItemKind::Key, Side::Source, Some(MultiRegionRole::Primary));
        let mut replica = item(ItemKind::Key, Side::Destination, Some(MultiRegionRole::Replica));
        (primary.id, replica.id) = ("mrk-1".into(), "mrk-1".into());
        replica.used_by = vec!["vol-1 is encrypted under it".into()];
        let single = item(ItemKind::Key, Side::Source, None);
        let mut items = [primary, replica, single];
        hold_pairs_together(&mut items);
        assert!(!items[0].plan(7).removes(), "the primary stays with its replica");
        assert!(items[2].plan(7).removes(), "an unrelated key is not held");
    }

    #[test]
    fn aliases_that_moved_after_the_confirmation_and_keys_given_a_new_alias_are_left_alone() {
        let mut moved = item(ItemKind::Alias, Side::Source, None);
        (moved.id, moved.target) = ("alias/Single-region-key".into(), Some("lab-1".into()));
        let mut still = item(ItemKind::Alias, Side::Destination, None);
        (still.id, still.target) = ("alias/Single-region-key-oregon".into(), Some("lab-2".into()));
        let mut key = item(ItemKind::Key, Side::Destination, None);
        key.id = "lab-2".into();
        let mut items = [moved, still, key];
        let source: Aliases = [("alias/Single-region-key".to_string(), Some("foreign-9".to_string()))].into();
        let destination: Aliases = [
            ("alias/Single-region-key-oregon".to_string(), Some("lab-2".to_string())),
            ("alias/team-app".to_string(), Some("lab-2".to_string())),
        ]
        .into();
        let by_region = [("ap-northeast-1", source), ("us-west-2", destination)].into_iter().collect();
        hold_what_moved(&mut items, Ok(by_region));
        assert!(items[0].plan(7).words().contains("foreign-9"), "{:?}", items[0].plan(7));
        assert!(items[1].plan(7).removes(), "an alias that did not move is deleted");
        assert!(items[2].plan(7).words().contains("alias/team-app"), "{:?}", items[2].plan(7));
        let mut unread = [item(ItemKind::Alias, Side::Source, None), item(ItemKind::Key, Side::Source, None)];
        hold_what_moved(&mut unread, Err("AccessDeniedException".into()));
        assert!(unread.iter().all(|item| !item.plan(7).removes()));
    }

    // A delete that fails in the middle: the emulator never refuses, so mocks do.
    mod mocked {
        use super::*;
        use crate::args::OutputFormat;
        use aws_sdk_ec2::operation::delete_volume::DeleteVolumeOutput;
        use aws_sdk_kms::operation::list_aliases::ListAliasesOutput;
        use aws_sdk_kms::operation::schedule_key_deletion::ScheduleKeyDeletionOutput;
        use aws_sdk_kms::types::KeyState;
        use aws_smithy_mocks::{mock, mock_client, RuleMode};

        #[tokio::test]
        async fn one_failed_delete_is_reported_and_the_rest_is_still_removed() {
            let in_use = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidSnapshot.InUse</Code><Message>The snapshot snap-copy is currently in use by ami-1</Message></Error></Errors><RequestID>req-2</RequestID></Response>"#;
            let delete_snapshot = mock!(aws_sdk_ec2::Client::delete_snapshot).then_http_response(move || {
                aws_smithy_runtime_api::http::Response::new(
                    aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap(),
                    aws_smithy_types::body::SdkBody::from(in_use),
                )
            });
            let delete_volume =
                mock!(aws_sdk_ec2::Client::delete_volume).then_output(|| DeleteVolumeOutput::builder().build());
            let schedule = mock!(aws_sdk_kms::Client::schedule_key_deletion).then_output(|| {
                ScheduleKeyDeletionOutput::builder()
                    .key_id("1234")
                    .key_state(KeyState::PendingDeletion)
                    .pending_window_in_days(7)
                    .build()
            });
            // The aliases read again after the confirmation: none points at the key.
            let list_aliases =
                mock!(aws_sdk_kms::Client::list_aliases).then_output(|| ListAliasesOutput::builder().build());
            let source = RegionClients {
                region: find("ap-northeast-1").unwrap(),
                ec2: mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&delete_volume]),
                kms: mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&schedule, &list_aliases]),
            };
            let destination = RegionClients {
                region: find("us-west-2").unwrap(),
                ec2: mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&delete_snapshot]),
                kms: mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&schedule, &list_aliases]),
            };
            let mut copy = item(ItemKind::Snapshot, Side::Destination, None);
            copy.id = "snap-copy".into();
            let mut volume = item(ItemKind::Volume, Side::Source, None);
            volume.id = "vol-1".into();
            let mut key = item(ItemKind::Key, Side::Source, None);
            key.id = "1234".into();
            let (ui, _, errors) = Ui::non_interactive(OutputFormat::Table, true);

            let results = execute(&ui, &[&source, &destination], &[copy, volume, key], 7).await;

            assert_eq!(results.len(), 3);
            let failure = results[0].1.as_ref().unwrap_err();
            assert!(failure.contains("InvalidSnapshot.InUse") && failure.contains("in use by ami-1"), "{failure}");
            assert_eq!(results[1].1.as_deref(), Ok("deleted"));
            assert!(results[2].1.as_ref().unwrap().starts_with("PendingDeletion"));
            assert_eq!((delete_snapshot.num_calls(), delete_volume.num_calls(), schedule.num_calls()), (1, 1, 1));
            assert!(errors.text().contains("InvalidSnapshot.InUse"), "the failure is shown: {}", errors.text());
        }
    }
}
