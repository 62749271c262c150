// starl: a practice round. A visible three-minute countdown, the answer, the analyzer's feedback,
// and the history chart refreshed from the server.
'use strict';

(function () {
  const form = document.getElementById('practice-form');
  if (!form) return;
  const start = document.getElementById('start');
  const countdown = document.getElementById('countdown');
  const answer = document.getElementById('answer');
  const status = document.getElementById('practice-status');
  const LIMIT = 180;
  let started = 0;
  let ticker = 0;

  function fmt(s) { const a = Math.abs(s); return (s < 0 ? '-' : '') + Math.floor(a / 60) + ':' + String(a % 60).padStart(2, '0'); }

  function tick() {
    const elapsed = Math.floor((Date.now() - started) / 1000);
    const left = LIMIT - elapsed;
    countdown.textContent = fmt(left);
    countdown.classList.toggle('low', left <= 30 && left > 0);
    countdown.classList.toggle('over', left <= 0);
    if (left === 0) countdown.setAttribute('aria-live', 'assertive');
  }

  function begin() {
    if (started) return;
    started = Date.now();
    countdown.dataset.running = 'yes';
    start.textContent = 'Clock running';
    start.disabled = true;
    tick();
    ticker = setInterval(tick, 250);
  }

  start.addEventListener('click', () => { begin(); answer.focus(); });
  const question = document.getElementById('question');
  question.addEventListener('change', () => {
    document.querySelectorAll('#guidance [data-question]').forEach((g) => { g.hidden = g.dataset.question !== question.value; });
  });
  answer.addEventListener('input', begin);

  function el(tag, text, cls) { const e = document.createElement(tag); e.textContent = text; if (cls) e.className = cls; return e; }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const duration = started ? Math.round((Date.now() - started) / 1000) : null;
    status.textContent = 'Analysing…';
    status.classList.remove('error');
    const result = await window.starl.api('POST', '/api/practice', {
      question: document.getElementById('question').value,
      answer: answer.value,
      duration_seconds: duration,
    });
    if (!result.ok) { window.starl.showError(form, result); return; }
    clearInterval(ticker);
    countdown.dataset.running = 'no';
    status.textContent = 'Recorded.';
    const r = result.data.report;
    const fb = document.getElementById('feedback');
    fb.hidden = false;
    const pace = result.data.pace;
    const fillers = result.data.fillers;
    document.getElementById('fb-summary').textContent =
      'Score ' + r.score + '/100 · ' + r.words + ' words · ' + (duration === null ? 'untimed' : fmt(duration) + ' taken') +
      ' · ownership ' + r.themes.ownership + ', learning ' + r.themes.learning + '.' +
      (pace ? ' Pace ' + pace.wpm + ' words a minute (' + pace.verdict + '): ' + pace.advice : '') +
      (fillers && fillers.total ? ' Fillers: ' + fillers.counts.map((c) => c.phrase + ' ×' + c.count).join(', ') + '.' : '');
    const list = document.getElementById('fb-findings');
    list.replaceChildren(...r.diagnostics.map((d) => {
      const item = document.createElement('li');
      item.append(el('code', d.rule), ' ', el('span', d.message), ' ', el('span', 'Instead: ' + d.help, 'instead'));
      return item;
    }));
    if (!r.diagnostics.length) list.replaceChildren(el('li', 'No red flags.'));
    // Refresh the history (server-rendered, escaped) from the page itself.
    const page = await fetch('/practice', { headers: { Accept: 'text/html' } });
    if (page.ok) {
      const doc = new DOMParser().parseFromString(await page.text(), 'text/html');
      const fresh = doc.getElementById('history');
      if (fresh) document.getElementById('history').replaceWith(document.importNode(fresh, true));
    }
    start.disabled = false;
    start.textContent = 'Start again (3:00)';
    started = 0;
  });
})();
