import { adfToHtml } from './adf-html.ts';
import { messageToHtml } from './block-kit-html.ts';
import { escapeHtml, externalLink } from './html.ts';
import {
  TOGGLE_LABELS,
  TOGGLE_NAMES,
  type SandboxBuild,
  type SandboxDeployment,
  type SandboxRepo,
  type SandboxSlackChannel,
  type SandboxSlackModal,
  type SandboxTicket,
  type SandboxView,
} from './view.ts';

/**
 * The sandbox page as HTML, from a {@link SandboxView}. Pure functions: every string from the
 * view is escaped here, or goes through the ADF, mrkdwn and Block Kit renderers, which escape.
 */

/** The parts of the page that change with the view; the page's script swaps each one when its HTML changes. */
export const REGION_NAMES = ['links', 'toggles', 'board', 'player', 'slack', 'modal', 'repos', 'builds', 'deployments'] as const;

/** One live part of the page. */
export type RegionName = (typeof REGION_NAMES)[number];

/** The HTML of every live part of the page, by name (`data-region` on the page). */
export function renderRegions(view: SandboxView): Record<RegionName, string> {
  return {
    links: linksHtml(view),
    toggles: togglesHtml(view),
    board: boardHtml(view),
    player: playerHtml(view),
    slack: slackHtml(view.slack),
    modal: modalHtml(view.modal),
    repos: reposHtml(view.repos),
    builds: buildsHtml(view.builds),
    deployments: deploymentsHtml(view.deployments),
  };
}

/** The whole page. `base` is where the router is mounted, e.g. `/sandbox`. */
export function renderPage(view: SandboxView, base: string): string {
  const regions = renderRegions(view);
  const region = (name: RegionName): string => `<div data-region="${name}">${regions[name]}</div>`;
  const b = escapeHtml(base);
  const teamOptions = view.teams.map((team) => `<option value="${escapeHtml(team)}">${escapeHtml(team)}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox · Model lifecycle</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${b}/assets/page.css">
<script src="${b}/assets/page.js" defer></script>
</head>
<body data-base="${b}">
<header class="banner">
  <div class="banner-main">
    <p class="banner-kicker"><span class="badge badge-sandbox">Sandbox</span></p>
    <h1>Model lifecycle sandbox</h1>
    <p class="banner-lede">This is the <strong>sandbox</strong>. Jira, Slack, GitHub, Jenkins and MLflow on this page are
    <strong>stand-ins running on this machine</strong>: nothing reaches a real vendor system. The lifecycle is the real one,
    on a real Camunda engine. Create a ticket, then play each person: move the ticket, push commits, press the Slack buttons.</p>
  </div>
  <div class="banner-side">
    <p class="live" id="live"><span class="live-dot" aria-hidden="true"></span><span id="live-text">Connecting…</span></p>
    <nav aria-label="Tools on this machine">${region('links')}</nav>
  </div>
</header>
<main>
  <div class="play">
    <section class="panel" aria-labelledby="create-title">
      <h2 id="create-title">Create a model ticket</h2>
      <p class="hint">What a data scientist does in Jira. The lifecycle starts from the new ticket.</p>
      <form id="create-ticket" class="create-form" data-action="create-ticket">
        <div class="field">
          <label for="create-summary">Summary</label>
          <input id="create-summary" name="summary" required maxlength="255" autocomplete="off" placeholder="Fraud detection for card payments">
        </div>
        <div class="field">
          <label for="create-team">Team</label>
          <select id="create-team" name="team" required>${teamOptions}</select>
        </div>
        <button type="submit" class="button button-primary">Create ticket</button>
      </form>
      <ol class="steps">
        <li>The lifecycle creates the model's <strong>repository</strong>, comments on the ticket and tells the team in <strong>Slack</strong>.</li>
        <li>Open the card and move it to <strong>Ready for training</strong>: <strong>Jenkins</strong> trains, MLflow judges the metrics.</li>
        <li>Then the inference build and tests run; a failure sends the ticket back to Research. Push a commit to try again.</li>
        <li>A green build opens the <strong>review</strong> pull request and asks two reviewers (their direct messages are in Slack): approve as the required one and <strong>merge</strong> it in the GitHub panel.</li>
        <li>Staging and the <strong>canary</strong> follow (Deployments panel). In Slack, choose who you are: as alice, <strong>Approve</strong> once the window is over, or <strong>Reject</strong> and say why in the form.</li>
      </ol>
    </section>
    <section class="panel" aria-labelledby="toggles-title">
      <h2 id="toggles-title">What goes wrong next</h2>
      <p class="hint">Switch one on to see how the lifecycle handles a failure.</p>
      ${region('toggles')}
    </section>
  </div>
  <section class="panel panel-board" aria-labelledby="board-title">
    <h2 id="board-title"><span class="system system-jira" aria-hidden="true">J</span> Jira board</h2>
    ${region('board')}
  </section>
  <div class="systems">
    <section class="panel" aria-labelledby="slack-title">
      <h2 id="slack-title"><span class="system system-slack" aria-hidden="true">S</span> Slack</h2>
      ${region('player')}
      ${region('slack')}
    </section>
    <section class="panel" aria-labelledby="repos-title">
      <h2 id="repos-title"><span class="system system-github" aria-hidden="true">G</span> GitHub</h2>
      ${region('repos')}
    </section>
    <div class="stack">
      <section class="panel" aria-labelledby="deployments-title">
        <h2 id="deployments-title"><span class="system system-deploy" aria-hidden="true">K</span> Deployments</h2>
        ${region('deployments')}
      </section>
      <section class="panel" aria-labelledby="builds-title">
        <h2 id="builds-title"><span class="system system-jenkins" aria-hidden="true">Je</span> Jenkins</h2>
        ${region('builds')}
      </section>
    </div>
  </div>
</main>
${region('modal')}
<div id="notice" class="notice" role="status" aria-live="polite" hidden></div>
<dialog id="ticket-dialog" class="ticket-dialog" aria-labelledby="ticket-dialog-title">
  <form method="dialog" class="dialog-close-form"><button class="dialog-close" aria-label="Close the ticket">×</button></form>
  <div id="ticket-dialog-body"></div>
</dialog>
</body>
</html>
`;
}

function linksHtml(view: SandboxView): string {
  if (view.links.length === 0) return '';
  return `<ul class="links">${view.links.map((link) => `<li>${externalLink(link.url, `${escapeHtml(link.title)} <span aria-hidden="true">↗</span>`, 'link-chip')}</li>`).join('')}</ul>`;
}

function togglesHtml(view: SandboxView): string {
  return `<ul class="toggles">${TOGGLE_NAMES.map((name) => {
    const { label, detail } = TOGGLE_LABELS[name];
    const on = view.toggles[name] === true;
    return (
      `<li><label class="switch" for="toggle-${name}">` +
      `<input type="checkbox" role="switch" id="toggle-${name}" data-action="set-toggle" data-name="${name}" data-label="${escapeHtml(label)}"${on ? ' checked' : ''} aria-describedby="toggle-${name}-detail">` +
      `<span class="switch-track" aria-hidden="true"></span><span class="switch-label">${escapeHtml(label)}</span></label>` +
      `<p class="hint" id="toggle-${name}-detail">${escapeHtml(detail)}</p></li>`
    );
  }).join('')}</ul>`;
}

// ---- Jira ----------------------------------------------------------------------------------

function boardHtml(view: SandboxView): string {
  const extra = [...new Set(view.tickets.map((ticket) => ticket.status))].filter((status) => !view.statuses.includes(status));
  const columns = [...view.statuses, ...extra].map((status, index) => {
    const tickets = view.tickets.filter((ticket) => ticket.status === status);
    const cards = tickets.map((ticket) => cardHtml(ticket, view)).join('');
    return (
      `<section class="column" aria-labelledby="column-${index}">` +
      `<h3 id="column-${index}" class="column-title">${escapeHtml(status)} <span class="count">${tickets.length}</span></h3>` +
      (cards === '' ? '<p class="column-empty">No tickets</p>' : `<ol class="cards">${cards}</ol>`) +
      `</section>`
    );
  });
  return `<div class="board">${columns.join('')}</div>`;
}

function cardHtml(ticket: SandboxTicket, view: SandboxView): string {
  const key = escapeHtml(ticket.key);
  const lifecycle = ticket.lifecycle;
  const step = lifecycle
    ? `<p class="card-step state-${stateClass(lifecycle.state)}"><span class="step-dot" aria-hidden="true"></span>${escapeHtml(lifecycle.activity ?? stateWords(lifecycle.state))}</p>`
    : '<p class="card-step state-none"><span class="step-dot" aria-hidden="true"></span>No lifecycle yet</p>';
  const cockpit = lifecycle ? externalLink(lifecycle.cockpitUrl, 'Lifecycle in Cockpit <span aria-hidden="true">↗</span>', 'card-link') : '';
  return (
    `<li class="card" data-key="${key}">` +
    `<button type="button" class="card-open" data-action="open-ticket" data-key="${key}" aria-haspopup="dialog" aria-label="Open ${key}: ${escapeHtml(ticket.summary)}">` +
    `<span class="card-key">${key}</span><span class="card-summary">${escapeHtml(ticket.summary)}</span></button>` +
    `<div class="card-meta">${personHtml(ticket.assignee)}${ticket.team ? `<span class="tag">${escapeHtml(ticket.team)}</span>` : ''}` +
    (ticket.comments.length > 0 ? `<span class="comment-count">${ticket.comments.length} ${ticket.comments.length === 1 ? 'comment' : 'comments'}</span>` : '') +
    `</div>${step}${cockpit}` +
    `<template id="ticket-${key}">${ticketDetailHtml(ticket, view)}</template>` +
    `</li>`
  );
}

function ticketDetailHtml(ticket: SandboxTicket, view: SandboxView): string {
  const key = escapeHtml(ticket.key);
  const lifecycle = ticket.lifecycle;
  // The status after the current one is what a person usually does next.
  const next = view.statuses[view.statuses.indexOf(ticket.status) + 1];
  const moves = view.statuses
    .filter((status) => status !== ticket.status)
    .map(
      (status) =>
        `<button type="button" class="button${status === next ? ' button-primary' : ''}" data-action="move-status" data-key="${key}" data-status="${escapeHtml(status)}" aria-label="Move ${key} to ${escapeHtml(status)}">${escapeHtml(status)}</button>`,
    )
    .join('');
  const comments = ticket.comments
    .map(
      (comment) =>
        `<li class="comment"><header class="comment-head">${personHtml(comment.author ?? 'Someone')}${timeHtml(comment.created)}</header>` +
        `<div class="adf">${adfToHtml(comment.body)}</div></li>`,
    )
    .join('');
  return (
    `<header class="detail-head"><p class="detail-key">${key} <span class="lozenge">${escapeHtml(ticket.status)}</span></p>` +
    `<h2 id="ticket-dialog-title">${escapeHtml(ticket.summary)}</h2></header>` +
    `<dl class="facts">` +
    `<div><dt>Assignee</dt><dd>${personHtml(ticket.assignee)}</dd></div>` +
    `<div><dt>Team</dt><dd>${ticket.team ? escapeHtml(ticket.team) : '<span class="muted">None</span>'}</dd></div>` +
    `<div><dt>Lifecycle</dt><dd>${
      lifecycle
        ? `<span class="card-step state-${stateClass(lifecycle.state)}"><span class="step-dot" aria-hidden="true"></span>${escapeHtml(lifecycle.activity ?? stateWords(lifecycle.state))}</span> ` +
          `<span class="muted">${escapeHtml(stateWords(lifecycle.state))}</span> ` +
          externalLink(lifecycle.cockpitUrl, `Open in Cockpit <span aria-hidden="true">↗</span>`)
        : '<span class="muted">Not started</span>'
    }</dd></div>` +
    `</dl>` +
    (moves === '' ? '' : `<div class="moves"><h3>Move to</h3><div class="move-buttons">${moves}</div></div>`) +
    `<h3>Comments <span class="count">${ticket.comments.length}</span></h3>` +
    (comments === '' ? '<p class="muted">No comments yet.</p>' : `<ol class="comments">${comments}</ol>`)
  );
}

function stateClass(state: string): string {
  const s = state.toUpperCase();
  if (s === 'ACTIVE') return 'active';
  if (s === 'COMPLETED') return 'done';
  if (s === 'INCIDENT') return 'incident';
  if (s === 'SUSPENDED') return 'suspended';
  return 'ended';
}

function stateWords(state: string): string {
  const words: Record<string, string> = {
    ACTIVE: 'Running',
    COMPLETED: 'Completed',
    INCIDENT: 'Needs an operator (incident)',
    SUSPENDED: 'Suspended',
    EXTERNALLY_TERMINATED: 'Cancelled',
    INTERNALLY_TERMINATED: 'Ended by the process',
  };
  return words[state.toUpperCase()] ?? state;
}

function personHtml(name: string | null): string {
  if (name === null) return '<span class="person muted"><span class="avatar avatar-empty" aria-hidden="true">?</span>Unassigned</span>';
  return `<span class="person"><span class="avatar" aria-hidden="true">${escapeHtml(initials(name))}</span>${escapeHtml(name)}</span>`;
}

function initials(name: string): string {
  const words = name.trim().split(/[\s._-]+/).filter(Boolean);
  return (words.length > 1 ? `${words[0]?.[0] ?? ''}${words[1]?.[0] ?? ''}` : name.slice(0, 2)).toUpperCase();
}

/** A `<time>` with a readable UTC fallback; the page's script shows it in the reader's time zone. */
function timeHtml(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return `<span class="time">${escapeHtml(iso)}</span>`;
  const text = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<time class="time" datetime="${escapeHtml(date.toISOString())}">${text}</time>`;
}

// ---- Slack ---------------------------------------------------------------------------------

function slackHtml(channels: readonly SandboxSlackChannel[]): string {
  if (channels.length === 0) return '<p class="muted">No channels yet.</p>';
  return channels
    .map((channel) => {
      const messages = channel.messages
        .map((message) => {
          const seconds = Number(message.ts.split('.')[0]);
          const time = Number.isFinite(seconds) && seconds > 0 ? timeHtml(new Date(seconds * 1000).toISOString()) : '';
          const who = message.user ?? 'Model lifecycle';
          // Slack marks a message only one person sees, and offers to dismiss it.
          const ephemeral = message.ephemeral === true;
          return (
            `<li class="message${ephemeral ? ' message-ephemeral' : ''}"><span class="avatar${message.user === null ? ' avatar-bot' : ''}" aria-hidden="true">${escapeHtml(initials(who))}</span>` +
            `<div class="message-body">${ephemeral ? '<p class="ephemeral-tag">Only visible to you</p>' : ''}` +
            `<header class="message-head"><strong>${escapeHtml(who)}</strong>${message.user === null ? '<span class="app-tag">APP</span>' : ''}${time}</header>` +
            `${messageToHtml(message, { channelId: channel.id, ts: message.ts })}</div></li>`
          );
        })
        .join('');
      return (
        `<section class="channel" aria-label="Slack channel #${escapeHtml(channel.name)}"><h3 class="channel-name">#${escapeHtml(channel.name)}</h3>` +
        (messages === '' ? '<p class="muted">No messages yet.</p>' : `<ol class="messages" id="messages-${idPart(channel.id)}" data-keep-scroll>${messages}</ol>`) +
        `</section>`
      );
    })
    .join('');
}

// ---- GitHub --------------------------------------------------------------------------------

const COMMITS_SHOWN = 6;

function reposHtml(repos: readonly SandboxRepo[]): string {
  if (repos.length === 0) return '<p class="muted">No repositories yet: the lifecycle creates one for each new ticket.</p>';
  return `<ul class="repos">${repos
    .map((repo) => {
      const id = idPart(repo.fullName);
      const name = escapeHtml(repo.fullName);
      const commits = repo.commits
        .slice(0, COMMITS_SHOWN)
        .map((commit) => `<li><code class="sha">${escapeHtml(commit.sha.slice(0, 7))}</code> ${escapeHtml(commit.message.split('\n')[0] ?? '')}</li>`)
        .join('');
      const older = repo.commits.length - COMMITS_SHOWN;
      return (
        `<li class="repo"><h3 class="repo-name">${name}</h3>` +
        (repo.description ? `<p class="repo-description">${escapeHtml(repo.description)}</p>` : '') +
        (repo.modelToml === null
          ? '<p class="muted">No model.toml</p>'
          : `<details class="file" id="toml-${id}"><summary>model.toml</summary><pre>${escapeHtml(repo.modelToml)}</pre></details>`) +
        (commits === '' ? '<p class="muted">No commits</p>' : `<ol class="commits" aria-label="Commits of ${name}">${commits}</ol>`) +
        (older > 0 ? `<p class="muted">and ${older} older</p>` : '') +
        pullRequestsHtml(repo) +
        `<form class="push-form" data-action="push-commit" data-repo="${name}">` +
        `<label class="visually-hidden" for="push-${id}">Commit message for ${name}</label>` +
        `<input id="push-${id}" name="message" required maxlength="200" value="Improve the model">` +
        `<button type="submit" class="button" aria-label="Push a commit to ${name}">Push a commit</button></form></li>`
      );
    })
    .join('')}</ul>`;
}

/** The repository's pull requests, each open one with a button per requested reviewer (approve, request changes) and Merge. */
function pullRequestsHtml(repo: SandboxRepo): string {
  const pulls = repo.pullRequests ?? [];
  if (pulls.length === 0) return '';
  const name = escapeHtml(repo.fullName);
  return `<ul class="pulls" aria-label="Pull requests of ${name}">${pulls
    .map((pull) => {
      const state = pull.merged ? 'merged' : pull.state;
      const reviewers = [...new Set([...pull.requestedReviewers, ...pull.reviews.map((review) => review.login)])];
      const latest = (login: string) => pull.reviews.filter((review) => review.login === login).at(-1)?.state ?? 'requested';
      const data = `data-repo="${name}" data-number="${pull.number}"`;
      const people = reviewers
        .map((login) => {
          const who = escapeHtml(login);
          const buttons =
            pull.state === 'open'
              ? ` <button type="button" class="button" data-action="review-pull-request" ${data} data-login="${who}" data-verdict="APPROVED">Approve as ${who}</button>` +
                ` <button type="button" class="button" data-action="review-pull-request" ${data} data-login="${who}" data-verdict="CHANGES_REQUESTED">Request changes as ${who}</button>`
              : '';
          return `<li><strong>${who}</strong> <span class="review-state">${escapeHtml(latest(login).toLowerCase().replace('_', ' '))}</span>${buttons}</li>`;
        })
        .join('');
      return (
        `<li class="pull pull-${state}"><p><span class="result result-${state === 'merged' ? 'success' : state === 'open' ? 'running' : 'aborted'}">${escapeHtml(state)}</span> ` +
        `#${pull.number} ${escapeHtml(pull.title)} <code>${escapeHtml(pull.head)} → ${escapeHtml(pull.base)}</code></p>` +
        (people ? `<ul class="reviewers">${people}</ul>` : '<p class="muted">No reviewers yet</p>') +
        (pull.state === 'open'
          ? `<p class="pull-actions"><button type="button" class="button" data-action="merge-pull-request" ${data}>Merge #${pull.number}</button>` +
            ` <button type="button" class="button" data-action="close-pull-request" ${data}>Close #${pull.number}</button></p>`
          : pull.merged
            ? ''
            : `<p class="pull-actions"><button type="button" class="button" data-action="reopen-pull-request" ${data}>Reopen #${pull.number}</button></p>`) +
        `</li>`
      );
    })
    .join('')}</ul>`;
}

/** Who the page plays in Slack: a select of the directory's people, with what each is. */
function playerHtml(view: SandboxView): string {
  if (view.people.length === 0) return '';
  const options = view.people
    .map((person) => `<option value="${escapeHtml(person.slackId)}"${person.slackId === view.player ? ' selected' : ''}>${escapeHtml(person.name)}: ${escapeHtml(person.role)}</option>`)
    .join('');
  return (
    `<div class="player"><label for="player-select">You are</label>` +
    `<select id="player-select" data-action="play-as" aria-describedby="player-hint">${options}</select>` +
    `<p class="hint" id="player-hint">Slack buttons click, and forms submit, as this person; their ephemeral replies show here.</p></div>`
  );
}

/** The player's open Slack modal, drawn as Slack draws one over the page: its blocks, its text inputs, Cancel and Submit. */
function modalHtml(modal: SandboxSlackModal | null): string {
  if (modal === null) return '';
  const id = idPart(modal.id);
  const blocks = modal.blocks.length === 0 ? '' : messageToHtml({ text: '', blocks: modal.blocks }, { channelId: '', ts: '' });
  const inputs = modal.inputs
    .map((input) => {
      const field = `modal-${id}-${idPart(input.blockId)}-${idPart(input.actionId)}`;
      const attributes =
        `id="${field}" name="${escapeHtml(input.blockId)}/${escapeHtml(input.actionId)}"` +
        `${input.required ? ' required' : ''}${input.maxLength === null ? '' : ` maxlength="${input.maxLength}"`} data-autofocus`;
      return (
        `<div class="field sk-input"><label for="${field}">${escapeHtml(input.label)}${input.required ? '' : ' <span class="muted">(optional)</span>'}</label>` +
        (input.multiline ? `<textarea ${attributes} rows="4"></textarea>` : `<input ${attributes} autocomplete="off">`) +
        `</div>`
      );
    })
    .join('');
  return (
    `<div class="sk-modal-backdrop">` +
    `<form class="sk-modal" role="dialog" aria-modal="true" aria-labelledby="modal-title-${id}" data-action="submit-modal" data-view-id="${escapeHtml(modal.id)}">` +
    `<header class="sk-modal-head"><h2 id="modal-title-${id}">${escapeHtml(modal.title)}</h2><span class="app-tag">APP</span></header>` +
    `<div class="sk-modal-body">${blocks}${inputs}</div>` +
    `<footer class="sk-modal-foot"><button type="button" class="button" data-action="close-modal" data-view-id="${escapeHtml(modal.id)}">${escapeHtml(modal.close)}</button>` +
    `<button type="submit" class="button button-primary">${escapeHtml(modal.submit)}</button></footer>` +
    `</form></div>`
  );
}

// ---- Deployments ---------------------------------------------------------------------------

function deploymentsHtml(deployments: readonly SandboxDeployment[]): string {
  if (deployments.length === 0) return '<p class="muted">Nothing deployed yet: staging and the canary come after the review.</p>';
  return `<ul class="deployments">${deployments
    .map((deployment) => {
      const faults = [
        deployment.errorRatio > 0 ? `${Math.round(deployment.errorRatio * 100)} % errors` : '',
        deployment.wrongAnswer ? 'answers wrong' : '',
      ].filter((fault) => fault !== '');
      return (
        `<li class="deployment deployment-${deployment.slot}"><span class="slot slot-${deployment.slot}">${escapeHtml(deployment.slot)}</span> ` +
        `<strong>${escapeHtml(deployment.service)}</strong> <span class="version">v${escapeHtml(deployment.version)}</span>` +
        faults.map((fault) => ` <span class="fault">${escapeHtml(fault)}</span>`).join('') +
        `<br>${externalLink(`${deployment.url}/healthz`, `${escapeHtml(deployment.url)} <span aria-hidden="true">↗</span>`, 'deployment-url')}</li>`
      );
    })
    .join('')}</ul>`;
}

// ---- Jenkins -------------------------------------------------------------------------------

const SHOWN_PARAMETERS = ['JIRA_KEY', 'ATTEMPT', 'MODEL_VERSION'];

function buildsHtml(builds: readonly SandboxBuild[]): string {
  if (builds.length === 0) return '<p class="muted">No builds yet.</p>';
  return `<ul class="builds">${builds
    .map((build) => {
      const id = idPart(`${build.job}-${build.number}`);
      const status = build.building ? 'RUNNING' : (build.result ?? 'UNKNOWN');
      const shown = SHOWN_PARAMETERS.filter((name) => build.parameters[name] !== undefined)
        .map((name) => `<span class="param">${escapeHtml(name)}=${escapeHtml(build.parameters[name] ?? '')}</span>`)
        .join('');
      const all = Object.entries(build.parameters)
        .map(([name, value]) => `<div><dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd></div>`)
        .join('');
      return (
        `<li class="build build-${status.toLowerCase()}"><header class="build-head">` +
        externalLink(build.url, `${escapeHtml(build.job)} <span class="build-number">#${build.number}</span>`, 'build-name') +
        `<span class="result result-${status.toLowerCase()}">${escapeHtml(build.building ? 'Running' : status)}</span></header>` +
        (shown ? `<p class="params">${shown}</p>` : '') +
        (all ? `<details class="file" id="params-${id}"><summary>Parameters</summary><dl class="param-list">${all}</dl></details>` : '') +
        (build.consoleTail.length > 0
          ? `<details class="file" id="console-${id}"${build.result !== null && build.result !== 'SUCCESS' ? ' open' : ''}><summary>Console, last ${build.consoleTail.length} lines</summary><pre class="console">${escapeHtml(build.consoleTail.join('\n'))}</pre></details>`
          : '') +
        `</li>`
      );
    })
    .join('')}</ul>`;
}

/** A string that is safe and stable inside an id. */
function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '-');
}
