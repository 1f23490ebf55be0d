//! AWS CLI commands equivalent to what a lab does, for `--show-cli` and the lab pages: each
//! argument quoted for a POSIX shell, so a learner can paste the line as it is.

/// `aws` followed by `arguments`, quoted where the shell needs it:
/// `aws(&["kms", "create-alias", "--alias-name", "alias/x"])` → `aws kms create-alias --alias-name alias/x`.
pub fn aws<S: AsRef<str>>(arguments: &[S]) -> String {
    let quoted = arguments.iter().map(|argument| quote(argument.as_ref()));
    std::iter::once("aws".to_string()).chain(quoted).collect::<Vec<_>>().join(" ")
}

fn quote(argument: &str) -> String {
    // shlex refuses only NUL bytes, which no lab argument carries.
    shlex::try_quote(argument).map_or_else(|_| argument.replace('\0', ""), |quoted| quoted.into_owned())
}

/// `--tags` for KMS CreateKey / ReplicateKey with the labs' ownership tags.
pub fn kms_tags(step: &str, role: &str) -> Vec<String> {
    let mut arguments = vec!["--tags".to_string()];
    for tag in crate::tags::kms_tags(step, role) {
        arguments.push(format!("TagKey={},TagValue={}", tag.tag_key(), tag.tag_value()));
    }
    arguments
}

/// `--tag-specifications` for an EC2 create call with the labs' ownership tags and a Name
/// (the same tags as [`crate::tags::ec2_tag_spec`]).
pub fn ec2_tags(resource_type: &str, step: &str, name: &str) -> Vec<String> {
    let mut tags: Vec<String> = crate::tags::ownership(step, name)
        .into_iter()
        .map(|(key, value)| format!("{{Key={key},Value={value}}}"))
        .collect();
    tags.push(format!("{{Key=Name,Value={name}}}"));
    vec!["--tag-specifications".to_string(), format!("ResourceType={resource_type},Tags=[{}]", tags.join(","))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_quoted_only_where_the_shell_needs_it() {
        let line = aws(&["kms", "create-key", "--region", "ap-northeast-1", "--description", "lab key: a b"]);
        assert_eq!(line, "aws kms create-key --region ap-northeast-1 --description 'lab key: a b'");
    }

    #[test]
    fn tag_arguments_carry_the_ownership_tags() {
        let tags = kms_tags("01-keys", "Single-region-key");
        assert_eq!(tags[0], "--tags");
        assert!(tags.iter().any(|t| t == "TagKey=ebs-kms-labs:step,TagValue=01-keys"), "{tags:?}");
        let spec = ec2_tags("volume", "02-volumes", "vol-a");
        assert!(spec[1].starts_with("ResourceType=volume,Tags=[{Key=ebs-kms-labs:project,"), "{spec:?}");
        assert!(spec[1].ends_with("{Key=Name,Value=vol-a}]"), "{spec:?}");
    }
}
