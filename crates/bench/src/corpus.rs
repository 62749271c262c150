//! A deterministic corpus of failure stories: the same seed gives the same stories, byte for byte,
//! on every machine (the generator is a hand-written SplitMix64, not a library whose stream may
//! change between versions). Story `i` depends only on the seed and `i`, not on how many stories
//! are asked for.
//!
//! Stories are about 2 KB each and vary in framework and markup (Markdown headings, bold labels,
//! block-quoted labels, plain `Label:` lines, `//` labels, unlabelled prose), in content (red flags
//! and strengths mixed in at random), and carry numbers, non-ASCII names, emoji, CJK and,
//! sometimes, front matter, code, HTML comments, lists and CRLF line endings.

/// SplitMix64: small, fast, and fixed forever.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; the modulo bias is irrelevant here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// The generator of story `index` under `seed`.
fn story_rng(seed: u64, index: usize) -> Rng {
    let mut r = Rng::new(seed ^ (index as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    r.next_u64();
    r
}

// ---------------------------------------------------------------------------------------------
// Fragments. Placeholders: {role} {product} {system} {name} {n} {few} {big} {pct} {min} {hours}
// {money} {weeks} {day}.

const ROLES: &[&str] = &[
    "the only backend engineer",
    "a senior engineer",
    "the tech lead",
    "a data engineer",
    "the on-call SRE",
    "a mobile developer",
    "a newly promoted engineering manager",
    "the QA lead",
    "a product designer who also wrote front-end code",
    "the release captain for that sprint",
    "a contractor brought in for the migration",
    "a graduate engineer in my first year",
];

const PRODUCTS: &[&str] = &[
    "a ticketing app for regional theatres",
    "an invoicing tool for freelancers",
    "a delivery-routing dashboard for a grocery chain",
    "a shift scheduler used by three hospitals",
    "the catalogue search of a public library network",
    "a reading app for primary-school children",
    "an insurance claims portal",
    "a driver app for a ride-sharing start-up",
    "a municipal parking-permit API",
    "the loyalty programme of a wine-shop chain",
    "Zoë’s bakery pre-order site",
    "the point-of-sale sync for a café chain",
    "a travel-booking app for the Japanese market (旅行アプリ)",
    "a payments start-up in São Paulo",
    "an e-learning platform run from Kraków",
    "a climbing-gym membership system",
    "the internal expense tool at a 300-person agency",
    "a telematics backend for refrigerated lorries",
];

const SYSTEMS: &[&str] = &[
    "the nightly export job",
    "the search indexer",
    "the billing cron job",
    "the push-notification service",
    "the CSV importer",
    "the feature-flag service",
    "the Postgres schema migration",
    "the Redis cache in front of the pricing API",
    "the auth token refresh",
    "the PDF invoice renderer",
    "the Kafka consumer for order events",
    "the Terraform module for our load balancers",
    "the iOS release pipeline",
    "the timezone conversion in the reminder service",
];

const NAMES: &[&str] = &[
    "Zoë",
    "José",
    "Łukasz",
    "Søren",
    "Aiko",
    "Nguyễn Thị Lan",
    "Olúwaseun",
    "Priya",
    "Dvořák",
    "Małgorzata",
    "François",
    "Björn",
    "Siobhán",
    "Chen Wei (陈伟)",
    "Mehmet",
    "Ana",
    "Tomás",
    "Yuki",
    "Fatima",
    "Kwame",
];

const CONTEXT: &[&str] = &[
    "I was {role} on {product}, which about {big} people used every week.",
    "At the time I worked as {role} at a {n}-person company building {product}.",
    "Our team of {few} looked after {system}, and several other teams depended on it.",
    "I had just taken over {system} from {name}, who had moved to another team.",
    "This was during my second quarter as {role} on {product}.",
    "The company’s goal that quarter was to cut support tickets by {pct}.",
    "{product} had grown fast, and {system} had not been touched in {n} months.",
    "It was the busiest week of the year for us: the run-up to {day}.",
];

const TASK: &[&str] = &[
    "I owned {system} and carried its pager that month.",
    "My job was to ship the new checkout flow before {day}.",
    "I was responsible for the migration plan and for telling the other teams when to switch over.",
    "{name}, my manager, asked me to lead the rollout across {few} regions.",
    "The task was mine: rewrite {system} so that it could handle {n} times the traffic.",
    "I had promised the support team a fix for the duplicate-email bug within {weeks} weeks.",
    "I volunteered to own the upgrade, since I knew {system} better than anyone.",
];

const MISTAKE: &[&str] = &[
    "I changed the retry policy without checking whether the downstream call was idempotent.",
    "I merged a schema change that dropped a column the reporting job still read.",
    "I estimated the migration at {weeks} weeks without looking at the legacy data first.",
    "I set the cache TTL to a day instead of a minute, and nobody noticed the typo in review.",
    "I skipped the load test because the change looked small.",
    "I rolled out the new timezone handling on a Friday afternoon, right before a long weekend.",
    "I assumed the vendor’s SDK update was backward compatible and did not read the changelog.",
    "I left a debug flag switched on in the production config.",
    "I rounded currency amounts before summing them instead of after.",
    "I approved a pull request that I had only skimmed, because it came from someone senior.",
    "I promised a launch date before the design was final.",
    "I kept the problem to myself for a week, hoping to fix it quietly before anyone noticed.",
    "I tested the restore script against an empty database and called it done.",
    "I wrote the alert threshold in seconds when the metric was in milliseconds.",
];

const RESPONSE: &[&str] = &[
    "I rolled the change back within {min} minutes and posted a status update in the incident channel.",
    "I wrote to the affected customers the same afternoon, explaining what had happened in plain words.",
    "I told my manager what had happened, what I had already done, and what I still needed.",
    "I paired with {name} from support to reconcile every affected account by hand.",
    "I wrote a script to find the duplicates and refunded {big} of them before the end of the day.",
    "I put the new code path behind a feature flag so it could be switched off in seconds.",
    "I stayed on the bridge call until the backlog had drained, then wrote the timeline while it was fresh.",
    "I asked {name} to review my fix, because I no longer trusted my own reading of that code.",
    "I ran a blameless post-mortem and opened it with my own part in the failure.",
];

const RESULT: &[&str] = &[
    "{big} customers received duplicate invoices before we caught it.",
    "Checkout was unavailable for {min} minutes during the evening peak.",
    "The monthly revenue report was off by {money}.",
    "About {pct} of the reminder messages went out an hour late.",
    "We lost {hours} hours of analytics events that could not be replayed.",
    "The launch slipped by {weeks} weeks, and sales had to reschedule {few} customer demos.",
    "Support handled {n} extra tickets that week.",
    "p95 latency went from 180 ms to {n} seconds for about {hours} hours.",
    "No data was lost, but {few} enterprise customers asked for a written incident report.",
];

const ROOT_CAUSE: &[&str] = &[
    "The root cause was that I had only ever tested the happy path.",
    "Looking back, I had treated a one-line change as if it carried no risk.",
    "The real cause was my assumption that staging looked like production; it had a tenth of the data.",
    "The underlying cause was that I never asked who else read that table.",
    "The root cause was a gap in my own checklist: nothing in it covered rollback.",
];

const LESSON: &[&str] = &[
    "I now write the rollback steps before I write the change.",
    "I added a CI check that fails when a migration drops a column that is still read.",
    "Since then I ask for a second reviewer on anything that touches money, and that rule caught {few} bugs last quarter.",
    "Three months later, on the next rewrite of {system}, I ran the same dry run first and found two problems before release.",
    "I learned to say “I don’t know yet, I’ll find out by {day}” instead of guessing a date.",
    "I built a small restore test that runs every night and pages me if it fails; it has failed twice, both times for real reasons.",
    "Now every alert I write names its unit, and I test it by firing it once on purpose.",
    "I changed how I estimate: I sample the real data for a day before I give any number.",
];

const RED_FLAGS: &[&str] = &[
    "The requirements kept changing, so the plan never really stood a chance.",
    "Honestly, QA should have caught it before it reached production.",
    "Mistakes were made during the handover.",
    "It was an absolute nightmare and complete chaos for a week.",
    "I guess it was kind of my fault, in a way.",
    "We just didn't have enough time or people to test it properly.",
    "The main thing I learned is that communication is key.",
    "My biggest weakness is that I care too much about quality.",
    "It was only a tiny glitch that affected a few users.",
    "My manager never told me the deadline had moved.",
    "The config was pushed to production without a review.",
    "We found it, we patched it, we shipped the fix and we moved on.",
    "I'm terrible at this kind of work and always have been.",
    "The legacy codebase was a mess, so there was no way to do it right.",
    "The other team kept breaking our API without warning.",
    "Under the circumstances, I did the best I could.",
];

const STRENGTHS: &[&str] = &[
    "I was wrong, and I said so in the retro.",
    "That was my mistake, not the team’s.",
    "I told my manager and the support lead within the hour.",
    "I take full responsibility for that call.",
    "I flagged the risk to {name} before anyone asked.",
];

const FILLER: &[&str] = &[
    "The dashboards looked normal, because they averaged over an hour.",
    "{name} from support forwarded the first complaint at 07:40.",
    "The change itself was {n} lines in a single file.",
    "{few} services depended on that endpoint, and I had known about only two of them.",
    "I went through the logs, the metrics and the last {few} deploys before I found it.",
    "That job had not been touched in {n} months.",
    "The staging environment had a tenth of the production data.",
    "It was 23:10 on a Thursday when the first alert fired 🔥.",
    "The error message said only “unexpected EOF”, which did not help.",
    "I remember the café downstairs closing while we were still reading graphs.",
    "Our runbook for that service was two years old and pointed at a host that no longer existed.",
    "The customer who noticed first was a small shop in Lyon that ran its whole week on our app.",
    "The fix, once I understood the problem, took {min} minutes to write and an afternoon to verify.",
    "Half of the affected accounts were in the Asia–Pacific region, where it was already morning.",
    "The test suite was green the whole time, which in hindsight was part of the problem.",
    "I drew the data flow on a whiteboard — three queues, two caches, one very old cron job — and the gap was obvious.",
    "（チームのみんなに謝りました。）",
    "Prices were in €, £ and ¥, and only the yen amounts, which have no minor unit, came out wrong.",
    "I kept a running log in the incident doc → timestamps, commands, and what I expected to see.",
    "We had {pct} test coverage on paper, but none of it exercised the retry path.",
    "{name} had warned in a design review, months earlier, that this path was fragile.",
    "The on-call handbook said to restart the service, and restarting made it worse.",
    "By the time I looked, the queue held {big} messages and was growing by about {n} a second.",
    "The bug only showed up for accounts created before {day}, which is why our test accounts never hit it.",
    "I had written that code myself, {n} months earlier, and I had been proud of it.",
    "The vendor’s status page was green throughout.",
    "My first guess, a bad deploy, was wrong, and it cost us about {min} minutes.",
    "The metric that finally gave it away was the ratio of retries to requests, not either number alone.",
    "Our largest customer, a chain of {n} clinics, noticed before our monitoring did 🙈.",
    "The spreadsheet that finance used to cross-check us was the only reason we found it so quickly.",
    "It took {few} people and {hours} hours to undo a change that took one person {min} minutes to make.",
    "In Japanese the app showed 予約できません (cannot book) with no explanation.",
];

const CODE: &[&str] = &[
    "```sql\nALTER TABLE orders DROP COLUMN legacy_id;\n```",
    "```yaml\nretry:\n  attempts: 5\n  backoff: 0s\n```",
    "```\ncache_ttl = 86400  # meant 60\n```",
    "    if amount.round(2) + fee.round(2) != total: raise Mismatch()",
];

const DAYS: &[&str] =
    &["Black Friday", "the end of the tax year", "Christmas", "the spring sale", "Golden Week", "the board meeting"];

fn fill(template: &str, r: &mut Rng) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else { break };
        let key = &rest[i + 1..i + j];
        match key {
            "role" => out.push_str(r.pick(ROLES)),
            "product" => out.push_str(r.pick(PRODUCTS)),
            "system" => out.push_str(r.pick(SYSTEMS)),
            "name" => out.push_str(r.pick(NAMES)),
            "day" => out.push_str(r.pick(DAYS)),
            "n" => out.push_str(&r.between(3, 90).to_string()),
            "few" => out.push_str(&r.between(2, 12).to_string()),
            "big" => out.push_str(&thousands(r.between(40, 48_000))),
            "pct" => out.push_str(&format!("{}%", r.between(2, 60))),
            "min" => out.push_str(&r.between(4, 95).to_string()),
            "hours" => out.push_str(&r.between(2, 30).to_string()),
            "weeks" => out.push_str(&r.between(2, 9).to_string()),
            "money" => {
                let amount = thousands(r.between(300, 250_000));
                out.push_str(&match r.below(4) {
                    0 => format!("€{amount}"),
                    1 => format!("£{amount}"),
                    2 => format!("¥{amount}"),
                    _ => format!("${amount}"),
                });
            }
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

/// `fill`, with the first letter upper case (a placeholder may start a sentence).
fn sentence(template: &str, r: &mut Rng) -> String {
    let s = fill(template, r);
    let mut c = s.chars();
    match c.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(c).collect(),
        _ => s,
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How the story marks its parts.
#[derive(Debug, Clone, Copy)]
enum Markup {
    Headings,
    Bold,
    Quoted,
    PlainLabels,
    Slashes,
    Prose,
}

/// One framework: the labels of its parts and which pools fill each part.
struct Framework {
    labels: &'static [&'static str],
    /// For each part, the pools its first sentences come from.
    fill: &'static [&'static [&'static [&'static str]]],
}

const STAR_L: Framework = Framework {
    labels: &["Situation", "Task", "Action", "Result", "Learning"],
    fill: &[
        &[CONTEXT, CONTEXT],
        &[TASK],
        &[MISTAKE, RESPONSE, RESPONSE],
        &[RESULT, RESULT],
        &[ROOT_CAUSE, LESSON, LESSON],
    ],
};

const STAR: Framework = Framework {
    labels: &["Situation", "Task", "Action", "Result"],
    fill: &[&[CONTEXT, CONTEXT], &[TASK], &[MISTAKE, RESPONSE, RESPONSE], &[RESULT, ROOT_CAUSE, LESSON]],
};

const FOUR_PART: Framework = Framework {
    labels: &["Context", "What went wrong", "My response", "What I learned"],
    fill: &[&[CONTEXT, TASK], &[MISTAKE, RESULT], &[RESPONSE, RESPONSE], &[ROOT_CAUSE, LESSON, LESSON]],
};

const ARC: Framework = Framework {
    labels: &["Context", "The failure", "My role", "How I responded", "Lessons", "Outcome"],
    fill: &[&[CONTEXT], &[MISTAKE, RESULT], &[TASK], &[RESPONSE, RESPONSE], &[ROOT_CAUSE, LESSON], &[LESSON]],
};

const FRAMEWORKS: &[&Framework] = &[&STAR_L, &STAR_L, &STAR, &FOUR_PART, &ARC];

/// Story `index` of the corpus for `seed`: about `2 KB` of Markdown.
pub fn story(seed: u64, index: usize) -> String {
    let r = &mut story_rng(seed, index);
    let fw = r.pick(FRAMEWORKS);
    let markup = r.pick(&[
        Markup::Headings,
        Markup::Headings,
        Markup::Bold,
        Markup::Quoted,
        Markup::PlainLabels,
        Markup::Slashes,
        Markup::Prose,
        Markup::Prose,
    ]);
    let mut parts: Vec<Vec<String>> =
        fw.fill.iter().map(|pools| pools.iter().map(|pool| sentence(r.pick(pool), r)).collect()).collect();
    let n_parts = parts.len();
    // Red flags and strengths, each in a random part.
    for _ in 0..r.below(4) {
        let s = sentence(r.pick(RED_FLAGS), r);
        let p = r.below(n_parts);
        let at = r.below(parts[p].len() + 1);
        parts[p].insert(at, s);
    }
    for _ in 0..r.below(3) {
        let s = sentence(r.pick(STRENGTHS), r);
        let p = r.below(n_parts);
        let at = r.below(parts[p].len() + 1);
        parts[p].insert(at, s);
    }
    // Detail until the story is about 2 KB.
    let target = r.between(1850, 2250) as usize;
    let mut size: usize = parts.iter().flatten().map(|s| s.len() + 1).sum::<usize>() + 24 * n_parts;
    let mut used = vec![false; FILLER.len()];
    while size < target {
        // No detail twice in a story, while there are unused ones.
        let mut k = r.below(FILLER.len());
        if used.iter().any(|u| !u) {
            while used[k] {
                k = (k + 1) % FILLER.len();
            }
        }
        used[k] = true;
        let s = sentence(FILLER[k], r);
        size += s.len() + 1;
        let p = r.below(n_parts);
        let at = r.below(parts[p].len() + 1);
        parts[p].insert(at, s);
    }
    let with_code = r.chance(0.15);
    let with_list = r.chance(0.15);

    let mut out = String::with_capacity(target + 256);
    if r.chance(0.2) {
        out.push_str(&format!(
            "---\ntitle: \"{}\"\ntags: [failure, interview]\ndate: 2024-{:02}-{:02}\n---\n\n",
            fill("The {system} incident", r),
            r.between(1, 12),
            r.between(1, 28)
        ));
    }
    if r.chance(0.1) {
        out.push_str("<!-- draft: tighten before the panel interview -->\n\n");
    }
    let heading = r.pick(&["## ", "### ", "# "]);
    for (pi, sentences) in parts.iter().enumerate() {
        let label = fw.labels[pi];
        // A long part is two paragraphs.
        let split = if sentences.len() > 4 { sentences.len() / 2 } else { usize::MAX };
        let para = |ss: &[String]| ss.join(" ");
        let body = if split == usize::MAX {
            para(sentences)
        } else {
            format!("{}\n\n{}", para(&sentences[..split]), para(&sentences[split..]))
        };
        match markup {
            Markup::Headings => out.push_str(&format!("{heading}{label}\n\n{body}\n\n")),
            Markup::Bold => out.push_str(&format!("**{label}:** {body}\n\n")),
            Markup::Quoted => out.push_str(&format!("> **{label}:** {}\n\n", body.replace("\n\n", "\n>\n> "))),
            Markup::PlainLabels => out.push_str(&format!("{label}: {body}\n\n")),
            Markup::Slashes => out.push_str(&format!("// {label}\n{body}\n\n")),
            Markup::Prose => out.push_str(&format!("{body}\n\n")),
        }
        if pi == 2 && with_code {
            out.push_str(r.pick(CODE));
            out.push_str("\n\n");
        }
        if pi == 3 && with_list {
            out.push_str(&fill("- rolled back in {min} minutes\n- {few} follow-up tickets\n- a note to {name}\n\n", r));
        }
    }
    let out = out.trim_end().to_owned() + "\n";
    if r.chance(0.05) {
        out.replace('\n', "\r\n")
    } else {
        out
    }
}

/// Phrases for the baseline scan: what a naive flagger would look for (labels, red-flag and
/// strength phrases), ~200 of them.
pub fn scan_phrases() -> Vec<String> {
    let mut v: Vec<String> = [
        "situation",
        "task",
        "action",
        "result",
        "learning",
        "lesson",
        "lessons learned",
        "context",
        "what went wrong",
        "my response",
        "what i learned",
        "outcome",
        "the failure",
        "my role",
        "background",
        "the mistake",
        "takeaway",
        "since then",
        "root cause",
        "the root cause was",
        "i was wrong",
        "my mistake",
        "my fault",
        "i take full responsibility",
        "i told my manager",
        "i owned",
        "post-mortem",
        "postmortem",
        "retro",
        "runbook",
        "i added",
        "i now",
        "now i always",
        "i learned",
        "i learnt",
        "we learned",
        "communication is key",
        "lessons were learned",
        "mistakes were made",
        "errors were made",
        "was pushed to production",
        "was deployed",
        "were missed",
        "got dropped",
        "kept changing",
        "moved the goalposts",
        "scope creep",
        "not enough time",
        "didn't have enough time",
        "no time",
        "understaffed",
        "unrealistic deadline",
        "impossible deadline",
        "tight deadline",
        "out of my control",
        "beyond our control",
        "had no choice",
        "hands were tied",
        "did my best",
        "did the best i could",
        "under the circumstances",
        "legacy code",
        "was a mess",
        "nightmare",
        "disaster",
        "catastrophe",
        "chaos",
        "meltdown",
        "train wreck",
        "dumpster fire",
        "all hell broke loose",
        "panicked",
        "on fire",
        "total mess",
        "kind of",
        "sort of",
        "i guess",
        "maybe",
        "a bit",
        "somewhat",
        "perhaps",
        "i think",
        "just a",
        "only a",
        "tiny",
        "minor",
        "a few users",
        "no big deal",
        "not a big deal",
        "trivial",
        "small bug",
        "perfectionist",
        "too detail-oriented",
        "work too hard",
        "care too much",
        "i've never failed",
        "never really failed",
        "can't think of",
        "i'm an idiot",
        "i'm terrible",
        "so stupid",
        "i'm useless",
        "we we",
        "the team",
        "our team",
        "we decided",
        "we shipped",
        "percent",
        "%",
        "minutes",
        "hours",
        "customers",
        "users",
        "revenue",
        "latency",
        "€",
        "£",
        "¥",
        "$",
        "since then i",
        "three months later",
        "next time",
        "the next time",
        "ever since",
        "checklist",
        "alert",
        "monitoring",
        "feature flag",
        "rollback",
        "rolled back",
        "i apologised",
        "i apologized",
        "i escalated",
        "i flagged",
        "i informed",
        "i wrote to",
        "i called",
        "status update",
        "incident channel",
        "blameless",
        "my responsibility",
        "i should have",
        "i didn't check",
        "i assumed",
        "i skipped",
        "i missed",
        "not my fault",
        "nobody told me",
        "no one told me",
        "what else could i do",
        "i was asked to",
        "it was decided",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let others = ["qa", "my manager", "the vendor", "product", "the other team", "ops", "the client", "design"];
    let blame =
        ["should have caught", "never told me", "kept changing", "dropped the ball", "was to blame", "'s fault"];
    for o in others {
        for b in blame {
            v.push(format!("{o} {b}"));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stories_are_deterministic_and_about_two_kilobytes() {
        let sizes: Vec<usize> = (0..500).map(|i| story(7, i).len()).collect();
        assert_eq!(story(7, 123), story(7, 123));
        assert_ne!(story(7, 123), story(8, 123));
        let mean = sizes.iter().sum::<usize>() / sizes.len();
        assert!((1800..=2600).contains(&mean), "mean story size {mean}");
        assert!(sizes.iter().all(|&s| (1200..=3600).contains(&s)), "{sizes:?}");
    }

    #[test]
    fn about_two_hundred_phrases() {
        let n = scan_phrases().len();
        assert!((180..=240).contains(&n), "{n} phrases");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(48000), "48,000");
        assert_eq!(thousands(250000), "250,000");
    }

    #[test]
    fn placeholders_are_all_filled() {
        for i in 0..300 {
            let s = story(1, i);
            assert!(!s.contains(['{', '}']), "story {i}: {s}");
        }
    }
}
