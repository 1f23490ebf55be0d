//! Lab 02's hands-on check (`--check`, `--adopt`, `--yourself`): finds the three volumes by the
//! walkthrough's Name tags, whoever made them, in the source region and (to tell a volume made in
//! the wrong region) in the destination, and shows the lab's verification table with a fix for
//! each ✗. Read calls only.

use crate::verify::{self, check_volume, state_problem, volume_row};
use anyhow::Result;
use common::ec2::{self, LabVolume};
use common::hands_on::{Adoptable, Checked, Resource};
use common::kms::RegionKeys;
use common::scenario::{KeyKind, Side};
use common::text::pick;
use common::tr;
use common::LabContext;
use std::collections::BTreeSet;

/// One concurrent read of the source keys and of the volumes named as in the walkthrough in
/// both regions; refuses (exit 5, naming the lab that makes keys) when a source key is missing
/// or unusable, as the lab does.
pub async fn check(ctx: &LabContext) -> Result<Checked> {
    let (source, destination) = (&ctx.session.source, &ctx.session.destination);
    let names: Vec<String> = KeyKind::ALL.iter().map(|kind| ctx.scenario.volume_name(*kind)).collect();
    let wanted: Vec<_> = KeyKind::ALL.iter().map(|kind| ctx.scenario.key(*kind, Side::Source)).collect();
    let what = pick("volumes", "ボリューム");
    let (keys, here, there) = futures::try_join!(
        RegionKeys::lookup(&source.kms, source.region, &ctx.scenario, &wanted, None),
        ec2::listed(ec2::volumes_named(&source.ec2, &names), what, source.region),
        ec2::listed(ec2::volumes_named(&destination.ec2, &names), what, destination.region),
    )?;
    let usable = ctx.usable_keys(&keys, Side::Source, &KeyKind::ALL)?;
    let key_name = |reference: &str| keys.name_of_arn(reference);
    let (region, elsewhere) = (source.region.code, destination.region.code);

    let mut report = verify::volumes_report(ctx);
    let mut adoptable = Vec::new();
    let mut zones = Vec::new();
    for (kind, name) in KeyKind::ALL.into_iter().zip(&names) {
        let key = &usable[&kind];
        let named = |volumes: &[LabVolume], live: bool| -> Vec<LabVolume> {
            volumes.iter().filter(|v| &v.name == name && v.is_live() == live).cloned().collect()
        };
        let (live, gone, strays) =
            (named(here.as_slice(), true), named(here.as_slice(), false), named(there.as_slice(), true));
        let judge = |volume: &LabVolume| -> Result<(), String> {
            if let Some(why) = volume.verdict(&ctx.scenario).and_then(|verdict| verdict.why_not_ours()) {
                return Err(not_this_sets(volume, region, &why));
            }
            check_volume(volume, key, region, &key_name)
        };
        match live.as_slice() {
            [] if !strays.is_empty() => {
                for stray in &strays {
                    volume_row(
                        &mut report,
                        name,
                        elsewhere,
                        key,
                        Some(stray),
                        Err(wrong_region(stray, region, elsewhere)),
                    );
                }
                continue;
            }
            [] => match gone.first() {
                Some(volume) => {
                    let problem = state_problem(volume, region, &volume.state);
                    volume_row(&mut report, name, region, key, Some(volume), Err(problem));
                }
                None => volume_row(&mut report, name, region, key, None, Err(missing(name, region))),
            },
            [volume] => {
                let check = judge(volume);
                if check.is_ok() && volume.lab_tags.is_none() {
                    adoptable.push(Adoptable {
                        region: source.region,
                        resource: Resource::Ec2(volume.id.clone()),
                        role: name.clone(),
                    });
                }
                zones.push((name.clone(), volume.id.clone(), volume.zone.clone()));
                volume_row(&mut report, name, region, key, Some(volume), check);
            }
            several => {
                let keeper = keeper(several, &judge);
                for volume in several {
                    let problem = duplicate(several, volume, keeper, region);
                    volume_row(&mut report, name, region, key, Some(volume), Err(problem));
                }
            }
        }
        for stray in strays.iter().filter(|_| !live.is_empty()) {
            volume_row(&mut report, name, elsewhere, key, Some(stray), Err(stray_copy(stray, region, elsewhere)));
        }
    }
    say_zones(ctx, &zones);
    Ok(Checked { report, adoptable })
}

/// Of volumes sharing one Name, the one to keep: the first that passes its checks (the labs'
/// own first), else the first.
fn keeper<'a>(volumes: &'a [LabVolume], judge: &dyn Fn(&LabVolume) -> Result<(), String>) -> &'a LabVolume {
    let passing = |volume: &&LabVolume| judge(volume).is_ok();
    volumes
        .iter()
        .filter(passing)
        .find(|volume| volume.lab_tags.is_some())
        .or_else(|| volumes.iter().find(passing))
        .unwrap_or(&volumes[0])
}

/// No volume with this Name in either region.
fn missing(name: &str, region: &str) -> String {
    tr!(
        "no volume named {name} in {region}: create it (console: EC2 → Elastic Block Store → Volumes → Create \
         volume, with the tag Name = {name}; CLI: `aws ec2 create-volume --region {region}` with Name={name} in \
         `--tag-specifications`)",
        "{region} に Name が {name} のボリュームがありません。作成してください (コンソール: EC2 → [Elastic Block \
         Store] → [ボリューム] → [ボリュームの作成]、Name タグ = {name}。CLI: `aws ec2 create-volume --region \
         {region}` の `--tag-specifications` に Name={name})"
    )
}

/// The volume exists, but only in the destination region.
fn wrong_region(volume: &LabVolume, region: &str, elsewhere: &str) -> String {
    let (name, id) = (&volume.name, &volume.id);
    tr!(
        "{name} ({id}) is in {elsewhere}, not in {region}: a volume stays in the region (and zone) it was created \
         in. Delete it (`aws ec2 delete-volume --region {elsewhere} --volume-id {id}`) and create it in {region} \
         (console: the Region menu at the top right; CLI: `--region {region}`)",
        "{name} ({id}) は {region} ではなく {elsewhere} にあります。ボリュームは作成したリージョン (とアベイラビリティー\
         ゾーン) から移動できません。削除して (`aws ec2 delete-volume --region {elsewhere} --volume-id {id}`)、\
         {region} に作成し直してください (コンソール: 右上のリージョンの選択。CLI: `--region {region}`)"
    )
}

/// A second volume with this Name in the destination region, besides the one in the source.
fn stray_copy(volume: &LabVolume, region: &str, elsewhere: &str) -> String {
    let (name, id) = (&volume.name, &volume.id);
    tr!(
        "another {name} ({id}) is in {elsewhere}: the walkthrough makes it in {region} only, and this one costs \
         money while it exists. Delete it (`aws ec2 delete-volume --region {elsewhere} --volume-id {id}`)",
        "{elsewhere} にも {name} ({id}) があります。ウォークスルーで作成するのは {region} のものだけで、\
         こちらも存在する間は料金がかかります。削除してください (`aws ec2 delete-volume --region {elsewhere} \
         --volume-id {id}`)"
    )
}

/// Several live volumes share the Name: the next labs need exactly one.
fn duplicate(all: &[LabVolume], volume: &LabVolume, keeper: &LabVolume, region: &str) -> String {
    let (count, name, id) = (all.len(), &volume.name, &volume.id);
    let ids = all.iter().map(|v| v.id.as_str()).collect::<Vec<_>>().join(", ");
    if volume.id == keeper.id {
        let others = all.iter().filter(|v| v.id != keeper.id).map(|v| v.id.as_str()).collect::<Vec<_>>().join(" ");
        tr!(
            "{count} volumes are named {name} ({ids}), and the next labs need exactly one: keep this one ({id}) \
             and delete the others (`aws ec2 delete-volume --region {region} --volume-id ID` for each of {others})",
            "Name が {name} のボリュームが {count} 個あります ({ids})。次のラボで使うのは 1 つだけです。これ ({id}) を\
             残し、ほかを削除してください ({others} のそれぞれに `aws ec2 delete-volume --region {region} \
             --volume-id ID`)"
        )
    } else {
        let keep = &keeper.id;
        tr!(
            "{count} volumes are named {name} ({ids}), and the next labs need exactly one: delete this one \
             (`aws ec2 delete-volume --region {region} --volume-id {id}`) and keep {keep}",
            "Name が {name} のボリュームが {count} 個あります ({ids})。次のラボで使うのは 1 つだけです。これを削除し \
             (`aws ec2 delete-volume --region {region} --volume-id {id}`)、{keep} を残してください"
        )
    }
}

/// The volume carries the labs' tags, but not this set's: the labs leave it alone.
fn not_this_sets(volume: &LabVolume, region: &str, why: &str) -> String {
    let (name, id) = (&volume.name, &volume.id);
    tr!(
        "{name} ({id}) carries ebs-kms-labs tags that are not this set's ({why}). The labs leave it alone and never \
         adopt it: delete it (`aws ec2 delete-volume --region {region} --volume-id {id}`) and create it again as in \
         the steps",
        "{name} ({id}) には、このセットのものではない ebs-kms-labs のタグが付いています ({why})。ラボはこれに触れず、\
         引き継ぎもしません。削除して (`aws ec2 delete-volume --region {region} --volume-id {id}`)、手順どおりに\
         作成し直してください"
    )
}

/// The walkthrough names no zone, so volumes in different zones pass; say so, and what it means.
fn say_zones(ctx: &LabContext, zones: &[(String, String, String)]) {
    let distinct: BTreeSet<&str> = zones.iter().map(|(_, _, zone)| zone.as_str()).collect();
    if distinct.len() < 2 {
        return;
    }
    let list = zones.iter().map(|(name, id, zone)| format!("  - {name} ({id}): {zone}")).collect::<Vec<_>>();
    let list = list.join("\n");
    ctx.ui.say(&tr!(
        "Note: the volumes are in different availability zones:\n{list}\nThat is not a mistake: the walkthrough names \
         no zone, and snapshots (the next lab) are regional. The lab itself puts all three in one zone (--az); a \
         volume can only be attached to an instance in its own zone.",
        "注: ボリュームのアベイラビリティーゾーンが異なります:\n{list}\n誤りではありません。ウォークスルーはゾーンを\
         指定しておらず、スナップショット (次のラボ) はリージョン単位だからです。ラボ自身は 3 つとも 1 つのゾーンに\
         作成します (--az)。ボリュームは、同じゾーンのインスタンスにしかアタッチできません。"
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::text::{self, Lang};

    fn volume(id: &str, state: &str) -> LabVolume {
        LabVolume {
            id: id.into(),
            name: "EBS-encrypted-with-Single-region-key".into(),
            lab_tags: None,
            zone: "ap-northeast-1a".into(),
            size_gib: 8,
            volume_type: "gp3".into(),
            encrypted: true,
            kms_key_id: None,
            state: state.into(),
            attached: false,
        }
    }

    #[test]
    fn each_state_that_is_not_usable_has_its_own_fix() {
        text::set_lang(Lang::En);
        let creating = state_problem(&volume("vol-1", "creating"), "ap-northeast-1", "creating");
        assert!(creating.contains("still being created") && creating.contains("wait volume-available"), "{creating}");
        let deleting = state_problem(&volume("vol-1", "deleting"), "ap-northeast-1", "deleting");
        assert!(deleting.contains("being deleted") && deleting.contains("create it again"), "{deleting}");
        let error = state_problem(&volume("vol-1", "error"), "ap-northeast-1", "error");
        assert!(error.contains("state error") && error.contains("delete-volume --region ap-northeast-1"), "{error}");
    }

    #[test]
    fn duplicates_name_every_id_and_keep_one() {
        text::set_lang(Lang::En);
        let all = [volume("vol-a", "available"), volume("vol-b", "available")];
        let pass_b = |v: &LabVolume| if v.id == "vol-b" { Ok(()) } else { Err(String::new()) };
        let keep = keeper(&all, &pass_b);
        assert_eq!(keep.id, "vol-b", "the one that passes is kept");
        let on_a = duplicate(&all, &all[0], keep, "ap-northeast-1");
        assert!(on_a.contains("vol-a, vol-b") && on_a.contains("--volume-id vol-a") && on_a.contains("keep vol-b"));
        let on_b = duplicate(&all, &all[1], keep, "ap-northeast-1");
        assert!(on_b.contains("keep this one (vol-b)") && on_b.contains("vol-a"), "{on_b}");
    }
}
