// Nexus web UI: the only script the pages load (their Content-Security-Policy
// allows this file and nothing inline). Pages are rendered by Nexus; this
// script sends their forms to the JSON API and shows the answer.
//
// <form class="api" data-method="PUT" data-api="/api/profiles/p1"> is sent as
// a fetch to data-api with:
//   - the fields as a JSON object (data-body="yaml": the "yaml" field as the
//     body, Content-Type application/yaml). A field's data-type says how:
//     string (default; empty is left out, or null with data-empty="null"),
//     list (split at commas and new lines), json (parsed), int, bool (a
//     checkbox), query (added to the URL instead), path (put in data-api
//     where it says {name}, percent-encoded: data-api="/api/x/{slug}");
//   - the hidden "csrf" field as the X-CSRF-Token header (the browser adds
//     Origin itself);
// then, on success: fills the element named by data-show (its [data-field]
// children take the answer's fields) or goes to data-next ({field} takes a
// field of the answer) or reloads the page. On an error the API's message is
// shown in the form's .form-error. data-confirm asks first.
//
// data-api may name fields of the form as {field} (PUT /api/knowledge/server/{name}):
// their values, percent-encoded, go into the path instead of the body.
'use strict';

(function () {
  function fieldValue(el) {
    const type = el.dataset.type || 'string';
    if (type === 'bool') return { value: el.checked };
    const raw = el.value;
    if (type === 'list') {
      return { value: raw.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== '') };
    }
    if (raw.trim() === '') {
      return el.dataset.empty === 'null' ? { value: null } : null;
    }
    if (type === 'int') {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw new Error(`${labelOf(el)} must be a whole number`);
      return { value: n };
    }
    if (type === 'json') {
      try {
        return { value: JSON.parse(raw) };
      } catch (err) {
        throw new Error(`${labelOf(el)} is not valid JSON: ${err.message}`);
      }
    }
    return { value: raw };
  }

  function labelOf(el) {
    const label = el.closest('label');
    return label ? label.firstChild.textContent.trim() : el.name;
  }

  // data-api with its {field} placeholders filled from the form; used
  // collects the names of the fields that went into the path.
  function apiPath(form, used) {
    return form.dataset.api.replace(/\{(\w+)\}/g, (_, name) => {
      const el = form.elements.namedItem(name);
      const value = el && typeof el.value === 'string' ? el.value.trim() : '';
      if (value === '') throw new Error(`${el ? labelOf(el) : name} is required`);
      used.add(name);
      return encodeURIComponent(value);
    });
  }

  function build(form) {
    const used = new Set();
    let url = apiPath(form, used);
    const query = new URLSearchParams();
    const body = {};
    let yaml = null;
    let csrf = '';
    for (const el of form.elements) {
      if (!el.name || el.disabled || used.has(el.name)) continue;
      if (el.name === 'csrf') { csrf = el.value; continue; }
      if (el.name === 'yaml' && form.dataset.body === 'yaml') { yaml = el.value; continue; }
      if (el.dataset.type === 'query') {
        if (el.type === 'checkbox' ? el.checked : el.value !== '') query.set(el.name, el.type === 'checkbox' ? 'true' : el.value);
        continue;
      }
      const v = fieldValue(el);
      if (v !== null) body[el.name] = v.value;
    }
    if (query.toString()) url += (url.includes('?') ? '&' : '?') + query.toString();
    const method = (form.dataset.method || 'POST').toUpperCase();
    const headers = { Accept: 'application/json', 'X-CSRF-Token': csrf };
    let payload;
    if (yaml !== null) {
      headers['Content-Type'] = 'application/yaml; charset=utf-8';
      payload = yaml;
    } else if (method !== 'DELETE' || Object.keys(body).length > 0) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    return { url, init: { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' } };
  }

  function fill(template, answer) {
    return template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(answer && answer[name] != null ? answer[name] : ''));
  }

  function showError(form, message) {
    const box = form.querySelector('.form-error');
    if (box) {
      box.textContent = message;
      box.hidden = false;
    } else {
      window.alert(message);
    }
  }

  async function send(form) {
    const box = form.querySelector('.form-error');
    if (box) box.hidden = true;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    let request;
    try {
      request = build(form);
    } catch (err) {
      showError(form, err.message);
      return;
    }
    const busy = form.querySelector('.busy');
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    if (busy) busy.hidden = false;
    try {
      const response = await fetch(request.url, request.init);
      const text = await response.text();
      let answer = null;
      try { answer = text ? JSON.parse(text) : null; } catch (_) { answer = null; }
      if (!response.ok) {
        const message = answer && answer.message ? answer.message : `HTTP ${response.status}`;
        showError(form, `${message} (${answer && answer.error ? answer.error : response.status})`);
        return;
      }
      if (form.dataset.show) {
        const target = document.getElementById(form.dataset.show);
        for (const el of target.querySelectorAll('[data-field]')) {
          const v = answer ? answer[el.dataset.field] : undefined;
          el.textContent = v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
        }
        target.hidden = false;
        return;
      }
      if (form.dataset.next) {
        window.location.assign(fill(form.dataset.next, answer));
        return;
      }
      window.location.reload();
    } catch (err) {
      showError(form, `Nexus did not answer: ${err.message}`);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      if (busy) busy.hidden = true;
    }
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('api')) return;
    event.preventDefault();
    send(form);
  });

  // A button with data-copy="id" copies that element's text (a new token, a
  // revealed value) and selects it, so that Ctrl+C works where the
  // clipboard API does not.
  document.addEventListener('click', (event) => {
    const button = event.target.closest('[data-copy]');
    if (!button) return;
    const el = document.getElementById(button.dataset.copy);
    if (!el) return;
    window.getSelection().selectAllChildren(el);
    if (navigator.clipboard) {
      navigator.clipboard.writeText(el.textContent).then(
        () => { button.textContent = 'Copied'; },
        () => { button.textContent = 'Selected: press Ctrl+C'; },
      );
    }
  });
}());
