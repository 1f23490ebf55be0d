//! What lab 01 teaches: the three kinds of KMS key and the six keys of the walkthrough (shown
//! before the step), what the learner has afterwards, and the column headers of the lab's tables.

use common::facts::{self, CUSTOMER_KEY_USD_PER_MONTH};
use common::scenario::{KeyKind, Side};
use common::tr;
use common::ui::Report;
use common::LabContext;

/// Columns of the table of key kinds, (English, Japanese).
const KIND_COLUMNS: [(&str, &str); 5] = [
    ("Kind", "種類"),
    ("Visible in your account", "アカウントで確認できる"),
    ("Managed by you", "お客様が管理"),
    ("Rotation", "キーのローテーション"),
    ("Cost", "費用"),
];

/// Columns of the plan, (English, Japanese).
pub const PLAN_COLUMNS: [(&str, &str); 5] = [
    ("Alias", "エイリアス"),
    ("Region", "リージョン"),
    ("Kind", "種類"),
    ("Action", "処理"),
    ("Cost (estimate)", "費用 (概算)"),
];

/// Columns of the verification table, (English, Japanese).
pub const KEY_COLUMNS: [(&str, &str); 7] = [
    ("Alias", "エイリアス"),
    ("Region", "リージョン"),
    ("Key ID", "キー ID"),
    ("Manager", "管理元"),
    ("Multi-region role", "マルチリージョンの役割"),
    ("State", "キーの状態"),
    ("Rotation", "キーのローテーション"),
];

/// The heading, why the copy needs a key in each region, the table of key kinds, and the six
/// keys this lab prepares.
pub fn explain(ctx: &LabContext) {
    let ui = &ctx.ui;
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

/// What the learner has after the lab, shown once every check passed.
pub fn summary() -> String {
    tr!(
        "What you now have: the free AWS managed key in both regions, and customer managed keys that you\n\
         control (policy, rotation, deletion). The multi-region primary and its replica share key material,\n\
         yet each is a separate key in its own region. Lab 02 encrypts one volume with each source key.",
        "ここまでで用意できたもの: 両方のリージョンの AWS マネージドキー (無料) と、キーポリシー、\n\
         ローテーション、削除をお客様が管理するカスタマーマネージドキーです。マルチリージョンの\n\
         プライマリキーとレプリカキーはキーマテリアルを共有しますが、それぞれが自分のリージョンにある\n\
         別々の KMS キーです。ラボ 02 では、コピー元リージョンの各キーでボリュームを 1 つずつ暗号化します。"
    )
}
