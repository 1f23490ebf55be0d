//! The inventory of everything lab-owned in both regions (`Found`, `Inventory`), what each item
//! costs, and the engine that removes items in dependency order (`execute`): copies in the
//! destination, snapshots in the source, volumes, aliases, then keys (replica, primary,
//! single-region) scheduled for deletion. The cleanup flow, status and the Ctrl-C report
//! build on it; it names no lab (the manifest says which lab makes what).
//!
//! Safety: the inventory holds only resources with the ownership tags (a replica, when its
//! primary has them; an alias, when its key is lab-owned). AWS managed keys are never touched.

use crate::ec2::{self, LabSnapshot, LabVolume};
use crate::errors::{AwsError, AwsResultExt};
use crate::facts;
use crate::kms::{AwsEbs, KeyInfo, LabKeys, MultiRegionRole};
use crate::manifest::{self, Makes};
use crate::regions::RegionInfo;
use crate::scenario::{Scenario, Side};
use crate::session::{RegionClients, Session};
use crate::text::{self, pick, Lang};
use crate::tr;
use crate::ui::{Report, Ui};
use anyhow::{Context, Result};
use std::fmt;

/// What kind of resource an inventory item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Snapshot,
    Volume,
    Alias,
    Key,
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
        }
    }

    fn from_snapshot(snapshot: &LabSnapshot, region: &'static RegionInfo, side: Side) -> Item {
        let maker = if side == Side::Source { Makes::Snapshots } else { Makes::Copies };
        let step = snapshot.step().unwrap_or(&manifest::lab_that_makes(maker).id);
        Item::base(ItemKind::Snapshot, region, side, &snapshot.id, &snapshot.name, step, &snapshot.state)
    }

    fn from_volume(volume: &LabVolume, region: &'static RegionInfo, side: Side) -> Item {
        let step = volume.step.as_deref().unwrap_or(&manifest::lab_that_makes(Makes::Volumes).id);
        let mut item = Item::base(ItemKind::Volume, region, side, &volume.id, &volume.name, step, &volume.state);
        item.size_gib = volume.size_gib;
        item.attached = volume.attached;
        item
    }

    fn from_key(key: &KeyInfo, region: &'static RegionInfo, side: Side) -> Item {
        let name = key.ownership.role_label().unwrap_or_else(|| key.display_name().to_string());
        let step = key.ownership.step().unwrap_or(&manifest::lab_that_makes(Makes::Keys).id);
        let mut item = Item::base(ItemKind::Key, region, side, &key.key_id, &name, step, key.state.as_str());
        item.key_role = key.multi_region;
        item.aws_managed = key.aws_managed;
        item.deletion_date = key.deletion_date.clone();
        item
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

    /// Monthly cost estimate, as text.
    pub fn cost_label(&self) -> String {
        match self.kind {
            ItemKind::Key if self.is_pending_deletion() => {
                tr!("free while pending deletion", "削除の保留中は無料")
            }
            ItemKind::Key => facts::usd_per_month(facts::CUSTOMER_KEY_USD_PER_MONTH),
            ItemKind::Alias => tr!("free", "無料"),
            ItemKind::Volume => facts::usd_per_month(f64::from(self.size_gib) * facts::GP3_USD_PER_GB_MONTH),
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

    /// Which wave of deletes it is removed in: what nothing depends on goes first, all at
    /// once (snapshots, copies, volumes, aliases), then the keys, the primary of a
    /// multi-region pair last of all, after its replica.
    fn wave(&self) -> u8 {
        match (self.kind, self.key_role) {
            (ItemKind::Key, Some(MultiRegionRole::Primary)) => 2,
            (ItemKind::Key, _) => 1,
            _ => 0,
        }
    }

    /// What cleanup will do with it, with the words that say so.
    pub fn plan(&self, pending_days: i32) -> Disposition {
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

/// Everything lab-owned in both regions.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub items: Vec<Item>,
}

/// Everything lab-owned in both regions, as discovered (the inventory and the status view
/// both start from this).
#[derive(Debug, Clone)]
pub struct Found {
    pub keys: LabKeys,
    pub source_snapshots: Vec<LabSnapshot>,
    pub destination_snapshots: Vec<LabSnapshot>,
    pub source_volumes: Vec<LabVolume>,
    pub destination_volumes: Vec<LabVolume>,
}

impl Found {
    /// One concurrent discovery of both regions.
    pub async fn load(session: &Session) -> Result<Found> {
        Found::load_in(&session.source, &session.destination).await
    }

    /// The same, given the two regions' clients.
    pub async fn load_in(source: &RegionClients, destination: &RegionClients) -> Result<Found> {
        Found::read(LabKeys::discover_in(source, destination), source, destination).await
    }

    /// What teardown needs: everything lab-owned, without `aws/ebs` (never touched, so not read).
    pub async fn load_owned(session: &Session) -> Result<Found> {
        let (source, destination) = (&session.source, &session.destination);
        Found::read(LabKeys::discover_in_with(source, destination, AwsEbs::Skip), source, destination).await
    }

    /// The lab's snapshots and volumes of both regions, listed while `keys` are found.
    async fn read(
        keys: impl std::future::Future<Output = Result<LabKeys>>,
        source: &RegionClients,
        destination: &RegionClients,
    ) -> Result<Found> {
        let (snapshots, volumes) = (pick("snapshots", "スナップショット"), pick("volumes", "ボリューム"));
        let (keys, source_snapshots, destination_snapshots, source_volumes, destination_volumes) = futures::try_join!(
            keys,
            listed(ec2::lab_snapshots(&source.ec2), snapshots, source.region),
            listed(ec2::lab_snapshots(&destination.ec2), snapshots, destination.region),
            listed(ec2::lab_volumes(&source.ec2), volumes, source.region),
            listed(ec2::lab_volumes(&destination.ec2), volumes, destination.region),
        )?;
        Ok(Found { keys, source_snapshots, destination_snapshots, source_volumes, destination_volumes })
    }

    /// The same resources described afresh, after a teardown: the lab's volumes and snapshots
    /// listed again, the keys already known described again (their ownership is known).
    pub async fn reload(&self, session: &Session) -> Result<Found> {
        let (source, destination) = (&session.source, &session.destination);
        Found::read(self.keys.refresh(source, destination, &[], AwsEbs::Skip), source, destination).await
    }

    /// The inventory of what was found, in teardown order.
    pub fn inventory(&self) -> Inventory {
        let Found { keys, source_snapshots, destination_snapshots, source_volumes, destination_volumes } = self;
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
        for (side, region_keys) in [(Side::Source, &keys.source), (Side::Destination, &keys.destination)] {
            let region = region_keys.region;
            for key in region_keys.owned.iter().filter(|key| !key.aws_managed) {
                for alias in key.aliases.iter().filter(|alias| !alias.starts_with("alias/aws/")) {
                    items.push(Item::base(
                        ItemKind::Alias,
                        region,
                        side,
                        alias,
                        alias.trim_start_matches("alias/"),
                        &manifest::lab_that_makes(Makes::Keys).id,
                        "—",
                    ));
                }
                items.push(Item::from_key(key, region, side));
            }
        }
        items.sort_by_key(|item| item.phase());
        Inventory { items }
    }
}

impl Inventory {
    /// Only what belongs to `scenario`'s name prefix; also returns how many lab items belong
    /// to other prefixes (left alone).
    pub fn of_scenario(mut self, scenario: &Scenario) -> (Inventory, usize) {
        let before = self.items.len();
        self.items.retain(|item| scenario.owns_name(&item.name));
        let others = before - self.items.len();
        (self, others)
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
        self.billable()
            .map(|item| match item.kind {
                ItemKind::Key => facts::CUSTOMER_KEY_USD_PER_MONTH,
                ItemKind::Volume => f64::from(item.size_gib) * facts::GP3_USD_PER_GB_MONTH,
                _ => 0.0,
            })
            .sum()
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
            if let Some(days) = plan_days {
                cells.push(item.plan(days).words().to_string());
            }
            report.row(cells, None);
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
            report.row(
                vec![
                    item.kind.to_string(),
                    item.region.to_string(),
                    item.name.clone(),
                    item.id.clone(),
                    item.state.clone(),
                    item.deletion_date.clone().unwrap_or_else(|| "—".into()),
                ],
                Some(check),
            );
        }
        report
    }
}

async fn listed<T>(
    future: impl std::future::Future<Output = Result<Vec<T>, AwsError>>,
    what: &str,
    region: &RegionInfo,
) -> Result<Vec<T>> {
    future
        .await
        .with_context(|| tr!("listing the lab's {what} in {region}", "{region} にあるラボの{what}の一覧を取得中"))
}

/// What happened to one item: `Ok(what was done)` or `Err(why it remains)`.
pub type ItemResult = Result<String, String>;

/// Removes `items` in dependency order, each wave at once; one failure does not stop the rest. Items that the plan
/// leaves alone are reported as they are (an attached volume as a failure: it remains).
pub async fn execute(
    ui: &Ui,
    source: &RegionClients,
    destination: &RegionClients,
    items: &[Item],
    pending_days: i32,
) -> Vec<(Item, ItemResult)> {
    let mut results = Vec::new();
    let mut waves: Vec<u8> = items.iter().map(Item::wave).collect();
    waves.sort_unstable();
    waves.dedup();
    for wave in waves {
        let in_wave = || items.iter().filter(move |item| item.wave() == wave);
        let work = in_wave().map(|item| async move {
            let clients = if item.side == Side::Source { source } else { destination };
            let result = remove(clients, item, pending_days).await;
            let (name, id, region) = (&item.name, &item.id, item.region);
            // Japanese spaces a Latin word off from the particle before it (の KMS キー), not kana.
            let kind = match item.kind.to_string() {
                kind if text::lang() == Lang::Ja && kind.starts_with(|c: char| c.is_ascii()) => format!(" {kind}"),
                kind => kind,
            };
            match &result {
                Ok(done) => ui.say(&tr!(
                    "✓ {kind} {name} ({id}) in {region}: {done}",
                    "✓ {region} の{kind} {name} ({id}): {done}"
                )),
                Err(why) => {
                    ui.warn(&tr!("{kind} {name} ({id}) in {region}: {why}", "{region} の{kind} {name} ({id}): {why}"))
                }
            }
            (item.clone(), result)
        });
        results.extend(futures::future::join_all(work).await);
    }
    results
}

async fn remove(clients: &RegionClients, item: &Item, pending_days: i32) -> ItemResult {
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
        let mut item = Item::base(kind, find("us-west-2").unwrap(), side, "id", "name", "01-keys", "Enabled");
        item.key_role = role;
        item
    }

    #[test]
    fn deletes_go_in_three_waves_with_the_primary_after_its_replica() {
        let wave = |kind, role| item(kind, Side::Source, role).wave();
        assert_eq!(wave(ItemKind::Snapshot, None), 0);
        assert_eq!(wave(ItemKind::Volume, None), 0);
        assert_eq!(wave(ItemKind::Alias, None), 0);
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

    // A delete that fails in the middle: the emulator never refuses, so mocks do.
    mod mocked {
        use super::*;
        use crate::args::OutputFormat;
        use aws_sdk_ec2::operation::delete_volume::DeleteVolumeOutput;
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
            let source = RegionClients {
                region: find("ap-northeast-1").unwrap(),
                ec2: mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&delete_volume]),
                kms: mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&schedule]),
            };
            let destination = RegionClients {
                region: find("us-west-2").unwrap(),
                ec2: mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&delete_snapshot]),
                kms: mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&schedule]),
            };
            let mut copy = item(ItemKind::Snapshot, Side::Destination, None);
            copy.id = "snap-copy".into();
            let mut volume = item(ItemKind::Volume, Side::Source, None);
            volume.id = "vol-1".into();
            let mut key = item(ItemKind::Key, Side::Source, None);
            key.id = "1234".into();
            let (ui, _, errors) = Ui::non_interactive(OutputFormat::Table, true);

            let results = execute(&ui, &source, &destination, &[copy, volume, key], 7).await;

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
