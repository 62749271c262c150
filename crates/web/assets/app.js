// starl: shared helpers for every page. Plain JavaScript, no build step.
'use strict';

(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : '';

  // Call the JSON API: resolves to {ok, status, data}.
  async function api(method, url, body) {
    const init = { method, headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(url, init);
    let data = null;
    if (res.status !== 204) {
      try { data = await res.json(); } catch (e) { data = null; }
    }
    return { ok: res.ok, status: res.status, data };
  }

  // Show an API error next to the form and on the field it names.
  function showError(form, result) {
    const status = form.querySelector('.form-status');
    const data = result.data || {};
    const message = data.error || ('The request failed (' + result.status + ').');
    if (status) { status.textContent = message; status.classList.add('error'); }
    form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
    if (data.field) {
      const field = form.querySelector('[name="' + CSS.escape(data.field) + '"]');
      if (field) { field.setAttribute('aria-invalid', 'true'); field.focus(); }
    }
  }

  function formJson(form) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled) continue;
      if (el.type === 'checkbox') { out[el.name] = el.checked; continue; }
      const v = el.value;
      if (el.hasAttribute('data-list')) out[el.name] = v.split(/[\s,]+/).filter(Boolean);
      else if (el.hasAttribute('data-number')) out[el.name] = v.trim() === '' ? null : Number(v);
      else if (el.tagName === 'SELECT' && v === '') out[el.name] = null;
      else out[el.name] = v;
    }
    return out;
  }

  function next(template, data) {
    return template.replace('{id}', data && data.id !== undefined ? String(data.id) : '');
  }

  document.addEventListener('submit', async (ev) => {
    const form = ev.target;
    if (!form.hasAttribute('data-json-form')) return;
    ev.preventDefault();
    const status = form.querySelector('.form-status');
    if (status) { status.textContent = 'Saving…'; status.classList.remove('error'); }
    const result = await api(form.dataset.method || 'POST', form.dataset.action, formJson(form));
    if (!result.ok) { showError(form, result); return; }
    if (status) status.textContent = 'Saved.';
    if (form.dataset.next) window.location.assign(next(form.dataset.next, result.data));
  });

  document.addEventListener('click', async (ev) => {
    const button = ev.target.closest('button[data-post], button[data-delete]');
    if (!button) return;
    if (button.dataset.delete && !window.confirm('Delete it? This cannot be undone.')) return;
    button.disabled = true;
    const result = button.dataset.post ? await api('POST', button.dataset.post) : await api('DELETE', button.dataset.delete);
    button.disabled = false;
    if (!result.ok) { window.alert((result.data && result.data.error) || 'The request failed.'); return; }
    if (button.dataset.next) window.location.assign(next(button.dataset.next, result.data));
  });

  window.starl = { api, showError, formJson };
})();
