//! The real-AWS tier, opt-in: the whole walkthrough and cleanup against a real account. Ignored
//! unless asked for (`-- --ignored`) with `EBS_LABS_AWS_PROFILE` naming the profile to use; it
//! runs under its own `--name-prefix`, so it never touches a learner's own lab resources, and
//! cleans up even when it fails. Cost and duration: see the README ("The real-AWS tier"). The
//! check that a re-run makes nothing new (`e2e::created_calls`) is tested here on every run.

use e2e::{created_calls, output_text, workspace_binary, Emulator};
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

    /// Runs a lab with `--show-api` and insists that it succeeds; returns (stdout, stderr).
    fn run_ok(&self, lab: &str, extra: &[&str]) -> (String, String) {
        let output = self.run(lab, &[extra, &["--show-api"]].concat());
        let (stdout, stderr) = output_text(&output);
        assert!(output.status.success(), "{lab} {extra:?} on AWS failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
        (stdout, stderr)
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

    for lab in ["01-keys", "02-volumes", "03-snapshots", "04-copy"] {
        let (stdout, trace) = aws.run_ok(lab, &[]);
        if lab == "01-keys" {
            assert!(stdout.contains("AWS account"), "the banner names the account:\n{stdout}");
        }
        // The trace is read: a first run makes its resources.
        assert!(created_calls(&trace) > 0, "{lab} made nothing on its first run:\n{trace}");
    }
    // A re-run finds everything and makes nothing new: not one Create, Replicate or Copy call.
    for lab in ["01-keys", "02-volumes", "03-snapshots", "04-copy"] {
        let (_, trace) = aws.run_ok(lab, &[]);
        assert_eq!(created_calls(&trace), 0, "{lab} re-run made something new:\n{trace}");
    }
    let (cleanup, _) = aws.run_ok("05-cleanup", &[]);
    assert!(cleanup.contains("checks passed"), "cleanup proves nothing billable remains:\n{cleanup}");
}

#[test]
fn created_calls_counts_the_calls_that_make_something_and_nothing_else() {
    let trace = "\
Local emulator at http://127.0.0.1:4566
api: STS:GetCallerIdentity [ap-northeast-1] ok in 11 ms
api: EC2:DescribeVolumes [ap-northeast-1] ok in 9 ms { filters: Some([Filter { name: Some(\"tag:Name\") }]) }
api: EC2:CreateVolume [ap-northeast-1] ok in 12 ms { size: Some(8), encrypted: Some(true) }
api: KMS:CreateKey [us-west-2] failed (HTTP 400) in 30 ms { description: Some(\"ebs-kms-labs 01-keys\") }
api: KMS:CreateAlias [ap-northeast-1] ok in 5 ms { alias_name: Some(\"alias/Single-region-key\") }
api: KMS:ReplicateKey [ap-northeast-1] ok in 19 ms { replica_region: Some(\"us-west-2\") }
api: EC2:CopySnapshot [us-west-2] ok in 40 ms { source_snapshot_id: Some(\"snap-1\") }
api: KMS:UpdateAlias [us-west-2] ok in 5 ms { alias_name: Some(\"alias/CreateKey\") }
api: EC2:DeleteVolume [ap-northeast-1] ok in 7 ms { volume_id: Some(\"vol-CreateVolume\") }
exists: reuse EBS-encrypted-with-default-key (CreateVolume not needed)
api: 11 AWS calls in this run
api: この実行での AWS 呼び出しは 11 回です
";
    assert_eq!(created_calls(trace), 5, "CreateVolume, CreateKey (failed), CreateAlias, ReplicateKey, CopySnapshot");
    assert_eq!(created_calls(""), 0);
    assert_eq!(created_calls("api: 3 AWS calls in this run\nexists: reuse key\n"), 0);
}

/// The same check on the labs' own trace, against the emulator: a first run is seen making its
/// resources, a re-run is seen making none.
#[tokio::test(flavor = "multi_thread")]
async fn created_calls_sees_first_runs_create_and_re_runs_not() {
    let emulator = Emulator::start();
    for lab in ["01-keys", "02-volumes", "03-snapshots", "04-copy"] {
        let (_, first) = emulator.run_ok(lab, &["--yes", "--show-api"]);
        assert!(created_calls(&first) >= 3, "{lab} first run:\n{first}");
    }
    for lab in ["01-keys", "02-volumes", "03-snapshots", "04-copy"] {
        let (_, again) = emulator.run_ok(lab, &["--yes", "--show-api"]);
        assert!(again.contains("api: "), "{lab}: no trace:\n{again}");
        assert_eq!(created_calls(&again), 0, "{lab} re-run:\n{again}");
    }
}
