//! The plan of lab 01, decided before anything is changed: for each of the six keys, reuse the
//! lab key found, adopt a lab key that lost its alias, or make one; refuse on a foreign alias.

use crate::lesson::PLAN_COLUMNS;
use crate::verify::{kind_name, side_name};
use anyhow::Result;
use common::errors::Refusal;
use common::facts::{self, CUSTOMER_KEY_USD_PER_MONTH};
use common::kms::{KeyInfo, LabKeys, MultiRegionRole, RegionKeys};
use common::scenario::{KeyKind, ScenarioKey, Side};
use common::tr;
use common::ui::Report;
use common::LabContext;
use serde_json::json;

/// What to do with an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasStep {
    /// It already points at the right key.
    Keep,
    Create,
    /// It points at another lab-owned key that cannot serve (e.g. pending deletion).
    Update,
}

/// `aws/ebs` in one region: AWS makes it, the lab only asks for it.
#[derive(Debug, Clone)]
pub struct PlannedAwsEbs {
    pub wanted: ScenarioKey,
    /// The key, if it exists yet; `None` means the lab will ask for it.
    pub existing: Option<KeyInfo>,
}

/// One customer managed key of the scenario: the key to use, if one exists, and the alias step.
#[derive(Debug, Clone)]
pub struct PlannedKey {
    pub wanted: ScenarioKey,
    /// A lab-owned key to use; `None` means one will be made.
    pub existing: Option<KeyInfo>,
    pub alias: AliasStep,
    /// The key the alias pointed at when the plan was made (checked again before UpdateAlias).
    pub alias_target: Option<String>,
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

    /// The action in `--output json`: `reuse` the key found, `adopt` a lab key that lost its
    /// alias, `replicate` the primary, or `create` a key.
    fn action_name(&self) -> &'static str {
        let replicates = self.wanted.kind == KeyKind::MultiRegion && self.wanted.side == Side::Destination;
        match (&self.existing, self.alias) {
            (Some(_), AliasStep::Keep) => "reuse",
            (Some(_), _) => "adopt",
            (None, _) if replicates => "replicate",
            (None, _) => "create",
        }
    }

    /// The alias step in `--output json`: `keep`, `create` or `update`.
    fn alias_name(&self) -> &'static str {
        match self.alias {
            AliasStep::Keep => "keep",
            AliasStep::Create => "create",
            AliasStep::Update => "update",
        }
    }

    fn creates_key(&self) -> bool {
        self.existing.is_none()
    }
}

/// Everything lab 01 will do, decided before anything is changed.
#[derive(Debug, Clone)]
pub struct Plan {
    pub aws_ebs_source: PlannedAwsEbs,
    pub aws_ebs_destination: PlannedAwsEbs,
    pub single_source: PlannedKey,
    pub single_destination: PlannedKey,
    pub primary: PlannedKey,
    pub replica: PlannedKey,
}

impl Plan {
    fn aws_ebs(&self) -> [&PlannedAwsEbs; 2] {
        [&self.aws_ebs_source, &self.aws_ebs_destination]
    }

    fn customer_keys(&self) -> [&PlannedKey; 4] {
        [&self.single_source, &self.primary, &self.single_destination, &self.replica]
    }

    /// How many customer managed keys this run would create.
    pub fn keys_to_create(&self) -> usize {
        self.customer_keys().iter().filter(|key| key.creates_key()).count()
    }

    pub fn has_changes(&self) -> bool {
        self.customer_keys().iter().any(|key| key.creates_key() || key.alias != AliasStep::Keep)
            || self.aws_ebs().iter().any(|aws_ebs| aws_ebs.existing.is_none())
    }

    /// The plan as a table: one row per key, with the action and its cost; in `--output json`,
    /// each key's action as data (docs/schemas/01-keys.schema.json).
    pub fn report(&self, ctx: &LabContext) -> Report {
        let local = ctx.session.endpoint.is_local();
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
        // What the row adds to the monthly bill: a new customer managed key on AWS.
        let usd = |creates: bool| if creates && !local { CUSTOMER_KEY_USD_PER_MONTH } else { 0.0 };
        let record = |wanted: &ScenarioKey, action: &str, alias_action: Option<&str>, id: Option<&str>, usd: f64| {
            json!({
                "resource": "kms_key",
                "name": wanted.alias,
                "region": wanted.region.code,
                "key_kind": kind_name(wanted.kind),
                "side": side_name(wanted.side),
                "action": action,
                "alias_action": alias_action,
                "id": id,
                "cost_usd_per_month": usd,
            })
        };
        for PlannedAwsEbs { wanted, existing } in self.aws_ebs() {
            let (action, label) = match existing {
                Some(_) => {
                    ("none", tr!("exists: AWS managed, nothing to do", "既存: AWS マネージドキーのため操作不要"))
                }
                None => ("request", tr!("ask KMS for it (AWS creates it, free)", "KMS に要求 (AWS が無料で作成)")),
            };
            let mut record = record(wanted, action, None, existing.as_ref().map(|key| key.key_id.as_str()), 0.0);
            record["message"] = label.clone().into();
            report.row_with(
                vec![
                    wanted.short_alias().into(),
                    wanted.region.to_string(),
                    wanted.kind.to_string(),
                    label,
                    tr!("free", "無料"),
                ],
                None,
                record,
            );
        }
        for key in self.customer_keys() {
            let wanted = &key.wanted;
            let label = key.action();
            let id = key.existing.as_ref().map(|key| key.key_id.as_str());
            let mut record = record(wanted, key.action_name(), Some(key.alias_name()), id, usd(key.creates_key()));
            record["message"] = label.clone().into();
            report.row_with(
                vec![
                    wanted.short_alias().into(),
                    wanted.region.to_string(),
                    wanted.kind.to_string(),
                    label,
                    cost(key.creates_key()),
                ],
                None,
                record,
            );
        }
        report
    }

    /// The confirmation question, with what the new keys cost.
    pub fn question(&self, ctx: &LabContext) -> String {
        let cost = if ctx.session.endpoint.is_local() {
            tr!("free on the emulator", "エミュレーターでは無料")
        } else {
            tr!(
                "{amount} on AWS while they exist",
                "AWS では存在する間 {amount}",
                amount = facts::usd_per_month(self.keys_to_create() as f64 * CUSTOMER_KEY_USD_PER_MONTH)
            )
        };
        tr!(
            "Create {count} customer managed key(s) and their aliases in {src} and {dst} ({cost})?",
            "{src} と{dst} に、カスタマーマネージドキー {count} 個とそのエイリアスを作成しますか？ ({cost})",
            count = self.keys_to_create(),
            src = ctx.scenario.source,
            dst = ctx.scenario.destination
        )
    }
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
                alias_target: None,
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
    let alias_target = destination.alias_target(&replica_wanted.alias).map(str::to_string);
    let replica = PlannedKey { wanted: replica_wanted, existing: existing_replica, alias: replica_alias, alias_target };

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
                 and pass the same prefix to every lab{taken}. If you made these keys yourself for the walkthrough, \
                 check them with `{check}`, then let the labs adopt them with --adopt",
                "--name-prefix を付けて (例: `--name-prefix lab-`) ラボのエイリアスに別の名前を付け、\
                 すべてのラボに同じプレフィックスを指定してください{taken}。ウォークスルーのために自分で作ったキーなら、\
                 `{check}` で確認してから、--adopt でラボに引き継いでください",
                check = ctx.command_with(&ctx.lab.id, "--check")
            ),
        }
        .into());
    }
    let aws_ebs = |side: Side, region: &RegionKeys| PlannedAwsEbs {
        wanted: scenario.key(KeyKind::AwsManaged, side),
        existing: region.aws_ebs.clone(),
    };
    Ok(Plan {
        aws_ebs_source: aws_ebs(Side::Source, &found.source),
        aws_ebs_destination: aws_ebs(Side::Destination, destination),
        single_source,
        single_destination,
        primary,
        replica,
    })
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
    let fits = |key: &&KeyInfo| key.ownership.is_labs() && !key.is_pending_deletion() && suitable(key);
    let adoptable = || {
        region
            .owned
            .iter()
            .filter(fits)
            .find(|key| key.aliases.is_empty() && key.ownership.own_role() == Some(wanted.short_alias()))
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
    let alias_target = region.alias_target(&wanted.alias).map(str::to_string);
    Ok(PlannedKey { wanted, existing, alias, alias_target })
}
