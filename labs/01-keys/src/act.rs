//! The changes of lab 01, as the plan says: `aws/ebs` asked for where it is missing, the
//! customer managed keys made (or reused) with their aliases, the primary replicated to the
//! destination and waited for until `Enabled`, independent steps at once.

use crate::aws;
use crate::plan::{AliasStep, Plan, PlannedAwsEbs, PlannedKey};
use crate::LAB_ID;
use anyhow::{Context, Result};
use aws_sdk_kms::types::KeyState;
use aws_sdk_kms::Client;
use common::errors::Refusal;
use common::kms::KeyInUse;
use common::regions::RegionInfo;
use common::scenario::{ScenarioKey, AWS_EBS_ALIAS};
use common::tr;
use common::ui::Ui;
use common::LabContext;
use std::time::Duration;
use tokio::time::Instant;

/// Carries the plan out, independent steps at once; returns the four customer managed keys in
/// use (none when there is nothing to change).
pub async fn act(ctx: &LabContext, plan: &Plan) -> Result<Vec<KeyInUse>> {
    if !plan.has_changes() {
        ctx.ui.say(&tr!(
            "All six keys already exist: nothing to create.",
            "6 つのキーはすべて存在します。新たに作成するものはありません。"
        ));
        return Ok(Vec::new());
    }
    // The replica needs only the primary's id: the primary's alias is made meanwhile.
    let multi_region_pair = async {
        let primary_id = create_or_reuse(ctx, &plan.primary).await?;
        futures::try_join!(
            apply_alias(ctx, &plan.primary, &primary_id),
            ensure_replica(ctx, &primary_id, &plan.replica)
        )?;
        Ok::<_, anyhow::Error>(primary_id)
    };
    let (_, _, single_source, single_destination, primary) = futures::try_join!(
        ensure_aws_ebs(ctx, &plan.aws_ebs_source),
        ensure_aws_ebs(ctx, &plan.aws_ebs_destination),
        ensure_key(ctx, &plan.single_source),
        ensure_key(ctx, &plan.single_destination),
        multi_region_pair,
    )?;
    let in_use = |planned: &PlannedKey, key_id: String| KeyInUse {
        side: planned.wanted.side,
        key_id,
        role: planned.wanted.short_alias().to_string(),
    };
    Ok(vec![
        in_use(&plan.single_source, single_source),
        in_use(&plan.single_destination, single_destination),
        in_use(&plan.primary, primary.clone()),
        in_use(&plan.replica, primary),
    ])
}

/// Asks for `aws/ebs` where it does not exist yet: describing it by alias makes AWS create it.
async fn ensure_aws_ebs(ctx: &LabContext, aws_ebs: &PlannedAwsEbs) -> Result<()> {
    if aws_ebs.existing.is_some() {
        return Ok(()); // discovery already described it
    }
    let region = aws_ebs.wanted.region;
    let kms = &ctx.session.clients(aws_ebs.wanted.side).kms;
    let output = aws::describe_key(kms, AWS_EBS_ALIAS).await.with_context(|| {
        tr!("asking for the AWS managed key aws/ebs in {region}", "{region} で AWS マネージドキー aws/ebs を要求中")
    })?;
    let key_id = output.key_metadata().map_or("?", |m| m.key_id());
    ctx.ui.say(&tr!("aws/ebs in {region}: {key_id}", "{region} の aws/ebs: {key_id}"));
    Ok(())
}

/// Makes (or reuses) a single-region key or the multi-region primary, and its alias; returns its id.
async fn ensure_key(ctx: &LabContext, planned: &PlannedKey) -> Result<String> {
    let key_id = create_or_reuse(ctx, planned).await?;
    apply_alias(ctx, planned, &key_id).await?;
    Ok(key_id)
}

/// The description CreateKey gives a key (sent to AWS: English in every language).
fn key_description(wanted: &ScenarioKey) -> String {
    format!("ebs-kms-labs {LAB_ID}: {} key {} for the EBS lab", wanted.kind.english_label(), wanted.short_alias())
}

/// The id of the key `planned` names: the existing lab key, or a new one.
async fn create_or_reuse(ctx: &LabContext, planned: &PlannedKey) -> Result<String> {
    if let Some(key) = &planned.existing {
        return Ok(key.key_id.clone());
    }
    let (wanted, region) = (&planned.wanted, planned.wanted.region);
    let kms = &ctx.session.clients(wanted.side).kms;
    let output =
        aws::create_key(kms, wanted.kind, &key_description(wanted), wanted.short_alias(), &ctx.scenario.prefix)
            .await
            .with_context(|| {
            tr!(
                "creating the key {alias} in {region}",
                "{region} でキー {alias} を作成中",
                alias = wanted.short_alias()
            )
        })?;
    let key_id = output
        .key_metadata()
        .map(|m| m.key_id().to_string())
        .with_context(|| tr!("CreateKey returned no key", "CreateKey がキーを返しませんでした"))?;
    ctx.ui.say(&tr!(
        "created {kind} key {key_id} in {region}",
        "{region} にキー {key_id} ({kind}) を作成しました",
        kind = wanted.kind
    ));
    Ok(key_id)
}

/// Creates the alias of `planned`, or points it at `key_id`, as the plan says.
async fn apply_alias(ctx: &LabContext, planned: &PlannedKey, key_id: &str) -> Result<()> {
    let (wanted, region) = (&planned.wanted, planned.wanted.region);
    let kms = &ctx.session.clients(wanted.side).kms;
    let context = || {
        tr!(
            "naming key {key_id} {alias} in {region}",
            "{region} でキー {key_id} にエイリアス {alias} を設定中",
            alias = wanted.short_alias()
        )
    };
    match planned.alias {
        AliasStep::Keep => return Ok(()),
        AliasStep::Create => {
            aws::create_alias(kms, &wanted.alias, key_id).await.with_context(context)?;
        }
        AliasStep::Update => {
            // The confirmation can stay open for minutes: move the alias only if it still points
            // at the lab key it pointed at in the plan.
            let now = match aws::describe_key(kms, &wanted.alias).await {
                Ok(output) => output.key_metadata().map(|metadata| metadata.key_id().to_string()),
                Err(error) if error.code() == Some("NotFoundException") => None,
                Err(error) => return Err(error).with_context(context),
            };
            if now != planned.alias_target {
                let (alias, now) = (&wanted.alias, now.as_deref().unwrap_or("—"));
                return Err(Refusal {
                    reason: tr!(
                        "{alias} in {region} changed while the plan waited: it points at {now} now, \
                         not at the lab key the plan saw. The lab left it alone.",
                        "計画の確認を待つ間に {region} の {alias} が変わりました: 計画で見たラボのキーではなく、\
                         いまは {now} を指しています。ラボはこのエイリアスに触れていません。"
                    ),
                    hint: tr!("run the lab again to plan afresh", "ラボをもう一度実行して、計画を立て直してください"),
                }
                .into());
            }
            aws::update_alias(kms, &wanted.alias, key_id).await.with_context(context)?;
        }
    }
    ctx.ui.say(&tr!(
        "alias {alias} → {key_id} in {region}",
        "{region} のエイリアス {alias} → {key_id} を設定しました",
        alias = wanted.short_alias()
    ));
    Ok(())
}

/// Replicates the primary into the destination (unless a replica exists), waits until the
/// replica is Enabled, and names it.
async fn ensure_replica(ctx: &LabContext, primary_id: &str, planned: &PlannedKey) -> Result<()> {
    let (source, destination) = (&ctx.session.source, &ctx.session.destination);
    if planned.existing.is_none() {
        let role = planned.wanted.short_alias();
        let description = format!("ebs-kms-labs {LAB_ID}: replica {role} of {primary_id}");
        let context = || {
            tr!(
                "replicating {primary_id} from {src} to {dst}",
                "{primary_id} を{src} から{dst} にレプリケート中",
                src = source.region,
                dst = destination.region
            )
        };
        aws::replicate_key(&source.kms, primary_id, destination.region.code, &description, role, &ctx.scenario.prefix)
            .await
            .with_context(context)?;
        ctx.ui.say(&tr!(
            "replicating {primary_id} to {dst}",
            "{primary_id} を{dst} にレプリケートしています",
            dst = destination.region
        ));
    }
    let max_wait = Duration::from_secs(ctx.args.max_wait_minutes * 60);
    wait_until_enabled(&ctx.ui, &destination.kms, destination.region, primary_id, max_wait).await?;
    apply_alias(ctx, planned, primary_id).await
}

/// Polls DescribeKey until the replica leaves `Creating`; it must end `Enabled`.
pub async fn wait_until_enabled(
    ui: &Ui,
    kms: &Client,
    region: &RegionInfo,
    key_id: &str,
    max_wait: Duration,
) -> Result<()> {
    let spinner = ui.spinner(tr!(
        "waiting for replica {key_id} in {region} to be Enabled",
        "{region} のレプリカキー {key_id} が Enabled になるのを待っています"
    ));
    let checking = || tr!("checking replica {key_id} in {region}", "{region} のレプリカキー {key_id} を確認中");
    let started = Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        let state = match aws::describe_key(kms, key_id).await {
            Ok(output) => output.key_metadata().map(|key| key.key_state().cloned().unwrap_or(KeyState::Unavailable)),
            Err(error) if error.code() == Some("NotFoundException") => None,
            Err(error) => return Err(error).with_context(checking),
        };
        match state {
            Some(KeyState::Enabled) => break,
            // Right after ReplicateKey the replica may not be visible yet: keep waiting.
            Some(KeyState::Creating) | None => {}
            Some(other) => {
                spinner.finish_and_clear();
                anyhow::bail!(tr!(
                    "replica {key_id} in {region} is {state}, not Enabled",
                    "{region} のレプリカキー {key_id} の状態は {state} で、Enabled ではありません",
                    state = other.as_str()
                ));
            }
        }
        if started.elapsed() > max_wait {
            spinner.finish_and_clear();
            anyhow::bail!(tr!(
                "replica {key_id} in {region} was still not Enabled after {minutes} minutes; run the lab again to keep \
                 waiting (it reuses the replica), or raise --max-wait-minutes",
                "{region} のレプリカキー {key_id} は {minutes} 分たっても Enabled になりませんでした。\
                 ラボを再実行して待ち続けるか (作成済みのレプリカキーをそのまま使います)、\
                 --max-wait-minutes の値を大きくしてください",
                minutes = max_wait.as_secs() / 60
            ));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
    spinner.finish_and_clear();
    ui.say(&tr!("replica {key_id} in {region} is Enabled", "{region} のレプリカキー {key_id} が Enabled になりました"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_kms::error::ErrorMetadata;
    use aws_sdk_kms::operation::describe_key::{DescribeKeyError, DescribeKeyOutput};
    use aws_sdk_kms::types::error::NotFoundException;
    use aws_sdk_kms::types::KeyMetadata;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use common::args::OutputFormat;

    fn replica(state: KeyState) -> DescribeKeyOutput {
        let metadata = KeyMetadata::builder()
            .key_id("mrk-1")
            .arn("arn:aws:kms:us-west-2:123456789012:key/mrk-1")
            .key_state(state)
            .build()
            .unwrap();
        DescribeKeyOutput::builder().key_metadata(metadata).build()
    }

    // The emulator makes replicas Enabled at once; AWS takes a while, or may never finish.
    #[tokio::test(start_paused = true)]
    async fn a_replica_stuck_in_creating_gives_up_after_the_maximum_wait_with_a_way_forward() {
        let describe = mock!(Client::describe_key).then_output(|| replica(KeyState::Creating));
        let kms = mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&describe]);
        let (ui, _, _) = Ui::non_interactive(OutputFormat::Table, true);
        let region = common::regions::find("us-west-2").unwrap();
        let error = wait_until_enabled(&ui, &kms, region, "mrk-1", Duration::from_secs(120)).await.unwrap_err();
        let text = error.to_string();
        assert!(text.contains("still not Enabled after 2 minutes"), "{text}");
        assert!(text.contains("run the lab again") && text.contains("--max-wait-minutes"), "{text}");
        assert!(describe.num_calls() > 3, "it kept polling: {}", describe.num_calls());
    }

    #[tokio::test(start_paused = true)]
    async fn a_replica_that_becomes_enabled_is_waited_for() {
        let describe = mock!(Client::describe_key)
            .sequence()
            .output(|| replica(KeyState::Creating))
            .output(|| replica(KeyState::Creating))
            .output(|| replica(KeyState::Enabled))
            .build();
        let kms = mock_client!(aws_sdk_kms, RuleMode::Sequential, [&describe]);
        let (ui, out, _) = Ui::non_interactive(OutputFormat::Table, true);
        let region = common::regions::find("us-west-2").unwrap();
        wait_until_enabled(&ui, &kms, region, "mrk-1", Duration::from_secs(600)).await.unwrap();
        assert_eq!(describe.num_calls(), 3);
        assert!(out.text().contains("replica mrk-1 in Oregon (us-west-2) is Enabled"), "{}", out.text());
    }

    #[tokio::test(start_paused = true)]
    async fn a_replica_not_visible_yet_is_waited_for() {
        let not_found = || {
            let meta = ErrorMetadata::builder().code("NotFoundException").message("Key not found").build();
            DescribeKeyError::NotFoundException(NotFoundException::builder().meta(meta).build())
        };
        let describe =
            mock!(Client::describe_key).sequence().error(not_found).output(|| replica(KeyState::Enabled)).build();
        let kms = mock_client!(aws_sdk_kms, RuleMode::Sequential, [&describe]);
        let (ui, _, _) = Ui::non_interactive(OutputFormat::Table, true);
        let region = common::regions::find("us-west-2").unwrap();
        wait_until_enabled(&ui, &kms, region, "mrk-1", Duration::from_secs(600)).await.unwrap();
        assert_eq!(describe.num_calls(), 2);
    }
}
