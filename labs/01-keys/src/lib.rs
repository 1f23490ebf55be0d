//! Lab 01, the KMS keys: makes sure `aws/ebs` exists in both regions, creates (or finds, when
//! the labs made them) a single-region key in each region and a multi-region primary in the
//! source, replicates the primary to the destination, names them all with aliases, and
//! verifies the six keys by describing them afresh.

use anyhow::{Context, Result};
use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType};
use aws_sdk_kms::Client;
use common::errors::{AwsResultExt, Refusal};
use common::facts::{self, CUSTOMER_KEY_USD_PER_MONTH};
use common::kms::{self, KeyInfo, LabKeys, MultiRegionRole, RegionKeys};
use common::regions::RegionInfo;
use common::scenario::{KeyKind, ScenarioKey, Side, AWS_EBS_ALIAS};
use common::ui::{Report, Ui};
use common::LabContext;
use common::{tags, tr};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// This lab's id in the manifest, its binary name and its ownership `step` tag.
pub const LAB_ID: &str = "01-keys";

common::common_args_only!(
    "01-keys",
    "Lab 01: the KMS keys of the walkthrough, in the source and destination regions",
    about_ja = "ラボ 01: ウォークスルーの KMS キーを、コピー元とコピー先のリージョンに用意します。AWS マネージドキー aws/ebs が両方のリージョンにあることを確かめ、各リージョンにカスタマーマネージドの単一リージョンキーを、コピー元にマルチリージョンのプライマリキーを作成し、プライマリキーをコピー先にレプリケートして、すべてにエイリアスを付けます。何度実行しても安全です: ラボが作ったものは再利用し、ラボが作っていないキーには触れません。",
    long_about = "Lab 01: makes sure the AWS managed key aws/ebs exists in both regions, creates a customer \
managed single-region key in each region and a multi-region primary key in the source, replicates the \
primary to the destination, and names them all with aliases. Safe to run again: it reuses what the \
labs made and never touches keys the labs did not make."
);

/// Columns of the table of key kinds, (English, Japanese).
const KIND_COLUMNS: [(&str, &str); 5] = [
    ("Kind", "種類"),
    ("Visible in your account", "アカウントで確認できる"),
    ("Managed by you", "お客様が管理"),
    ("Rotation", "キーのローテーション"),
    ("Cost", "費用"),
];

/// Columns of the plan, (English, Japanese).
const PLAN_COLUMNS: [(&str, &str); 5] = [
    ("Alias", "エイリアス"),
    ("Region", "リージョン"),
    ("Kind", "種類"),
    ("Action", "処理"),
    ("Cost (estimate)", "費用 (概算)"),
];

/// Columns of the verification table, (English, Japanese).
const KEY_COLUMNS: [(&str, &str); 7] = [
    ("Alias", "エイリアス"),
    ("Region", "リージョン"),
    ("Key ID", "キー ID"),
    ("Manager", "管理元"),
    ("Multi-region role", "マルチリージョンの役割"),
    ("State", "キーの状態"),
    ("Rotation", "キーのローテーション"),
];

/// What to do with an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasStep {
    /// It already points at the right key.
    Keep,
    Create,
    /// It points at another lab-owned key that cannot serve (e.g. pending deletion).
    Update,
}

/// One customer managed key of the scenario: the key to use, if one exists, and the alias step.
#[derive(Debug, Clone)]
pub struct PlannedKey {
    pub wanted: ScenarioKey,
    /// A lab-owned key to use; `None` means one will be made.
    pub existing: Option<KeyInfo>,
    pub alias: AliasStep,
}

impl PlannedKey {
    fn action(&self) -> String {
        let alias = self.wanted.short_alias();
        let replicates = self.wanted.kind == KeyKind::MultiRegion && self.wanted.side == Side::Destination;
        match (&self.existing, self.alias) {
            (Some(_), AliasStep::Keep) => tr!("exists: reuse", "既存: そのまま使用"),
            (Some(key), AliasStep::Create) => tr!(
                "adopt lab key {id} and create alias {alias}",
                "ラボのキー {id} を引き継ぎ、エイリアス {alias} を作成",
                id = key.key_id
            ),
            (Some(key), AliasStep::Update) => tr!(
                "point alias {alias} at lab key {id}",
                "エイリアス {alias} をラボのキー {id} に関連付け直す",
                id = key.key_id
            ),
            (None, AliasStep::Update) if replicates => tr!(
                "replicate the primary, re-point alias {alias}",
                "プライマリキーをレプリケートし、エイリアス {alias} を関連付け直す"
            ),
            (None, _) if replicates => {
                tr!(
                    "replicate the primary, create alias {alias}",
                    "プライマリキーをレプリケートし、エイリアス {alias} を作成"
                )
            }
            (None, AliasStep::Update) => {
                tr!("create key, re-point alias {alias}", "キーを作成し、エイリアス {alias} を関連付け直す")
            }
            (None, _) => tr!("create key, create alias {alias}", "キーを作成し、エイリアス {alias} を作成"),
        }
    }

    fn creates_key(&self) -> bool {
        self.existing.is_none()
    }
}

/// Everything lab 01 will do, decided before anything is changed.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `aws/ebs` in the source and the destination, if it exists yet.
    pub aws_ebs: [(ScenarioKey, Option<KeyInfo>); 2],
    pub single_source: PlannedKey,
    pub single_destination: PlannedKey,
    pub primary: PlannedKey,
    pub replica: PlannedKey,
}

impl Plan {
    fn customer_keys(&self) -> [&PlannedKey; 4] {
        [&self.single_source, &self.primary, &self.single_destination, &self.replica]
    }

    /// How many customer managed keys this run would create.
    pub fn keys_to_create(&self) -> usize {
        self.customer_keys().iter().filter(|key| key.creates_key()).count()
    }

    pub fn has_changes(&self) -> bool {
        self.customer_keys().iter().any(|key| key.creates_key() || key.alias != AliasStep::Keep)
            || self.aws_ebs.iter().any(|(_, key)| key.is_none())
    }
}

/// Runs the lab.
pub async fn run(ctx: LabContext, _args: Args) -> Result<()> {
    let ui = &ctx.ui;
    explain(ui, &ctx);
    let found = LabKeys::discover(&ctx.session).await?;
    let plan = plan(&ctx, &found)?;
    let cost = if ctx.session.endpoint.is_local() {
        tr!("free on the emulator", "エミュレーターでは無料")
    } else {
        tr!(
            "{amount} on AWS while they exist",
            "AWS では存在する間 {amount}",
            amount = facts::usd_per_month(plan.keys_to_create() as f64 * CUSTOMER_KEY_USD_PER_MONTH)
        )
    };
    let question = tr!(
        "Create {count} customer managed key(s) and their aliases in {src} and {dst} ({cost})?",
        "{src} と{dst} に、カスタマーマネージドキー {count} 個とそのエイリアスを作成しますか？ ({cost})",
        count = plan.keys_to_create(),
        src = ctx.scenario.source,
        dst = ctx.scenario.destination
    );
    let plan_table = plan_report(&plan, ctx.session.endpoint.is_local());
    if !ctx.approve(&plan_table, plan.has_changes(), &question)? {
        return Ok(());
    }
    let made = if plan.has_changes() {
        execute(&ctx, &plan).await?
    } else {
        ui.say(&tr!(
            "All six keys already exist: nothing to create.",
            "6 つのキーはすべて存在します。新たに作成するものはありません。"
        ));
        Vec::new()
    };

    // Described afresh; ownership is known (found by tags, or made just now), and aws/ebs
    // exists in both regions now. The rotation status is read meanwhile.
    let rotated = [&plan.single_source, &plan.single_destination, &plan.primary].map(|planned| {
        let made_id = made.iter().find(|(side, _, role)| {
            *side == planned.wanted.side && role.as_deref() == Some(planned.wanted.short_alias())
        });
        let id = made_id.map(|(_, id, _)| id.clone()).or_else(|| planned.existing.as_ref().map(|k| k.key_id.clone()));
        (planned.wanted.side, id)
    });
    let (after, rotations) =
        futures::try_join!(found.refresh(&ctx.session.source, &ctx.session.destination, &made, true), async {
            Ok(rotation_statuses(&ctx, &rotated).await)
        },)?;
    let report = verify(&ctx, &after, &rotations);
    ctx.conclude(
        &report,
        &tr!(
            "What you now have: the free AWS managed key in both regions, and customer managed keys that you\n\
             control (policy, rotation, deletion). The multi-region primary and its replica share key material,\n\
             yet each is a separate key in its own region. Lab 02 encrypts one volume with each source key.",
            "ここまでで用意できたもの: 両方のリージョンの AWS マネージドキー (無料) と、キーポリシー、\n\
             ローテーション、削除をお客様が管理するカスタマーマネージドキーです。マルチリージョンの\n\
             プライマリキーとレプリカキーはキーマテリアルを共有しますが、それぞれが自分のリージョンにある\n\
             別々の KMS キーです。ラボ 02 では、コピー元リージョンの各キーでボリュームを 1 つずつ暗号化します。"
        ),
    )
}

fn explain(ui: &Ui, ctx: &LabContext) {
    ctx.heading();
    ui.teach(&tr!(
        "To copy an encrypted EBS snapshot from {src} to {dst}, you need a KMS key in each region: EBS\n\
         re-encrypts the copy with a key of the destination region. This lab prepares six keys, two of each kind:",
        "暗号化された EBS スナップショットを{src} から{dst} にコピーするには、\n\
         両方のリージョンに KMS キーが必要です。EBS はコピー先リージョンのキーでコピーを再暗号化するためです。\n\
         このラボでは 3 種類のキーを 2 つずつ、計 6 つ用意します:",
        src = ctx.scenario.source,
        dst = ctx.scenario.destination
    ));
    let mut kinds = Report::new("key_types", tr!("The three kinds of KMS key", "KMS キーの 3 つの種類"), &KIND_COLUMNS);
    let (yes, no, free) = (tr!("yes", "はい"), tr!("no", "いいえ"), tr!("free", "無料"));
    // The rotation cells are facts (common::facts), shown as that table words them.
    kinds.row(
        vec![
            tr!("AWS managed (aws/ebs)", "AWS マネージドキー (aws/ebs)"),
            yes.clone(),
            no.clone(),
            facts::AWS_MANAGED_ROTATION.text().into(),
            free.clone(),
        ],
        None,
    );
    kinds.row(
        vec![
            tr!("customer managed", "カスタマーマネージドキー"),
            yes,
            tr!("yes: policy, rotation, deletion", "はい: キーポリシー、ローテーション、削除"),
            facts::CUSTOMER_MANAGED_ROTATION.text().into(),
            tr!("${price}/month each (estimate)", "1 つにつき月額 ${price} (概算)", price = CUSTOMER_KEY_USD_PER_MONTH),
        ],
        None,
    );
    kinds.row(
        vec![
            tr!("AWS owned", "AWS 所有のキー"),
            no.clone(),
            no,
            tr!("decided by the AWS service", "キーを使う AWS のサービスが決定"),
            free,
        ],
        None,
    );
    ui.teach(&kinds.render_table());
    // The multi-region fact comes from common::facts, as that table words it.
    ui.teach(&tr!(
        "- aws/ebs: AWS creates it in each region the first time EBS needs it; this lab asks for it, so it exists.\n\
         - {single} in {src} and {single_dst} in {dst}: customer managed single-region keys.\n\
         - {mrk} in {src}: a customer managed multi-region primary; {mrk_fact}.\n\
         - {rep} in {dst}: its replica. Same key id and key material as the primary, but its own\n\
           KMS key in {dst}, with its own alias, key policy and state (and its own ${price}/month).",
        "- aws/ebs: EBS で初めて必要になったときに、AWS がリージョンごとに作成します。\n  \
           このラボでは aws/ebs を要求するので、両方のリージョンに必ず存在する状態になります。\n\
         - {src} の {single} と{dst} の {single_dst}:\n  \
           カスタマーマネージドの単一リージョンキーです。\n\
         - {src} の {mrk}: カスタマーマネージドのマルチリージョンプライマリキーです\n  \
           ({mrk_fact})。\n\
         - {dst} の {rep}: このプライマリキーのレプリカキーです。\n  \
           キー ID とキーマテリアルはプライマリキーと同じですが、{dst} にある独立した KMS キーであり、\n  \
           独自のエイリアス、キーポリシー、キーの状態を持ちます (料金も別に月額 ${price} かかります)。",
        single = ctx.scenario.key(KeyKind::SingleRegion, Side::Source).short_alias(),
        single_dst = ctx.scenario.key(KeyKind::SingleRegion, Side::Destination).short_alias(),
        mrk = ctx.scenario.key(KeyKind::MultiRegion, Side::Source).short_alias(),
        rep = ctx.scenario.key(KeyKind::MultiRegion, Side::Destination).short_alias(),
        mrk_fact = facts::MULTI_REGION_ID.text(),
        price = CUSTOMER_KEY_USD_PER_MONTH,
        src = ctx.scenario.source,
        dst = ctx.scenario.destination,
    ));
}

/// Decides what to do with each key. Fails, before anything is changed, when an alias the lab
/// wants belongs to a key the labs did not make.
pub fn plan(ctx: &LabContext, found: &LabKeys) -> Result<Plan> {
    let scenario = &ctx.scenario;
    let mut conflicts = Vec::new();
    let mut plan_one = |region: &RegionKeys, wanted: ScenarioKey, suitable: &dyn Fn(&KeyInfo) -> bool| {
        plan_key(region, wanted, suitable).unwrap_or_else(|conflict| {
            conflicts.push(conflict);
            PlannedKey {
                wanted: scenario.key(KeyKind::AwsManaged, Side::Source),
                existing: None,
                alias: AliasStep::Keep,
            }
        })
    };
    let single = |key: &KeyInfo| key.multi_region.is_none();
    let destination = &found.destination;
    let primary_fits = |key: &KeyInfo| {
        key.multi_region == Some(MultiRegionRole::Primary)
            && destination.owned_key(&key.key_id).is_none_or(|replica| !replica.is_pending_deletion())
    };
    let single_source = plan_one(&found.source, scenario.key(KeyKind::SingleRegion, Side::Source), &single);
    let single_destination = plan_one(destination, scenario.key(KeyKind::SingleRegion, Side::Destination), &single);
    let primary = plan_one(&found.source, scenario.key(KeyKind::MultiRegion, Side::Source), &primary_fits);

    // The replica is whatever the chosen primary already has in the destination.
    let replica_wanted = scenario.key(KeyKind::MultiRegion, Side::Destination);
    let existing_replica = primary
        .existing
        .as_ref()
        .and_then(|primary| destination.owned_key(&primary.key_id))
        .filter(|replica| replica.multi_region == Some(MultiRegionRole::Replica))
        .cloned();
    let replica_alias = match destination.alias_target(&replica_wanted.alias) {
        None => Ok(AliasStep::Create),
        Some(id) if existing_replica.as_ref().is_some_and(|replica| replica.key_id == id) => Ok(AliasStep::Keep),
        Some(id) if destination.owned_key(id).is_some() => Ok(AliasStep::Update),
        Some(id) => Err(conflict_text(&replica_wanted, id)),
    };
    let replica_alias = replica_alias.unwrap_or_else(|conflict| {
        conflicts.push(conflict);
        AliasStep::Keep
    });
    let replica = PlannedKey { wanted: replica_wanted, existing: existing_replica, alias: replica_alias };

    if !conflicts.is_empty() {
        let taken = if ctx.args.name_prefix.is_empty() {
            String::new()
        } else {
            tr!("; the prefix you gave is taken too", "。指定したプレフィックスの名前もすでに使われています")
        };
        return Err(Refusal {
            reason: tr!(
                "alias names the lab needs are taken by keys the labs did not make:\n  - {list}\n\
                 The lab will not adopt, change or delete those keys, and has created nothing.",
                "ラボが必要とするエイリアス名が、ラボで作成したものではないキーに使われています:\n  - {list}\n\
                 ラボはこれらのキーを引き継いだり、変更・削除したりはしません。何も作成していません。",
                list = conflicts.join("\n  - ")
            ),
            hint: tr!(
                "run with --name-prefix (for example `--name-prefix lab-`) to give the lab's aliases other names, \
                 and pass the same prefix to every lab{taken}",
                "--name-prefix を付けて (例: `--name-prefix lab-`) ラボのエイリアスに別の名前を付け、\
                 すべてのラボに同じプレフィックスを指定してください{taken}"
            ),
        }
        .into());
    }
    let aws_ebs = [Side::Source, Side::Destination].map(|side| {
        let region = if side == Side::Source { &found.source } else { destination };
        (scenario.key(KeyKind::AwsManaged, side), region.aws_ebs.clone())
    });
    Ok(Plan { aws_ebs, single_source, single_destination, primary, replica })
}

fn conflict_text(wanted: &ScenarioKey, foreign_key: &str) -> String {
    tr!(
        "{alias} in {region} points at key {foreign_key}, which the labs did not make",
        "{region} の {alias} は、ラボで作成したものではないキー {foreign_key} を指しています",
        alias = wanted.alias,
        region = wanted.region
    )
}

/// Plans one customer key made with CreateKey: reuse the lab key under the alias, adopt a lab
/// key that lost (or never got) its alias, or make a new one.
fn plan_key(
    region: &RegionKeys,
    wanted: ScenarioKey,
    suitable: &dyn Fn(&KeyInfo) -> bool,
) -> Result<PlannedKey, String> {
    let fits = |key: &&KeyInfo| key.owned && !key.is_pending_deletion() && suitable(key);
    let adoptable = || {
        region
            .owned
            .iter()
            .filter(fits)
            .find(|key| key.aliases.is_empty() && key.role_tag.as_deref() == Some(wanted.short_alias()))
            .cloned()
    };
    let (existing, alias) = match region.alias_target(&wanted.alias) {
        None => (adoptable(), AliasStep::Create),
        Some(id) => match region.owned_key(id) {
            None => return Err(conflict_text(&wanted, id)),
            Some(key) if fits(&key) => (Some(key.clone()), AliasStep::Keep),
            Some(_) => (adoptable(), AliasStep::Update),
        },
    };
    Ok(PlannedKey { wanted, existing, alias })
}

fn plan_report(plan: &Plan, local: bool) -> Report {
    let mut report = Report::new("plan", tr!("Plan", "計画"), &PLAN_COLUMNS);
    let cost = |creates: bool| {
        if creates && !local {
            facts::usd_per_month(CUSTOMER_KEY_USD_PER_MONTH)
        } else if local {
            tr!("free (emulator)", "無料 (エミュレーター)")
        } else {
            tr!("no change", "変更なし")
        }
    };
    for (wanted, key) in &plan.aws_ebs {
        let action = match key {
            Some(_) => tr!("exists: AWS managed, nothing to do", "既存: AWS マネージドキーのため操作不要"),
            None => tr!("ask KMS for it (AWS creates it, free)", "KMS に要求 (AWS が無料で作成)"),
        };
        report.row(
            vec![
                wanted.short_alias().into(),
                wanted.region.to_string(),
                wanted.kind.to_string(),
                action,
                tr!("free", "無料"),
            ],
            None,
        );
    }
    for key in plan.customer_keys() {
        let wanted = &key.wanted;
        report.row(
            vec![
                wanted.short_alias().into(),
                wanted.region.to_string(),
                wanted.kind.to_string(),
                key.action(),
                cost(key.creates_key()),
            ],
            None,
        );
    }
    report
}

/// Carries the plan out, independent steps at once; returns the keys it made (side, key id,
/// role tag).
async fn execute(ctx: &LabContext, plan: &Plan) -> Result<Vec<(Side, String, Option<String>)>> {
    let source = &ctx.session.source;
    let destination = &ctx.session.destination;
    let ui = &ctx.ui;
    // The replica needs only the primary's id: its alias is made meanwhile.
    let mrk_pair = async {
        let primary = &plan.primary;
        let primary_id = create_or_reuse(ui, &source.kms, source.region, primary).await?;
        futures::try_join!(
            apply_alias(ui, &source.kms, source.region, &primary.wanted, &primary_id, primary.alias),
            ensure_replica(ctx, &primary_id, &plan.replica),
        )?;
        Ok::<_, anyhow::Error>(primary_id)
    };
    let (_, _, single_source, single_destination, primary) = futures::try_join!(
        ensure_aws_ebs(ui, &source.kms, source.region, plan.aws_ebs[0].1.is_some()),
        ensure_aws_ebs(ui, &destination.kms, destination.region, plan.aws_ebs[1].1.is_some()),
        ensure_key(ui, &source.kms, source.region, &plan.single_source),
        ensure_key(ui, &destination.kms, destination.region, &plan.single_destination),
        mrk_pair,
    )?;
    let role = |planned: &PlannedKey| Some(planned.wanted.short_alias().to_string());
    Ok(vec![
        (Side::Source, single_source, role(&plan.single_source)),
        (Side::Destination, single_destination, role(&plan.single_destination)),
        (Side::Source, primary.clone(), role(&plan.primary)),
        (Side::Destination, primary, role(&plan.replica)),
    ])
}

/// DescribeKey on `alias/aws/ebs` makes AWS create the managed key if it does not exist yet.
async fn ensure_aws_ebs(ui: &Ui, kms: &Client, region: &RegionInfo, exists: bool) -> Result<()> {
    if exists {
        return Ok(()); // discovery already described it
    }
    let output = kms.describe_key().key_id(AWS_EBS_ALIAS).send().await.aws("kms:DescribeKey").with_context(|| {
        tr!("asking for the AWS managed key aws/ebs in {region}", "{region} で AWS マネージドキー aws/ebs を要求中")
    })?;
    let key_id = output.key_metadata().map_or("?", |m| m.key_id());
    ui.say(&tr!("aws/ebs in {region}: {key_id}", "{region} の aws/ebs: {key_id}"));
    Ok(())
}

/// The description CreateKey gives a key (sent to AWS: English in every language).
fn key_description(wanted: &ScenarioKey) -> String {
    format!("ebs-kms-labs {LAB_ID}: {} key {} for the EBS lab", wanted.kind.english_label(), wanted.short_alias())
}

/// Makes (or reuses) a single-region key or the multi-region primary, and its alias; returns its id.
async fn ensure_key(ui: &Ui, kms: &Client, region: &RegionInfo, planned: &PlannedKey) -> Result<String> {
    let key_id = create_or_reuse(ui, kms, region, planned).await?;
    apply_alias(ui, kms, region, &planned.wanted, &key_id, planned.alias).await?;
    Ok(key_id)
}

/// The key `planned` names: the existing lab key, or a new one; its id.
async fn create_or_reuse(ui: &Ui, kms: &Client, region: &RegionInfo, planned: &PlannedKey) -> Result<String> {
    let wanted = &planned.wanted;
    let key_id = match &planned.existing {
        Some(key) => key.key_id.clone(),
        None => {
            let multi_region = wanted.kind == KeyKind::MultiRegion;
            let description = key_description(wanted);
            let mut request = kms
                .create_key()
                .key_spec(KeySpec::SymmetricDefault)
                .key_usage(KeyUsageType::EncryptDecrypt)
                .multi_region(multi_region)
                .description(description);
            for tag in tags::kms_tags(LAB_ID, wanted.short_alias()) {
                request = request.tags(tag);
            }
            let output = request.send().await.aws("kms:CreateKey").with_context(|| {
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
            ui.say(&tr!(
                "created {kind} key {key_id} in {region}",
                "{region} にキー {key_id} ({kind}) を作成しました",
                kind = wanted.kind
            ));
            key_id
        }
    };
    Ok(key_id)
}

async fn apply_alias(
    ui: &Ui,
    kms: &Client,
    region: &RegionInfo,
    wanted: &ScenarioKey,
    key_id: &str,
    step: AliasStep,
) -> Result<()> {
    let context = || {
        tr!(
            "naming key {key_id} {alias} in {region}",
            "{region} でキー {key_id} にエイリアス {alias} を設定中",
            alias = wanted.short_alias()
        )
    };
    match step {
        AliasStep::Keep => return Ok(()),
        AliasStep::Create => {
            kms.create_alias()
                .alias_name(&wanted.alias)
                .target_key_id(key_id)
                .send()
                .await
                .aws("kms:CreateAlias")
                .with_context(context)?;
        }
        AliasStep::Update => {
            kms.update_alias()
                .alias_name(&wanted.alias)
                .target_key_id(key_id)
                .send()
                .await
                .aws("kms:UpdateAlias")
                .with_context(context)?;
        }
    }
    ui.say(&tr!(
        "alias {alias} → {key_id} in {region}",
        "{region} のエイリアス {alias} → {key_id} を設定しました",
        alias = wanted.short_alias()
    ));
    Ok(())
}

/// Replicates the primary into the destination (unless a replica exists), waits until the
/// replica is Enabled, and names it.
async fn ensure_replica(ctx: &LabContext, primary_id: &str, planned: &PlannedKey) -> Result<()> {
    let source = &ctx.session.source;
    let destination = &ctx.session.destination;
    let wanted = &planned.wanted;
    if planned.existing.is_none() {
        let description = format!("ebs-kms-labs {LAB_ID}: replica {} of {primary_id}", wanted.short_alias());
        let mut request = source
            .kms
            .replicate_key()
            .key_id(primary_id)
            .replica_region(destination.region.code)
            .description(description);
        for tag in tags::kms_tags(LAB_ID, wanted.short_alias()) {
            request = request.tags(tag);
        }
        request.send().await.aws("kms:ReplicateKey").with_context(|| {
            tr!(
                "replicating {primary_id} from {src} to {dst}",
                "{primary_id} を{src} から{dst} にレプリケート中",
                src = source.region,
                dst = destination.region
            )
        })?;
        ctx.ui.say(&tr!(
            "replicating {primary_id} to {dst}",
            "{primary_id} を{dst} にレプリケートしています",
            dst = destination.region
        ));
    }
    let max_wait = Duration::from_secs(ctx.args.max_wait_minutes * 60);
    wait_until_enabled(&ctx.ui, &destination.kms, destination.region, primary_id, max_wait).await?;
    apply_alias(&ctx.ui, &destination.kms, destination.region, wanted, primary_id, planned.alias).await
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
    let started = Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        let key = kms::describe(kms, region.code, key_id, &Default::default()).await.with_context(|| {
            tr!("checking replica {key_id} in {region}", "{region} のレプリカキー {key_id} を確認中")
        })?;
        match key.map(|key| key.state) {
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

/// Checks the six keys against the walkthrough, as just described afresh.
fn verify(ctx: &LabContext, found: &LabKeys, rotations: &BTreeMap<String, String>) -> Report {
    let mut report =
        Report::new("keys", tr!("The six keys of the walkthrough", "ウォークスルーの 6 つのキー"), &KEY_COLUMNS);
    let primary = found.source.scenario_key(&ctx.scenario.key(KeyKind::MultiRegion, Side::Source)).cloned();
    for wanted in ctx.scenario.keys() {
        let region_keys = match wanted.side {
            Side::Source => &found.source,
            Side::Destination => &found.destination,
        };
        let Some(key) = region_keys.scenario_key(&wanted) else {
            report.row(
                vec![
                    wanted.short_alias().into(),
                    wanted.region.to_string(),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    tr!("missing", "存在しない"),
                    "—".into(),
                ],
                Some(Err(tr!("no such key", "キーが存在しません"))),
            );
            continue;
        };
        let check = check_key(&wanted, key, primary.as_ref());
        let rotation = rotation_label(key, rotations);
        report.row(
            vec![
                wanted.short_alias().into(),
                wanted.region.to_string(),
                key.key_id.clone(),
                if key.aws_managed { "AWS".into() } else { tr!("customer", "カスタマー") },
                key.role_label(),
                key.state.as_str().into(),
                rotation,
            ],
            Some(check),
        );
    }
    report
}

/// What the walkthrough expects of one key.
pub fn check_key(wanted: &ScenarioKey, key: &KeyInfo, primary: Option<&KeyInfo>) -> Result<(), String> {
    if let Some(problem) = key.unusable_for_ebs(wanted.region.code) {
        return Err(problem);
    }
    match (wanted.kind, wanted.side) {
        (KeyKind::AwsManaged, _) if !key.aws_managed => Err(tr!("not AWS managed", "AWS マネージドキーではありません")),
        (KeyKind::SingleRegion, _) if key.aws_managed || key.multi_region.is_some() => Err(tr!(
            "not a customer managed single-region key",
            "カスタマーマネージドの単一リージョンキーではありません"
        )),
        (KeyKind::MultiRegion, Side::Source) if key.multi_region != Some(MultiRegionRole::Primary) => {
            Err(tr!("not a multi-region primary", "マルチリージョンプライマリキーではありません"))
        }
        (KeyKind::MultiRegion, _) if !key.key_id.starts_with("mrk-") => Err(tr!(
            "multi-region key id must start with mrk-",
            "マルチリージョンキーのキー ID は mrk- で始まる必要があります"
        )),
        (KeyKind::MultiRegion, Side::Destination) => match primary {
            _ if key.multi_region != Some(MultiRegionRole::Replica) => {
                Err(tr!("not a multi-region replica", "マルチリージョンレプリカキーではありません"))
            }
            Some(primary) if key.primary_arn.as_deref() == Some(primary.arn.as_str()) => Ok(()),
            _ => Err(tr!("not a replica of the lab's primary", "ラボのプライマリキーのレプリカキーではありません")),
        },
        _ => Ok(()),
    }
}

/// The rotation cell: AWS managed keys and replicas need no call; other keys are asked.
/// The rotation cell: AWS managed keys and replicas need no call; other keys were asked.
fn rotation_label(key: &KeyInfo, rotations: &BTreeMap<String, String>) -> String {
    if key.aws_managed {
        return tr!("yearly, by AWS", "毎年 (AWS が自動で実施)");
    }
    if key.multi_region == Some(MultiRegionRole::Replica) {
        return tr!("set on the primary", "プライマリキーで設定");
    }
    rotations.get(&key.key_id).cloned().unwrap_or_else(|| tr!("unknown", "不明"))
}

/// GetKeyRotationStatus of the customer keys that rotate on their own (the single-region keys
/// and the primary), all at once: key id → the rotation cell.
async fn rotation_statuses(ctx: &LabContext, keys: &[(Side, Option<String>)]) -> BTreeMap<String, String> {
    let reads = keys.iter().filter_map(|(side, id)| Some((ctx.session.clients(*side), id.as_ref()?))).map(
        |(clients, key_id)| async move {
            let label = match clients.kms.get_key_rotation_status().key_id(key_id).send().await {
                Ok(status) if status.key_rotation_enabled() => match status.rotation_period_in_days() {
                    Some(days) => tr!("on, every {days} days", "有効 ({days} 日ごと)"),
                    None => tr!("on", "有効"),
                },
                Ok(_) => tr!("off (optional)", "無効 (任意で有効化)"),
                Err(_) => tr!("unknown", "不明"),
            };
            (key_id.clone(), label)
        },
    );
    futures::future::join_all(reads).await.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_kms::operation::describe_key::DescribeKeyOutput;
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
}
