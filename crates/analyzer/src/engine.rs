//! [`Analyzer`]: one pass over a [`Document`] gives every pattern hit; context filters drop the
//! hits that are negated, quoted or otherwise not meant; story-level checks, themes, score,
//! category and question fit are computed from what is left.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::document::{Document, Syntax};
use crate::model::{Kind, PartId, RuleSet, Scope, Severity, Subject, Target, LEAD, NO_GATE, ONE_WORD};
use crate::pattern::{LexiconLookup, Vocab, WordPat, Words, NO_WORD};
use crate::report::{Diagnostic, PartSpan, Report, Strength, Structure, Themes};

/// The two stamp tables of the matching pass, kept per thread between analyses: zeroing them for
/// every story (a few KB each, for a rule set of ~2,000 patterns) cost more than a short story's
/// whole analysis. Each analysis stamps with numbers above every earlier one, so what an earlier
/// story (or another rule set) left in them never equals a current stamp; when the numbers would
/// overflow, the tables are zeroed and numbering starts again.
#[derive(Default)]
struct Stamps {
    marks: Vec<u32>,
    /// By word id: `seen[w] == stamp` when the sentence of that stamp holds the word.
    seen: Vec<u32>,
    offered: Vec<u32>,
    /// Stamps of this analysis are `mark_base + 1 ..= mark_base + sentences`.
    mark_base: u32,
    /// Places of this analysis are `place_base + 1 ..= place_base + tokens`.
    place_base: u32,
}

thread_local! {
    static STAMPS: std::cell::RefCell<Stamps> = std::cell::RefCell::new(Stamps::default());
}

impl Stamps {
    /// This thread's tables, sized for `groups` and `patterns`, with numbers reserved for
    /// `sentences` and `tokens`.
    fn take(groups: usize, words: usize, sentences: usize, patterns: usize, tokens: usize) -> Stamps {
        let mut s = STAMPS.with(|c| std::mem::take(&mut *c.borrow_mut()));
        let (next_mark, next_place) =
            (s.mark_base as u64 + sentences as u64 + 1, s.place_base as u64 + tokens as u64 + 1);
        if next_mark > u32::MAX as u64 || next_place > u32::MAX as u64 {
            s.marks.iter_mut().for_each(|m| *m = 0);
            s.seen.iter_mut().for_each(|m| *m = 0);
            s.offered.iter_mut().for_each(|m| *m = 0);
            s.mark_base = 0;
            s.place_base = 0;
        }
        if s.marks.len() < groups {
            s.marks.resize(groups, 0);
        }
        if s.seen.len() < words {
            s.seen.resize(words, 0);
        }
        if s.offered.len() < patterns {
            s.offered.resize(patterns, 0);
        }
        s
    }

    /// Give the tables back to the thread, with this analysis' numbers used up.
    fn put_back(mut self, sentences: usize, tokens: usize) {
        self.mark_base += sentences as u32;
        self.place_base += tokens as u32;
        STAMPS.with(|c| *c.borrow_mut() = self);
    }
}

/// How to analyse: the user's configuration, already resolved.
#[derive(Debug, Clone)]
pub struct Options {
    pub syntax: Syntax,
    /// Force a framework (`star`, `star-l`, `four-part`, `arc`); otherwise inferred.
    pub framework: Option<String>,
    pub words_per_minute: u32,
    /// `too-long` above this many seconds spoken.
    pub max_seconds: u32,
    /// `too-short` below this many words.
    pub min_words: usize,
    /// Rule ids not to report.
    pub disabled: Vec<String>,
    /// Severity overrides.
    pub severities: Vec<(String, Severity)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            syntax: Syntax::Markdown,
            framework: None,
            words_per_minute: 150,
            max_seconds: 180,
            min_words: 80,
            disabled: Vec::new(),
            severities: Vec::new(),
        }
    }
}

/// A problem with [`Options`] against a [`RuleSet`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    #[error("unknown rule `{0}` (see `starl rules`)")]
    UnknownRule(String),
    #[error("unknown framework `{0}` (expected one of: {1})")]
    UnknownFramework(String, String),
    #[error("words per minute must be between 60 and 400, not {0}")]
    BadPace(u32),
}

/// The analyzer: a compiled rule set and options. Cheap to share between threads.
#[derive(Debug)]
pub struct Analyzer {
    rules: RuleSet,
    options: Options,
    negators: LexCheck,
    subjects: LexCheck,
    /// A party word right after one of these (and any determiners) is an object, not a subject.
    prepositions: LexCheck,
    determiners: LexCheck,
    /// Rules the engine reasons with, resolved once: `lesson`, `generic-learning`, `concrete`.
    lesson_rule: Option<u16>,
    generic_rule: Option<u16>,
    concrete_rule: Option<u16>,
    i_words: LexCheck,
    we_words: LexCheck,
    /// By vocabulary id: is the word in neither `i_words` nor `we_words`? That settles it for
    /// most words of a story. Empty when a list has a wildcard: then every word is tested.
    unlisted: Vec<bool>,
    /// `(rule, by)`: a hit of `rule` is dropped when `by` has a hit after it in the same sentence,
    /// past a word of the `contrast` lexicon.
    in_sentence_cancels: Vec<(u16, u16)>,
    contrast: LexCheck,
}

/// A lexicon compiled for the context checks, which ask of every word near a hit (and of every
/// word of the story, for `we`/`I`) whether it is, or ends, an entry: exact words are compared by
/// vocabulary id, and phrases are looked up by their last word instead of scanned.
#[derive(Debug, Default)]
struct LexCheck {
    /// One-word entries that are exact words: sorted ids.
    words: Vec<u32>,
    /// One-word entries that are wildcards.
    wild_words: Vec<WordPat>,
    /// Every entry, each word with its id ([`NO_WORD`] for a wildcard).
    phrases: Vec<Vec<(WordPat, u32)>>,
    /// Indices into `phrases` by the id of their last word; `wild_last`: those ending in a wildcard.
    by_last: FxHashMap<u32, Vec<u32>>,
    wild_last: Vec<u32>,
}

impl LexCheck {
    fn new(rules: &RuleSet, name: &str, vocab: &Vocab) -> LexCheck {
        let mut c = LexCheck::default();
        let Some(id) = rules.lexicon_id(name) else { return c };
        for p in &rules.lexicon(id).phrases {
            let words: Vec<(WordPat, u32)> = p
                .iter()
                .map(|w| {
                    let id = match w {
                        WordPat::Exact(e) => vocab.get(e),
                        _ => NO_WORD,
                    };
                    (w.clone(), id)
                })
                .collect();
            let Some(&(ref last, last_id)) = words.last() else { continue };
            if words.len() == 1 {
                match last_id {
                    NO_WORD => c.wild_words.push(last.clone()),
                    id => c.words.push(id),
                }
            }
            let i = c.phrases.len() as u32;
            match last_id {
                NO_WORD => c.wild_last.push(i),
                id => c.by_last.entry(id).or_default().push(i),
            }
            c.phrases.push(words);
        }
        c.words.sort_unstable();
        c.words.dedup();
        c
    }

    /// Is `w` (of vocabulary id `id`) a one-word entry?
    #[inline]
    fn contains(&self, w: &str, id: u32) -> bool {
        (id != NO_WORD && self.words.binary_search(&id).is_ok()) || self.wild_words.iter().any(|p| p.matches(w))
    }

    /// Does an entry end at word `k` of `words`/`ids`?
    fn ends_at(&self, words: &[&str], ids: &[u32], k: usize) -> bool {
        let test = |&i: &u32| {
            let p = &self.phrases[i as usize];
            p.len() <= k + 1
                && p.iter()
                    .zip(&words[k + 1 - p.len()..=k])
                    .zip(&ids[k + 1 - p.len()..=k])
                    .all(|((&(ref pat, pid), w), &id)| if pid == NO_WORD { pat.matches(w) } else { pid == id })
        };
        self.by_last.get(&ids[k]).is_some_and(|v| v.iter().any(test)) || self.wild_last.iter().any(test)
    }
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    rule: u16,
    sentence: u32,
    /// Global token range.
    t0: u32,
    t1: u32,
}

/// Words that a story-level fact can be named by in `unless`, themes and questions, besides rule
/// ids: `lesson` (a lesson is stated), `specific-lesson` (a lesson that is not generic),
/// `part:NAME` (that part is present).
struct Facts {
    present: Vec<bool>,
    lesson: bool,
    specific_lesson: bool,
    parts_found: Vec<PartId>,
}

impl Analyzer {
    pub fn new(rules: RuleSet, options: Options) -> Result<Analyzer, OptionsError> {
        for id in options.disabled.iter().chain(options.severities.iter().map(|(id, _)| id)) {
            if rules.rule(id).is_none() {
                return Err(OptionsError::UnknownRule(id.clone()));
            }
        }
        if let Some(f) = &options.framework {
            if rules.framework(f).is_none() {
                let all: Vec<_> = rules.frameworks.iter().map(|f| f.id.as_str()).collect();
                return Err(OptionsError::UnknownFramework(f.clone(), all.join(", ")));
            }
        }
        if !(60..=400).contains(&options.words_per_minute) {
            return Err(OptionsError::BadPace(options.words_per_minute));
        }
        let lex = |name: &str| LexCheck::new(&rules, name, &rules.vocab);
        let (i_words, we_words) = (lex("i_words"), lex("we_words"));
        let mut unlisted = Vec::new();
        if i_words.wild_words.is_empty() && we_words.wild_words.is_empty() {
            unlisted = vec![true; rules.vocab.len()];
            for &id in i_words.words.iter().chain(&we_words.words) {
                unlisted[id as usize] = false;
            }
        }
        Ok(Analyzer {
            negators: lex("negators"),
            lesson_rule: rules.rule_index("lesson"),
            generic_rule: rules.rule_index("generic-learning"),
            concrete_rule: rules.rule_index("concrete"),
            subjects: lex("third_person_subjects"),
            prepositions: lex("prepositions"),
            determiners: lex("determiners"),
            i_words,
            we_words,
            unlisted,
            contrast: lex("contrast"),
            in_sentence_cancels: rules
                .rules
                .iter()
                .enumerate()
                .flat_map(|(i, r)| {
                    let rules = &rules;
                    r.unless_later_in_sentence.iter().filter_map(move |u| rules.rule_index(u).map(|by| (i as u16, by)))
                })
                .collect(),
            rules,
            options,
        })
    }

    /// The built-in rules with default options.
    pub fn builtin() -> Analyzer {
        Analyzer::new(RuleSet::builtin(), Options::default()).expect("default options are valid")
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Analyse one story, read with the syntax of the options. Never fails: any text gives a report.
    pub fn analyze(&self, text: &str) -> Report {
        self.analyze_as(text, self.options.syntax)
    }

    /// Analyse one story read as `syntax` (a `.txt` transcript as [`Syntax::Plain`], say).
    pub fn analyze_as(&self, text: &str, syntax: Syntax) -> Report {
        let rs = &self.rules;
        let doc = Document::parse(text, syntax, &rs.labels);
        let n_sent = doc.sentences.len();

        // 1. One pass: every pattern hit.
        let mut hits: Vec<Hit> = Vec::new();
        let mut part_cues: Vec<Vec<(PartId, u32)>> = vec![Vec::new(); n_sent];
        let mut category_hits = vec![0u32; rs.categories.len()];
        let mut question_hits = vec![0usize; rs.questions.len()];
        // Every word of the story, normalised, and its vocabulary id: looked up once, here.
        let norms: Vec<&str> = (0..doc.tokens.len()).map(|t| doc.norm(t)).collect();
        let ids: Vec<u32> = norms.iter().map(|w| rs.vocab.get(w)).collect();
        // `seen[w] == mark_base + si + 1`: sentence `si` holds word `w`; `marks[g]` the same for
        // a word of large group `g` (small groups are tested through `seen`: `RuleSet::may_match`).
        // `offered[key] == place_base + t + 1`: pattern `key` was already tried at token `t`.
        let mut stamps =
            Stamps::take(rs.group_count as usize, rs.vocab.len(), n_sent, rs.patterns.len(), doc.tokens.len());
        let (mark_base, place_base) = (stamps.mark_base, stamps.place_base);
        let Stamps { marks, seen, offered, .. } = &mut stamps;
        let mut cands: Vec<(u32, u32)> = Vec::with_capacity(64);
        for (si, s) in doc.sentences.iter().enumerate() {
            let words = Words { text: &norms[s.tokens.clone()], ids: &ids[s.tokens.clone()] };
            let stamp = mark_base + si as u32 + 1;
            for &id in words.ids {
                if let Some(mark) = seen.get_mut(id as usize) {
                    *mark = stamp;
                    for &g in rs.groups_of(id) {
                        marks[g as usize] = stamp;
                    }
                }
            }
            let base = s.tokens.start as u32;
            for i in 0..words.text.len() {
                let next = std::array::from_fn(|d| words.ids.get(i + 1 + d).copied().unwrap_or(NO_WORD));
                // Gathered first, then tried in a plain loop: a call of a closure per candidate
                // (about three a word) cost more than the tests that reject most of them.
                cands.clear();
                rs.index.candidates(words.text[i], words.ids[i], next, |k| cands.push(k));
                for &(pk, gate) in cands.iter() {
                    // A pattern that starts with `_` is offered at its second word.
                    let (pk, i) = match pk & LEAD {
                        0 => (pk, i),
                        _ if i == 0 => continue,
                        _ => (pk & !LEAD, i - 1),
                    };
                    let one_word = pk & ONE_WORD != 0;
                    let pk = pk & !ONE_WORD;
                    if !one_word && gate != NO_GATE && seen.get(gate as usize) != Some(&stamp) {
                        continue;
                    }
                    let place = place_base + base + i as u32 + 1;
                    if std::mem::replace(&mut offered[pk as usize], place) == place {
                        continue;
                    }
                    // A one-word pattern was offered because its word passed: that is its match
                    // (and its one requirement, that word, is met).
                    let (target, pat) = &rs.patterns[pk as usize];
                    let end = if one_word {
                        Some(i + 1)
                    } else if rs.may_match(pk, marks, seen, stamp) {
                        pat.match_at(words, i, rs)
                    } else {
                        continue;
                    };
                    if let Some(end) = end {
                        match *target {
                            Target::Rule(r) => hits.push(Hit {
                                rule: r,
                                sentence: si as u32,
                                t0: base + i as u32,
                                t1: base + end as u32,
                            }),
                            Target::PartCue(p) => {
                                if !part_cues[si].iter().any(|&(q, key)| q == p && key == pk) {
                                    part_cues[si].push((p, pk));
                                }
                            }
                            Target::Category(c) => category_hits[c as usize] += 1,
                            Target::Question(q) => question_hits[q as usize] += 1,
                        }
                    }
                }
            }
        }

        stamps.put_back(n_sent, doc.tokens.len());

        // 2. Context: drop negated, quoted, agent-bearing and wrong-subject hits; then overlaps.
        hits.retain(|h| self.keep_hit(&doc, h, &norms, &ids));
        // A hit followed, later in its sentence and after a contrast word (`but`, `though`, ...),
        // by a hit of one of its rule's `unless_later_in_sentence` rules: "QA approved it too,
        // but the call was mine" (not "the spec kept changing, so I rushed it").
        if !self.in_sentence_cancels.is_empty() {
            let cancelled: Vec<bool> = hits
                .iter()
                .map(|h| {
                    self.in_sentence_cancels.iter().any(|&(r, by)| {
                        r == h.rule
                            && hits.iter().any(|b| {
                                b.rule == by
                                    && b.sentence == h.sentence
                                    && b.t0 >= h.t1
                                    && (h.t1 as usize..b.t0 as usize).any(|k| self.contrast.contains(norms[k], ids[k]))
                            })
                    })
                })
                .collect();
            let mut i = 0;
            hits.retain(|_| {
                i += 1;
                !cancelled[i - 1]
            });
        }
        hits.sort_by_key(|h| (h.rule, h.t0, std::cmp::Reverse(h.t1)));
        let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
        for h in hits {
            if let Some(last) = kept.last() {
                if last.rule == h.rule && h.t0 < last.t1 {
                    continue;
                }
            }
            kept.push(h);
        }
        let mut hits = kept;

        // 3. Structure: parts by label, or by cue in plain prose.
        let distinct_labels: FxHashSet<PartId> = doc.sections.iter().map(|s| s.part).collect();
        let headed = distinct_labels.len() >= rs.analysis.headed_min_labels;
        let sentence_parts = if headed {
            doc.sentences.iter().map(|s| s.section.map(|i| doc.sections[i].part)).collect::<Vec<_>>()
        } else {
            self.classify_prose(&doc, &part_cues)
        };
        let framework = self.choose_framework(headed, &distinct_labels);
        let fw = rs.framework(&framework);
        let learning_part = rs.part_id("learning");

        // 4. Lesson sentences, scope, facts.
        // Which sentences hold a hit of `rule` (all of them when the rule set has no such rule).
        let sentences_with = |hits: &[Hit], rule: Option<u16>, absent: bool| {
            let mut marks = vec![rule.is_none() && absent; n_sent];
            for h in hits.iter().filter(|h| Some(h.rule) == rule) {
                marks[h.sentence as usize] = true;
            }
            marks
        };
        let mut lesson_sentence = sentences_with(&hits, self.lesson_rule, false);
        if headed {
            for (si, p) in sentence_parts.iter().enumerate() {
                if p.is_some() && *p == learning_part {
                    lesson_sentence[si] = true;
                }
            }
        }
        hits.retain(|h| match rs.rules[h.rule as usize].scope {
            Scope::Any => true,
            Scope::Lesson => {
                lesson_sentence[h.sentence as usize]
                    || (!headed
                        && h.sentence as usize + rs.analysis.closing_lesson_sentences >= n_sent
                        && !norms[h.t0 as usize..h.t1 as usize]
                            .iter()
                            .any(|w| rs.analysis.closing_lesson_past.iter().any(|p| p == w)))
            }
            // Only by labels: in prose the part of a sentence is a guess from cues, and a fix
            // told in plain narrative is often taken for more of the situation.
            Scope::AfterSetup => {
                !headed || !sentence_parts[h.sentence as usize].is_some_and(|p| rs.analysis.setup_parts.contains(&p))
            }
        });
        let mut present = vec![false; rs.rules.len()];
        for h in &hits {
            present[h.rule as usize] = true;
        }
        let generic = self.generic_rule;
        let generic_sentence = sentences_with(&hits, generic, false);
        // A lesson is specific when it is not a known platitude *and* says something concrete (a
        // practice, a technical thing, a number, a comparison): an unknown platitude is generic too.
        let concrete_sentence = sentences_with(&hits, self.concrete_rule, true);
        let specific_lesson =
            (0..n_sent).any(|si| lesson_sentence[si] && !generic_sentence[si] && concrete_sentence[si]);
        // Lessons stated, none of them specific, no known platitude among them: report the first
        // lesson sentence as generic.
        if let Some(g) = generic {
            let first_lesson = (0..n_sent).find(|&si| lesson_sentence[si]);
            if let (Some(si), false) = (first_lesson, generic_sentence.iter().any(|&b| b) || specific_lesson) {
                let s = &doc.sentences[si];
                hits.push(Hit { rule: g, sentence: si as u32, t0: s.tokens.start as u32, t1: s.tokens.end as u32 });
                present[g as usize] = true;
            }
        }
        let parts_found: Vec<PartId> = {
            let mut v: Vec<PartId> = sentence_parts.iter().flatten().copied().collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let mut facts = Facts { present, lesson: lesson_sentence.iter().any(|&b| b), specific_lesson, parts_found };

        // `unless`: a rule whose excusing fact is present says nothing.
        let suppressed: Vec<bool> = rs.rules.iter().map(|r| r.unless.iter().any(|u| self.fact(&facts, u))).collect();
        hits.retain(|h| !suppressed[h.rule as usize]);
        for (i, s) in suppressed.iter().enumerate() {
            if *s {
                facts.present[i] = false;
            }
        }

        // 5. Story-level checks.
        let words_n = doc.word_count();
        let spoken_seconds = ((words_n as u64 * 60 + self.options.words_per_minute as u64 / 2)
            / self.options.words_per_minute as u64) as u32;
        let mut story: Vec<(&str, Option<String>)> = Vec::new();
        let has = |id: &str| self.fact(&facts, id);
        if !(facts.lesson || has("applied-later") || has("generic-learning")) {
            story.push(("no-learning", None));
        }
        if !has("applied-later") {
            story.push(("no-change", None));
        }
        if !has("quantified") {
            story.push(("no-specifics", None));
        }
        if has("external-force") && !has("owns-it") && !has("personal-agency") {
            story.push(("external-only", None));
        }
        if self.we_heavy(&doc, &norms, &ids, &sentence_parts, &lesson_sentence, learning_part) {
            story.push(("we-instead-of-i", None));
        }
        if spoken_seconds > self.options.max_seconds {
            story.push(("too-long", None));
        }
        if words_n < self.options.min_words {
            story.push(("too-short", None));
        }
        let mut part_spans = Vec::new();
        if let Some(fw) = fw {
            let map_part = |p: PartId| -> PartId {
                fw.parts.iter().copied().find(|&fp| rs.parts[fp as usize].same_as.contains(&p)).unwrap_or(p)
            };
            for &fp in &fw.parts {
                let accepted = &rs.parts[fp as usize].same_as;
                let found = facts.parts_found.iter().any(|p| accepted.contains(p));
                let required = headed || rs.analysis.prose_required_parts.iter().any(|p| accepted.contains(p));
                if !found && required {
                    story.push(("missing-part", Some(rs.parts[fp as usize].name.clone())));
                }
            }
            part_spans = self.part_spans(&doc, headed, &sentence_parts, map_part);
        }

        // 6. Report what is enabled.
        let mut disabled: FxHashSet<&str> = self.options.disabled.iter().map(String::as_str).collect();
        disabled.extend(doc.disabled.iter().map(String::as_str));
        let severity = |id: &str, default: Severity| {
            self.options.severities.iter().rev().find(|(r, _)| r == id).map_or(default, |(_, s)| *s)
        };
        let mut diagnostics = Vec::new();
        let mut strengths = Vec::new();
        for h in &hits {
            let r = &rs.rules[h.rule as usize];
            if disabled.contains(r.id.as_str()) {
                continue;
            }
            let (start, end) =
                widen_over_symbols(text, doc.tokens[h.t0 as usize].start, doc.tokens[h.t1 as usize - 1].end);
            let (line, column) = doc.line_col(start);
            let excerpt = text[start..end].to_owned();
            match r.kind {
                Kind::RedFlag => {
                    // Most rules have no rewrites: skip building the key for them.
                    let replacement = if r.rewrites.is_empty() {
                        None
                    } else {
                        let key = normalise_phrase(&excerpt);
                        r.rewrites.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
                    };
                    diagnostics.push(Diagnostic {
                        rule: r.id.clone(),
                        severity: severity(&r.id, r.severity),
                        message: r.message.clone(),
                        help: r.help.clone(),
                        start: Some(start),
                        end: Some(end),
                        line: Some(line),
                        column: Some(column),
                        excerpt: Some(excerpt),
                        replacement,
                    });
                }
                Kind::Strength => strengths.push(Strength { rule: r.id.clone(), start, end, line, column, excerpt }),
                Kind::Story | Kind::Signal => {}
            }
        }
        for (id, part) in story {
            let Some(r) = rs.rule(id) else { continue };
            if disabled.contains(id) {
                continue;
            }
            let fill = |s: &str| match &part {
                Some(p) => s.replace("{part}", p),
                None => s.to_owned(),
            };
            diagnostics.push(Diagnostic {
                rule: id.to_owned(),
                severity: severity(id, r.severity),
                message: fill(&r.message),
                help: fill(&r.help),
                start: None,
                end: None,
                line: None,
                column: None,
                excerpt: None,
                replacement: None,
            });
        }
        diagnostics.sort_by_key(|d| d.start.unwrap_or(usize::MAX));
        strengths.sort_by_key(|s| s.start);

        // 7. Themes, score, category, fits: from what is reported.
        let reported: FxHashSet<&str> =
            diagnostics.iter().map(|d| d.rule.as_str()).chain(strengths.iter().map(|s| s.rule.as_str())).collect();
        let known = |id: &str| {
            reported.contains(id)
                || (!rs.rule(id).is_some_and(|r| matches!(r.kind, Kind::RedFlag | Kind::Strength | Kind::Story))
                    && self.fact(&facts, id))
        };
        let (themes, score) = self.score(&known);
        let category = rs
            .categories
            .iter()
            .enumerate()
            .max_by(|&(i, a), &(j, b)| {
                (category_hits[i] as f32 * a.weight)
                    .partial_cmp(&(category_hits[j] as f32 * b.weight))
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(j.cmp(&i))
            })
            .map(|(_, c)| c.id.clone())
            .unwrap_or_default();
        let fits = rs
            .questions
            .iter()
            .enumerate()
            .filter(|&(i, q)| {
                question_hits[i] >= q.min_cues
                    && (q.requires_any.is_empty() || q.requires_any.iter().any(|r| known(r)))
                    && !q.excludes.iter().any(|r| known(r))
            })
            .map(|(_, q)| q.id.clone())
            .collect();
        Report {
            words: words_n,
            spoken_seconds,
            framework,
            structure: if headed { Structure::Headings } else { Structure::Prose },
            parts: part_spans,
            diagnostics,
            strengths,
            themes,
            score,
            category,
            fits,
        }
    }

    /// Is a rule id or derived fact true of the story (before reporting filters)?
    fn fact(&self, facts: &Facts, id: &str) -> bool {
        match id {
            "lesson" => facts.lesson,
            "specific-lesson" => facts.specific_lesson,
            _ => {
                if let Some(p) = id.strip_prefix("part:") {
                    let Some(pid) = self.rules.part_id(p) else { return false };
                    let same = &self.rules.parts[pid as usize].same_as;
                    return facts.parts_found.iter().any(|f| same.contains(f));
                }
                self.rules.rule_index(id).is_some_and(|i| facts.present[i as usize])
            }
        }
    }

    /// `norms` and `ids` are the normalised words of the story and their vocabulary ids.
    fn keep_hit(&self, doc: &Document, h: &Hit, norms: &[&str], ids: &[u32]) -> bool {
        let r = &self.rules.rules[h.rule as usize];
        let s = &doc.sentences[h.sentence as usize];
        let (t0, t1) = (h.t0 as usize, h.t1 as usize);
        let first = s.tokens.start;
        if r.quotable && doc.tokens[t0].quoted {
            return false;
        }
        if !r.not_followed_by.is_empty() {
            let stop = (t1 + 3).min(s.tokens.end);
            if (t1..stop).any(|k| r.not_followed_by.iter().any(|p| p.matches(doc.norm(k)))) {
                return false;
            }
        }
        if !r.not_preceded_by.is_empty() && t0 > first && r.not_preceded_by.iter().any(|p| p.matches(doc.norm(t0 - 1)))
        {
            return false;
        }
        if r.negatable || r.subject.is_some() {
            let words = &norms[first..t0];
            let word_ids = &ids[first..t0];
            if r.negatable {
                let clause = doc.tokens[t0].clause;
                let lo = t0.saturating_sub(self.rules.analysis.negation_window).max(first);
                for k in (lo..t0).rev() {
                    if doc.tokens[k].clause != clause {
                        break;
                    }
                    if self.negators.ends_at(words, word_ids, k - first) {
                        return false;
                    }
                }
            }
            if let Some(subject) = r.subject {
                // Only within the match's clause: in "I told the owner as soon as a store manager
                // reported it, fixed it and added tests", the manager is not who added them.
                let clause = doc.tokens[t0].clause;
                for (k, (w, &id)) in words.iter().zip(word_ids).enumerate().rev() {
                    if doc.tokens[first + k].clause != clause {
                        break;
                    }
                    match *w {
                        "i" | "i've" | "i'd" | "i'm" | "i'll" => break,
                        "we" | "we've" | "we'd" | "we're" | "we'll" if subject == Subject::FirstPerson => break,
                        "we" | "we've" | "we'd" | "we're" | "we'll" | "he" | "she" | "they" | "you" | "he'd"
                        | "she'd" | "they'd" | "they've" | "you'd" => return false,
                        w if self.subjects.contains(w, id) && !self.object_at(words, word_ids, k) => return false,
                        _ => {}
                    }
                }
            }
        }
        true
    }

    /// Is word `k` of `words` the object of a preposition ("from a customer escalation", "to the
    /// client"): a preposition before it, determiners and up to one other word allowed between?
    fn object_at(&self, words: &[&str], ids: &[u32], k: usize) -> bool {
        let mut j = k;
        let mut others = 0;
        while j > 0 {
            j -= 1;
            if self.prepositions.contains(words[j], ids[j]) {
                return true;
            }
            if !self.determiners.contains(words[j], ids[j]) {
                others += 1;
                if others > 1 {
                    return false;
                }
            }
        }
        false
    }

    /// Assign parts to the sentences of unlabelled prose by cue words and position.
    fn classify_prose(&self, doc: &Document, cues: &[Vec<(PartId, u32)>]) -> Vec<Option<PartId>> {
        let rs = &self.rules;
        let n = doc.sentences.len();
        let mut out: Vec<Option<PartId>> = Vec::with_capacity(n);
        let mut scores = vec![0f32; rs.parts.len()];
        for (si, sentence_cues) in cues.iter().enumerate().take(n) {
            // A lone label ("Lesson: ...") in otherwise plain prose is a strong hint.
            if let Some(sec) = doc.sentences[si].section {
                out.push(Some(doc.sections[sec].part));
                continue;
            }
            scores.iter_mut().for_each(|s| *s = 0.0);
            for &(p, _) in sentence_cues {
                scores[p as usize] += 2.0;
            }
            for (pi, part) in rs.parts.iter().enumerate() {
                match part.position.as_deref() {
                    Some("first") if si == 0 => scores[pi] += 1.5,
                    Some("first") if si == 1 => scores[pi] += 0.5,
                    Some("last") if si + 1 == n && n > 2 => scores[pi] += 0.75,
                    _ => {}
                }
            }
            let prev = out.last().copied().flatten();
            if let Some(p) = prev {
                scores[p as usize] += 0.25;
            }
            let best = scores
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.partial_cmp(b.1).unwrap_or(std::cmp::Ordering::Equal).then(b.0.cmp(&a.0)))
                .filter(|(_, &s)| s > 0.3)
                .map(|(i, _)| i as PartId);
            out.push(best.or(prev));
        }
        out
    }

    fn choose_framework(&self, headed: bool, labels: &FxHashSet<PartId>) -> String {
        let rs = &self.rules;
        if let Some(f) = &self.options.framework {
            return f.clone();
        }
        if headed {
            // Most labels explained, fewest parts missing; exact label ids beat equivalents.
            let best = rs.frameworks.iter().max_by_key(|f| {
                let exact = labels.iter().filter(|l| f.parts.contains(l)).count() as i32;
                let covered = labels
                    .iter()
                    .filter(|&&l| f.parts.iter().any(|&fp| rs.parts[fp as usize].same_as.contains(&l)))
                    .count() as i32;
                let missing = f
                    .parts
                    .iter()
                    .filter(|&&fp| !labels.iter().any(|l| rs.parts[fp as usize].same_as.contains(l)))
                    .count() as i32;
                (covered * 10 + exact * 3 - missing * 4, -(f.parts.len() as i32))
            });
            if let Some(f) = best {
                return f.id.clone();
            }
        }
        rs.analysis.default_framework.clone()
    }

    fn part_spans(
        &self,
        doc: &Document,
        headed: bool,
        sentence_parts: &[Option<PartId>],
        map_part: impl Fn(PartId) -> PartId,
    ) -> Vec<PartSpan> {
        let rs = &self.rules;
        let mut out = Vec::new();
        if headed {
            for s in &doc.sections {
                out.push(PartSpan {
                    part: rs.parts[map_part(s.part) as usize].id.clone(),
                    start: s.start,
                    end: s.end,
                    line: doc.line_col(s.start).0,
                });
            }
            return out;
        }
        let mut i = 0;
        while i < doc.sentences.len() {
            let Some(p) = sentence_parts[i] else {
                i += 1;
                continue;
            };
            let mut j = i;
            while j + 1 < doc.sentences.len() && sentence_parts[j + 1] == Some(p) {
                j += 1;
            }
            let start = doc.sentences[i].start;
            out.push(PartSpan {
                part: rs.parts[map_part(p) as usize].id.clone(),
                start,
                end: doc.sentences[j].end,
                line: doc.line_col(start).0,
            });
            i = j + 1;
        }
        out
    }

    /// Far more "we" than "I" where the story tells what happened and what was done (the
    /// learning part excepted).
    fn we_heavy(
        &self,
        doc: &Document,
        norms: &[&str],
        ids: &[u32],
        parts: &[Option<PartId>],
        lesson: &[bool],
        learning: Option<PartId>,
    ) -> bool {
        let (mut we, mut i) = (0u32, 0u32);
        for (si, s) in doc.sentences.iter().enumerate() {
            if lesson[si] || (parts[si].is_some() && parts[si] == learning) {
                continue;
            }
            for t in s.tokens.clone() {
                let (w, id) = (norms[t], ids[t]);
                // Most words are neither: one look-up by id says so.
                match self.unlisted.get(id as usize) {
                    Some(true) => {}
                    _ if self.we_words.contains(w, id) => we += 1,
                    _ if self.i_words.contains(w, id) => i += 1,
                    _ => {}
                }
            }
        }
        let a = &self.rules.analysis;
        we >= a.we_min && we as f32 >= a.we_ratio * i as f32
    }

    fn score(&self, known: &dyn Fn(&str) -> bool) -> (Themes, u8) {
        let rs = &self.rules;
        let mut themes = Themes::default();
        let (mut sum, mut wsum) = (0f32, 0f32);
        for t in &rs.themes {
            let mut v = t.base;
            for (id, d) in &t.raise {
                if known(id) {
                    v += d;
                }
            }
            for (id, d) in &t.lower {
                if known(id) {
                    v -= d;
                }
            }
            let v = v.clamp(0, 100) as u8;
            match t.id.as_str() {
                "ownership" => themes.ownership = v,
                "transparency" => themes.transparency = v,
                "learning" => themes.learning = v,
                "resilience" => themes.resilience = v,
                "prevention" => themes.prevention = v,
                _ => {}
            }
            sum += t.weight * v as f32;
            wsum += t.weight;
        }
        let mut score = if wsum > 0.0 { sum / wsum } else { 0.0 };
        for (id, p) in &rs.score.penalties {
            if known(id) {
                score -= *p as f32;
            }
        }
        let mut score = score.round().clamp(0.0, 100.0) as u8;
        if rs.score.cap_rules.iter().any(|id| known(id)) {
            score = score.min(rs.score.cap);
        }
        (themes, score)
    }
}

/// Widen a span over a currency sign just before it and a percent or per-mille sign just after
/// it, so that "$2,000" and "15%" are quoted whole (symbols are not words).
fn widen_over_symbols(text: &str, mut start: usize, mut end: usize) -> (usize, usize) {
    if let Some(c) = text[..start].chars().next_back() {
        if matches!(c, '$' | '€' | '£' | '¥' | '₹') {
            start -= c.len_utf8();
        }
    }
    if let Some(c) = text[end..].chars().next() {
        if matches!(c, '%' | '‰') {
            end += c.len_utf8();
        }
    }
    (start, end)
}

/// Lower case, single spaces, straight apostrophes: the key of a rewrite.
fn normalise_phrase(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase().replace('\u{2019}', "'")
}
