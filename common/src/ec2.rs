//! The lab's EBS resources: volumes and snapshots found by their ownership tags (one filtered
//! Describe per region), and a waiter that polls a whole set with one Describe per round,
//! shows each resource's state and progress, and stops on `error` with the StateMessage.

use crate::errors::{AwsError, AwsResultExt};
use crate::ownership::{self, Made, Verdict};
use crate::regions::RegionInfo;
use crate::scenario::Scenario;
use crate::session::RegionClients;
use crate::tags::{self, LabTags};
use crate::text::pick;
use crate::tr;
use crate::ui::Ui;
use anyhow::{Context, Result};
use aws_sdk_ec2::types::{Filter, Snapshot, Tag, Volume};
use aws_sdk_ec2::Client;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;
// tokio's clock, so tests with a paused clock never really wait.
use tokio::time::Instant;

fn tag_pairs(tags: &[Tag]) -> impl Iterator<Item = (&str, &str)> + Clone {
    tags.iter().map(|tag| (tag.key().unwrap_or_default(), tag.value().unwrap_or_default()))
}

/// An EBS volume the labs made.
#[derive(Debug, Clone, PartialEq)]
pub struct LabVolume {
    pub id: String,
    /// The Name tag.
    pub name: String,
    /// The ownership tags (role, step, set), when it carries the project tag.
    pub lab_tags: Option<LabTags>,
    pub zone: String,
    pub size_gib: i32,
    pub volume_type: String,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    pub state: String,
    pub attached: bool,
}

impl LabVolume {
    fn from_sdk(volume: &Volume) -> Self {
        LabVolume {
            id: volume.volume_id().unwrap_or_default().to_string(),
            name: tags::value_of(tag_pairs(volume.tags()), "Name").unwrap_or_default().to_string(),
            lab_tags: LabTags::read(tag_pairs(volume.tags())),
            zone: volume.availability_zone().unwrap_or_default().to_string(),
            size_gib: volume.size().unwrap_or_default(),
            volume_type: volume.volume_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
            encrypted: volume.encrypted().unwrap_or(false),
            kms_key_id: volume.kms_key_id().map(str::to_string),
            state: volume.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
            attached: !volume.attachments().is_empty(),
        }
    }

    /// Not on its way out.
    pub fn is_live(&self) -> bool {
        !matches!(self.state.as_str(), "deleting" | "deleted" | "error")
    }

    /// The `ebs-kms-labs:role` tag: the scenario name it was made for.
    pub fn role(&self) -> Option<&str> {
        self.lab_tags.as_ref()?.role.as_deref()
    }

    /// The `ebs-kms-labs:step` tag: which lab made it.
    pub fn step(&self) -> Option<&str> {
        self.lab_tags.as_ref()?.step.as_deref()
    }

    /// Whose it is; `None` without the project tag.
    pub fn verdict(&self, scenario: &Scenario) -> Option<Verdict> {
        let lab_tags = self.lab_tags.as_ref()?;
        Some(ownership::judge(scenario, Made::Volume, lab_tags, Some(&self.name)))
    }
}

/// An EBS snapshot (or cross-region copy) the labs made.
#[derive(Debug, Clone, PartialEq)]
pub struct LabSnapshot {
    pub id: String,
    pub name: String,
    pub role: Option<String>,
    pub volume_id: String,
    pub description: String,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    pub state: String,
    pub progress: Option<String>,
    pub state_message: Option<String>,
    pub tags: BTreeMap<String, String>,
}

impl LabSnapshot {
    fn from_sdk(snapshot: &Snapshot) -> Self {
        LabSnapshot {
            id: snapshot.snapshot_id().unwrap_or_default().to_string(),
            name: tags::value_of(tag_pairs(snapshot.tags()), "Name").unwrap_or_default().to_string(),
            role: tags::value_of(tag_pairs(snapshot.tags()), tags::ROLE_KEY).map(str::to_string),
            volume_id: snapshot.volume_id().unwrap_or_default().to_string(),
            description: snapshot.description().unwrap_or_default().to_string(),
            encrypted: snapshot.encrypted().unwrap_or(false),
            kms_key_id: snapshot.kms_key_id().map(str::to_string),
            state: snapshot.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
            progress: snapshot.progress().map(str::to_string),
            state_message: snapshot.state_message().map(str::to_string),
            tags: tag_pairs(snapshot.tags()).map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    pub fn is_live(&self) -> bool {
        self.state != "error"
    }

    /// The `ebs-kms-labs:step` tag: which lab made it.
    pub fn step(&self) -> Option<&str> {
        self.tags.get(tags::STEP_KEY).map(String::as_str)
    }

    /// The ownership tags, when it carries the project tag.
    pub fn lab_tags(&self) -> Option<LabTags> {
        LabTags::read(self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Whose it is, as a snapshot (`Made::Snapshot`) or a copy (`Made::Copy`); `None` without
    /// the project tag.
    pub fn verdict(&self, scenario: &Scenario, made: Made) -> Option<Verdict> {
        Some(ownership::judge(scenario, made, &self.lab_tags()?, Some(&self.name)))
    }
}

/// The volumes with the project tag in the region of `ec2`, in any state (whose they are is
/// for [`LabVolume::verdict`] to say).
pub async fn lab_volumes(ec2: &Client) -> Result<Vec<LabVolume>, AwsError> {
    let request = ec2.describe_volumes().filters(tags::ec2_owned_filter());
    let volumes = request.into_paginator().items().send().try_collect().await.aws("ec2:DescribeVolumes")?;
    Ok(volumes.iter().map(LabVolume::from_sdk).collect())
}

/// This set's volumes in the region of `clients`, in any state.
pub async fn set_volumes(clients: &RegionClients, scenario: &Scenario) -> anyhow::Result<Vec<LabVolume>> {
    let volumes = listed(lab_volumes(&clients.ec2), pick("volumes", "ボリューム"), clients.region).await?;
    Ok(volumes.into_iter().filter(|volume| volume.verdict(scenario).is_some_and(|v| v.is_ours())).collect())
}

/// A listing, with the context that says what was listed where.
pub async fn listed<T>(
    listing: impl Future<Output = Result<Vec<T>, AwsError>>,
    what: &str,
    region: &RegionInfo,
) -> anyhow::Result<Vec<T>> {
    listing
        .await
        .with_context(|| tr!("listing the lab's {what} in {region}", "{region} にあるラボの{what}の一覧を取得中"))
}

/// Every volume in the region of `ec2`, tagged or not: before a key is deleted, the ones that
/// are not the set's but are encrypted under it must be found.
pub async fn all_volumes(ec2: &Client) -> Result<Vec<LabVolume>, AwsError> {
    let volumes =
        ec2.describe_volumes().into_paginator().items().send().try_collect().await.aws("ec2:DescribeVolumes")?;
    Ok(volumes.iter().map(LabVolume::from_sdk).collect())
}

/// Every snapshot this account owns in the region of `ec2`, tagged or not (as [`all_volumes`]).
pub async fn all_snapshots(ec2: &Client) -> Result<Vec<LabSnapshot>, AwsError> {
    let request = ec2.describe_snapshots().owner_ids("self");
    let snapshots = request.into_paginator().items().send().try_collect().await.aws("ec2:DescribeSnapshots")?;
    Ok(snapshots.iter().map(LabSnapshot::from_sdk).collect())
}

/// The volumes whose Name tag is one of `names`, tagged by the labs or not (hands-on `--check`:
/// the learner may have made them by hand), in any state.
pub async fn volumes_named(ec2: &Client, names: &[String]) -> Result<Vec<LabVolume>, AwsError> {
    let filter = Filter::builder().name("tag:Name").set_values(Some(names.to_vec())).build();
    let request = ec2.describe_volumes().filters(filter);
    let volumes = request.into_paginator().items().send().try_collect().await.aws("ec2:DescribeVolumes")?;
    Ok(volumes.iter().map(LabVolume::from_sdk).collect())
}

/// The snapshots this account owns whose Name tag is one of `names`, tagged by the labs or not
/// (as [`volumes_named`]).
pub async fn snapshots_named(ec2: &Client, names: &[String]) -> Result<Vec<LabSnapshot>, AwsError> {
    let filter = Filter::builder().name("tag:Name").set_values(Some(names.to_vec())).build();
    let request = ec2.describe_snapshots().owner_ids("self").filters(filter);
    let snapshots = request.into_paginator().items().send().try_collect().await.aws("ec2:DescribeSnapshots")?;
    Ok(snapshots.iter().map(LabSnapshot::from_sdk).collect())
}

/// The snapshots this account owns of the volumes `volume_ids`, whatever their tags (hands-on
/// `--check`: a snapshot of the right volume that the learner did not name).
pub async fn snapshots_of_volumes(ec2: &Client, volume_ids: &[String]) -> Result<Vec<LabSnapshot>, AwsError> {
    let filter = Filter::builder().name("volume-id").set_values(Some(volume_ids.to_vec())).build();
    let request = ec2.describe_snapshots().owner_ids("self").filters(filter);
    let snapshots = request.into_paginator().items().send().try_collect().await.aws("ec2:DescribeSnapshots")?;
    Ok(snapshots.iter().map(LabSnapshot::from_sdk).collect())
}

/// Volumes by id (not filtered by tags: used right after the labs made them).
pub async fn volumes_by_id(ec2: &Client, ids: &[String]) -> Result<Vec<LabVolume>, AwsError> {
    let filter = Filter::builder().name("volume-id").set_values(Some(ids.to_vec())).build();
    let output = ec2.describe_volumes().filters(filter).send().await.aws("ec2:DescribeVolumes")?;
    Ok(output.volumes().iter().map(LabVolume::from_sdk).collect())
}

/// The snapshots with the project tag owned by this account in the region of `ec2`, in any
/// state (whose they are is for [`LabSnapshot::verdict`] to say).
pub async fn lab_snapshots(ec2: &Client) -> Result<Vec<LabSnapshot>, AwsError> {
    let request = ec2.describe_snapshots().owner_ids("self").filters(tags::ec2_owned_filter());
    let snapshots = request.into_paginator().items().send().try_collect().await.aws("ec2:DescribeSnapshots")?;
    Ok(snapshots.iter().map(LabSnapshot::from_sdk).collect())
}

/// This set's snapshots (`Made::Snapshot`) or copies (`Made::Copy`) in the region of `clients`.
pub async fn set_snapshots(
    clients: &RegionClients,
    scenario: &Scenario,
    made: Made,
) -> anyhow::Result<Vec<LabSnapshot>> {
    let what =
        if made == Made::Copy { pick("copies", "コピー") } else { pick("snapshots", "スナップショット") };
    let snapshots = listed(lab_snapshots(&clients.ec2), what, clients.region).await?;
    Ok(snapshots.into_iter().filter(|snapshot| snapshot.verdict(scenario, made).is_some_and(|v| v.is_ours())).collect())
}

/// Snapshots by id, with one Describe (filtered by id, so a just-made one missing is no error).
pub async fn snapshots_by_id(ec2: &Client, ids: &[String]) -> Result<Vec<LabSnapshot>, AwsError> {
    let filter = Filter::builder().name("snapshot-id").set_values(Some(ids.to_vec())).build();
    let output =
        ec2.describe_snapshots().owner_ids("self").filters(filter).send().await.aws("ec2:DescribeSnapshots")?;
    Ok(output.snapshots().iter().map(LabSnapshot::from_sdk).collect())
}

/// Where one resource stands while being waited for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Still working; percent done when AWS says.
    Pending {
        state: String,
        percent: Option<u8>,
    },
    Done,
    /// Ended in `error`; the StateMessage.
    Failed(String),
}

/// `"42%"` → 42.
pub fn parse_percent(progress: Option<&str>) -> Option<u8> {
    progress?.trim().trim_end_matches('%').parse().ok()
}

impl Standing {
    pub fn of_snapshot(snapshot: &LabSnapshot) -> Standing {
        match snapshot.state.as_str() {
            "completed" => Standing::Done,
            "error" => Standing::Failed(
                snapshot
                    .state_message
                    .clone()
                    .unwrap_or_else(|| tr!("no StateMessage given", "StateMessage (エラーの説明) がありません")),
            ),
            state => {
                Standing::Pending { state: state.to_string(), percent: parse_percent(snapshot.progress.as_deref()) }
            }
        }
    }

    pub fn of_volume(volume: &LabVolume) -> Standing {
        match volume.state.as_str() {
            "available" | "in-use" => Standing::Done,
            "error" => Standing::Failed(tr!("the volume is in state error", "ボリュームが error 状態です")),
            state => Standing::Pending { state: state.to_string(), percent: None },
        }
    }
}

/// How long to wait, and how often to look.
#[derive(Debug, Clone, Copy)]
pub struct WaitPolicy {
    pub max_wait: Duration,
    pub first_poll: Duration,
    pub longest_poll: Duration,
}

impl WaitPolicy {
    pub fn minutes(max_wait_minutes: u64) -> Self {
        WaitPolicy {
            max_wait: Duration::from_secs(max_wait_minutes * 60),
            first_poll: Duration::from_secs(1),
            longest_poll: Duration::from_secs(15),
        }
    }
}

/// Waits until every resource in `ids` is done or failed, polling all of them at once with
/// `poll` (one Describe per round). Returns the failures (id → StateMessage); gives up with an
/// error after `policy.max_wait`. A resource missing from an answer counts as pending (AWS is
/// eventually consistent right after a create).
pub async fn wait_all<F, Fut>(
    ui: &Ui,
    what: &str,
    ids: &[String],
    policy: WaitPolicy,
    mut poll: F,
) -> Result<BTreeMap<String, String>>
where
    F: FnMut(Vec<String>) -> Fut,
    Fut: Future<Output = Result<BTreeMap<String, Standing>>>,
{
    let started = Instant::now();
    let mut pending: Vec<String> = ids.to_vec();
    let mut failures = BTreeMap::new();
    let mut last_seen: BTreeMap<String, Standing> = BTreeMap::new();
    let bars: BTreeMap<String, indicatif::ProgressBar> =
        ids.iter().map(|id| (id.clone(), ui.progress_bar(format!("{what} {id}")))).collect();
    let mut pause = policy.first_poll;
    while !pending.is_empty() {
        let standings = poll(pending.clone()).await?;
        for id in pending.clone() {
            let standing = standings.get(&id).cloned().unwrap_or_else(|| Standing::Pending {
                state: tr!("not visible yet", "まだ見つかりません"),
                percent: None,
            });
            if last_seen.get(&id) != Some(&standing) {
                let line = match &standing {
                    Standing::Pending { state, percent: Some(p) } => format!("{what} {id}: {state} {p}%"),
                    Standing::Pending { state, percent: None } => format!("{what} {id}: {state}"),
                    Standing::Done => tr!("{what} {id}: done", "{what} {id}: 完了"),
                    Standing::Failed(message) => tr!("{what} {id}: error: {message}", "{what} {id}: エラー: {message}"),
                };
                ui.progress_line(&line);
                if let Some(bar) = bars.get(&id) {
                    if let Standing::Pending { percent: Some(p), .. } = standing {
                        bar.set_position(u64::from(p));
                    }
                    bar.set_message(line);
                }
                last_seen.insert(id.clone(), standing.clone());
            }
            match standing {
                Standing::Pending { .. } => continue,
                Standing::Done => {}
                Standing::Failed(message) => {
                    failures.insert(id.clone(), message);
                }
            }
            pending.retain(|p| p != &id);
            if let Some(bar) = bars.get(&id) {
                bar.finish_and_clear();
            }
        }
        if pending.is_empty() {
            break;
        }
        if started.elapsed() >= policy.max_wait {
            bars.values().for_each(|bar| bar.finish_and_clear());
            let (pending, minutes) = (pending.join(", "), policy.max_wait.as_secs() / 60);
            anyhow::bail!(tr!(
                "{what} {pending} still not finished after {minutes} minutes; AWS keeps working on it: run the lab again \
                 to keep waiting (it reuses what exists), or raise --max-wait-minutes",
                "{what} {pending} は {minutes} 分たっても終わっていません。AWS 側の処理は続いています。\
                 ラボを再実行すると待ち続けます (既にあるものを再利用します)。または --max-wait-minutes を増やしてください"
            ));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(policy.longest_poll);
    }
    Ok(failures)
}

/// A resource the labs wait for: its id, and where it stands.
pub trait Waited {
    fn id(&self) -> &str;
    fn standing(&self) -> Standing;
}

impl Waited for LabVolume {
    fn id(&self) -> &str {
        &self.id
    }
    fn standing(&self) -> Standing {
        Standing::of_volume(self)
    }
}

impl Waited for LabSnapshot {
    fn id(&self) -> &str {
        &self.id
    }
    fn standing(&self) -> Standing {
        Standing::of_snapshot(self)
    }
}

/// [`wait_all`] with `describe` as the poll, keeping each resource as last described: what
/// verification reads, so it needs no second Describe. Returns the failures too.
async fn wait_keeping<T, F, Fut>(
    ui: &Ui,
    what: &str,
    ids: &[String],
    policy: WaitPolicy,
    mut describe: F,
) -> Result<(BTreeMap<String, String>, Vec<T>)>
where
    T: Waited,
    F: FnMut(Vec<String>) -> Fut,
    Fut: Future<Output = Result<Vec<T>, AwsError>>,
{
    let seen = Mutex::new(BTreeMap::new());
    let failures = wait_all(ui, what, ids, policy, |pending| {
        let (seen, described) = (&seen, describe(pending));
        async move {
            let resources = described.await?;
            let standings = resources.iter().map(|resource| (resource.id().to_string(), resource.standing())).collect();
            let mut seen = seen.lock().expect("wait lock");
            seen.extend(resources.into_iter().map(|resource| (resource.id().to_string(), resource)));
            Ok(standings)
        }
    })
    .await?;
    Ok((failures, seen.into_inner().expect("wait lock").into_values().collect()))
}

/// Waits for volumes `ids`; returns the failures and each volume as last described.
pub async fn wait_for_volumes(
    ui: &Ui,
    ec2: &Client,
    what: &str,
    ids: &[String],
    policy: WaitPolicy,
) -> Result<(BTreeMap<String, String>, Vec<LabVolume>)> {
    wait_keeping(ui, what, ids, policy, |pending| async move { volumes_by_id(ec2, &pending).await }).await
}

/// Waits for snapshots or copies `ids` in the region of `ec2`; returns id → StateMessage of
/// those that ended in `error`, and each snapshot as last described.
pub async fn wait_for_snapshots(
    ui: &Ui,
    ec2: &Client,
    what: &str,
    ids: &[String],
    policy: WaitPolicy,
) -> Result<(BTreeMap<String, String>, Vec<LabSnapshot>)> {
    wait_keeping(ui, what, ids, policy, |pending| async move { snapshots_by_id(ec2, &pending).await }).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::OutputFormat;
    use std::sync::{Arc, Mutex};

    #[test]
    fn percent_parses_ebs_progress() {
        assert_eq!(parse_percent(Some("42%")), Some(42));
        assert_eq!(parse_percent(Some("100%")), Some(100));
        assert_eq!(parse_percent(Some("")), None);
        assert_eq!(parse_percent(None), None);
    }

    #[tokio::test(start_paused = true)]
    async fn waits_through_pending_reports_progress_and_collects_errors() {
        let (ui, _, progress) = Ui::non_interactive(OutputFormat::Table, true);
        let rounds = Arc::new(Mutex::new(0));
        let ids = vec!["snap-a".to_string(), "snap-b".to_string()];
        let counter = Arc::clone(&rounds);
        let failures = wait_all(&ui, "snapshot", &ids, WaitPolicy::minutes(5), move |asked| {
            let counter = Arc::clone(&counter);
            async move {
                let mut round = counter.lock().unwrap();
                *round += 1;
                let mut answer = BTreeMap::new();
                for id in asked {
                    let standing = match (id.as_str(), *round) {
                        ("snap-a", 1) => Standing::Pending { state: "pending".into(), percent: Some(10) },
                        ("snap-a", 2) => Standing::Pending { state: "pending".into(), percent: Some(60) },
                        ("snap-a", _) => Standing::Done,
                        (_, 1) => continue, // not visible yet
                        _ => Standing::Failed("Given key ID is not accessible".into()),
                    };
                    answer.insert(id, standing);
                }
                Ok(answer)
            }
        })
        .await
        .unwrap();
        assert_eq!(*rounds.lock().unwrap(), 3);
        assert_eq!(failures, BTreeMap::from([("snap-b".to_string(), "Given key ID is not accessible".to_string())]));
        let text = progress.text();
        for expected in [
            "snapshot snap-a: pending 10%",
            "snapshot snap-a: pending 60%",
            "snapshot snap-a: done",
            "snapshot snap-b: error: Given key ID is not accessible",
        ] {
            assert!(text.contains(expected), "{expected} missing from:\n{text}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_maximum_wait_with_a_way_forward() {
        let (ui, _, _) = Ui::non_interactive(OutputFormat::Table, true);
        let ids = vec!["snap-slow".to_string()];
        let error = wait_all(&ui, "copy", &ids, WaitPolicy::minutes(1), |asked| async move {
            Ok(asked
                .into_iter()
                .map(|id| (id, Standing::Pending { state: "pending".into(), percent: Some(1) }))
                .collect())
        })
        .await
        .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("snap-slow still not finished after 1 minutes"), "{text}");
        assert!(text.contains("--max-wait-minutes"), "{text}");
    }

    // The emulator never pends, never fails and never throttles: these paths run on mocks.
    mod mocked {
        use super::*;
        use aws_sdk_ec2::config::retry::RetryConfig;
        use aws_sdk_ec2::operation::describe_snapshots::DescribeSnapshotsOutput;
        use aws_sdk_ec2::types::{Snapshot, SnapshotState};
        use aws_smithy_mocks::{mock, mock_client, RuleMode};

        fn snapshot(state: SnapshotState, progress: &str, message: Option<&str>) -> DescribeSnapshotsOutput {
            let snapshot = Snapshot::builder()
                .snapshot_id("snap-1")
                .volume_id("vol-1")
                .encrypted(true)
                .kms_key_id("arn:aws:kms:us-west-2:123456789012:key/1234")
                .state(state)
                .progress(progress)
                .set_state_message(message.map(str::to_string))
                .build();
            DescribeSnapshotsOutput::builder().snapshots(snapshot).build()
        }

        #[tokio::test(start_paused = true)]
        async fn a_snapshot_pending_twice_then_completed_is_waited_for_with_progress() {
            let rule = mock!(Client::describe_snapshots)
                .sequence()
                .output(|| snapshot(SnapshotState::Pending, "10%", None))
                .output(|| snapshot(SnapshotState::Pending, "60%", None))
                .output(|| snapshot(SnapshotState::Completed, "100%", None))
                .build();
            let client = mock_client!(aws_sdk_ec2, RuleMode::Sequential, [&rule]);
            let (ui, _, progress) = Ui::non_interactive(crate::args::OutputFormat::Table, true);
            let ids = vec!["snap-1".to_string()];
            let (failures, described) =
                wait_for_snapshots(&ui, &client, "snapshot", &ids, WaitPolicy::minutes(10)).await.unwrap();
            assert!(failures.is_empty());
            assert_eq!(rule.num_calls(), 3);
            // What verification reads: the last description, not a stale one.
            assert_eq!(described.len(), 1);
            assert_eq!((described[0].state.as_str(), described[0].encrypted), ("completed", true));
            let text = progress.text();
            assert!(
                text.contains("snapshot snap-1: pending 10%") && text.contains("snapshot snap-1: pending 60%"),
                "{text}"
            );
            assert!(text.contains("snapshot snap-1: done"), "{text}");
        }

        #[tokio::test(start_paused = true)]
        async fn a_copy_that_turns_to_error_reports_its_state_message() {
            let rule = mock!(Client::describe_snapshots)
                .sequence()
                .output(|| snapshot(SnapshotState::Pending, "0%", None))
                .output(|| snapshot(SnapshotState::Error, "0%", Some("Given key ID is not accessible")))
                .build();
            let client = mock_client!(aws_sdk_ec2, RuleMode::Sequential, [&rule]);
            let (ui, _, _) = Ui::non_interactive(crate::args::OutputFormat::Table, true);
            let ids = vec!["snap-1".to_string()];
            let (failures, _) = wait_for_snapshots(&ui, &client, "copy", &ids, WaitPolicy::minutes(10)).await.unwrap();
            assert_eq!(failures.get("snap-1").map(String::as_str), Some("Given key ID is not accessible"));
            assert_eq!(rule.num_calls(), 2, "polling stops once the copy has failed");
        }

        #[tokio::test(start_paused = true)]
        async fn a_throttled_describe_is_retried_and_succeeds() {
            let throttled = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>req-1</RequestID></Response>"#;
            let rule = mock!(Client::describe_snapshots)
                .sequence()
                .http_status(503, Some(throttled.to_string()))
                .output(|| snapshot(SnapshotState::Completed, "100%", None))
                .build();
            let client = mock_client!(aws_sdk_ec2, RuleMode::Sequential, [&rule], |config| {
                config.retry_config(RetryConfig::standard().with_max_attempts(3))
            });
            let snapshots = snapshots_by_id(&client, &["snap-1".to_string()]).await.unwrap();
            assert_eq!(snapshots.len(), 1);
            assert_eq!(snapshots[0].state, "completed");
            assert_eq!(rule.num_calls(), 2, "one throttled attempt, one retry");
        }

        #[tokio::test(start_paused = true)]
        async fn server_errors_are_retried_and_succeed() {
            let internal = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InternalError</Code><Message>An internal error has occurred</Message></Error></Errors><RequestID>req-5</RequestID></Response>"#;
            let rule = mock!(Client::describe_snapshots)
                .sequence()
                .http_status(500, Some(internal.to_string()))
                .http_status(503, None)
                .output(|| snapshot(SnapshotState::Completed, "100%", None))
                .build();
            let client = mock_client!(aws_sdk_ec2, RuleMode::Sequential, [&rule], |config| {
                config.retry_config(RetryConfig::standard().with_max_attempts(5))
            });
            let snapshots = snapshots_by_id(&client, &["snap-1".to_string()]).await.unwrap();
            assert_eq!(snapshots[0].state, "completed");
            assert_eq!(rule.num_calls(), 3, "HTTP 500, HTTP 503, then the answer");
        }

        #[tokio::test(start_paused = true)]
        async fn throttling_that_does_not_stop_is_reported_with_its_code() {
            let throttled = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>req-9</RequestID></Response>"#;
            let rule = mock!(Client::describe_snapshots)
                .sequence()
                .http_status(503, Some(throttled.to_string()))
                .times(3)
                .build();
            let client = mock_client!(aws_sdk_ec2, RuleMode::Sequential, [&rule], |config| {
                config.retry_config(RetryConfig::standard().with_max_attempts(3))
            });
            let error = snapshots_by_id(&client, &["snap-1".to_string()]).await.unwrap_err();
            assert_eq!(error.code(), Some("RequestLimitExceeded"));
            assert!(error.to_string().contains("RequestLimitExceeded: Request limit exceeded."), "{error}");
            assert_eq!(rule.num_calls(), 3);
        }
    }
}
