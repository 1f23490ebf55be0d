#!/usr/bin/env bash
# The walkthrough done with AWS CLI commands: the same keys, volumes, snapshots, copies and
# cleanup as labs 01-05, tagged the same way. It is the CLI equivalent the lab pages show, and
# the benchmark's point of comparison (scripts/bench.sh). Needs `aws` on PATH.
#
#   scripts/cli-walkthrough.sh [SOURCE_REGION] [DEST_REGION]               on the local emulator
#   scripts/cli-walkthrough.sh --aws [--yes] [SOURCE_REGION] [DEST_REGION] on real AWS
#
# Without --aws it runs only on the local emulator: AWS_ENDPOINT_URL must be a loopback URL that
# answers as moto does (eval "$(scripts/emulator.sh env)" sets it), and AWS_ENDPOINT_URL_EC2,
# _KMS and _STS, when set, must name the same URL; otherwise it refuses before any AWS call.
# With --aws it shows the account the AWS CLI is configured for and asks before creating
# anything (--yes skips the question): it creates billable resources there.
# Whatever happens (an error, Ctrl-C, SIGTERM), it deletes what it created on its way out:
# copies, snapshots, volumes, aliases, then schedules its keys for deletion (7 days, the minimum).
# Only what this run created, tracked by id as it goes; nothing else in the account is touched.
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
refuse() { echo "cli-walkthrough: $*" >&2; exit 2; }

on_aws=false
assume_yes=false
regions=()
while [ $# -gt 0 ]; do
  case "$1" in
    --aws) on_aws=true ;;
    --yes) assume_yes=true ;;
    -h|--help) usage; exit 0 ;;
    -*) refuse "unknown option $1 (see --help)" ;;
    *) regions+=("$1") ;;
  esac
  shift
done
[ ${#regions[@]} -le 2 ] || refuse "at most two regions: SOURCE_REGION DEST_REGION (see --help)"
src="${regions[0]:-ap-northeast-1}"
dst="${regions[1]:-us-west-2}"
[ "$src" != "$dst" ] || refuse "the destination region must differ from the source region"
region_re='^[a-z]{2}(-[a-z]+)+-[0-9]+$'
[[ $src =~ $region_re && $dst =~ $region_re ]] || refuse "'$src' and '$dst' must be region codes such as ap-northeast-1"
command -v aws >/dev/null 2>&1 || refuse "the AWS CLI (aws) is not on PATH"

# --- Where the calls go --------------------------------------------------------------------------
# answers_as_moto URL: moto serves its own API under /moto-api/; GET /moto-api/config returns its
# settings as JSON ({"batch": ..., "lambda": ...}). AWS and other servers do not.
answers_as_moto() {
  local body
  if command -v curl >/dev/null 2>&1; then
    body=$(curl --silent --fail --max-time 5 --noproxy '*' "$1/moto-api/config" 2>/dev/null) || return 1
  elif command -v python3 >/dev/null 2>&1; then
    body=$(python3 - "$1/moto-api/config" 2>/dev/null <<'PY'
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
print(opener.open(sys.argv[1], timeout=5).read().decode())
PY
    ) || return 1
  else
    refuse "curl or python3 is needed to check that AWS_ENDPOINT_URL is the local emulator"
  fi
  [[ $body == *'"batch"'* ]]
}

endpoint_args=()
if $on_aws; then
  echo "cli-walkthrough: --aws: this creates billable resources (4 KMS keys, 3 encrypted 8 GiB gp3 volumes," >&2
  echo "  3 snapshots and 3 cross-region copies) in $src and $dst, and deletes them at the end" >&2
  echo "  (the keys are scheduled for deletion with the minimum 7-day window)." >&2
  for var in AWS_ENDPOINT_URL AWS_ENDPOINT_URL_EC2 AWS_ENDPOINT_URL_KMS AWS_ENDPOINT_URL_STS; do
    if [ -n "${!var:-}" ]; then echo "  endpoint: $var=${!var}" >&2; fi
  done
  identity=$(aws sts get-caller-identity --query '[Account, Arn]' --output text) ||
    refuse "could not tell which account the AWS CLI uses (aws sts get-caller-identity failed)"
  read -r account arn <<<"$identity"
  echo "  account: $account ($arn)" >&2
  if ! $assume_yes; then
    printf 'cli-walkthrough: create them in account %s? Type yes to go on: ' "$account" >&2
    answer=""
    read -r answer || true
    [ "$answer" = yes ] || refuse "not confirmed: nothing was created"
  fi
else
  url="${AWS_ENDPOINT_URL:-}"
  url="${url%/}"
  [ -n "$url" ] || refuse "AWS_ENDPOINT_URL is not set. This script runs on the local emulator
  (scripts/emulator.sh start && eval \"\$(scripts/emulator.sh env)\"), or on real AWS with --aws."
  loopback_re='^https?://(localhost|127\.[0-9]+\.[0-9]+\.[0-9]+|\[::1\])(:[0-9]+)?$'
  [[ $url =~ $loopback_re ]] ||
    refuse "AWS_ENDPOINT_URL=$url is not a loopback URL, so it is not the local emulator; pass --aws to mean AWS"
  for var in AWS_ENDPOINT_URL_EC2 AWS_ENDPOINT_URL_KMS AWS_ENDPOINT_URL_STS; do
    value="${!var-}"
    if [ -n "${!var+set}" ] && [ "${value%/}" != "$url" ]; then
      refuse "$var=$value sends that service elsewhere than AWS_ENDPOINT_URL=$url; unset it (eval \"\$(scripts/emulator.sh env)\" does)"
    fi
  done
  answers_as_moto "$url" ||
    refuse "AWS_ENDPOINT_URL=$url does not answer as the local emulator (moto) does: start it with
  scripts/emulator.sh start (and eval \"\$(scripts/emulator.sh env)\"), or pass --aws to mean AWS"
  # The endpoint on every call: it outranks any endpoint in the AWS CLI's configuration files.
  endpoint_args=(--endpoint-url "$url")
  unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy
fi
aws() { command aws ${endpoint_args[@]+"${endpoint_args[@]}"} "$@"; }

# --- What this run created, and the cleanup on the way out ---------------------------------------
# Each list holds "REGION ID" (aliases: "REGION ALIAS-NAME") in the order of creation, added as
# soon as the create call returns; delete_created takes out what it deleted.
created_copies=()
created_snapshots=()
created_volumes=()
created_aliases=()
created_keys=()

# delete_created: deletes everything still listed, in dependency order (aliases and keys newest
# first, so a replica key goes before its primary), and keeps going past failures: what could not
# be deleted stays listed, and the exit trap tries it once more.
delete_created() {
  local entry region id i remaining=()
  for entry in ${created_copies[@]+"${created_copies[@]}"} ${created_snapshots[@]+"${created_snapshots[@]}"}; do
    read -r region id <<<"$entry"
    # A snapshot still pending may refuse deletion: wait for it, then try once more.
    aws ec2 delete-snapshot --region "$region" --snapshot-id "$id" ||
      { aws ec2 wait snapshot-completed --region "$region" --snapshot-ids "$id" &&
        aws ec2 delete-snapshot --region "$region" --snapshot-id "$id"; } ||
      remaining+=("$entry")
  done
  created_copies=()
  created_snapshots=(${remaining[@]+"${remaining[@]}"})
  remaining=()
  for entry in ${created_volumes[@]+"${created_volumes[@]}"}; do
    read -r region id <<<"$entry"
    aws ec2 delete-volume --region "$region" --volume-id "$id" ||
      { aws ec2 wait volume-available --region "$region" --volume-ids "$id" &&
        aws ec2 delete-volume --region "$region" --volume-id "$id"; } ||
      remaining+=("$entry")
  done
  created_volumes=(${remaining[@]+"${remaining[@]}"})
  remaining=()
  for ((i = ${#created_aliases[@]} - 1; i >= 0; i--)); do
    read -r region id <<<"${created_aliases[i]}"
    # The emulator deletes a multi-Region key's aliases in both regions at once: gone is done.
    aws kms delete-alias --region "$region" --alias-name "$id" 2>/dev/null ||
      ! aws kms describe-key --region "$region" --key-id "$id" >/dev/null 2>&1 ||
      remaining=("${created_aliases[i]}" ${remaining[@]+"${remaining[@]}"})
  done
  created_aliases=(${remaining[@]+"${remaining[@]}"})
  remaining=()
  for ((i = ${#created_keys[@]} - 1; i >= 0; i--)); do
    read -r region id <<<"${created_keys[i]}"
    aws kms schedule-key-deletion --region "$region" --key-id "$id" --pending-window-in-days 7 >/dev/null ||
      remaining=("${created_keys[i]}" ${remaining[@]+"${remaining[@]}"})
  done
  created_keys=(${remaining[@]+"${remaining[@]}"})
  [ "$(still_created)" -eq 0 ]
}

still_created() {
  echo $((${#created_copies[@]} + ${#created_snapshots[@]} + ${#created_volumes[@]} + ${#created_aliases[@]} + ${#created_keys[@]}))
}

on_exit() {
  local status=$? entry
  trap - EXIT
  trap '' INT TERM # the cleanup runs to its end; kill -9 abandons it
  set +e
  if [ "$(still_created)" -gt 0 ]; then
    echo "cli-walkthrough: stopped early (exit $status): deleting what this run created" >&2
    if delete_created; then
      echo "cli-walkthrough: cleaned up (its keys are scheduled for deletion in 7 days)" >&2
    else
      echo "cli-walkthrough: could not delete everything; still there, to delete by hand:" >&2
      for entry in ${created_snapshots[@]+"${created_snapshots[@]}"}; do echo "  snapshot $entry" >&2; done
      for entry in ${created_volumes[@]+"${created_volumes[@]}"}; do echo "  volume $entry" >&2; done
      for entry in ${created_aliases[@]+"${created_aliases[@]}"}; do echo "  alias $entry" >&2; done
      for entry in ${created_keys[@]+"${created_keys[@]}"}; do echo "  key $entry (not scheduled for deletion)" >&2; done
      [ "$status" -ne 0 ] || status=1
    fi
  fi
  exit "$status"
}

# Ctrl-C or SIGTERM ends the run through the exit trap, but never between a create call's return
# and the line that records its id: a signal that comes between `creating` and `created` takes
# effect once `created` has recorded what the call made.
in_create=false
stop_status=""
on_signal() {
  stop_status=$1
  $in_create || exit "$stop_status"
}
trap on_exit EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
creating() { in_create=true; }
created() { # created LIST ENTRY
  local -n list=$1
  list+=("$2")
  in_create=false
  [ -z "$stop_status" ] || exit "$stop_status"
}

slug="oregon"
[ "$dst" = "us-west-2" ] || slug="${dst//-/}"
owner=("TagKey=ebs-kms-labs:project,TagValue=ebs-kms-labs" "TagKey=ebs-kms-labs:step,TagValue=01-keys")
ec2_tags() { # ec2_tags RESOURCE_TYPE STEP NAME
  echo "ResourceType=$1,Tags=[{Key=Name,Value=$3},{Key=ebs-kms-labs:project,Value=ebs-kms-labs},{Key=ebs-kms-labs:step,Value=$2},{Key=ebs-kms-labs:role,Value=$3}]"
}
key_arn() { aws kms describe-key --region "$1" --key-id "$2" --query KeyMetadata.Arn --output text; }
create_alias() { # create_alias REGION NAME KEY
  creating
  aws kms create-alias --region "$1" --alias-name "$2" --target-key-id "$3"
  created created_aliases "$1 $2"
}

# 01 keys: aws/ebs in both regions, a single-region key in each, the multi-region pair.
aws kms describe-key --region "$src" --key-id alias/aws/ebs --query KeyMetadata.KeyId --output text >/dev/null
aws kms describe-key --region "$dst" --key-id alias/aws/ebs --query KeyMetadata.KeyId --output text >/dev/null
creating
single=$(aws kms create-key --region "$src" --tags "${owner[@]}" TagKey=ebs-kms-labs:role,TagValue=Single-region-key \
  --query KeyMetadata.KeyId --output text)
created created_keys "$src $single"
create_alias "$src" alias/Single-region-key "$single"
creating
single_dst=$(aws kms create-key --region "$dst" --tags "${owner[@]}" "TagKey=ebs-kms-labs:role,TagValue=Single-region-key-$slug" \
  --query KeyMetadata.KeyId --output text)
created created_keys "$dst $single_dst"
create_alias "$dst" "alias/Single-region-key-$slug" "$single_dst"
creating
mrk=$(aws kms create-key --region "$src" --multi-region --tags "${owner[@]}" TagKey=ebs-kms-labs:role,TagValue=Multi-region-key \
  --query KeyMetadata.KeyId --output text)
created created_keys "$src $mrk"
create_alias "$src" alias/Multi-region-key "$mrk"
creating
aws kms replicate-key --region "$src" --key-id "$mrk" --replica-region "$dst" \
  --tags "${owner[@]}" "TagKey=ebs-kms-labs:role,TagValue=Multi-region-key-rep-$slug" >/dev/null
created created_keys "$dst $mrk" # the replica: after its primary in the list, so deleted before it
waited=0 # a replica that never becomes Enabled ends the run (and so reaches the cleanup) after 5 minutes
until [ "$(aws kms describe-key --region "$dst" --key-id "$mrk" --query KeyMetadata.KeyState --output text)" = Enabled ]; do
  [ $((waited += 2)) -le 300 ] || { echo "cli-walkthrough: the replica key in $dst is not Enabled after 5 minutes" >&2; exit 1; }
  sleep 2
done
create_alias "$dst" "alias/Multi-region-key-rep-$slug" "$mrk"

# 02 volumes: one encrypted 8 GiB gp3 volume per source key, by key ARN.
zone=$(aws ec2 describe-availability-zones --region "$src" --query 'AvailabilityZones[0].ZoneName' --output text)
declare -A source_key=([default-key]=alias/aws/ebs [Single-region-key]=alias/Single-region-key [Multi-region-key]=alias/Multi-region-key)
declare -A dest_key=([default-key]=alias/aws/ebs [Single-region-key]="alias/Single-region-key-$slug" [Multi-region-key]="alias/Multi-region-key-rep-$slug")
declare -A volume snapshot copy
for kind in default-key Single-region-key Multi-region-key; do
  creating
  volume[$kind]=$(aws ec2 create-volume --region "$src" --availability-zone "$zone" --size 8 --volume-type gp3 --encrypted \
    --kms-key-id "$(key_arn "$src" "${source_key[$kind]}")" \
    --tag-specifications "$(ec2_tags volume 02-volumes "EBS-encrypted-with-$kind")" --query VolumeId --output text)
  created created_volumes "$src ${volume[$kind]}"
done
aws ec2 wait volume-available --region "$src" --volume-ids "${volume[@]}"

# 03 snapshots.
for kind in default-key Single-region-key Multi-region-key; do
  creating
  snapshot[$kind]=$(aws ec2 create-snapshot --region "$src" --volume-id "${volume[$kind]}" \
    --description "snap-EBS-encrypted-with-$kind" \
    --tag-specifications "$(ec2_tags snapshot 03-snapshots "snap-EBS-encrypted-with-$kind")" --query SnapshotId --output text)
  created created_snapshots "$src ${snapshot[$kind]}"
done
aws ec2 wait snapshot-completed --region "$src" --snapshot-ids "${snapshot[@]}"

# 04 copies: sent to the destination, re-encrypted with the matching destination key.
for kind in default-key Single-region-key Multi-region-key; do
  creating
  copy[$kind]=$(aws ec2 copy-snapshot --region "$dst" --source-region "$src" --source-snapshot-id "${snapshot[$kind]}" \
    --encrypted --kms-key-id "$(key_arn "$dst" "${dest_key[$kind]}")" \
    --tag-specifications "$(ec2_tags snapshot 04-copy "snap-EBS-encrypted-with-$kind-copy")" --query SnapshotId --output text)
  created created_copies "$dst ${copy[$kind]}"
done
aws ec2 wait snapshot-completed --region "$dst" --snapshot-ids "${copy[@]}"

# 05 cleanup: copies, snapshots, volumes, aliases, then keys (replica first), 7-day window: the
# same deletion the exit trap does after a failure, which then finds nothing left to do.
delete_created || exit 1 # the exit trap tries what is left once more, then lists what remains
echo "cli-walkthrough: done"
