// The sandbox page's script: live updates and the buttons. Plain browser JavaScript, no build
// step. All HTML comes from the server (sandbox/render.ts), already escaped; this file only
// swaps it in, so it never builds markup from data.
/* global document, window, fetch, EventSource, setTimeout, clearTimeout, setInterval, clearInterval */
(() => {
  'use strict';

  const base = document.body.dataset.base || '';
  const api = (path) => `${base}/api/${path}`;
  const dialog = document.getElementById('ticket-dialog');
  const dialogBody = document.getElementById('ticket-dialog-body');
  const notice = document.getElementById('notice');
  const liveText = document.getElementById('live-text');
  const live = document.getElementById('live');
  const shown = new Map(); // region name → the HTML it shows
  let openKey = null;
  let openDetail = '';

  // ---- live updates ------------------------------------------------------------------------

  let refreshing = false;
  let again = false;

  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const response = await fetch(api('fragments'), { headers: { accept: 'application/json' } });
      if (response.ok) apply(await response.json());
      else setLive('trouble', 'The stand-ins do not answer');
    } catch {
      setLive('offline', 'Offline: is the service running?');
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  function apply(regions) {
    for (const [name, html] of Object.entries(regions)) {
      const element = document.querySelector(`[data-region="${name}"]`);
      if (!element || shown.get(name) === html) continue;
      shown.set(name, html);
      swap(element, html);
    }
    refillDialog();
  }

  /** Replaces a region's HTML, keeping what the reader did there: open details, typed text, focus, scroll. */
  function swap(element, html) {
    const open = new Map();
    for (const details of element.querySelectorAll('details[id]')) open.set(details.id, details.open);
    const typed = new Map();
    for (const input of element.querySelectorAll('input[id]:not([type=checkbox]), textarea[id]')) {
      if (input.value !== input.defaultValue) typed.set(input.id, input.value);
    }
    const scroll = new Map();
    for (const list of element.querySelectorAll('[data-keep-scroll][id]')) {
      scroll.set(list.id, { top: list.scrollTop, atBottom: list.scrollHeight - list.scrollTop - list.clientHeight < 40 });
    }
    const focused = element.contains(document.activeElement) ? document.activeElement.id : '';

    element.innerHTML = html;

    for (const [id, isOpen] of open) {
      const details = document.getElementById(id);
      if (details) details.open = isOpen;
    }
    for (const [id, value] of typed) {
      const input = document.getElementById(id);
      if (input) input.value = value;
    }
    for (const list of element.querySelectorAll('[data-keep-scroll][id]')) {
      const before = scroll.get(list.id);
      list.scrollTop = !before || before.atBottom ? list.scrollHeight : before.top;
    }
    if (focused) document.getElementById(focused)?.focus();
    // A form that just opened (a Slack modal) takes the focus, as Slack's does.
    else element.querySelector('[data-autofocus]')?.focus();
    localizeTimes(element);
  }

  function setLive(state, text) {
    live.dataset.state = state;
    liveText.textContent = text;
  }

  let pollTimer = null;
  function startPolling() {
    if (pollTimer === null) pollTimer = setInterval(() => void refresh(), 2000);
  }
  function stopPolling() {
    if (pollTimer !== null) clearInterval(pollTimer);
    pollTimer = null;
  }

  function connect() {
    if (!('EventSource' in window)) {
      setLive('polling', 'Live (polling)');
      startPolling();
      return;
    }
    const source = new EventSource(api('events'));
    source.addEventListener('open', () => {
      setLive('live', 'Live');
      stopPolling();
    });
    source.addEventListener('view', () => {
      setLive('live', 'Live');
      void refresh();
    });
    source.addEventListener('unavailable', (event) => {
      setLive('trouble', `The stand-ins do not answer: ${JSON.parse(event.data).message}`);
    });
    source.addEventListener('error', () => {
      // The browser reconnects by itself; poll meanwhile (and for good if it gave up).
      setLive('polling', 'Reconnecting… (polling)');
      startPolling();
    });
  }

  // ---- the ticket dialog -------------------------------------------------------------------

  function openTicket(key) {
    openKey = key;
    openDetail = '';
    refillDialog();
    if (!dialog.open) dialog.showModal();
  }

  function refillDialog() {
    if (openKey === null) return;
    const template = document.getElementById(`ticket-${openKey}`);
    const html = template ? template.innerHTML : '';
    if (html === openDetail) return;
    openDetail = html;
    if (template) dialogBody.replaceChildren(template.content.cloneNode(true));
    else dialogBody.textContent = `${openKey} is no longer on the board.`;
    localizeTimes(dialogBody);
  }

  dialog.addEventListener('close', () => {
    openKey = null;
    openDetail = '';
  });
  // A click on the backdrop (outside the dialog's box) closes it.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });

  // ---- actions -----------------------------------------------------------------------------

  async function act(name, body, control) {
    if (control) control.disabled = true;
    try {
      const response = await fetch(api(name), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      const result = await response.json().catch(() => ({}));
      if (!response.ok) {
        say(result.message || `The stand-in answered ${response.status}`, 'error');
        return null;
      }
      void refresh();
      return result;
    } catch {
      say('The service did not answer: is it running?', 'error');
      return null;
    } finally {
      if (control) control.disabled = false;
    }
  }

  let noticeTimer = null;
  function say(text, kind) {
    notice.textContent = text;
    notice.dataset.kind = kind;
    notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => {
      notice.hidden = true;
    }, 6000);
  }

  document.addEventListener('click', async (event) => {
    const control = event.target.closest('[data-action]');
    if (!control) return;
    const { action } = control.dataset;
    if (action === 'open-ticket') {
      openTicket(control.dataset.key);
    } else if (action === 'move-status') {
      const { key, status } = control.dataset;
      if (await act('move-status', { key, status }, control)) say(`Moved ${key} to ${status}.`, 'ok');
    } else if (action === 'review-pull-request') {
      const { repo, number, login, verdict } = control.dataset;
      if (await act('review-pull-request', { repo, number: Number(number), login, verdict }, control)) {
        say(`${login} ${verdict === 'APPROVED' ? 'approved' : 'requested changes on'} ${repo}#${number}.`, 'ok');
      }
    } else if (action === 'merge-pull-request') {
      const { repo, number } = control.dataset;
      if (await act('merge-pull-request', { repo, number: Number(number) }, control)) say(`Merged ${repo}#${number}.`, 'ok');
    } else if (action === 'close-pull-request' || action === 'reopen-pull-request') {
      const { repo, number } = control.dataset;
      if (await act(action, { repo, number: Number(number) }, control)) say(`${action === 'close-pull-request' ? 'Closed' : 'Reopened'} ${repo}#${number} as the developer.`, 'ok');
    } else if (action === 'close-modal') {
      if (await act('close-modal', { viewId: control.dataset.viewId }, control)) say('You closed the form without sending it.', 'ok');
    } else if (action === 'click-button') {
      const { channel, ts, actionId } = control.dataset;
      const label = control.textContent.trim();
      if (await act('click-button', { channelId: channel, ts, actionId }, control)) say(`You pressed “${label}” in Slack.`, 'ok');
    }
  });

  // Escape closes an open Slack form as its Cancel button does (the ticket dialog closes itself).
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || dialog.open) return;
    const cancel = document.querySelector('[data-region="modal"] [data-action="close-modal"]');
    if (!cancel) return;
    event.preventDefault();
    cancel.click();
  });

  document.addEventListener('change', async (event) => {
    const input = event.target;
    if (input.dataset.action === 'play-as') {
      const name = input.selectedOptions[0]?.textContent.split(':')[0] ?? input.value;
      if (await act('play-as', { slackId: input.value }, input)) say(`You are ${name} in Slack now.`, 'ok');
      return;
    }
    if (input.dataset.action !== 'set-toggle') return;
    const on = input.checked;
    if (await act('set-toggle', { name: input.dataset.name, on }, input)) {
      say(`${input.dataset.label}: ${on ? 'on' : 'off'}.`, 'ok');
    } else {
      input.checked = !on;
    }
  });

  document.addEventListener('submit', async (event) => {
    const form = event.target;
    const action = form.dataset.action;
    if (!action) return;
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    const fields = Object.fromEntries(new window.FormData(form));
    if (action === 'create-ticket') {
      const result = await act('create-ticket', { summary: fields.summary, team: fields.team }, button);
      if (result) {
        say(`Created ${result.key}. Its lifecycle starts in a moment.`, 'ok');
        form.reset();
      }
    } else if (action === 'submit-modal') {
      // Typed values by block_id, then action_id, as Slack sends view.state.values.
      const values = {};
      for (const [name, value] of Object.entries(fields)) {
        const [blockId, actionId] = name.split('/');
        values[blockId] = { ...(values[blockId] || {}), [actionId]: String(value) };
      }
      if (await act('submit-modal', { viewId: form.dataset.viewId, values }, button)) say('You sent the form.', 'ok');
    } else if (action === 'push-commit') {
      const repo = form.dataset.repo;
      if (await act('push-commit', { repo, message: fields.message }, button)) say(`Pushed “${fields.message}” to ${repo}.`, 'ok');
    }
  });

  // ---- times in the reader's zone ----------------------------------------------------------

  const format = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  function localizeTimes(root) {
    for (const time of root.querySelectorAll('time[datetime]')) {
      const date = new Date(time.dateTime);
      if (Number.isNaN(date.getTime())) continue;
      time.title = time.dateTime;
      time.textContent = format.format(date);
    }
  }

  localizeTimes(document);
  for (const list of document.querySelectorAll('[data-keep-scroll]')) list.scrollTop = list.scrollHeight;
  connect();
})();
