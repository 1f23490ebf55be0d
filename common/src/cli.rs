//! `--show-cli`: the AWS CLI command of each request as it is sent, rendered from the SDK's
//! operation input that the API log's interceptor sees (one renderer per operation the course
//! uses), so no lab writes CLI text next to its calls and the two cannot drift apart. Each
//! argument is quoted for a POSIX shell, so a learner can paste the line as it is, and each line
//! carries the run's `--profile` and its service's `--endpoint-url` ([`GlobalOptions`]), so that
//! the pasted command reaches what the lab reached.

use aws_sdk_ec2::operation as ec2;
use aws_sdk_ec2::types::{Filter, TagSpecification};
use aws_sdk_kms::operation as kms;
use aws_sdk_kms::types::Tag as KmsTag;
use aws_sdk_sts::operation as sts;
use aws_smithy_runtime_api::client::interceptors::context::Input;

/// `aws` followed by `arguments`, quoted where the shell needs it:
/// `aws(&["kms", "create-alias", "--alias-name", "alias/x"])` → `aws kms create-alias --alias-name alias/x`.
pub fn aws<S: AsRef<str>>(arguments: &[S]) -> String {
    let quoted = arguments.iter().map(|argument| quote(argument.as_ref()));
    std::iter::once("aws".to_string()).chain(quoted).collect::<Vec<_>>().join(" ")
}

/// `argument` as one word for a POSIX shell, quoted only where needed.
pub fn quote(argument: &str) -> String {
    // shlex refuses only NUL bytes, which no lab argument carries.
    shlex::try_quote(argument).map_or_else(|_| argument.replace('\0', ""), |quoted| quoted.into_owned())
}

/// What every command of a run repeats so that, pasted, it reaches what the run reached: the
/// profile the run used, and per service the endpoint URL its client used (none: AWS's own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobalOptions {
    pub profile: Option<String>,
    /// (the service's CLI command, its endpoint URL), e.g. `("kms", "http://127.0.0.1:5000")`.
    pub endpoint_urls: Vec<(&'static str, String)>,
}

impl GlobalOptions {
    /// `--profile NAME` and `--endpoint-url URL`, each when set, for a command of `service`.
    fn for_service(&self, service: &str) -> Vec<String> {
        let mut options = Vec::new();
        if let Some(profile) = &self.profile {
            options.extend(["--profile".to_string(), profile.clone()]);
        }
        if let Some((_, url)) = self.endpoint_urls.iter().find(|(command, _)| *command == service) {
            options.extend(["--endpoint-url".to_string(), url.clone()]);
        }
        options
    }
}

/// One AWS CLI command being put together: `aws SERVICE COMMAND --region REGION …`.
struct Command(Vec<String>);

impl Command {
    fn new(service: &str, command: &str, region: &str) -> Self {
        Command(vec![service.into(), command.into(), "--region".into(), region.into()])
    }

    /// `--flag value` when the value is set.
    fn value(mut self, flag: &str, value: Option<impl ToString>) -> Self {
        if let Some(value) = value {
            self.0.extend([flag.to_string(), value.to_string()]);
        }
        self
    }

    /// `--flag` or `--no-flag` when the boolean is set (the CLI's spelling of booleans).
    fn switch(mut self, flag: &str, value: Option<bool>) -> Self {
        match value {
            Some(true) => self.0.push(format!("--{flag}")),
            Some(false) => self.0.push(format!("--no-{flag}")),
            None => {}
        }
        self
    }

    /// `--flag a b c` when the list is not empty.
    fn list(mut self, flag: &str, values: &[String]) -> Self {
        if !values.is_empty() {
            self.0.push(flag.to_string());
            self.0.extend(values.iter().cloned());
        }
        self
    }

    /// EC2 `--filters Name=…,Values=…` in the CLI's shorthand.
    fn filters(self, filters: &[Filter]) -> Self {
        let shorthand: Vec<String> = filters
            .iter()
            .map(|filter| format!("Name={},Values={}", filter.name().unwrap_or_default(), filter.values().join(",")))
            .collect();
        self.list("--filters", &shorthand)
    }

    /// EC2 `--tag-specifications ResourceType=…,Tags=[{Key=…,Value=…},…]`.
    fn tag_specifications(self, specifications: &[TagSpecification]) -> Self {
        let shorthand: Vec<String> = specifications
            .iter()
            .map(|spec| {
                let tags: Vec<String> = spec
                    .tags()
                    .iter()
                    .map(|tag| {
                        format!(
                            "{{Key={},Value={}}}",
                            tag.key().unwrap_or_default(),
                            shorthand(tag.value().unwrap_or_default())
                        )
                    })
                    .collect();
                let resource = spec.resource_type().map_or("", |resource| resource.as_str());
                format!("ResourceType={resource},Tags=[{}]", tags.join(","))
            })
            .collect();
        self.list("--tag-specifications", &shorthand)
    }

    /// KMS `--tags TagKey=…,TagValue=… …`.
    fn kms_tags(self, tags: &[KmsTag]) -> Self {
        let shorthand: Vec<String> = tags
            .iter()
            .map(|tag| format!("TagKey={},TagValue={}", tag.tag_key(), shorthand(tag.tag_value())))
            .collect();
        self.list("--tags", &shorthand)
    }

    /// The command line, with `options` after `SERVICE COMMAND --region REGION` (where the
    /// command says where it goes).
    fn line(mut self, options: &GlobalOptions) -> String {
        let options = options.for_service(&self.0[0]);
        let at = self.0.len().min(4);
        self.0.splice(at..at, options);
        aws(&self.0)
    }
}

/// The AWS CLI command that sends the same request as `input`, to `region`, with the run's
/// `options`; `None` for an operation the course does not use (a test checks that every one it
/// uses is here). Paging tokens are left out: the CLI pages by itself.
pub fn command_for(input: &Input, region: &str, options: &GlobalOptions) -> Option<String> {
    /// Tries one operation's input type: `render!(ec2::copy_snapshot::CopySnapshotInput, |i| …)`.
    macro_rules! render {
        ($type:ty, $render:expr) => {
            if let Some(input) = input.downcast_ref::<$type>() {
                let render: fn(&$type, &str) -> Command = $render;
                return Some(render(input, region).line(options));
            }
        };
    }
    render!(sts::get_caller_identity::GetCallerIdentityInput, |_, r| Command::new("sts", "get-caller-identity", r));

    render!(kms::list_aliases::ListAliasesInput, |i, r| Command::new("kms", "list-aliases", r)
        .value("--key-id", i.key_id()));
    render!(kms::list_keys::ListKeysInput, |_, r| Command::new("kms", "list-keys", r));
    render!(kms::describe_key::DescribeKeyInput, |i, r| Command::new("kms", "describe-key", r)
        .value("--key-id", i.key_id()));
    render!(kms::list_resource_tags::ListResourceTagsInput, |i, r| Command::new("kms", "list-resource-tags", r)
        .value("--key-id", i.key_id()));
    render!(kms::list_grants::ListGrantsInput, |i, r| Command::new("kms", "list-grants", r)
        .value("--key-id", i.key_id()));
    render!(kms::get_key_rotation_status::GetKeyRotationStatusInput, |i, r| Command::new(
        "kms",
        "get-key-rotation-status",
        r
    )
    .value("--key-id", i.key_id()));
    render!(kms::create_key::CreateKeyInput, |i, r| Command::new("kms", "create-key", r)
        .value("--description", i.description())
        .value("--key-usage", i.key_usage().map(|usage| usage.as_str()))
        .value("--key-spec", i.key_spec().map(|spec| spec.as_str()))
        .switch("multi-region", i.multi_region())
        .kms_tags(i.tags()));
    render!(kms::replicate_key::ReplicateKeyInput, |i, r| Command::new("kms", "replicate-key", r)
        .value("--key-id", i.key_id())
        .value("--replica-region", i.replica_region())
        .value("--description", i.description())
        .kms_tags(i.tags()));
    render!(kms::create_alias::CreateAliasInput, |i, r| Command::new("kms", "create-alias", r)
        .value("--alias-name", i.alias_name())
        .value("--target-key-id", i.target_key_id()));
    render!(kms::update_alias::UpdateAliasInput, |i, r| Command::new("kms", "update-alias", r)
        .value("--alias-name", i.alias_name())
        .value("--target-key-id", i.target_key_id()));
    render!(kms::delete_alias::DeleteAliasInput, |i, r| Command::new("kms", "delete-alias", r)
        .value("--alias-name", i.alias_name()));
    render!(kms::schedule_key_deletion::ScheduleKeyDeletionInput, |i, r| Command::new(
        "kms",
        "schedule-key-deletion",
        r
    )
    .value("--key-id", i.key_id())
    .value("--pending-window-in-days", i.pending_window_in_days()));

    render!(ec2::describe_regions::DescribeRegionsInput, |i, r| Command::new("ec2", "describe-regions", r)
        .switch("all-regions", i.all_regions()));
    render!(ec2::describe_volumes::DescribeVolumesInput, |i, r| Command::new("ec2", "describe-volumes", r)
        .list("--volume-ids", i.volume_ids())
        .filters(i.filters()));
    render!(ec2::describe_snapshots::DescribeSnapshotsInput, |i, r| Command::new("ec2", "describe-snapshots", r)
        .list("--owner-ids", i.owner_ids())
        .list("--snapshot-ids", i.snapshot_ids())
        .filters(i.filters()));
    render!(ec2::describe_availability_zones::DescribeAvailabilityZonesInput, |i, r| Command::new(
        "ec2",
        "describe-availability-zones",
        r
    )
    .list("--zone-names", i.zone_names())
    .filters(i.filters()));
    render!(ec2::get_ebs_encryption_by_default::GetEbsEncryptionByDefaultInput, |_, r| Command::new(
        "ec2",
        "get-ebs-encryption-by-default",
        r
    ));
    render!(ec2::get_ebs_default_kms_key_id::GetEbsDefaultKmsKeyIdInput, |_, r| Command::new(
        "ec2",
        "get-ebs-default-kms-key-id",
        r
    ));
    render!(ec2::create_volume::CreateVolumeInput, |i, r| Command::new("ec2", "create-volume", r)
        .value("--availability-zone", i.availability_zone())
        .value("--size", i.size())
        .value("--volume-type", i.volume_type().map(|volume_type| volume_type.as_str()))
        .switch("encrypted", i.encrypted())
        .value("--kms-key-id", i.kms_key_id())
        .tag_specifications(i.tag_specifications()));
    render!(ec2::create_snapshot::CreateSnapshotInput, |i, r| Command::new("ec2", "create-snapshot", r)
        .value("--volume-id", i.volume_id())
        .value("--description", i.description())
        .tag_specifications(i.tag_specifications()));
    render!(ec2::copy_snapshot::CopySnapshotInput, |i, r| Command::new("ec2", "copy-snapshot", r)
        .value("--source-region", i.source_region())
        .value("--source-snapshot-id", i.source_snapshot_id())
        .switch("encrypted", i.encrypted())
        .value("--kms-key-id", i.kms_key_id())
        .value("--description", i.description())
        .tag_specifications(i.tag_specifications())
        .value("--completion-duration-minutes", i.completion_duration_minutes()));
    render!(ec2::delete_snapshot::DeleteSnapshotInput, |i, r| Command::new("ec2", "delete-snapshot", r)
        .value("--snapshot-id", i.snapshot_id()));
    render!(ec2::delete_volume::DeleteVolumeInput, |i, r| Command::new("ec2", "delete-volume", r)
        .value("--volume-id", i.volume_id()));
    None
}

/// A value in the CLI's shorthand syntax: an empty one (the default set's tag) written `""`,
/// which the shorthand parser reads as the empty string.
fn shorthand(value: &str) -> &str {
    if value.is_empty() {
        "\"\""
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags;
    use aws_sdk_ec2::types::ResourceType;

    fn render<T: std::fmt::Debug + Send + Sync + 'static>(input: T) -> String {
        command_for(&Input::erase(input), "us-west-2", &GlobalOptions::default())
            .expect("the course renders this operation")
    }

    #[test]
    fn arguments_are_quoted_only_where_the_shell_needs_it() {
        let line = aws(&["kms", "create-key", "--region", "ap-northeast-1", "--description", "lab key: a b"]);
        assert_eq!(line, "aws kms create-key --region ap-northeast-1 --description 'lab key: a b'");
    }

    #[test]
    fn a_copy_renders_every_parameter_it_sends_with_the_ownership_tags() {
        let input = ec2::copy_snapshot::CopySnapshotInput::builder()
            .source_region("ap-northeast-1")
            .source_snapshot_id("snap-1")
            .encrypted(true)
            .kms_key_id("arn:aws:kms:us-west-2:1:key/k")
            .description("copy of snap-1")
            .tag_specifications(tags::ec2_tag_spec(ResourceType::Snapshot, "04-copy", "snap-a", ""))
            .completion_duration_minutes(15)
            .build()
            .unwrap();
        let line = render(input);
        assert!(
            line.starts_with(
                "aws ec2 copy-snapshot --region us-west-2 --source-region ap-northeast-1 --source-snapshot-id snap-1 \
                 --encrypted --kms-key-id arn:aws:kms:us-west-2:1:key/k --description 'copy of snap-1' \
                 --tag-specifications 'ResourceType=snapshot,Tags=[{Key=ebs-kms-labs:project,"
            ),
            "{line}"
        );
        assert!(line.ends_with("{Key=Name,Value=snap-a}]' --completion-duration-minutes 15"), "{line}");
        // The default set's tag is empty: the shorthand needs it quoted, or the CLI cannot parse it.
        assert!(line.contains("{Key=ebs-kms-labs:set,Value=\"\"}"), "{line}");
    }

    #[test]
    fn kms_tags_booleans_and_filters_use_the_cli_shorthand() {
        let key = kms::create_key::CreateKeyInput::builder()
            .description("d")
            .multi_region(true)
            .set_tags(Some(tags::kms_tags("01-keys", "Multi-region-key", "")))
            .build()
            .unwrap();
        let line = render(key);
        assert!(line.contains(" --multi-region --tags 'TagKey=ebs-kms-labs:project,TagValue=ebs-kms-labs' "), "{line}");
        assert!(line.contains(" 'TagKey=ebs-kms-labs:set,TagValue=\"\"'"), "{line}");
        let volumes =
            ec2::describe_volumes::DescribeVolumesInput::builder().filters(tags::ec2_owned_filter()).build().unwrap();
        assert_eq!(
            render(volumes),
            "aws ec2 describe-volumes --region us-west-2 --filters 'Name=tag:ebs-kms-labs:project,Values=ebs-kms-labs'"
        );
        let unencrypted = ec2::create_volume::CreateVolumeInput::builder().encrypted(false).build().unwrap();
        assert_eq!(render(unencrypted), "aws ec2 create-volume --region us-west-2 --no-encrypted");
    }

    #[test]
    fn paging_tokens_are_left_to_the_cli() {
        let second_page = kms::list_aliases::ListAliasesInput::builder().marker("m").limit(5).build().unwrap();
        assert_eq!(render(second_page), "aws kms list-aliases --region us-west-2");
    }

    #[test]
    fn an_operation_the_course_does_not_use_renders_nothing() {
        let input = kms::disable_key::DisableKeyInput::builder().key_id("k").build().unwrap();
        assert_eq!(command_for(&Input::erase(input), "us-west-2", &GlobalOptions::default()), None);
    }

    #[test]
    fn the_profile_and_the_services_endpoint_follow_the_region() {
        let options = GlobalOptions {
            profile: Some("lab admin".into()),
            endpoint_urls: vec![("kms", "http://127.0.0.1:5000".into()), ("ec2", "http://127.0.0.1:5001/x y".into())],
        };
        let key = kms::describe_key::DescribeKeyInput::builder().key_id("alias/a").build().unwrap();
        assert_eq!(
            command_for(&Input::erase(key), "us-west-2", &options).unwrap(),
            "aws kms describe-key --region us-west-2 --profile 'lab admin' --endpoint-url http://127.0.0.1:5000 \
             --key-id alias/a"
        );
        let volumes = ec2::describe_volumes::DescribeVolumesInput::builder().build().unwrap();
        assert_eq!(
            command_for(&Input::erase(volumes), "ap-northeast-1", &options).unwrap(),
            "aws ec2 describe-volumes --region ap-northeast-1 --profile 'lab admin' --endpoint-url 'http://127.0.0.1:5001/x y'"
        );
        // A service without an endpoint of its own goes to AWS: no --endpoint-url.
        let identity = sts::get_caller_identity::GetCallerIdentityInput::builder().build().unwrap();
        assert_eq!(
            command_for(&Input::erase(identity), "us-west-2", &options).unwrap(),
            "aws sts get-caller-identity --region us-west-2 --profile 'lab admin'"
        );
    }
}
