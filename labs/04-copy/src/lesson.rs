//! What lab 04 teaches: the explanation before the copy, the summary after it, and the headers
//! of its tables (plan, copies, matrix).

use common::tr;
use common::LabContext;

/// Columns of the plan, (English, Japanese).
pub const PLAN_COLUMNS: [(&str, &str); 4] = [
    ("Source snapshot", "コピー元スナップショット"),
    ("Destination key", "コピー先のキー"),
    ("Action", "処理"),
    ("Cost (estimate)", "費用 (概算)"),
];

/// Columns of the verification table, (English, Japanese).
pub const COPY_COLUMNS: [(&str, &str); 7] = [
    ("Source snapshot", "コピー元スナップショット"),
    ("Source key", "コピー元のキー"),
    ("Destination key asked", "指定したコピー先のキー"),
    ("Copy ID", "コピーの ID"),
    ("Encrypted", "暗号化"),
    ("Key on copy", "コピーのキー"),
    ("State", "状態"),
];

/// The matrix's corner column, (English, Japanese); one column per destination key type follows.
pub const MATRIX_CORNER: (&str, &str) =
    ("Source key type ↓ / destination key type →", "コピー元のキーの種類 ↓ / コピー先のキーの種類 →");

/// The lab's heading, then how a cross-region copy of an encrypted snapshot works.
pub fn explain(ctx: &LabContext) {
    ctx.heading();
    ctx.ui.teach(&tr!(
        "CopySnapshot is sent to the destination region ({dst}), naming the source region and snapshot.\n\
         A copy of an encrypted snapshot is always encrypted, and a KMS key is regional: the copy is\n\
         re-encrypted with a key of {dst}. While the data travels, Amazon S3 server-side encryption\n\
         (256-bit AES) protects it. AWS documents that most services treat a multi-region key like a\n\
         single-region key; for EBS it is inferred (not documented) that a multi-region key does not skip\n\
         that re-encryption: it gives you a related key that already exists in {dst} (its replica).\n\
         Any source key type can be copied with any destination key type. Tags are not copied: the lab\n\
         tags each copy in the CopySnapshot request.",
        "CopySnapshot リクエストは、コピー先のリージョンである{dst} に送信します。\n\
         コピー元のリージョンとスナップショットは、リクエストの中で指定します。\n\
         暗号化されたスナップショットのコピーは必ず暗号化されます。また、KMS キーはリージョンごとの\n\
         リソースなので、コピーは{dst} のキーで再暗号化されます。\n\
         転送中のデータは、Amazon S3 のサーバー側の暗号化 (256 ビット AES) で保護されます。\n\
         AWS のドキュメントによると、ほとんどのサービスはマルチリージョンキーを単一リージョンキーと\n\
         同じように扱います。EBS でもマルチリージョンキーでこの再暗号化が省略されないことは、\n\
         ドキュメントに明記されておらず推測です。マルチリージョンキーで得られるのは、{dst} に\n\
         すでに存在する関連キー (キーマテリアルを共有するレプリカキー) です。\n\
         コピー元のキーがどの種類でも、コピー先ではどの種類のキーでも選べます。\n\
         タグはコピーされないため、このラボは CopySnapshot リクエストの中で各コピーにタグを付けます。",
        dst = ctx.scenario.destination
    ));
}

/// What the learner has once every copy checks out.
pub fn summary() -> String {
    tr!(
        "Each copy now lives in the destination region, encrypted with the destination key you chose,\n\
         whatever key protected the source. Everything the labs made carries their tags, so it can be\n\
         found and removed when you are done.",
        "各コピーはコピー先のリージョンにあり、コピー元がどのキーで保護されていたかにかかわらず、\n\
         選んだコピー先のキーで暗号化されています。ラボで作成したものにはすべてラボのタグが付いているので、\n\
         終わったら見つけて削除できます。"
    )
}
