//! A sweep: the lab resources of every region enabled for the account, of the run's set or of
//! every set (`05-cleanup --all-regions --all-sets`), for a learner who once ran with other
//! regions or another `--name-prefix` and forgot. The same ownership rule as a run's own pair of
//! regions (`ownership::judge_in_region`: a region may be either end of a copy), the same
//! inventory, and every region read at once.

use crate::ec2::{self, LabSnapshot, LabVolume};
use crate::errors::AwsResultExt;
use crate::inventory::{Inventory, Item, Others};
use crate::kms::{self, MultiRegionRole, Ownership, Purpose, RegionKeys};
use crate::manifest::{self, Makes};
use crate::ownership::{self, judge_in_region, Made, Sets};
use crate::regions::{self, RegionInfo};
use crate::scenario::{Scenario, Side};
use crate::session::{RegionClients, Session};
use crate::tags::LabTags;
use crate::tr;
use anyhow::{Context, Result};

/// The regions enabled for the account, as EC2 `DescribeRegions` lists them (without
/// `AllRegions` it lists only those; a region the table does not know yet is taken by its code),
/// and the codes the labs cannot work in (another partition), with why.
pub async fn enabled_regions(ec2: &aws_sdk_ec2::Client) -> Result<(Vec<&'static RegionInfo>, Vec<String>)> {
    let output = ec2.describe_regions().send().await.aws("ec2:DescribeRegions").with_context(|| {
        tr!("listing the regions enabled for the account", "アカウントで有効なリージョンを一覧表示中")
    })?;
    let codes: Vec<String> = output.regions().iter().filter_map(|r| r.region_name().map(str::to_string)).collect();
    let (known, unknown): (Vec<_>, Vec<_>) = codes.iter().map(|code| regions::parse(code)).partition(Result::is_ok);
    Ok((known.into_iter().flatten().collect(), unknown.into_iter().filter_map(Result::err).collect()))
}

/// What one region holds: the keys of the sets the sweep takes (and the others, apart), every
/// volume and every snapshot the account owns there.
struct RegionFound {
    clients: RegionClients,
    keys: RegionKeys,
    volumes: Vec<LabVolume>,
    snapshots: Vec<LabSnapshot>,
}

/// Everything a sweep found, region by region.
pub struct Sweep {
    sets: Sets,
    found: Vec<RegionFound>,
}

impl Sweep {
    /// Reads every region in `regions` at once: keys (with their grants), volumes, snapshots;
    /// then the replicas of the sets' primaries that their own tags did not reveal.
    pub async fn load(session: &Session, regions: &[&'static RegionInfo], sets: Sets) -> Result<Sweep> {
        let reads = regions.iter().map(|region| {
            let clients = session.region_clients(region);
            let sets = &sets;
            async move {
                let judge = move |tags: &LabTags| {
                    judge_in_region(region, sets, &[Made::Key(Side::Source), Made::Key(Side::Destination)], tags, None)
                };
                let listed = |what: &str| {
                    tr!(
                        "listing every {what} in {region}",
                        "{region} のすべての{what}を一覧表示中",
                        what = what.to_string()
                    )
                };
                let (keys, volumes, snapshots) = futures::try_join!(
                    RegionKeys::discover(&clients.kms, region, &judge, Purpose::Teardown),
                    async { ec2::all_volumes(&clients.ec2).await.with_context(|| listed("volume")) },
                    async { ec2::all_snapshots(&clients.ec2).await.with_context(|| listed("snapshot")) },
                )?;
                Ok::<_, anyhow::Error>(RegionFound { clients, keys, volumes, snapshots })
            }
        });
        let mut found = futures::future::try_join_all(reads).await?;
        add_replicas_known_by_their_primary(&mut found).await?;
        Ok(Sweep { sets, found })
    }

    /// The clients of every region swept.
    pub fn clients(&self) -> Vec<&RegionClients> {
        self.found.iter().map(|found| &found.clients).collect()
    }

    /// The items of every set the sweep takes, region by region, with what is tagged like them
    /// but not theirs; each key with what outside its set uses it.
    pub fn inventory(&self) -> Inventory {
        let mut inventory = Inventory::default();
        let mut others = Others { keys: true, ..Others::default() };
        for found in &self.found {
            let region = found.clients.region;
            for snapshot in &found.snapshots {
                let verdict = snapshot.lab_tags().map(|tags| {
                    judge_in_region(region, &self.sets, &[Made::Snapshot, Made::Copy], &tags, Some(&snapshot.name))
                });
                let side = if snapshot.step() == Some(manifest::lab_that_makes(Makes::Copies).id.as_str()) {
                    Side::Destination
                } else {
                    Side::Source
                };
                let item = || Item::from_snapshot(snapshot, region, side);
                if others.sort_out(verdict, item, snapshot.kms_key_id.as_deref()) {
                    inventory.items.push(item());
                }
            }
            for volume in found.volumes.iter().filter(|v| v.state != "deleted") {
                let verdict = volume
                    .lab_tags
                    .as_ref()
                    .map(|tags| judge_in_region(region, &self.sets, &[Made::Volume], tags, Some(&volume.name)));
                let item = || Item::from_volume(volume, region, Side::Source);
                if others.sort_out(verdict, item, volume.kms_key_id.as_deref()) {
                    inventory.items.push(item());
                }
            }
            for key in found.keys.owned.iter().filter(|key| !key.aws_managed) {
                let own_alias = key.scenario_alias();
                let side =
                    if key.multi_region == Some(MultiRegionRole::Replica) { Side::Destination } else { Side::Source };
                let used_by = Item::uses_outside_the_set(key, own_alias.as_deref(), others.encrypted_in(region));
                inventory.items.extend(Item::of_key_and_alias(key, region, side, own_alias, used_by));
            }
            for (key, verdict) in &found.keys.not_ours {
                inventory.not_ours.push((Item::from_key(key, region, Side::Source), verdict.clone()));
            }
        }
        inventory.not_ours.extend(others.not_ours);
        inventory.settle();
        inventory
    }
}

/// A replica whose own tags do not show ownership (the emulator drops them) belongs to the set
/// of its primary: described in its region, with its grants, when the primary is the set's.
async fn add_replicas_known_by_their_primary(found: &mut [RegionFound]) -> Result<()> {
    let mut wanted: Vec<(usize, String, LabTags)> = Vec::new();
    for primary in found.iter().flat_map(|f| f.keys.owned.iter()) {
        let Ownership::Tagged(tags) = &primary.ownership else { continue };
        if primary.multi_region != Some(MultiRegionRole::Primary) {
            continue;
        }
        for (index, other) in found.iter().enumerate() {
            let known = other.keys.owned.iter().chain(other.keys.not_ours.iter().map(|(key, _)| key));
            let listed = primary.replica_regions.iter().any(|r| r == other.clients.region.code);
            if listed && !known.clone().any(|key| key.key_id == primary.key_id) {
                wanted.push((index, primary.key_id.clone(), tags.clone()));
            }
        }
    }
    let reads = wanted.iter().map(|(index, key_id, _)| {
        let region = &found[*index];
        kms::describe_for_teardown(&region.clients.kms, region.clients.region, key_id, &region.keys.aliases)
    });
    let replicas = futures::future::try_join_all(reads).await?;
    for ((index, _, tags), replica) in wanted.into_iter().zip(replicas) {
        let Some(replica) = replica else { continue };
        let region = found[index].clients.region;
        let set = ownership::set_of(Made::Key(Side::Source), &tags);
        let verdict = kms::replica_verdict(&Scenario::new(region, region, &set), &tags);
        let replica = replica.owned_as(Ownership::ReplicaOfLabPrimary(tags));
        match verdict {
            ownership::Verdict::Ours => found[index].keys.owned.push(replica),
            other => found[index].keys.not_ours.push((replica, other)),
        }
    }
    Ok(())
}
