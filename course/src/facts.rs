//! Facts the labs teach and prices they estimate, in one table: each with an id, the figures any
//! text stating it must contain, its source and the date it was checked. Learner text takes
//! figures from here, never from memory: the labs format the constants and [`Fact::text`] into
//! their messages, the quiz names the facts its questions state (`facts = [...]` in
//! `tools/quiz/questions.toml`), and tests check that the quiz and `docs/concepts.md` (and its
//! Japanese twin) state every figure and cite every source. The sources and notes behind the
//! table are in the project's fact sheet (shared/FACTS.md, beside the checkout).

use crate::tr;

/// One checked fact.
#[derive(Debug, Clone, Copy)]
pub struct Fact {
    /// A short kebab-case name, by which the quiz refers to the fact.
    pub id: &'static str,
    /// The fact in English.
    pub value: &'static str,
    /// The same fact in Japanese.
    pub value_ja: &'static str,
    pub source: &'static str,
    /// Further sources, where one page does not say it all or two pages disagree.
    pub also: &'static [&'static str],
    /// Year and month it was checked, `YYYY-MM`.
    pub checked: &'static str,
    /// What any text stating the fact must contain, in either language: its numbers, and the
    /// ids, states and API names both languages write the same way. Empty when the fact is
    /// only words.
    pub figures: &'static [&'static str],
    /// A price estimate from list prices (label it so); the quiz need not ask about it.
    pub estimate: bool,
    /// No source states it outright: the course reasons it out from `source` (the closest page).
    /// Its text says so in both languages ("inferred", 「推測」), and so must every quiz
    /// explanation that states it; a fact that is not inferred must not say so (tests below and
    /// in the quiz).
    pub inferred: bool,
}

/// The word that marks an inferred statement, in English and in Japanese.
pub const INFERRED_MARKS: (&str, &str) = ("inferred", "推測");

/// Whether `text` marks what it says as inferred, in either language.
pub fn marks_inferred(text: &str) -> bool {
    text.to_lowercase().contains(INFERRED_MARKS.0) || text.contains(INFERRED_MARKS.1)
}

impl Fact {
    /// The fact in the learner's language.
    pub fn text(&self) -> &'static str {
        crate::text::pick(self.value, self.value_ja)
    }

    /// Every source: `source`, then `also`.
    pub fn sources(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.source).chain(self.also.iter().copied())
    }

    /// The figures `text` does not contain (empty when it states them all).
    pub fn missing_figures(&self, text: &str) -> Vec<&'static str> {
        self.figures.iter().copied().filter(|figure| !contains_figure(text, figure)).collect()
    }
}

/// Whether `text` contains `figure` as a whole figure: a number is not matched inside a longer
/// number ("20" is not in "2022", "$0.09" is not in "$0.096", "7" is not in "2,7"), while
/// the words around it do not matter ("7～30 日", "mrk-1234").
pub fn contains_figure(text: &str, figure: &str) -> bool {
    let starts_with_digit = figure.starts_with(|c: char| c.is_ascii_digit());
    let ends_with_digit = figure.ends_with(|c: char| c.is_ascii_digit());
    text.match_indices(figure).any(|(start, _)| {
        let before = &text[..start];
        let after = &text[start + figure.len()..];
        let mut previous = before.chars().rev();
        let number_before = match (previous.next(), previous.next()) {
            (Some(c), _) if c.is_ascii_digit() => true,
            (Some(',' | '.'), Some(c)) => c.is_ascii_digit(),
            _ => false,
        };
        let mut next = after.chars();
        let number_after = match (next.next(), next.next()) {
            (Some(c), _) if c.is_ascii_digit() => true,
            (Some(',' | '.'), Some(c)) => c.is_ascii_digit(),
            _ => false,
        };
        let glued = (starts_with_digit && number_before) || (ends_with_digit && number_after);
        !glued
    })
}

/// The fact with this id.
pub fn by_id(id: &str) -> Option<&'static Fact> {
    ALL.iter().copied().find(|fact| fact.id == id)
}

/// Every fact of the table, in the order of the course.
pub const ALL: &[&Fact] = &[
    &AWS_MANAGED_ROTATION,
    &CUSTOMER_MANAGED_ROTATION,
    &ON_DEMAND_ROTATION,
    &MULTI_REGION_ID,
    &ENCRYPTION_BY_DEFAULT,
    &PENDING_SNAPSHOTS,
    &CONCURRENT_COPIES,
    &TIME_BASED_COPY,
    &KEY_DELETION_WAITING_PERIOD,
    &MRK_PRIMARY_DELETION,
    &AWS_MANAGED_NO_DELETION,
    &CANCEL_KEY_DELETION,
    &KEY_TYPES,
    &DESCRIBE_KEY_CREATES_AWS_MANAGED,
    &EBS_SYMMETRIC_ONLY,
    &EBS_KMS_PERMISSIONS,
    &KMS_VIA_SERVICE,
    &KEY_POLICY_FIRST,
    &MRK_REPLICA_SHARES,
    &MRK_REPLICA_STATES,
    &MRK_NOT_A_SHORTCUT,
    &ALIAS_NAMES,
    &KEY_STATE_EXCEPTIONS,
    &SNAPSHOT_SAME_KEY,
    &DEFAULT_EBS_KEY,
    &COPY_TO_DESTINATION,
    &COPY_ENCRYPTION,
    &COPY_KEY_REGION,
    &COPY_KEY_CHECKED_LATE,
    &COPY_TAGS,
    &COPY_INCREMENTAL,
    &COPY_IN_TRANSIT,
    &SHARE_ENCRYPTED_SNAPSHOT,
    &COPY_AMI_ENCRYPTED,
    &FAST_SNAPSHOT_RESTORE,
    &KMS_PRICING,
    &GP3_VOLUME_8GIB,
    &SNAPSHOT_STORAGE,
    &INTER_REGION_TRANSFER,
];

// ---------------------------------------------------------------------------------------------
// Key types and rotation
// ---------------------------------------------------------------------------------------------

/// AWS managed keys rotate every year; AWS changed this from about three years in May 2022.
pub const AWS_MANAGED_ROTATION: Fact = Fact {
    id: "aws-managed-rotation",
    value: "automatic, every year (about 365 days); cannot be turned off",
    value_ja: "自動で毎年 (約 365 日ごと)。無効にはできません",
    source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html",
    also: &[],
    checked: "2026-11",
    figures: &["365"],
    estimate: false,
    inferred: false,
};

/// Customer managed keys: rotation optional, 90 to 2,560 days, 365 by default.
pub const CUSTOMER_MANAGED_ROTATION: Fact = Fact {
    id: "customer-managed-rotation",
    value: "optional: you turn it on, every 90 to 2,560 days (365 by default), or rotate on demand",
    value_ja: "任意: 有効にすると 90～2,560 日ごと (デフォルトは 365 日)。オンデマンドのローテーションも可能",
    source: "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
    also: &["https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html"],
    checked: "2026-11",
    figures: &["90", "2,560", "365"],
    estimate: false,
    inferred: false,
};

/// On-demand rotation works a limited number of times per key. The two AWS pages disagree on
/// the number (the developer guide says 25, the API reference 10): state both.
pub const ON_DEMAND_ROTATION: Fact = Fact {
    id: "on-demand-rotation",
    value: "RotateKeyOnDemand rotates a customer managed key at once, a limited number of times per key \
            (the developer guide says 25, the API reference still says 10); not for asymmetric or HMAC keys, \
            keys in a custom key store, or multi-region keys with imported key material",
    value_ja: "RotateKeyOnDemand でカスタマーマネージドキーをすぐにローテーションできますが、回数はキーごとに\
               限られています (デベロッパーガイドでは 25 回、API リファレンスでは今も 10 回)。\
               非対称キー、HMAC キー、カスタムキーストアのキー、インポートしたキーマテリアルを使う\
               マルチリージョンキーでは使えません",
    source: "https://docs.aws.amazon.com/kms/latest/developerguide/rotating-keys-on-demand.html",
    also: &["https://docs.aws.amazon.com/kms/latest/APIReference/API_RotateKeyOnDemand.html"],
    checked: "2026-11",
    figures: &["RotateKeyOnDemand", "25", "10"],
    estimate: false,
    inferred: false,
};

/// A multi-region key's id starts with `mrk-`; single- or multi-region is fixed at creation.
pub const MULTI_REGION_ID: Fact = Fact {
    id: "multi-region-id",
    value: "key id starts with mrk-; single- or multi-region is chosen at creation and cannot change",
    value_ja: "キー ID が mrk- で始まります。単一リージョンかマルチリージョンかは作成時に決まり、後から変更できません",
    source: "https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html",
    also: &["https://docs.aws.amazon.com/kms/latest/developerguide/mrk-how-it-works.html"],
    checked: "2026-11",
    figures: &["mrk-"],
    estimate: false,
    inferred: false,
};

// ---------------------------------------------------------------------------------------------
// Volumes, snapshots and copies
// ---------------------------------------------------------------------------------------------

/// Encryption by default is one switch per account and region, for new volumes only.
pub const ENCRYPTION_BY_DEFAULT: Fact = Fact {
    id: "encryption-by-default",
    value: "EBS encryption by default is set per account and per region; it applies to volumes created \
            afterwards and does not change existing volumes",
    value_ja: "EBS のデフォルトの暗号化は、アカウントごと、リージョンごとの設定です。\
               有効にした後に作成するボリュームに適用され、既存のボリュームは変わりません",
    source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableEbsEncryptionByDefault.html",
    also: &[],
    checked: "2026-11",
    figures: &[],
    estimate: false,
    inferred: false,
};

/// Snapshots of one gp2 or gp3 volume that may be pending at once.
pub const PENDING_SNAPSHOTS_PER_VOLUME: usize = 5;
pub const PENDING_SNAPSHOTS: Fact = Fact {
    id: "pending-snapshots-per-volume",
    value: "at most 5 snapshots of one gp2 or gp3 volume can be pending at once; \
            another fails with ConcurrentSnapshotLimitExceeded",
    value_ja: "1 つの gp2 / gp3 ボリュームで同時に pending にできるスナップショットは最大 5 つです。\
               それを超えると ConcurrentSnapshotLimitExceeded で失敗します",
    // FACTS.md gives no source for this line; the EBS user guide's page on creating snapshots
    // says five pending snapshots per volume (one for st1 and sc1).
    source: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-creating-snapshot.html",
    also: &[],
    checked: "2026-11",
    figures: &["5"],
    estimate: false,
    inferred: false,
};

/// Snapshot copies in flight per destination region; more fail with ResourceLimitExceeded.
pub const CONCURRENT_COPY_QUOTA: usize = 20;
pub const CONCURRENT_COPIES: Fact = Fact {
    id: "concurrent-copy-quota",
    value: "at most 20 snapshot copies in flight per destination region, a quota that cannot be raised; \
            more fail with ResourceLimitExceeded",
    value_ja: "同時に実行できるスナップショットのコピーは、コピー先リージョンごとに最大 20 件で、\
               このクォータは引き上げられません。超えると ResourceLimitExceeded で失敗します",
    source: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-resource-quotas.html",
    also: &[],
    checked: "2026-11",
    figures: &["20"],
    estimate: false,
    inferred: false,
};

/// `CompletionDurationMinutes` of a time-based copy: from 15 minutes to 48 hours, in steps of 15.
pub const COMPLETION_MINUTES_MIN: i32 = 15;
pub const COMPLETION_MINUTES_MAX: i32 = 48 * 60;
pub const COMPLETION_MINUTES_STEP: i32 = 15;
pub const TIME_BASED_COPY: Fact = Fact {
    id: "time-based-copy",
    value: "a time-based copy takes CompletionDurationMinutes from 15 minutes to 48 hours (2,880 minutes), \
            in 15-minute steps; each copy runs at up to 500 MiB/s; not in Local Zones or on Outposts",
    value_ja: "時間ベースのコピーでは、CompletionDurationMinutes に 15 分から 48 時間 (2,880 分) までを\
               15 分単位で指定します。1 件あたり最大 500 MiB/s で、Local Zones と Outposts では使えません",
    source: "https://docs.aws.amazon.com/ebs/latest/userguide/time-based-copies.html",
    also: &[],
    checked: "2026-11",
    figures: &["CompletionDurationMinutes", "15", "48"],
    estimate: false,
    inferred: false,
};

// ---------------------------------------------------------------------------------------------
// Deleting keys
// ---------------------------------------------------------------------------------------------

/// The waiting period of ScheduleKeyDeletion (`PendingWindowInDays`), in days.
pub const KEY_DELETION_MIN_DAYS: i32 = 7;
pub const KEY_DELETION_MAX_DAYS: i32 = 30;
/// What AWS uses when the request names no waiting period.
pub const KEY_DELETION_DEFAULT_DAYS: i32 = 30;
pub const KEY_DELETION_WAITING_PERIOD: Fact = Fact {
    id: "key-deletion-waiting-period",
    value: "a KMS key is deleted only after a waiting period of 7 to 30 days (30 by default); \
            until then it is PendingDeletion and cannot be used",
    value_ja: "KMS キーは 7～30 日 (デフォルトは 30 日) の待機期間を経てから削除されます。\
               それまでは PendingDeletion の状態で、使用できません",
    source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html",
    also: &[],
    checked: "2026-11",
    figures: &["7", "30"],
    estimate: false,
    inferred: false,
};

/// A multi-region primary waits for its replicas to be deleted before its own waiting period.
pub const MRK_PRIMARY_DELETION: Fact = Fact {
    id: "mrk-primary-deletion",
    value: "a multi-region primary that still has replicas goes to PendingReplicaDeletion; its own waiting \
            period starts only after the last replica is deleted (not merely scheduled), so deleting a pair \
            takes at least twice the shortest waiting period",
    value_ja: "レプリカキーが残っているマルチリージョンのプライマリキーは PendingReplicaDeletion になります。\
               プライマリキー自身の待機期間は、最後のレプリカキーが (スケジュールされただけでなく) 実際に\
               削除されてから始まるため、ペアの削除には少なくとも最短の待機期間の 2 倍かかります",
    source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html",
    also: &[],
    checked: "2026-11",
    figures: &["PendingReplicaDeletion"],
    estimate: false,
    inferred: false,
};

/// AWS managed keys stay: nobody can delete them or schedule their deletion.
pub const AWS_MANAGED_NO_DELETION: Fact = Fact {
    id: "aws-managed-no-deletion",
    value: "AWS managed keys (such as aws/ebs) cannot be deleted or scheduled for deletion",
    value_ja: "AWS マネージドキー (aws/ebs など) は削除できず、削除のスケジュールもできません",
    source: "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#kms_keys",
    also: &[],
    checked: "2026-11",
    figures: &[],
    estimate: false,
    inferred: false,
};

/// A cancelled deletion leaves the key disabled.
pub const CANCEL_KEY_DELETION: Fact = Fact {
    id: "cancel-key-deletion",
    value: "CancelKeyDeletion, called before the deletion date, leaves the key Disabled, not Enabled: \
            enable it again to use it",
    value_ja: "削除予定日より前に CancelKeyDeletion を呼び出すと、キーは Enabled ではなく Disabled になります。\
               使うには、あらためて有効にします",
    source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html",
    also: &[],
    checked: "2026-11",
    figures: &["CancelKeyDeletion", "Disabled"],
    estimate: false,
    inferred: false,
};

// ---------------------------------------------------------------------------------------------
// What the labs and the quiz state in words: each documented with its source, or inferred
// ---------------------------------------------------------------------------------------------

macro_rules! words {
    ($name:ident, $id:literal, $source:literal, [$($also:literal),*], [$($figure:literal),*], inferred = $inferred:literal,
     $value:literal, $value_ja:literal) => {
        pub const $name: Fact = Fact {
            id: $id,
            value: $value,
            value_ja: $value_ja,
            source: $source,
            also: &[$($also),*],
            checked: "2026-11",
            figures: &[$($figure),*],
            estimate: false,
            inferred: $inferred,
        };
    };
}

words!(KEY_TYPES, "key-types", "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#kms_keys", [], [],
    inferred = false,
    "three kinds of KMS key: customer managed (you manage them), AWS managed (such as aws/ebs: visible, managed by AWS) \
     and AWS owned (kept by a service, not visible in your account)",
    "KMS キーは 3 種類: カスタマーマネージドキー (利用者が管理)、AWS マネージドキー (aws/ebs など。見えるが AWS が管理)、\
     AWS 所有のキー (サービスが持ち、アカウントからは見えない)");
words!(DESCRIBE_KEY_CREATES_AWS_MANAGED, "describe-key-creates-aws-managed",
    "https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html", [], ["DescribeKey"], inferred = false,
    "DescribeKey on a predefined AWS alias such as alias/aws/ebs whose key does not exist yet creates that AWS managed key \
     and returns it",
    "alias/aws/ebs のような AWS の定義済みエイリアスに対して、まだキーがないときに DescribeKey を呼び出すと、\
     AWS マネージドキーが作成されて返されます");
words!(
    EBS_SYMMETRIC_ONLY,
    "ebs-symmetric-only",
    "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
    [],
    [],
    inferred = false,
    "EBS encrypts with symmetric KMS keys only",
    "EBS の暗号化に使えるのは対称 KMS キーだけです"
);
words!(EBS_KMS_PERMISSIONS, "ebs-kms-permissions",
    "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html", [],
    ["kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "kms:GrantIsForAWSResource"], inferred = false,
    "users of EBS encryption need kms:CreateGrant, kms:Decrypt, kms:DescribeKey, kms:GenerateDataKeyWithoutPlaintext and \
     kms:ReEncrypt* on the key; the EBS guide suggests limiting CreateGrant with the kms:GrantIsForAWSResource condition",
    "EBS の暗号化を使う人には、キーに対する kms:CreateGrant、kms:Decrypt、kms:DescribeKey、\
     kms:GenerateDataKeyWithoutPlaintext、kms:ReEncrypt* が必要です。EBS のガイドは kms:GrantIsForAWSResource 条件で \
     CreateGrant を絞ることを勧めています");
words!(KMS_VIA_SERVICE, "kms-via-service",
    "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service", [],
    ["kms:ViaService"], inferred = false,
    "the kms:ViaService condition key limits the use of a KMS key to requests that come through the named AWS services, \
     such as ec2.us-east-1.amazonaws.com",
    "kms:ViaService 条件キーを使うと、KMS キーの使用を、指定した AWS のサービス (ec2.us-east-1.amazonaws.com など) \
     を経由するリクエストに限れます");
words!(KEY_POLICY_FIRST, "key-policy-first", "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html", [],
    [], inferred = false,
    "every KMS key has exactly one key policy; IAM policies alone give no access to a KMS key unless its key policy allows \
     it (as the default key policy does for the account)",
    "すべての KMS キーには、キーポリシーがちょうど 1 つあります。キーポリシーが許可していない限り (デフォルトの\
     キーポリシーはアカウントに許可しています)、IAM ポリシーだけでは KMS キーにアクセスできません");
words!(
    MRK_REPLICA_SHARES,
    "mrk-replica-shares",
    "https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html",
    [],
    [],
    inferred = false,
    "a replica shares its primary's key id, key material, key spec, key usage, origin and rotation status (set on the \
     primary); key policy, tags, aliases and enabled state are each key's own; one replica per primary per region",
    "レプリカキーは、プライマリキーのキー ID、キーマテリアル、キー仕様、キーの用途、オリジン、ローテーションの\
     ステータス (プライマリキーで設定) を共有します。キーポリシー、タグ、エイリアス、有効/無効の状態は、キーごとに\
     別々です。1 つのプライマリキーのレプリカキーは、1 つのリージョンに 1 つまでです"
);
words!(MRK_REPLICA_STATES, "mrk-replica-states",
    "https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-replicate.html",
    ["https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html"], ["Creating", "Enabled", "PendingImport"],
    inferred = false,
    "a new replica is Creating, then Enabled when the primary has KMS-generated key material, or PendingImport when the \
     primary has imported key material (which must then be imported into the replica too)",
    "新しいレプリカキーは Creating の状態で、プライマリキーのキーマテリアルが KMS で生成したものなら Enabled に、\
     インポートしたものなら PendingImport になります (その場合はレプリカキーにもインポートします)");
words!(
    MRK_NOT_A_SHORTCUT,
    "mrk-not-a-shortcut",
    "https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html",
    [],
    [],
    inferred = true,
    "AWS documents that most services treat a multi-region key like a single-region key; that EBS does too, so that a \
     cross-region copy is still re-encrypted in the destination even with the replica, is inferred",
    "AWS のドキュメントによると、ほとんどのサービスはマルチリージョンキーを単一リージョンキーと同じように扱います。\
     EBS もそうで、レプリカキーを使ってもリージョン間コピーはコピー先で暗号化し直される、というのは推測です"
);
words!(
    ALIAS_NAMES,
    "alias-names",
    "https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html",
    [],
    ["alias/aws/"],
    inferred = false,
    "a KMS alias belongs to one key in one region; alias names may contain /, and only names beginning alias/aws/ are \
     reserved for AWS",
    "KMS のエイリアスは 1 つのリージョンの 1 つのキーに属します。エイリアス名には / も使え、AWS 用に予約されて\
     いるのは alias/aws/ で始まる名前だけです"
);
words!(KEY_STATE_EXCEPTIONS, "key-state-exceptions", "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html",
    [], ["Disabled", "DisabledException", "PendingDeletion", "KMSInvalidStateException"], inferred = false,
    "a cryptographic operation with a Disabled key fails with DisabledException; with a key in PendingDeletion it fails \
     with KMSInvalidStateException or DisabledException; PendingDeletion is a state of its own, not Disabled",
    "Disabled のキーでの暗号化オペレーションは DisabledException で失敗し、PendingDeletion のキーでは \
     KMSInvalidStateException か DisabledException で失敗します。PendingDeletion は Disabled とは別の状態です");
words!(
    SNAPSHOT_SAME_KEY,
    "snapshot-same-key",
    "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
    [],
    [],
    inferred = false,
    "a snapshot of an encrypted volume is encrypted with the volume's key; you cannot pick another",
    "暗号化されたボリュームのスナップショットは、ボリュームと同じキーで暗号化されます。別のキーは選べません"
);
words!(
    DEFAULT_EBS_KEY,
    "default-ebs-key",
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyEbsDefaultKmsKeyId.html",
    ["https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableEbsEncryptionByDefault.html"],
    ["GetEbsDefaultKmsKeyId", "ModifyEbsDefaultKmsKeyId"],
    inferred = false,
    "each region has its own default EBS KMS key: aws/ebs unless the account changed it with ModifyEbsDefaultKmsKeyId \
     (GetEbsDefaultKmsKeyId reads it)",
    "リージョンごとに EBS のデフォルトの KMS キーがあります。アカウントが ModifyEbsDefaultKmsKeyId で変更しない限り \
     aws/ebs です (GetEbsDefaultKmsKeyId で読めます)"
);
words!(
    COPY_TO_DESTINATION,
    "copy-to-destination",
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopySnapshot.html",
    ["https://docs.aws.amazon.com/ebs/latest/userguide/ebs-copy-snapshot.html"],
    ["SourceRegion", "SourceSnapshotId"],
    inferred = false,
    "CopySnapshot is sent to the destination region, naming the source with SourceRegion and SourceSnapshotId",
    "CopySnapshot はコピー先リージョンに送り、コピー元を SourceRegion と SourceSnapshotId で指定します"
);
words!(COPY_ENCRYPTION, "copy-encryption", "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopySnapshot.html",
    ["https://docs.aws.amazon.com/ebs/latest/userguide/ebs-copy-snapshot.html"], ["KmsKeyId"], inferred = false,
    "a copy of an encrypted snapshot is always encrypted; KmsKeyId needs Encrypted, and without KmsKeyId the copy uses \
     the destination region's default EBS KMS key",
    "暗号化されたスナップショットのコピーは必ず暗号化されます。KmsKeyId には Encrypted が必要で、KmsKeyId を省略すると\
     コピー先リージョンの EBS のデフォルトの KMS キーが使われます");
words!(
    COPY_KEY_REGION,
    "copy-key-region",
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopyImage.html",
    [],
    [],
    inferred = true,
    "the key of a copy must be a key of the destination region: stated for CopyImage, inferred for CopySnapshot",
    "コピーのキーはコピー先リージョンのキーでなければなりません。CopyImage については明記されており、\
     CopySnapshot については推測です"
);
words!(
    COPY_KEY_CHECKED_LATE,
    "copy-key-checked-late",
    "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-copy-snapshot.html",
    [],
    ["error"],
    inferred = false,
    "the key of a snapshot copy is checked asynchronously: a key that cannot be used makes the copy go to state error \
     later, not the request fail",
    "スナップショットのコピーのキーは非同期でチェックされます。使えないキーだと、リクエストが失敗するのではなく、\
     後でコピーが error 状態になります"
);
words!(
    COPY_TAGS,
    "copy-tags",
    "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-copy-snapshot.html",
    [],
    ["TagSpecifications"],
    inferred = false,
    "a copy does not get the source's tags: tag it in the request with TagSpecifications",
    "コピーにはコピー元のタグが付きません。リクエストの TagSpecifications でタグを付けます"
);
words!(COPY_INCREMENTAL, "copy-incremental", "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-copy-snapshot.html", [], [],
    inferred = false,
    "a copy is incremental only if an earlier copy of the same lineage is in the destination and every copy used the same \
     key; a change of key makes a full copy",
    "コピーが増分になるのは、同じ系列の以前のコピーがコピー先にあり、すべてのコピーが同じキーを使った場合だけです。\
     キーを変えると完全なコピーになります");
words!(
    COPY_IN_TRANSIT,
    "copy-in-transit",
    "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-copy-snapshot.html",
    [],
    ["256"],
    inferred = false,
    "while a snapshot is copied, the data in transit is protected with Amazon S3 server-side encryption (256-bit AES)",
    "スナップショットのコピー中、転送中のデータは Amazon S3 のサーバー側の暗号化 (256 ビット AES) で保護されます"
);
words!(SHARE_ENCRYPTED_SNAPSHOT, "share-encrypted-snapshot",
    "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html", [], [], inferred = false,
    "a snapshot encrypted with the AWS managed key aws/ebs cannot be shared with another account; to share, encrypt it \
     (for example by copying it) with a customer managed key and let the other account use that key in its key policy",
    "AWS マネージドキー aws/ebs で暗号化したスナップショットは、ほかのアカウントと共有できません。共有するには、\
     カスタマーマネージドキーで暗号化し (たとえばコピーで)、そのキーのキーポリシーで相手のアカウントに使用を許可します");
words!(COPY_AMI_ENCRYPTED, "copy-ami-encrypted", "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopyImage.html",
    [], ["CopyImage"], inferred = false,
    "CopyImage copies an AMI and its backing snapshots to another region; with Encrypted and KmsKeyId the snapshots of the \
     copy are encrypted with that key, which must exist in the destination region",
    "CopyImage は AMI とそのバッキングスナップショットを別のリージョンにコピーします。Encrypted と KmsKeyId を指定すると、\
     コピーのスナップショットはそのキーで暗号化されます。キーはコピー先リージョンになければなりません");
words!(FAST_SNAPSHOT_RESTORE, "fast-snapshot-restore",
    "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-fast-snapshot-restore.html", [], [], inferred = false,
    "fast snapshot restore is enabled per snapshot and per Availability Zone; volumes created there from that snapshot are \
     fully initialized at creation, and it is billed for each hour it is enabled in each zone",
    "高速スナップショット復元は、スナップショットごと、アベイラビリティーゾーンごとに有効にします。そのゾーンで\
     そのスナップショットから作ったボリュームは作成時に完全に初期化済みで、有効にしているゾーンごとに時間単位で\
     課金されます");

// ---------------------------------------------------------------------------------------------
// Prices (estimates)
// ---------------------------------------------------------------------------------------------

/// Price of one customer managed key per month, in US dollars: each MRK primary and replica counts.
pub const CUSTOMER_KEY_USD_PER_MONTH: f64 = 1.0;
pub const KMS_PRICING: Fact = Fact {
    id: "kms-pricing",
    value: "customer managed key $1/month each (every multi-region primary and replica counts); AWS managed keys free; keys pending deletion not charged",
    value_ja: "カスタマーマネージドキーは 1 つにつき月 $1 (マルチリージョンのプライマリキーとレプリカキーもそれぞれ 1 つと数えます)。AWS マネージドキーは無料。削除の保留中のキーには課金されません",
    source: "https://aws.amazon.com/kms/pricing/",
    also: &[],
    checked: "2026-11",
    figures: &["$1"],
    estimate: true,
    inferred: false,
};

/// An 8 GiB gp3 volume per month (list prices; not from a stored source: an estimate).
pub const GP3_VOLUME_8GIB: Fact = Fact {
    id: "gp3-volume-8gib",
    value: "~$0.64–0.77/month (gp3 ~$0.08/GB-month in us-east-1, ~$0.096 in Tokyo)",
    value_ja: "月 約 $0.64～0.77 (gp3 は us-east-1 で約 $0.08/GB-月、東京で約 $0.096/GB-月)",
    source: "https://aws.amazon.com/ebs/pricing/",
    also: &[],
    checked: "2026-11",
    figures: &["$0.64", "0.77", "$0.08", "$0.096"],
    estimate: true,
    inferred: false,
};

/// gp3 storage per GB-month in us-east-1 (estimate), for the cost of a volume of any size.
pub const GP3_USD_PER_GB_MONTH: f64 = 0.08;
/// gp3 storage per GB-month in Tokyo (ap-northeast-1; estimate).
pub const GP3_TOKYO_USD_PER_GB_MONTH: f64 = 0.096;

/// gp3 storage per GB-month in `region` (estimate): the regions the table knows at their own rate,
/// any other at the us-east-1 rate. Price a volume by its region, not at one rate for all.
pub fn gp3_usd_per_gb_month(region: &str) -> f64 {
    match region {
        "ap-northeast-1" => GP3_TOKYO_USD_PER_GB_MONTH,
        _ => GP3_USD_PER_GB_MONTH,
    }
}

/// Snapshot storage per GB-month of data stored in us-east-1 (estimate).
pub const SNAPSHOT_USD_PER_GB_MONTH: f64 = 0.05;
/// Snapshot storage per month: billed on the data stored; a new, empty volume stores almost nothing.
pub const SNAPSHOT_STORAGE: Fact = Fact {
    id: "snapshot-storage",
    value: "~$0.05/GB-month of data stored (an empty volume's snapshot stores almost nothing)",
    value_ja: "保存データ 1 GB あたり月 約 $0.05 (空のボリュームのスナップショットはほとんど容量を使いません)",
    source: "https://aws.amazon.com/ebs/pricing/",
    also: &[],
    checked: "2026-11",
    figures: &["$0.05"],
    estimate: true,
    inferred: false,
};

/// Copying a snapshot to another region pays inter-region data transfer.
pub const INTER_REGION_TRANSFER: Fact = Fact {
    id: "inter-region-transfer",
    value: "~$0.02/GB transferred between regions (~$0.09 from Tokyo); empty volumes transfer almost nothing",
    value_ja: "リージョン間の転送 1 GB あたり約 $0.02 (東京からは約 $0.09)。空のボリュームならほとんど転送されません",
    source: "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer",
    also: &[],
    checked: "2026-11",
    figures: &["$0.02", "$0.09"],
    estimate: true,
    inferred: false,
};

/// Formats a monthly estimate in dollars, marked as an estimate.
pub fn usd_per_month(amount: f64) -> String {
    tr!("~${amount:.2}/month", "約 ${amount:.2}/月")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn has_japanese(text: &str) -> bool {
        text.chars().any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
    }

    #[test]
    fn rotation_facts_are_current() {
        // The walkthrough (2022) says 1,095 days for AWS managed keys; that is out of date.
        assert!(AWS_MANAGED_ROTATION.value.contains("every year"));
        assert!(!AWS_MANAGED_ROTATION.value.contains("1095") && !AWS_MANAGED_ROTATION.value.contains("1,095"));
        assert_eq!(usd_per_month(4.0), "~$4.00/month");
    }

    #[test]
    fn all_lists_every_fact_of_this_file_once_under_a_unique_kebab_case_id() {
        let source = include_str!("facts.rs");
        // Each `pub const` fact, and each `words!(NAME, …)` (whose own template is not a fact).
        let declared = source.matches(concat!(": Fact = ", "Fact {")).count()
            - source.matches(concat!("$name", ": Fact = ")).count()
            + source.matches(concat!("\nwords", "!(")).count();
        assert_eq!(ALL.len(), declared, "every `pub const …: Fact` belongs in ALL");
        let mut ids = BTreeSet::new();
        for fact in ALL {
            assert!(ids.insert(fact.id), "{}: duplicate id", fact.id);
            let kebab = !fact.id.is_empty()
                && fact
                    .id
                    .split('-')
                    .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
            assert!(kebab, "{:?} is not kebab-case", fact.id);
            assert_eq!(by_id(fact.id).map(|f| f.value), Some(fact.value));
        }
        assert!(by_id("no-such-fact").is_none());
    }

    #[test]
    fn every_fact_has_https_sources_a_checked_date_and_japanese() {
        for fact in ALL {
            for source in fact.sources() {
                assert!(source.starts_with("https://") && !source.contains(' '), "{}: source {source:?}", fact.id);
            }
            let date = fact.checked.as_bytes();
            let is_date = date.len() == 7
                && date[4] == b'-'
                && date.iter().enumerate().all(|(i, b)| i == 4 || b.is_ascii_digit())
                && (1..=12).contains(&fact.checked[5..].parse::<u32>().unwrap_or(0));
            assert!(is_date, "{}: checked {:?} is not YYYY-MM", fact.id, fact.checked);
            assert!(!fact.value.trim().is_empty(), "{}: empty value", fact.id);
            assert!(has_japanese(fact.value_ja), "{}: {:?} is not Japanese", fact.id, fact.value_ja);
            assert_eq!(fact.text(), fact.value, "unit tests run in English");
        }
    }

    #[test]
    fn every_fact_states_its_figures_in_both_languages() {
        for fact in ALL {
            assert!(
                fact.missing_figures(fact.value).is_empty(),
                "{}: value lacks {:?}",
                fact.id,
                fact.missing_figures(fact.value)
            );
            assert!(
                fact.missing_figures(fact.value_ja).is_empty(),
                "{}: value_ja lacks {:?}",
                fact.id,
                fact.missing_figures(fact.value_ja)
            );
        }
    }

    #[test]
    fn the_numbers_code_uses_agree_with_the_facts() {
        let says = |fact: &Fact, figure: String| {
            assert!(contains_figure(fact.value, &figure), "{}: {:?} lacks {figure}", fact.id, fact.value);
        };
        says(&KEY_DELETION_WAITING_PERIOD, format!("{KEY_DELETION_MIN_DAYS} to {KEY_DELETION_MAX_DAYS} days"));
        says(&KEY_DELETION_WAITING_PERIOD, format!("{KEY_DELETION_DEFAULT_DAYS} by default"));
        says(&TIME_BASED_COPY, format!("{COMPLETION_MINUTES_MIN} minutes"));
        says(&TIME_BASED_COPY, format!("{} hours", COMPLETION_MINUTES_MAX / 60));
        says(&TIME_BASED_COPY, format!("{COMPLETION_MINUTES_STEP}-minute steps"));
        assert_eq!(COMPLETION_MINUTES_MAX % COMPLETION_MINUTES_STEP, 0);
        says(&CONCURRENT_COPIES, format!("at most {CONCURRENT_COPY_QUOTA} "));
        says(&PENDING_SNAPSHOTS, format!("at most {PENDING_SNAPSHOTS_PER_VOLUME} "));
        says(&KMS_PRICING, format!("${CUSTOMER_KEY_USD_PER_MONTH}/month"));
        says(&GP3_VOLUME_8GIB, format!("${GP3_USD_PER_GB_MONTH:.2}/GB-month"));
        says(&SNAPSHOT_STORAGE, format!("${SNAPSHOT_USD_PER_GB_MONTH:.2}/GB-month"));
        let (low, high) = (8.0 * GP3_USD_PER_GB_MONTH, 8.0 * GP3_TOKYO_USD_PER_GB_MONTH);
        says(&GP3_VOLUME_8GIB, format!("${GP3_TOKYO_USD_PER_GB_MONTH}"));
        assert_eq!(gp3_usd_per_gb_month("ap-northeast-1"), GP3_TOKYO_USD_PER_GB_MONTH, "Tokyo at its own rate");
        assert_eq!(gp3_usd_per_gb_month("us-east-1"), GP3_USD_PER_GB_MONTH);
        says(&GP3_VOLUME_8GIB, format!("${low:.2}–{high:.2}/month"));
    }

    #[test]
    fn every_fact_is_documented_or_marked_inferred_in_both_languages() {
        // The rule behind every statement a learner reads: a fact either has a source that states
        // it, or says in both languages that it is inferred; a documented fact never says so.
        for fact in ALL {
            let (en, ja) =
                (fact.value.to_lowercase().contains(INFERRED_MARKS.0), fact.value_ja.contains(INFERRED_MARKS.1));
            assert_eq!(
                (en, ja),
                (fact.inferred, fact.inferred),
                "{}: inferred is {}, but the text says {:?}",
                fact.id,
                fact.inferred,
                (en, ja)
            );
        }
        assert!(ALL.iter().any(|fact| fact.inferred), "the multi-region shortcut is inferred for EBS");
        assert!(marks_inferred("for EBS this is inferred") && marks_inferred("EBS については推測です"));
        assert!(!marks_inferred("documented"));
    }

    #[test]
    fn key_states_name_both_exceptions_and_pending_deletion_is_not_disabled() {
        // KMSInvalidStateException is not "the key is disabled" (issue 15, item 1).
        for text in [KEY_STATE_EXCEPTIONS.value, KEY_STATE_EXCEPTIONS.value_ja] {
            assert!(text.contains("DisabledException") && text.contains("KMSInvalidStateException"), "{text}");
        }
        assert!(KEY_STATE_EXCEPTIONS.value.contains("not Disabled"));
        assert!(
            MRK_REPLICA_STATES.value.contains("KMS-generated") && MRK_REPLICA_STATES.value.contains("PendingImport")
        );
        assert!(ALIAS_NAMES.value.contains("only names beginning alias/aws/"));
        assert!(COPY_ENCRYPTION.value.contains("default EBS KMS key") && DEFAULT_EBS_KEY.value.contains("unless"));
    }

    #[test]
    fn figures_match_whole_numbers_only() {
        assert!(contains_figure("7 to 30 days", "7") && contains_figure("7～30 日", "30"));
        assert!(!contains_figure("in 2022", "20") && !contains_figure("up to 120 minutes", "20"));
        assert!(!contains_figure("~$0.096 in Tokyo", "$0.09") && contains_figure("$0.096, $0.09", "$0.09"));
        assert!(!contains_figure("$1.50", "$1") && contains_figure("$1/month", "$1"));
        assert!(!contains_figure("12,560", "2,560") && contains_figure("90–2,560", "2,560"));
        assert!(contains_figure("key mrk-1234", "mrk-") && !contains_figure("key 1234", "mrk-"));
        assert!(!contains_figure("", "5"));
    }
}
