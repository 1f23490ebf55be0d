//! Facts the labs teach and prices they estimate, each with its source and the date it was
//! checked. Learner text takes figures from here, never from memory.

use crate::tr;

/// One checked fact.
#[derive(Debug, Clone, Copy)]
pub struct Fact {
    /// The fact in English.
    pub value: &'static str,
    /// The same fact in Japanese.
    pub value_ja: &'static str,
    pub source: &'static str,
    pub checked: &'static str,
}

impl Fact {
    /// The fact in the learner's language.
    pub fn text(&self) -> &'static str {
        crate::text::pick(self.value, self.value_ja)
    }
}

/// AWS managed keys rotate every year; AWS changed this from about three years in May 2022.
pub const AWS_MANAGED_ROTATION: Fact = Fact {
    value: "automatic, every year (about 365 days); cannot be turned off",
    value_ja: "自動で毎年 (約 365 日ごと)。無効にはできません",
    source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html",
    checked: "2026-11",
};

/// Customer managed keys: rotation optional, 90 to 2,560 days, 365 by default.
pub const CUSTOMER_MANAGED_ROTATION: Fact = Fact {
    value: "optional: you turn it on, every 90 to 2,560 days (365 by default), or rotate on demand",
    value_ja: "任意: 有効にすると 90～2,560 日ごと (デフォルトは 365 日)。オンデマンドのローテーションも可能",
    source: "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
    checked: "2026-11",
};

/// A multi-region key's id starts with `mrk-`; single- or multi-region is fixed at creation.
pub const MULTI_REGION_ID: Fact = Fact {
    value: "key id starts with mrk-; single- or multi-region is chosen at creation and cannot change",
    value_ja: "キー ID が mrk- で始まります。単一リージョンかマルチリージョンかは作成時に決まり、後から変更できません",
    source: "https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html",
    checked: "2026-11",
};

/// Price of one customer managed key per month, in US dollars: each MRK primary and replica counts.
pub const CUSTOMER_KEY_USD_PER_MONTH: f64 = 1.0;
pub const KMS_PRICING: Fact = Fact {
    value: "customer managed key $1/month each (every multi-region primary and replica counts); AWS managed keys free; keys pending deletion not charged",
    value_ja: "カスタマーマネージドキーは 1 つにつき月 $1 (マルチリージョンのプライマリキーとレプリカキーもそれぞれ 1 つと数えます)。AWS マネージドキーは無料。削除の保留中のキーには課金されません",
    source: "https://aws.amazon.com/kms/pricing/",
    checked: "2026-11",
};

/// An 8 GiB gp3 volume per month (list prices; not from a stored source: an estimate).
pub const GP3_VOLUME_8GIB: Fact = Fact {
    value: "~$0.64–0.77/month (gp3 ~$0.08/GB-month in us-east-1, ~$0.096 in Tokyo)",
    value_ja: "月 約 $0.64～0.77 (gp3 は us-east-1 で約 $0.08/GB-月、東京で約 $0.096/GB-月)",
    source: "https://aws.amazon.com/ebs/pricing/",
    checked: "2026-11",
};

/// gp3 storage per GB-month in us-east-1 (estimate), for the cost of a volume of any size.
pub const GP3_USD_PER_GB_MONTH: f64 = 0.08;

/// Snapshot storage per month: billed on the data stored; a new, empty volume stores almost nothing.
pub const SNAPSHOT_STORAGE: Fact = Fact {
    value: "~$0.05/GB-month of data stored (an empty volume's snapshot stores almost nothing)",
    value_ja: "保存データ 1 GB あたり月 約 $0.05 (空のボリュームのスナップショットはほとんど容量を使いません)",
    source: "https://aws.amazon.com/ebs/pricing/",
    checked: "2026-11",
};

/// Copying a snapshot to another region pays inter-region data transfer.
pub const INTER_REGION_TRANSFER: Fact = Fact {
    value: "~$0.02/GB transferred between regions (~$0.09 from Tokyo); empty volumes transfer almost nothing",
    value_ja: "リージョン間の転送 1 GB あたり約 $0.02 (東京からは約 $0.09)。空のボリュームならほとんど転送されません",
    source: "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer",
    checked: "2026-11",
};

/// Snapshot copies in flight per destination region; more fail with ResourceLimitExceeded.
pub const CONCURRENT_COPY_QUOTA: usize = 20;

/// Formats a monthly estimate in dollars, marked as an estimate.
pub fn usd_per_month(amount: f64) -> String {
    tr!("~${amount:.2}/month", "約 ${amount:.2}/月")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_facts_are_current() {
        // The walkthrough (2022) says 1,095 days for AWS managed keys; that is out of date.
        assert!(AWS_MANAGED_ROTATION.value.contains("every year"));
        assert!(!AWS_MANAGED_ROTATION.value.contains("1095") && !AWS_MANAGED_ROTATION.value.contains("1,095"));
        assert_eq!(usd_per_month(4.0), "~$4.00/month");
    }

    #[test]
    fn every_fact_has_a_japanese_value_and_english_by_default() {
        let facts = [
            AWS_MANAGED_ROTATION,
            CUSTOMER_MANAGED_ROTATION,
            MULTI_REGION_ID,
            KMS_PRICING,
            GP3_VOLUME_8GIB,
            SNAPSHOT_STORAGE,
            INTER_REGION_TRANSFER,
        ];
        for fact in facts {
            let japanese =
                fact.value_ja.chars().any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'));
            assert!(japanese, "{}: {:?} is not Japanese", fact.value, fact.value_ja);
            assert_eq!(fact.text(), fact.value, "unit tests run in English");
        }
    }
}
