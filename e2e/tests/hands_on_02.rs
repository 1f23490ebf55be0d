//! Hands-on lab 02: done by hand with the lab page's AWS CLI commands, checked, adopted; the learner's mistakes, each with its own message.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification, VolumeType};
use e2e::{describe, output_text, Emulator, OREGON, TOKYO};
use rexpect::process::WaitStatus;
use rexpect::session::{spawn_with_options, Options, PtySession};
use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

const LAB: &str = "02-volumes";
const ZONE: &str = "ap-northeast-1a";
const KINDS: [&str; 3] = ["default-key", "Single-region-key", "Multi-region-key"];

/// The walkthrough's Name of the volume of key kind `kind` in set `prefix`.
fn name(prefix: &str, kind: &str) -> String {
    format!("{prefix}EBS-encrypted-with-{kind}")
}

/// The alias of the source key of `kind` in set `prefix`.
fn alias(prefix: &str, kind: &str) -> String {
    match kind {
        "default-key" => "alias/aws/ebs".to_string(),
        _ => format!("alias/{prefix}{kind}"),
    }
}

/// Runs `02-volumes` with `args`; (exit code, stdout, stderr).
fn run(emulator: &Emulator, args: &[&str]) -> (i32, String, String) {
    let output = emulator.lab(LAB).args(args).output().expect("run 02-volumes");
    let (stdout, stderr) = output_text(&output);
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

/// A volume as a learner makes it by hand (SDK calls, as the console would).
struct Volume<'a> {
    name: String,
    region: &'a str,
    zone: &'a str,
    size: i32,
    kind: VolumeType,
    /// The key ARN; `None` for an unencrypted volume.
    key: Option<String>,
    /// Tags besides Name.
    tags: Vec<(&'a str, String)>,
}

impl<'a> Volume<'a> {
    /// The volume the walkthrough wants for `kind` in set `prefix`, made with only its Name tag.
    async fn right(emulator: &Emulator, prefix: &str, kind: &str) -> Volume<'a> {
        let tokyo = emulator.clients(TOKYO).await;
        let key = describe::key_arn(&tokyo.kms, &alias(prefix, kind)).await;
        Volume {
            name: name(prefix, kind),
            region: TOKYO,
            zone: ZONE,
            size: 8,
            kind: VolumeType::Gp3,
            key: Some(key),
            tags: Vec::new(),
        }
    }

    async fn create(self, emulator: &Emulator) -> String {
        let clients = emulator.clients(self.region).await;
        let tags = [("Name", self.name.clone())].into_iter().chain(self.tags.iter().map(|(k, v)| (*k, v.clone())));
        let spec = TagSpecification::builder()
            .resource_type(ResourceType::Volume)
            .set_tags(Some(tags.map(|(key, value)| Tag::builder().key(key).value(value).build()).collect()))
            .build();
        let request = clients
            .ec2
            .create_volume()
            .availability_zone(self.zone)
            .size(self.size)
            .volume_type(self.kind)
            .encrypted(self.key.is_some())
            .set_kms_key_id(self.key)
            .tag_specifications(spec);
        request.send().await.expect("CreateVolume").volume_id().expect("volume id").to_string()
    }
}

/// Every volume and snapshot in both regions, with its state, key and tags: to show that a run
/// changed nothing.
async fn world(emulator: &Emulator) -> String {
    let mut lines = Vec::new();
    for region in [TOKYO, OREGON] {
        let clients = emulator.clients(region).await;
        let volumes = clients.ec2.describe_volumes().send().await.expect("DescribeVolumes").volumes.unwrap_or_default();
        for volume in volumes {
            let tags: BTreeMap<_, _> = volume.tags().iter().map(|t| (t.key().unwrap(), t.value().unwrap())).collect();
            lines.push(format!(
                "{region} {} {:?} {:?} {:?} {tags:?}",
                volume.volume_id().unwrap(),
                volume.state(),
                volume.kms_key_id(),
                volume.size()
            ));
        }
        for snapshot in describe::all_snapshots(&clients.ec2).await {
            lines.push(format!("{region} {} {:?}", snapshot.snapshot_id().unwrap(), snapshot.tags()));
        }
    }
    lines.sort();
    lines.join("\n")
}

/// The volume `id` in `region`: its tags.
async fn tags_of(emulator: &Emulator, region: &str, id: &str) -> BTreeMap<String, String> {
    let clients = emulator.clients(region).await;
    let output = clients.ec2.describe_volumes().volume_ids(id).send().await.expect("DescribeVolumes");
    let volume = output.volumes().first().expect("the volume").clone();
    volume.tags().iter().map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string())).collect()
}

/// The ownership tags `--adopt` (and the page's commands) put on the volume `name` of set `set`.
fn ownership(name: &str, set: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("Name".to_string(), name.to_string()),
        ("ebs-kms-labs:project".to_string(), "ebs-kms-labs".to_string()),
        ("ebs-kms-labs:step".to_string(), LAB.to_string()),
        ("ebs-kms-labs:role".to_string(), name.to_string()),
        ("ebs-kms-labs:set".to_string(), set.to_string()),
    ])
}

/// Runs the page's CLI block in `lang` for set `prefix` (after 01-keys), then `--check`: exit 0,
/// every volume carrying the ownership tags, so nothing is left to adopt.
async fn by_hand_from_the_page(emulator: &Emulator, lang: &str, prefix: &str) {
    let set = format!("--name-prefix={prefix}");
    let mut keys = vec!["--yes"];
    if !prefix.is_empty() {
        keys.push(&set);
    }
    emulator.run_ok("01-keys", &keys);
    let output = emulator.run_readme_commands(LAB, lang, prefix);
    let (stdout, stderr) = output_text(&output);
    assert!(output.status.success(), "the {lang} page's commands ({prefix:?}) fail:\n{stdout}\n{stderr}");
    let mut args = vec!["--check", "--lang", lang];
    if !prefix.is_empty() {
        args.push(&set);
    }
    let (code, stdout, stderr) = run(emulator, &args);
    assert_eq!(code, 0, "--check after the {lang} page ({prefix:?}):\n{stdout}\n{stderr}");
    let tokyo = emulator.clients(TOKYO).await;
    for kind in KINDS {
        let name = name(prefix, kind);
        let filter = aws_sdk_ec2::types::Filter::builder().name("tag:Name").values(&name).build();
        let found = tokyo.ec2.describe_volumes().filters(filter).send().await.unwrap().volumes.unwrap_or_default();
        assert_eq!(found.len(), 1, "{name}: one volume");
        let key = describe::key_arn(&tokyo.kms, &alias(prefix, kind)).await;
        assert_eq!(found[0].kms_key_id(), Some(key.as_str()), "{name}: the page passes the key's ARN");
        let tags: BTreeMap<String, String> =
            found[0].tags().iter().map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string())).collect();
        assert_eq!(tags, ownership(&name, prefix), "{name}: the page's commands tag it at creation");
    }
    assert!(!stdout.contains("--adopt"), "nothing to adopt after the page's commands:\n{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_english_page_done_by_hand_passes_the_check_in_the_default_set_and_with_a_prefix() {
    let emulator = Emulator::start();
    by_hand_from_the_page(&emulator, "en", "").await;
    by_hand_from_the_page(&emulator, "en", "hand-").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_japanese_page_done_by_hand_passes_the_check() {
    let emulator = Emulator::start();
    by_hand_from_the_page(&emulator, "ja", "").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn untagged_volumes_pass_are_adopted_alone_and_the_course_goes_on_and_cleans_them_up() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    let mut mine = BTreeMap::new();
    for kind in KINDS {
        mine.insert(name("", kind), Volume::right(&emulator, "", kind).await.create(&emulator).await);
    }
    // Look-alikes: another Name, and another set's volume (encrypted with aws/ebs, so that no
    // key of this set is in use by something outside it).
    let tokyo = emulator.clients(TOKYO).await;
    let aws_ebs = describe::key_arn(&tokyo.kms, "alias/aws/ebs").await;
    let mut other = Volume::right(&emulator, "", "default-key").await;
    other.name = "EBS-encrypted-with-default-key-old".into();
    let old = other.create(&emulator).await;
    let other_name = name("other-", "default-key");
    let other_set = Volume {
        name: other_name.clone(),
        region: TOKYO,
        zone: ZONE,
        size: 8,
        kind: VolumeType::Gp3,
        key: Some(aws_ebs),
        tags: ownership(&other_name, "other-")
            .into_iter()
            .filter(|(k, _)| k != "Name")
            .map(|(k, v)| (leak(k), v))
            .collect(),
    }
    .create(&emulator)
    .await;
    let foreign_before = [tags_of(&emulator, TOKYO, &old).await, tags_of(&emulator, TOKYO, &other_set).await];

    let (code, stdout, stderr) = run(&emulator, &["--check"]);
    assert_eq!(code, 0, "right volumes pass, tagged or not:\n{stdout}\n{stderr}");
    assert!(stdout.contains("Done by you, not tagged"), "{stdout}");
    assert!(stdout.contains("--adopt"), "the check says how to adopt them:\n{stdout}");
    for (name, id) in &mine {
        assert!(stdout.contains(&format!("{name} ({id})")), "{name} is listed to adopt:\n{stdout}");
    }
    assert!(!stdout.contains(&old) && !stdout.contains(&other_set), "look-alikes are not listed:\n{stdout}");

    // --adopt --dry-run shows and changes nothing.
    let before = world(&emulator).await;
    let (code, stdout, stderr) = run(&emulator, &["--adopt", "--dry-run"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(world(&emulator).await, before, "--adopt --dry-run changed something");

    emulator.run_ok(LAB, &["--adopt", "--yes"]);
    for (name, id) in &mine {
        assert_eq!(tags_of(&emulator, TOKYO, id).await, ownership(name, ""), "{name} is adopted");
    }
    let foreign_after = [tags_of(&emulator, TOKYO, &old).await, tags_of(&emulator, TOKYO, &other_set).await];
    assert_eq!(foreign_after, foreign_before, "the look-alikes are untouched");
    let (stdout, _) = emulator.run_ok(LAB, &["--check"]);
    assert!(!stdout.contains("Done by you, not tagged"), "adopted volumes are the labs' own now:\n{stdout}");

    // The course goes on with the adopted volumes, and cleanup removes them.
    emulator.run_ok("03-snapshots", &["--yes"]);
    let snapshots = describe::lab_snapshots(&tokyo.ec2).await;
    for id in mine.values() {
        assert!(snapshots.iter().any(|s| s.volume_id() == Some(id.as_str())), "03 snapshots the adopted volume {id}");
    }
    emulator.run_ok("05-cleanup", &["--yes"]);
    for region in [TOKYO, OREGON] {
        let clients = emulator.clients(region).await;
        let volumes = clients.ec2.describe_volumes().send().await.unwrap().volumes.unwrap_or_default();
        let live: Vec<_> = volumes
            .iter()
            .filter(|v| v.tags().iter().any(|t| t.key() == Some("Name") && mine.contains_key(t.value().unwrap())))
            .filter(|v| v.state().is_some_and(|s| s.as_str() != "deleted"))
            .collect();
        assert!(live.is_empty(), "no walkthrough volume is left in {region}: {live:?}");
        let snapshots = describe::all_snapshots(&clients.ec2).await;
        let named: Vec<_> = snapshots
            .iter()
            .filter(|s| s.tags().iter().any(|t| t.value().is_some_and(|v| v.starts_with("snap-EBS-encrypted-with-"))))
            .collect();
        assert!(named.is_empty(), "no walkthrough snapshot is left in {region}: {named:?}");
    }
    for kind in ["Single-region-key", "Multi-region-key"] {
        let key = tokyo.kms.describe_key().key_id(mine_key_id(&emulator, kind).await).send().await.unwrap();
        let state = key.key_metadata().and_then(|k| k.key_state()).map(|s| s.as_str().to_string());
        assert_eq!(state.as_deref(), Some("PendingDeletion"), "{kind}");
    }
    let foreign_left = [tags_of(&emulator, TOKYO, &old).await, tags_of(&emulator, TOKYO, &other_set).await];
    assert_eq!(foreign_left, foreign_before, "cleanup leaves the look-alikes alone");
}

/// A tag key with a `'static` lifetime (the few the tests build).
fn leak(key: String) -> &'static str {
    Box::leak(key.into_boxed_str())
}

/// The id of the default set's source key of `kind`, found by its role tag (its alias is gone
/// after cleanup).
async fn mine_key_id(emulator: &Emulator, kind: &str) -> String {
    let tokyo = emulator.clients(TOKYO).await;
    for key in describe::lab_keys(&tokyo.kms, TOKYO).await {
        let id = key.key_id().to_string();
        if describe::key_tags(&tokyo.kms, &id).await.get("ebs-kms-labs:role").map(String::as_str) == Some(kind) {
            return id;
        }
    }
    panic!("no key with the role {kind}");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_makes_only_read_calls_and_changes_nothing() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    for kind in KINDS {
        Volume::right(&emulator, "", kind).await.create(&emulator).await;
    }
    let before = world(&emulator).await;
    let (code, stdout, stderr) = run(&emulator, &["--check", "--show-api"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let calls = e2e::api_operations(&stderr);
    assert!(calls.iter().any(|call| call == "EC2:DescribeVolumes"), "the check reads volumes: {calls:?}");
    let written = e2e::writing_operations(&calls);
    assert!(written.is_empty(), "--check made write calls: {written:?}\n{stderr}");
    assert_eq!(world(&emulator).await, before, "--check changed something");
}

/// One learner mistake: how to make it in set `prefix`, and what the check must say.
struct Mistake {
    prefix: &'static str,
    /// Which of the three volumes (default, single, multi) the texts name.
    at: usize,
    /// The exit code: 4, or 0 for what is only a note.
    code: i32,
    /// Texts the output must contain (`{id}` is replaced by the volume the case made).
    says: &'static [&'static str],
}

/// A change to a set's three right volumes that makes one mistake.
type Change = Box<dyn Fn(&mut Vec<Volume<'static>>, &str)>;

fn change(f: impl Fn(&mut Vec<Volume<'static>>, &str) + 'static) -> Change {
    Box::new(f)
}

/// Runs 01-keys for set `prefix`, and returns its three volumes as the walkthrough wants them, not made yet.
async fn make_set(emulator: &Emulator, prefix: &str) -> Vec<Volume<'static>> {
    emulator.run_ok("01-keys", &["--yes", &format!("--name-prefix={prefix}")]);
    let mut volumes = Vec::new();
    for kind in KINDS {
        volumes.push(Volume::right(emulator, prefix, kind).await);
    }
    volumes
}

#[tokio::test(flavor = "multi_thread")]
async fn each_learner_mistake_gets_its_own_message_and_the_check_changes_nothing() {
    let emulator = Emulator::start();
    // AWS creates aws/ebs once; the emulator may race when sets touch it first at once.
    describe::key(&emulator.clients(TOKYO).await.kms, "alias/aws/ebs").await;
    let tokyo = emulator.clients(TOKYO).await;
    let aws_ebs = describe::key_arn(&tokyo.kms, "alias/aws/ebs").await;

    // Each case: the set, the change to its three right volumes, and what the check says.
    let cases: Vec<(Mistake, Change)> = vec![
        (
            Mistake {
                prefix: "plain-",
                at: 1,
                code: 4,
                says: &["plain-EBS-encrypted-with-Single-region-key ({id}) is not encrypted", "--encrypted --kms-key-id"],
            },
            change(|v, _| v[1].key = None),
        ),
        (
            Mistake {
                prefix: "wrongkey-",
                at: 1,
                code: 4,
                says: &[
                    "wrongkey-EBS-encrypted-with-Single-region-key ({id}) is encrypted with aws/ebs, but the walkthrough \
                     wants wrongkey-Single-region-key",
                    "cannot change its key",
                    "--kms-key-id <ARN of alias/wrongkey-Single-region-key>",
                ],
            },
            change(|v, aws_ebs| v[1].key = Some(aws_ebs.to_string())),
        ),
        (
            Mistake {
                prefix: "swapped-",
                at: 2,
                code: 4,
                says: &["swapped-EBS-encrypted-with-Multi-region-key ({id}) is encrypted with swapped-Single-region-key"],
            },
            change(|v, _| v[2].key = v[1].key.clone()),
        ),
        (
            Mistake {
                prefix: "region-",
                at: 2,
                code: 4,
                says: &[
                    "region-EBS-encrypted-with-Multi-region-key ({id}) is in us-west-2, not in ap-northeast-1",
                    "aws ec2 delete-volume --region us-west-2 --volume-id {id}",
                    "--region ap-northeast-1",
                ],
            },
            change(|v, _| {
                v[2].region = OREGON;
                v[2].zone = "us-west-2a";
            }),
        ),
        (
            Mistake {
                prefix: "big-",
                at: 0,
                code: 4,
                says: &["big-EBS-encrypted-with-default-key ({id}) is 10 GiB", "cannot shrink", "--size 8"],
            },
            change(|v, _| v[0].size = 10),
        ),
        (
            Mistake {
                prefix: "small-",
                at: 0,
                code: 4,
                says: &["small-EBS-encrypted-with-default-key ({id}) is 4 GiB", "modify-volume --region ap-northeast-1 --volume-id {id} --size 8"],
            },
            change(|v, _| v[0].size = 4),
        ),
        (
            Mistake {
                prefix: "gp2-",
                at: 0,
                code: 4,
                says: &["gp2-EBS-encrypted-with-default-key ({id}) is gp2", "--volume-type gp3"],
            },
            change(|v, _| v[0].kind = VolumeType::Gp2),
        ),
        (
            Mistake {
                prefix: "missing-",
                at: 0,
                code: 4,
                says: &["no volume named missing-EBS-encrypted-with-Multi-region-key in ap-northeast-1", "Create volume"],
            },
            change(|v, _| {
                v.pop();
            }),
        ),
        (
            Mistake {
                prefix: "foreign-",
                at: 0,
                code: 4,
                says: &[
                    "foreign-EBS-encrypted-with-default-key ({id}) carries ebs-kms-labs tags that are not this set's",
                    "never adopt",
                ],
            },
            change(|v, _| {
                let name = v[0].name.clone();
                v[0].tags = ownership(&name, "elsewhere-")
                    .into_iter()
                    .filter(|(k, _)| k != "Name")
                    .map(|(k, value)| (leak(k), value))
                    .collect();
            }),
        ),
        (
            Mistake { prefix: "zones-",
                at: 2, code: 0, says: &["different availability zones", "zones-EBS-encrypted-with-Multi-region-key ({id}): ap-northeast-1c"] },
            change(|v, _| v[2].zone = "ap-northeast-1c"),
        ),
    ];
    for (mistake, change) in cases {
        let prefix = mistake.prefix;
        let mut volumes = make_set(&emulator, prefix).await;
        change(&mut volumes, &aws_ebs);
        let mut ids = Vec::new();
        for volume in volumes {
            ids.push(volume.create(&emulator).await);
        }
        let id = ids[mistake.at].clone();
        check_says(&emulator, &mistake, &id).await;
        // --adopt tags what passes beside it, never the volume that fails.
        if mistake.code == 4 && mistake.says.iter().any(|text| text.contains("{id}")) {
            let set = format!("--name-prefix={prefix}");
            let before = world(&emulator).await;
            let (code, stdout, stderr) = run(&emulator, &["--adopt", "--yes", &set]);
            assert_eq!(code, 4, "{prefix}: --adopt still exits 4:\n{stdout}\n{stderr}");
            let after = world(&emulator).await;
            let touched = before.lines().zip(after.lines()).filter(|(b, a)| b != a).any(|(b, _)| b.contains(&id));
            assert!(!touched, "{prefix}: the failing volume {id} was adopted:\n{stdout}");
        }
    }

    // Two volumes with one Name: both ids named, one to keep, the other to delete.
    let volumes = make_set(&emulator, "twice-").await;
    let again = Volume::right(&emulator, "twice-", "Single-region-key").await.create(&emulator).await;
    let mut ids = Vec::new();
    for volume in volumes {
        ids.push(volume.create(&emulator).await);
    }
    let twice = Mistake {
        prefix: "twice-",
        at: 1,
        code: 4,
        says: &["2 volumes are named twice-EBS-encrypted-with-Single-region-key", "{id}", "delete-volume"],
    };
    check_says(&emulator, &twice, &again).await;
    let (_, stdout, _) = run(&emulator, &["--check", "--name-prefix=twice-"]);
    assert!(stdout.contains(&ids[1]), "both ids are named:\n{stdout}");

    // A second one in the destination, besides the right one.
    let volumes = make_set(&emulator, "stray-").await;
    for volume in volumes {
        volume.create(&emulator).await;
    }
    let mut stray = Volume::right(&emulator, "stray-", "default-key").await;
    (stray.region, stray.zone) = (OREGON, "us-west-2a");
    let stray = stray.create(&emulator).await;
    let extra = Mistake {
        prefix: "stray-",
        at: 0,
        code: 4,
        says: &[
            "another stray-EBS-encrypted-with-default-key ({id}) is in us-west-2",
            "delete-volume --region us-west-2 --volume-id {id}",
        ],
    };
    check_says(&emulator, &extra, &stray).await;

    // The keys are missing: exit 5, naming the lab that makes them.
    let before = world(&emulator).await;
    let (code, stdout, stderr) = run(&emulator, &["--check", "--name-prefix=nokeys-"]);
    assert_eq!(code, 5, "no keys yet:\n{stdout}\n{stderr}");
    assert!(format!("{stdout}{stderr}").contains("01-keys"), "names the lab to run first:\n{stdout}\n{stderr}");
    assert_eq!(world(&emulator).await, before);
}

/// `--check` for the mistake's set: its exit code, its texts, and nothing changed.
async fn check_says(emulator: &Emulator, mistake: &Mistake, id: &str) {
    let prefix = mistake.prefix;
    let before = world(emulator).await;
    let (code, stdout, stderr) = run(emulator, &["--check", &format!("--name-prefix={prefix}")]);
    assert_eq!(code, mistake.code, "{prefix}: exit code\n{stdout}\n{stderr}");
    // The table may wrap long cells: read it with the borders and line breaks taken out.
    let flat = flatten(&stdout);
    for text in mistake.says {
        let text = text.replace("{id}", id);
        assert!(flat.contains(&flatten(&text)), "{prefix}: {text:?} is missing:\n{stdout}\n{stderr}");
    }
    assert_eq!(world(emulator).await, before, "{prefix}: --check changed something");
}

/// Text with table borders and all whitespace removed, so that a wrapped cell reads whole.
fn flatten(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && !"│┆|".contains(*c)).collect()
}

/// The `--yourself` loop in a pseudo-terminal: a wrong volume first (✗ with the fix), then
/// fixed (✓), the learner's untagged volumes adopted, exit 0.
#[tokio::test(flavor = "multi_thread")]
async fn yourself_in_a_terminal_shows_the_mistake_then_passes_once_fixed() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    let mut command = emulator.lab_process_via(&emulator.url, LAB);
    command.arg("--yourself").stdin(Stdio::inherit()).stdout(Stdio::inherit()).stderr(Stdio::inherit());
    command.env("TERM", "xterm");
    let options = Options::new().timeout_ms(Some(60_000)).strip_ansi_escape_codes(true);
    let mut terminal = spawn_with_options(command, options).expect("start 02-volumes --yourself");
    let prompt = "Press Enter to check";
    let shown = terminal.exp_string(prompt).expect("the first prompt");
    assert!(shown.contains("In the console") && shown.contains("aws ec2 create-volume"), "the steps:\n{shown}");

    // Wrong: the Single-region Name on aws/ebs.
    let tokyo = emulator.clients(TOKYO).await;
    let mut wrong = Volume::right(&emulator, "", "Single-region-key").await;
    wrong.key = Some(describe::key_arn(&tokyo.kms, "alias/aws/ebs").await);
    let wrong = wrong.create(&emulator).await;
    for kind in ["default-key", "Multi-region-key"] {
        Volume::right(&emulator, "", kind).await.create(&emulator).await;
    }
    enter(&mut terminal);
    let screen = utf8(&terminal.exp_string("do not pass yet").expect("the table again, with the ✗"));
    terminal.exp_string(prompt).expect("the prompt again, after the ✗");
    let flat = flatten(&screen);
    assert!(
        flat.contains(&flatten(&format!("EBS-encrypted-with-Single-region-key ({wrong}) is encrypted with aws/ebs"))),
        "the ✗ names the volume and its key:\n{screen}"
    );
    assert!(flat.contains("1of3checks"), "{screen}");

    // Fixed: delete it and make it right.
    tokyo.ec2.delete_volume().volume_id(&wrong).send().await.expect("DeleteVolume");
    Volume::right(&emulator, "", "Single-region-key").await.create(&emulator).await;
    enter(&mut terminal);
    terminal.exp_string("(y/N)").expect("the offer to adopt the untagged volumes");
    std::thread::sleep(Duration::from_millis(300));
    terminal.send("y\r").expect("type");
    terminal.flush().expect("flush");
    let screen = utf8(&terminal.exp_eof().expect("the lab ends"));
    assert!(screen.contains("All 3 checks passed"), "{screen}");
    match terminal.process().wait().expect("exit status") {
        WaitStatus::Exited(_, code) => assert_eq!(code, 0, "{screen}"),
        other => panic!("{other:?}\n{screen}"),
    }
    let adopted = describe::lab_volumes(&tokyo.ec2).await;
    assert_eq!(adopted.len(), 3, "the three volumes are the labs' own now");
}

/// Enter, a moment after the prompt, as a person types.
fn enter(terminal: &mut PtySession) {
    std::thread::sleep(Duration::from_millis(300));
    terminal.send("\r").expect("type Enter");
    terminal.flush().expect("flush");
}

/// The screen as UTF-8: rexpect reads each byte as one `char`.
fn utf8(screen: &str) -> String {
    let bytes: Vec<u8> = screen.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
