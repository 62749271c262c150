//! `starl lint` exit statuses, options and configuration.

mod common;

use common::*;

fn rules(run: &Run) -> Vec<String> {
    Run::rules_of(&run.json()[0])
}

#[test]
fn exit_status_is_0_clean_1_on_errors_2_on_trouble() {
    let dir = scratch();
    write(dir.path(), "good.md", GOOD);
    write(dir.path(), "warn.md", warn_story());
    write(dir.path(), "error.md", ERROR);
    assert_eq!(starl(dir.path(), &["lint", "good.md"]).code, 0);
    assert_eq!(starl(dir.path(), &["lint", "warn.md"]).code, 0, "warnings alone pass");
    assert_eq!(starl(dir.path(), &["lint", "error.md"]).code, 1);
    assert_eq!(starl(dir.path(), &["lint", "good.md", "error.md"]).code, 1);
    // An unreadable input wins over findings.
    assert_eq!(starl(dir.path(), &["lint", "error.md", "missing.md"]).code, 2);
}

#[test]
fn deny_warnings_from_the_flag_or_the_config() {
    let dir = scratch();
    write(dir.path(), "good.md", GOOD);
    write(dir.path(), "warn.md", warn_story());
    assert_eq!(starl(dir.path(), &["lint", "--deny", "warnings", "warn.md"]).code, 1);
    assert_eq!(starl(dir.path(), &["lint", "--deny", "warnings", "good.md"]).code, 0);
    assert_eq!(starl(dir.path(), &["lint", "--deny", "warnings", "--disable", "blame-shifting", "warn.md"]).code, 0);
    write(dir.path(), "starl.toml", "deny_warnings = true\n");
    assert_eq!(starl(dir.path(), &["lint", "warn.md"]).code, 1);
    assert_eq!(starl(dir.path(), &["lint", "good.md"]).code, 0);
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    let dir = scratch();
    write(dir.path(), "good.md", GOOD);
    let none = starl(dir.path(), &["lint"]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("no stories to check") && none.stderr.contains("starl lint -"), "{none:?}");
    assert!(none.stdout.is_empty());

    let bad_format = starl(dir.path(), &["lint", "--format", "xml", "good.md"]);
    assert_eq!(bad_format.code, 2);
    assert!(bad_format.stderr.contains("xml"), "{bad_format:?}");

    let bad_deny = starl(dir.path(), &["lint", "--deny", "infos", "good.md"]);
    assert_eq!(bad_deny.code, 2);

    let bad_size = starl(dir.path(), &["lint", "--max-size", "lots", "good.md"]);
    assert_eq!(bad_size.code, 2);
    assert!(bad_size.stderr.contains("not a size"), "{bad_size:?}");
}

#[test]
fn unknown_rules_exit_2_with_the_analyzers_message_and_a_suggestion() {
    let dir = scratch();
    write(dir.path(), "good.md", GOOD);
    for flag in ["--disable", "--enable"] {
        let run = starl(dir.path(), &["lint", flag, "hedgin", "--format", "json", "good.md"]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains("unknown rule `hedgin`"), "{run:?}");
        assert!(run.stderr.contains("did you mean `hedging`?"), "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
    let far = starl(dir.path(), &["lint", "--disable", "completely-unrelated-words", "good.md"]);
    assert_eq!(far.code, 2);
    assert!(!far.stderr.contains("did you mean"), "{far:?}");
}

#[test]
fn disable_and_enable_take_lists() {
    let dir = scratch();
    let story = format!("{}\nIt was kind of a disaster.\n", warn_story());
    write(dir.path(), "s.md", story);
    let all = rules(&starl(dir.path(), &["lint", "--format", "json", "s.md"]));
    for r in ["blame-shifting", "hedging", "dramatic-language"] {
        assert!(all.contains(&r.to_owned()), "{r}: {all:?}");
    }
    let some =
        rules(&starl(dir.path(), &["lint", "--format", "json", "--disable", "hedging,dramatic-language", "s.md"]));
    assert!(some.contains(&"blame-shifting".to_owned()));
    assert!(!some.contains(&"hedging".to_owned()) && !some.contains(&"dramatic-language".to_owned()), "{some:?}");
    let args = ["lint", "--format", "json", "--disable", "hedging", "--disable", "blame-shifting", "s.md"];
    let repeated = rules(&starl(dir.path(), &args));
    assert!(!repeated.contains(&"hedging".to_owned()) && !repeated.contains(&"blame-shifting".to_owned()));
    // --enable wins over --disable and over the configuration.
    write(dir.path(), "starl.toml", "disable = [\"hedging\"]\n");
    let enabled = rules(&starl(dir.path(), &["lint", "--format", "json", "--enable", "hedging", "s.md"]));
    assert!(enabled.contains(&"hedging".to_owned()), "{enabled:?}");
}

#[test]
fn configuration_is_discovered_from_the_current_folder_upwards() {
    let dir = scratch();
    write(dir.path(), "project/stories/hedge.md", hedge_story());
    let stories = dir.path().join("project/stories");
    let before = rules(&starl(&stories, &["lint", "--format", "json", "hedge.md"]));
    assert!(before.contains(&"hedging".to_owned()), "{before:?}");

    write(dir.path(), "project/starl.toml", "disable = [\"hedging\"]\n");
    let after = starl(&stories, &["lint", "--format", "json", "-v", "hedge.md"]);
    assert!(!rules(&after).contains(&"hedging".to_owned()), "{after:?}");
    assert!(after.stderr.contains("project/starl.toml"), "verbose names the configuration: {after:?}");

    // --config names another file instead.
    write(dir.path(), "other.toml", "framework = \"star\"\n");
    let other = starl(&stories, &["lint", "--format", "json", "--config", "../../other.toml", "hedge.md"]);
    assert!(rules(&other).contains(&"hedging".to_owned()), "{other:?}");
    assert_eq!(other.json()[0]["framework"], "star");
}

#[test]
fn the_user_configuration_is_the_fallback() {
    let dir = scratch();
    write(dir.path(), "work/hedge.md", hedge_story());
    write(dir.path(), "xdg/starl/starl.toml", "disable = [\"hedging\"]\n");
    let mut cmd = command(&dir.path().join("work"), &["lint", "--format", "json", "-v", "hedge.md"]);
    let run = finish(cmd.env("XDG_CONFIG_HOME", dir.path().join("xdg")).output().unwrap());
    assert!(run.stderr.contains("xdg/starl/starl.toml"), "{run:?}");
    assert!(!rules(&run).contains(&"hedging".to_owned()), "{run:?}");
}

#[test]
fn bad_configuration_exits_2_naming_the_file() {
    let dir = scratch();
    write(dir.path(), "good.md", GOOD);
    write(dir.path(), "starl.toml", "framework = \"star\"\ncolour = true\n");
    let run = starl(dir.path(), &["lint", "good.md"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("starl.toml:2:"), "{run:?}");

    let missing = starl(dir.path(), &["lint", "--config", "nope.toml", "good.md"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.toml"), "{missing:?}");
    // The cause is said once, not once by the error and again by its source.
    assert_eq!(missing.stderr.matches("os error").count(), 1, "{missing:?}");
}

#[test]
fn inline_directives_silence_a_rule() {
    let dir = scratch();
    write(dir.path(), "plain.md", hedge_story());
    write(dir.path(), "silenced.md", format!("<!-- starl-disable hedging -->\n{}", hedge_story()));
    write(dir.path(), "silenced.txt", format!("<!-- starl-disable hedging -->\n{}", hedge_story()));
    let run = starl(dir.path(), &["lint", "--format", "json", "plain.md", "silenced.md", "silenced.txt"]);
    let reports = run.json();
    assert!(Run::rules_of(&reports[0]).contains(&"hedging".to_owned()));
    assert!(!Run::rules_of(&reports[1]).contains(&"hedging".to_owned()), "{:?}", reports[1]);
    assert!(!Run::rules_of(&reports[2]).contains(&"hedging".to_owned()), "{:?}", reports[2]);
}

#[test]
fn framework_and_pace_options() {
    let dir = scratch();
    write(dir.path(), "good.md", GOOD);
    let default = starl(dir.path(), &["lint", "--format", "json", "good.md"]).json();
    let slow = starl(dir.path(), &["lint", "--format", "json", "--wpm", "75", "good.md"]).json();
    let (d, s) = (default[0]["spoken_seconds"].as_u64().unwrap(), slow[0]["spoken_seconds"].as_u64().unwrap());
    assert!(s.abs_diff(2 * d) <= 1, "{d} s at 150 wpm, {s} s at 75 wpm");

    let human = starl(dir.path(), &["lint", "--wpm", "75", "good.md"]);
    let words = default[0]["words"].as_u64().unwrap();
    assert!(
        human.stdout.contains(&format!("{words} words · {}:{:02} spoken (limit 3:00)", s / 60, s % 60)),
        "{human:?}"
    );

    let star = starl(dir.path(), &["lint", "--format", "json", "--framework", "star", "good.md"]).json();
    assert_eq!(star[0]["framework"], "star");

    let bad = starl(dir.path(), &["lint", "--framework", "starr", "good.md"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown framework `starr`") && bad.stderr.contains("star-l"), "{bad:?}");
    let too_fast = starl(dir.path(), &["lint", "--wpm", "1000", "good.md"]);
    assert_eq!(too_fast.code, 2);
    assert!(too_fast.stderr.contains("words per minute"), "{too_fast:?}");
}
