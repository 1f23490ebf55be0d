//! What lab 02 teaches: a volume's encryption and key are chosen when it is created and carry over
//! to its snapshots, and encryption by default is a per-account, per-region setting. The text
//! before and after the step, the encryption-by-default table, and the column headers.

use crate::{RegionDefaults, SIZE_GIB};
use common::tr;
use common::ui::Report;
use common::LabContext;
use serde_json::json;

/// Columns of the plan, (English, Japanese).
pub const PLAN_COLUMNS: [(&str, &str); 4] =
    [("Name", "名前"), ("Key", "キー"), ("Action", "処理"), ("Cost (estimate)", "費用 (概算)")];

/// Columns of the encryption-by-default table, (English, Japanese).
const DEFAULT_ENCRYPTION_COLUMNS: [(&str, &str); 3] =
    [("Region", "リージョン"), ("Encryption by default", "デフォルトの暗号化"), ("Default key", "デフォルトのキー")];

/// Columns of the verification table, (English, Japanese).
pub const VOLUME_COLUMNS: [(&str, &str); 8] = [
    ("Name", "名前"),
    ("Volume ID", "ボリューム ID"),
    ("Zone", "アベイラビリティーゾーン"),
    ("Size", "サイズ"),
    ("Key alias", "キーのエイリアス"),
    ("Key ARN", "キー ARN"),
    ("Encrypted", "暗号化"),
    ("State", "状態"),
];

/// The heading, and what the step does and why.
pub fn explain(ctx: &LabContext) {
    ctx.heading();
    step(ctx);
}

/// What the step does and why.
pub fn step(ctx: &LabContext) {
    ctx.ui.teach(&tr!(
        "An EBS volume is encrypted when it is created, with the KMS key you choose; it cannot be changed\n\
         later, and every snapshot of the volume is encrypted with the same key. This lab creates three\n\
         {SIZE_GIB} GiB gp3 volumes in {region}, one per key: aws/ebs (AWS managed), the single-region key and\n\
         the multi-region primary. EBS accepts only symmetric keys that are enabled, in the volume's region.",
        "EBS ボリュームは作成時に、指定した KMS キーで暗号化されます。暗号化の状態と使用するキーは\n\
         後から変更できず、そのボリュームのスナップショットはすべて同じキーで暗号化されます。\n\
         このラボでは {region} に {SIZE_GIB} GiB の gp3 ボリュームを 3 つ、キーごとに 1 つずつ作成します:\n\
         aws/ebs (AWS マネージドキー)、単一リージョンキー、マルチリージョンキーのプライマリキーです。\n\
         EBS で使えるのは、ボリュームと同じリージョンにある、有効な対称暗号化 KMS キーだけです。",
        region = ctx.scenario.source
    ));
}

/// The encryption-by-default table of both regions, and what the setting does.
pub fn encryption_by_default(ctx: &LabContext, settings: &[RegionDefaults]) {
    let mut report = Report::new(
        "encryption_by_default",
        tr!(
            "EBS encryption by default (read-only; set per account and per region)",
            "EBS のデフォルトの暗号化 (読み取りのみ。アカウントごと、リージョンごとの設定です)"
        ),
        &DEFAULT_ENCRYPTION_COLUMNS,
    );
    for setting in settings {
        let default_key = &setting.default_key;
        // Human text only when the key is unknown: why.
        let message = default_key.key().is_none().then(|| default_key.label());
        let record = json!({
            "region": setting.region.code,
            "encryption_by_default": setting.encryption.value(),
            "default_key": default_key.key(),
            "default_key_error_code": default_key.error_code(),
            "message": message,
        });
        report.row_with(
            vec![setting.region.to_string(), setting.encryption.label().into(), default_key.label()],
            None,
            record,
        );
    }
    ctx.ui.report(&report);
    ctx.ui.teach(&tr!(
        "With encryption by default on, every new volume and snapshot copy in that region is encrypted even\n\
         when nobody asks; existing volumes do not change. This lab names its keys explicitly either way.",
        "デフォルトの暗号化が有効なリージョンでは、暗号化を指定しなくても、新しく作成するボリュームと\n\
         スナップショットのコピーはすべて暗号化されます。既存のボリュームは変わりません。\n\
         このラボでは、設定が有効か無効かにかかわらず、使用するキーを明示的に指定します。"
    ));
}

/// What the learner has after the step, and what comes next.
pub fn summary() -> String {
    tr!(
        "Each volume is encrypted with a different key, and every snapshot of it will be too. Lab 03 takes\n\
         those snapshots.",
        "各ボリュームは異なる KMS キーで暗号化されており、そのボリュームのスナップショットもすべて\n\
         同じキーで暗号化されます。ラボ 03 でそのスナップショットを作成します。"
    )
}
