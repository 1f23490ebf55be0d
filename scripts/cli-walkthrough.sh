#!/usr/bin/env bash
# The walkthrough done with AWS CLI commands: the same keys, volumes, snapshots, copies and
# cleanup as labs 01-05, tagged the same way. It is the CLI equivalent the lab pages show, and
# the benchmark's point of comparison (scripts/bench.sh). Needs `aws` on PATH and, for the
# emulator, AWS_ENDPOINT_URL and dummy credentials in the environment.
#
#   scripts/cli-walkthrough.sh [SOURCE_REGION] [DEST_REGION]
set -euo pipefail

src="${1:-ap-northeast-1}"
dst="${2:-us-west-2}"
slug="oregon"
[ "$dst" = "us-west-2" ] || slug="${dst//-/}"
owner=(TagKey=ebs-kms-labs:project,TagValue=ebs-kms-labs TagKey=ebs-kms-labs:step,TagValue=01-keys)
ec2_tags() { # ec2_tags RESOURCE_TYPE STEP NAME
  echo "ResourceType=$1,Tags=[{Key=Name,Value=$3},{Key=ebs-kms-labs:project,Value=ebs-kms-labs},{Key=ebs-kms-labs:step,Value=$2},{Key=ebs-kms-labs:role,Value=$3}]"
}
key_arn() { aws kms describe-key --region "$1" --key-id "$2" --query KeyMetadata.Arn --output text; }

# 01 keys: aws/ebs in both regions, a single-region key in each, the multi-region pair.
aws kms describe-key --region "$src" --key-id alias/aws/ebs --query KeyMetadata.KeyId --output text >/dev/null
aws kms describe-key --region "$dst" --key-id alias/aws/ebs --query KeyMetadata.KeyId --output text >/dev/null
single=$(aws kms create-key --region "$src" --tags "${owner[@]}" TagKey=ebs-kms-labs:role,TagValue=Single-region-key \
  --query KeyMetadata.KeyId --output text)
aws kms create-alias --region "$src" --alias-name alias/Single-region-key --target-key-id "$single"
single_dst=$(aws kms create-key --region "$dst" --tags "${owner[@]}" TagKey=ebs-kms-labs:role,TagValue=Single-region-key-$slug \
  --query KeyMetadata.KeyId --output text)
aws kms create-alias --region "$dst" --alias-name "alias/Single-region-key-$slug" --target-key-id "$single_dst"
mrk=$(aws kms create-key --region "$src" --multi-region --tags "${owner[@]}" TagKey=ebs-kms-labs:role,TagValue=Multi-region-key \
  --query KeyMetadata.KeyId --output text)
aws kms create-alias --region "$src" --alias-name alias/Multi-region-key --target-key-id "$mrk"
aws kms replicate-key --region "$src" --key-id "$mrk" --replica-region "$dst" \
  --tags "${owner[@]}" TagKey=ebs-kms-labs:role,TagValue=Multi-region-key-rep-$slug >/dev/null
until [ "$(aws kms describe-key --region "$dst" --key-id "$mrk" --query KeyMetadata.KeyState --output text)" = Enabled ]; do
  sleep 2
done
aws kms create-alias --region "$dst" --alias-name "alias/Multi-region-key-rep-$slug" --target-key-id "$mrk"

# 02 volumes: one encrypted 8 GiB gp3 volume per source key, by key ARN.
zone=$(aws ec2 describe-availability-zones --region "$src" --query 'AvailabilityZones[0].ZoneName' --output text)
declare -A source_key=([default-key]=alias/aws/ebs [Single-region-key]=alias/Single-region-key [Multi-region-key]=alias/Multi-region-key)
declare -A dest_key=([default-key]=alias/aws/ebs [Single-region-key]="alias/Single-region-key-$slug" [Multi-region-key]="alias/Multi-region-key-rep-$slug")
declare -A volume snapshot copy
for kind in default-key Single-region-key Multi-region-key; do
  volume[$kind]=$(aws ec2 create-volume --region "$src" --availability-zone "$zone" --size 8 --volume-type gp3 --encrypted \
    --kms-key-id "$(key_arn "$src" "${source_key[$kind]}")" \
    --tag-specifications "$(ec2_tags volume 02-volumes "EBS-encrypted-with-$kind")" --query VolumeId --output text)
done
aws ec2 wait volume-available --region "$src" --volume-ids "${volume[@]}"

# 03 snapshots.
for kind in default-key Single-region-key Multi-region-key; do
  snapshot[$kind]=$(aws ec2 create-snapshot --region "$src" --volume-id "${volume[$kind]}" \
    --description "snap-EBS-encrypted-with-$kind" \
    --tag-specifications "$(ec2_tags snapshot 03-snapshots "snap-EBS-encrypted-with-$kind")" --query SnapshotId --output text)
done
aws ec2 wait snapshot-completed --region "$src" --snapshot-ids "${snapshot[@]}"

# 04 copies: sent to the destination, re-encrypted with the matching destination key.
for kind in default-key Single-region-key Multi-region-key; do
  copy[$kind]=$(aws ec2 copy-snapshot --region "$dst" --source-region "$src" --source-snapshot-id "${snapshot[$kind]}" \
    --encrypted --kms-key-id "$(key_arn "$dst" "${dest_key[$kind]}")" \
    --tag-specifications "$(ec2_tags snapshot 04-copy "snap-EBS-encrypted-with-$kind-copy")" --query SnapshotId --output text)
done
aws ec2 wait snapshot-completed --region "$dst" --snapshot-ids "${copy[@]}"

# 05 cleanup: copies, snapshots, volumes, aliases, then keys (replica first), 7-day window.
for id in "${copy[@]}"; do aws ec2 delete-snapshot --region "$dst" --snapshot-id "$id"; done
for id in "${snapshot[@]}"; do aws ec2 delete-snapshot --region "$src" --snapshot-id "$id"; done
for id in "${volume[@]}"; do aws ec2 delete-volume --region "$src" --volume-id "$id"; done
aws kms delete-alias --region "$dst" --alias-name "alias/Multi-region-key-rep-$slug"
aws kms delete-alias --region "$dst" --alias-name "alias/Single-region-key-$slug"
aws kms delete-alias --region "$src" --alias-name alias/Multi-region-key || true # the emulator deletes MRK aliases in both regions
aws kms delete-alias --region "$src" --alias-name alias/Single-region-key
aws kms schedule-key-deletion --region "$dst" --key-id "$mrk" --pending-window-in-days 7 >/dev/null
aws kms schedule-key-deletion --region "$src" --key-id "$mrk" --pending-window-in-days 7 >/dev/null
aws kms schedule-key-deletion --region "$dst" --key-id "$single_dst" --pending-window-in-days 7 >/dev/null
aws kms schedule-key-deletion --region "$src" --key-id "$single" --pending-window-in-days 7 >/dev/null
echo "cli-walkthrough: done"
