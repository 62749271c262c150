// starl: the live story editor. A transparent <textarea> sits on a mirrored backdrop <div> that
// holds the same text with red flags underlined and strengths marked; the textarea keeps the
// caret, selection, undo and IME exactly as the browser does them. Analysis is debounced and
// only the answer to the latest text is drawn.
'use strict';

(function () {
  const form = document.getElementById('story-form');
  if (!form) return;
  const body = document.getElementById('body');
  const backdrop = document.getElementById('backdrop');
  const tip = document.getElementById('tip');
  const title = document.getElementById('title');
  const framework = document.getElementById('framework');
  const ready = document.getElementById('ready');
  const saveStatus = document.getElementById('save-status');
  const questions = JSON.parse(document.getElementById('questions').textContent || '{}');
  const THEMES = ['ownership', 'transparency', 'learning', 'resilience', 'prevention'];
  const LIMIT = 180;

  let storyId = form.dataset.storyId || '';
  let seq = 0;
  let timer = 0;
  let report = null;
  let spans = []; // [{start, end, kind: 'flag'|'strength', item}] in UTF-16 indexes

  // Byte offsets (UTF-8) of the report to UTF-16 indexes of the JavaScript string.
  function byteIndex(text) {
    const map = new Map();
    let bytes = 0;
    let i = 0;
    map.set(0, 0);
    for (const ch of text) {
      const cp = ch.codePointAt(0);
      bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      i += ch.length;
      map.set(bytes, i);
    }
    return (b) => (map.has(b) ? map.get(b) : text.length);
  }

  function autosize() {
    body.style.height = 'auto';
    body.style.height = body.scrollHeight + 2 + 'px';
  }

  // Draw the backdrop: text nodes and <mark>s, never HTML from the text.
  function draw(text) {
    const cuts = new Set([0, text.length]);
    for (const s of spans) { cuts.add(s.start); cuts.add(s.end); }
    const points = [...cuts].filter((c) => c >= 0 && c <= text.length).sort((a, b) => a - b);
    const frag = document.createDocumentFragment();
    for (let k = 0; k + 1 < points.length; k++) {
      const a = points[k], b = points[k + 1];
      if (a === b) continue;
      const piece = text.slice(a, b);
      const flag = spans.find((s) => s.kind === 'flag' && s.start <= a && b <= s.end);
      const strength = spans.find((s) => s.kind === 'strength' && s.start <= a && b <= s.end);
      if (!flag && !strength) { frag.appendChild(document.createTextNode(piece)); continue; }
      const mark = document.createElement('mark');
      if (flag) {
        mark.className = 'flag sev-' + flag.item.severity;
        mark.dataset.rule = flag.item.rule;
        mark.dataset.span = String(spans.indexOf(flag));
      }
      if (strength) {
        mark.classList.add('strength');
        mark.dataset.strength = strength.item.rule;
        if (!flag) mark.dataset.span = String(spans.indexOf(strength));
      }
      mark.textContent = piece;
      frag.appendChild(mark);
    }
    // A trailing newline needs a character after it to take up its line, as in the textarea.
    frag.appendChild(document.createTextNode('\n\u200b'));
    backdrop.replaceChildren(frag);
  }

  function fmtTime(s) { return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); }

  function li(cls, parts) {
    const el = document.createElement('li');
    if (cls) el.className = cls;
    for (const p of parts) el.appendChild(typeof p === 'string' ? document.createTextNode(p) : p);
    return el;
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function selectSpan(s) {
    body.focus();
    body.setSelectionRange(s.start, s.end);
    showTipFor(s, null);
  }

  function render(r, text) {
    report = r;
    shown = text;
    const at = byteIndex(text);
    spans = [];
    r.diagnostics.forEach((d) => {
      if (d.start !== null && d.end !== null) spans.push({ start: at(d.start), end: at(d.end), kind: 'flag', item: d });
    });
    r.strengths.forEach((s) => spans.push({ start: at(s.start), end: at(s.end), kind: 'strength', item: s }));
    draw(text);

    const score = document.getElementById('score');
    score.textContent = String(r.score);
    score.dataset.score = String(r.score);
    for (const t of THEMES) {
      document.getElementById('theme-' + t).value = r.themes[t];
      const v = document.getElementById('theme-' + t + '-value');
      v.textContent = String(r.themes[t]);
      v.dataset.value = String(r.themes[t]);
    }
    document.getElementById('time-meter').value = r.spoken_seconds;
    const time = document.getElementById('time');
    time.textContent = fmtTime(r.spoken_seconds) + ' of 3:00' + (r.spoken_seconds > LIMIT ? ' (too long)' : '');
    time.classList.toggle('over', r.spoken_seconds > LIMIT);
    const found = new Set(r.parts.map((p) => p.part));
    document.querySelectorAll('#parts li').forEach((item) => {
      const has = found.has(item.dataset.part);
      item.classList.toggle('found', has);
      item.querySelector('.state').textContent = has ? ' found' : ' missing';
    });
    document.getElementById('framework-found').textContent =
      'Framework: ' + r.framework + (r.structure === 'headings' ? ' (from its headings)' : ' (inferred from prose)') +
      (r.parts.length ? '. Parts: ' + r.parts.map((p) => p.part).join(' → ') : '');

    const fits = document.getElementById('fits');
    fits.replaceChildren(...(r.fits.length ? r.fits.map((f) => li('', [questions[f] || f])) : [li('hint', ['None yet'])]));

    const findings = document.getElementById('findings');
    findings.replaceChildren(...r.diagnostics.map((d) => {
      const parts = [el('span', d.severity, 'sev sev-' + d.severity), ' ', el('code', d.rule), ' '];
      if (d.excerpt) parts.push(el('q', d.excerpt), ' ');
      parts.push(el('span', d.message, 'hears'));
      const help = el('span', 'Instead: ' + d.help, 'instead');
      parts.push(' ', help);
      const item = li('finding', parts);
      item.dataset.rule = d.rule;
      const s = spans.find((x) => x.item === d);
      if (s) {
        const b = el('button', 'Show in text', 'linkish');
        b.type = 'button';
        b.addEventListener('click', () => selectSpan(s));
        item.appendChild(document.createTextNode(' '));
        item.appendChild(b);
      }
      return item;
    }));
    if (!r.diagnostics.length) findings.replaceChildren(li('hint', ['No red flags.']));
    const strengths = document.getElementById('strengths');
    strengths.replaceChildren(...r.strengths.map((s) => li('strength-item', [el('code', s.rule), ' ', el('q', s.excerpt)])));
    if (!r.strengths.length) strengths.replaceChildren(li('hint', ['None yet.']));

    const flags = r.diagnostics.length;
    document.getElementById('summary').textContent =
      'Score ' + r.score + '/100, ' + flags + (flags === 1 ? ' finding' : ' findings') + ', ' +
      r.strengths.length + (r.strengths.length === 1 ? ' strength' : ' strengths') + ', ' + fmtTime(r.spoken_seconds) + ' spoken.';
    caretTip();
  }

  async function analyze() {
    const text = body.value;
    const mine = ++seq;
    const payload = { text };
    if (framework.value) payload.framework = framework.value;
    let result;
    try { result = await window.starl.api('POST', '/api/analyze', payload); } catch (e) { return; }
    if (mine !== seq || !result.ok) return; // an older answer, or an error: keep the last good one
    if (text !== body.value) return;
    render(result.data, text);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(analyze, 150);
  }

  // ---- the tooltip ----
  function showTipFor(s, point) {
    if (!s) { tip.hidden = true; return; }
    tip.replaceChildren();
    if (s.kind === 'flag') {
      const d = s.item;
      tip.appendChild(el('strong', d.severity + ': ' + d.rule));
      tip.appendChild(el('p', d.message));
      tip.appendChild(el('p', 'Say instead: ' + d.help));
      if (d.replacement !== undefined && d.replacement !== null) {
        tip.appendChild(el('p', d.replacement === '' ? 'Suggested: leave it out.' : 'Suggested: “' + d.replacement + '”'));
      }
    } else {
      tip.appendChild(el('strong', 'Strength: ' + s.item.rule));
      tip.appendChild(el('p', '“' + s.item.excerpt + '” works: keep it.'));
    }
    tip.hidden = false;
    const host = document.getElementById('editor').getBoundingClientRect();
    let x, y;
    const mark = backdrop.querySelector('mark[data-span="' + spans.indexOf(s) + '"]');
    if (point) { x = point.x; y = point.y + 18; } else if (mark) {
      const r = mark.getBoundingClientRect();
      x = r.left; y = r.bottom + 6;
    } else { x = host.left; y = host.top; }
    const width = Math.min(320, window.innerWidth - 16);
    tip.style.maxWidth = width + 'px';
    tip.style.left = Math.max(8, Math.min(x, window.innerWidth - width - 8)) + window.scrollX + 'px';
    tip.style.top = y + window.scrollY + 'px';
  }

  function spanAt(index) {
    return spans.find((s) => s.kind === 'flag' && s.start <= index && index < s.end) ||
      spans.find((s) => s.kind === 'strength' && s.start <= index && index < s.end);
  }

  function caretTip() {
    if (document.activeElement !== body) return;
    showTipFor(spanAt(body.selectionStart), null);
  }

  body.addEventListener('mousemove', (ev) => {
    const hit = document.elementsFromPoint(ev.clientX, ev.clientY).find((e) => e.tagName === 'MARK' && backdrop.contains(e));
    if (hit) showTipFor(spans[Number(hit.dataset.span)], { x: ev.clientX, y: ev.clientY });
    else if (document.activeElement !== body || !spanAt(body.selectionStart)) tip.hidden = true;
  });
  body.addEventListener('mouseleave', () => { if (document.activeElement !== body) tip.hidden = true; });
  body.addEventListener('keyup', caretTip);
  body.addEventListener('click', caretTip);
  body.addEventListener('blur', () => { tip.hidden = true; });
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') tip.hidden = true; });

  // Until the new analysis comes, marks before the edit stay, marks after it move with the text,
  // and marks the edit touched go.
  function shiftSpans(before, after) {
    let p = 0;
    const max = Math.min(before.length, after.length);
    while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
    let s = 0;
    while (s < max - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
    const oldEnd = before.length - s;
    const delta = after.length - before.length;
    spans = spans
      .filter((x) => x.end <= p || x.start >= oldEnd)
      .map((x) => (x.start >= oldEnd ? { ...x, start: x.start + delta, end: x.end + delta } : x));
  }

  let shown = body.value;
  body.addEventListener('input', () => {
    shiftSpans(shown, body.value);
    shown = body.value;
    draw(body.value);
    autosize();
    tip.hidden = true;
    schedule();
  });
  framework.addEventListener('change', schedule);
  window.addEventListener('resize', autosize);

  // ---- saving ----
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    saveStatus.textContent = 'Saving…';
    saveStatus.classList.remove('error');
    const payload = { title: title.value, body: body.value, framework: framework.value || null };
    const result = storyId
      ? await window.starl.api('PUT', '/api/stories/' + storyId, payload)
      : await window.starl.api('POST', '/api/stories', payload);
    if (!result.ok) {
      const data = result.data || {};
      saveStatus.textContent = data.error || 'Saving failed.';
      saveStatus.classList.add('error');
      if (data.field === 'title') { title.setAttribute('aria-invalid', 'true'); title.focus(); }
      return;
    }
    title.removeAttribute('aria-invalid');
    const saved = result.data.story;
    if (!storyId) {
      storyId = String(saved.id);
      form.dataset.storyId = storyId;
      ready.disabled = false;
      window.history.replaceState(null, '', '/stories/' + storyId);
    }
    saveStatus.textContent = 'Saved (score ' + saved.score + ').';
  });

  ready.addEventListener('change', async () => {
    if (!storyId) return;
    const result = await window.starl.api('PUT', '/api/stories/' + storyId + '/ready', { ready: ready.checked });
    saveStatus.textContent = result.ok ? (ready.checked ? 'Marked ready for the bank.' : 'No longer ready.') : 'Could not change: ' + ((result.data && result.data.error) || result.status);
  });

  draw(body.value);
  autosize();
  if (body.value.trim()) analyze();
})();
