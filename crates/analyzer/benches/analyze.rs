//! `cargo bench -p starl-analyzer`: `Analyzer::analyze` on a short, a typical and a long story.
//! The stories are written here, not read from `tests/cases`, so that the numbers stay comparable
//! when the cases change. For corpus-wide throughput and `starl lint` timings, see `starl-bench`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use starl_analyzer::Analyzer;

/// A few sentences of prose: the size of a spoken answer's first draft.
const SHORT: &str = "I shipped a config change on a Friday without a rollback plan, and checkout was down \
for 40 minutes. I rolled it back, told my manager it was my change, and now I write the rollback \
steps before the change.";

/// About 2 KB of Markdown with STAR-L headings, a red flag or two and the usual strengths.
const TYPICAL: &str = "\
---
title: The reminder-service timezone slip
---

## Situation
I was the backend engineer on a dental-practice booking app used by about 1,200 clinics. Reminder
texts went out the evening before each appointment, from a job I had written the year before.

## Task
I owned the reminder job and its alerts, and the clocks were about to change for summer time.

## Action
I had stored appointment times as local times without a zone, and I assumed the server's zone would
always match the clinics'. On the Sunday the clocks moved, every reminder went out an hour early and
about 3,000 patients were told the wrong time. Honestly, the requirements kept changing that month,
but the bug was mine. I noticed it from a support ticket at 07:40, paused the job, and wrote to the
clinics with the correct times by 09:00.

## Result
Around 40 patients still came an hour early, and two clinics asked for a written explanation. No
appointments were lost, but support spent the whole morning on the phone.

## Learning
The root cause was that I never tested the job across a clock change. I moved every stored time to
UTC with an explicit zone per clinic, and added a test that runs the job on both days of each change.
Since then I review every date field in a design for its zone; on the next project that check caught
the same class of bug before release.
";

fn long_story() -> String {
    // A rambling 6x story: the same shape, several times over, as a 15-minute answer would be.
    let mut s = String::from("## Situation\n");
    for i in 0..6 {
        s.push_str(&TYPICAL.replace("## ", &format!("### Part {i}: ")).replace("---\n", ""));
        s.push_str("\n\nIt was a total disaster 🔥, and QA should have caught it, I guess. ");
        s.push_str("The café’s “naïve” parser broke on Zoë’s résumé — twice.\n\n");
    }
    s
}

fn bench(c: &mut Criterion) {
    let analyzer = Analyzer::builtin();
    let long = long_story();
    let mut g = c.benchmark_group("analyze");
    for (name, text) in [("short", SHORT), ("typical", TYPICAL), ("long", long.as_str())] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(name, |b| b.iter(|| analyzer.analyze(black_box(text))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
