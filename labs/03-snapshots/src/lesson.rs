//! What lab 03 teaches: a snapshot is encrypted with its volume's key (the explanation before
//! the step, the summary after it), and the column headers of its plan and verification tables.

use common::facts;
use common::tr;
use common::LabContext;

/// Columns of the plan, (English, Japanese).
pub const PLAN_COLUMNS: [(&str, &str); 4] =
    [("Name", "名前"), ("Volume", "ボリューム"), ("Action", "処理"), ("Cost (estimate)", "費用 (概算)")];

/// Columns of the verification table, (English, Japanese).
pub const SNAPSHOT_COLUMNS: [(&str, &str); 6] = [
    ("Name", "名前"),
    ("Snapshot ID", "スナップショット ID"),
    ("Volume", "ボリューム"),
    ("Key", "キー"),
    ("Encrypted", "暗号化"),
    ("State", "状態"),
];

/// The lab's heading, then what the step does and why it takes a while on AWS.
pub fn explain(ctx: &LabContext) {
    ctx.heading();
    ctx.ui.teach(&tr!(
        "A snapshot of an encrypted volume is encrypted with the same KMS key as the volume. This lab takes\n\
         one snapshot of each lab volume in {region}, starts all three at once, and waits until each is\n\
         `completed` (on AWS that can take minutes; at most {pending} snapshots of one gp3 volume may be pending).",
        "暗号化されたボリュームのスナップショットは常に暗号化され、ボリュームと同じ KMS キーが使われます。\n\
         このラボでは、{region} にあるラボの各ボリュームからスナップショットを 1 つずつ作成します。\n\
         3 つの作成を同時に開始し、それぞれが `completed` になるまで待ちます (AWS では数分かかることが\n\
         あります。1 つの gp3 ボリュームで同時に pending にできるスナップショットは最大 {pending} つです)。",
        region = ctx.scenario.source,
        pending = facts::PENDING_SNAPSHOTS_PER_VOLUME
    ));
}

/// What the learner takes away, said once every check passed.
pub fn summary() -> String {
    tr!(
        "Each snapshot is encrypted with its volume's key: a snapshot cannot choose another key. To change\n\
         the key you copy the snapshot, which is what lab 04 does, into another region.",
        "各スナップショットは、元のボリュームと同じキーで暗号化されています。スナップショットの作成時に\n\
         別のキーを選ぶことはできません。キーを変更するにはスナップショットをコピーします。ラボ 04 では、\n\
         別のリージョンへのコピーでこれを行います。"
    )
}
