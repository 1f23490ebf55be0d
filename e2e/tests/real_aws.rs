//! The real-AWS tier, opt-in: the whole walkthrough and cleanup against a real account. Ignored
//! unless asked for (`-- --ignored`) with `EBS_LABS_AWS_PROFILE` naming the profile to use; it
//! runs under its own `--name-prefix`, so it never touches a learner's own lab resources, and
//! cleans up even when it fails. Cost and duration: see the README ("The real-AWS tier").

use e2e::{output_text, workspace_binary};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// The labs on real AWS: the user's own configuration, a profile, a private name prefix.
struct RealAws {
    profile: String,
    prefix: String,
}

impl RealAws {
    fn run(&self, lab: &str, extra: &[&str]) -> std::process::Output {
        let mut command = Command::new(workspace_binary(lab));
        command.args(["--profile", &self.profile, "--name-prefix", &self.prefix, "--yes"]).args(extra);
        for name in ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_KMS"] {
            command.env_remove(name);
        }
        for (variable, flag) in
            [("EBS_LABS_SOURCE_REGION", "--source-region"), ("EBS_LABS_DEST_REGION", "--dest-region")]
        {
            if let Ok(region) = std::env::var(variable) {
                command.args([flag, &region]);
            }
        }
        command.output().expect("run the lab")
    }

    fn run_ok(&self, lab: &str, extra: &[&str]) -> String {
        let output = self.run(lab, extra);
        let (stdout, stderr) = output_text(&output);
        assert!(output.status.success(), "{lab} {extra:?} on AWS failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
        stdout
    }
}

/// Cleans up whatever happens: runs when the test ends, passed or failed.
impl Drop for RealAws {
    fn drop(&mut self) {
        let output = self.run("05-cleanup", &[]);
        let (stdout, stderr) = output_text(&output);
        eprintln!("cleanup (exit {:?}):\n{stdout}\n{stderr}", output.status.code());
        if !output.status.success() {
            eprintln!(
                "CLEANUP DID NOT FINISH: run `cargo run --bin 05-cleanup -- --profile {} --name-prefix {}`",
                self.profile, self.prefix
            );
        }
    }
}

#[test]
#[ignore = "spends real money (a few cents): set EBS_LABS_AWS_PROFILE and run with -- --ignored"]
fn the_walkthrough_and_cleanup_on_a_real_account() {
    let profile = std::env::var("EBS_LABS_AWS_PROFILE")
        .expect("set EBS_LABS_AWS_PROFILE to the AWS profile that may create and delete the lab's resources");
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() % 1_000_000;
    let aws = RealAws { profile, prefix: format!("e2e{stamp}-") };

    let banner = aws.run_ok("01-keys", &[]);
    assert!(banner.contains("AWS account"), "the banner names the account:\n{banner}");
    for lab in ["02-volumes", "03-snapshots", "04-copy"] {
        aws.run_ok(lab, &[]);
    }
    // A re-run finds everything and makes nothing new.
    for lab in ["01-keys", "02-volumes", "03-snapshots", "04-copy"] {
        let again = aws.run_ok(lab, &[]);
        assert!(again.contains("exists") || again.contains("nothing to create"), "{lab} re-run:\n{again}");
    }
    let cleanup = aws.run_ok("05-cleanup", &[]);
    assert!(cleanup.contains("checks passed"), "cleanup proves nothing billable remains:\n{cleanup}");
}
