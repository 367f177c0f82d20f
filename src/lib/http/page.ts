/**
 * The status page: one self-contained HTML document (inline CSS and JavaScript, no external
 * assets, nothing to build), readable on a phone. It reads `page.json` every 2 seconds and
 * redraws: one card per service and checked daemon (state, pid, uptime, restarts, last exit,
 * health, readiness), its recent events and the tail of its log. Control buttons send
 * `POST control/NAME/ACTION` with the CSRF token of this page and the name and password given
 * in the sign-in form (kept in the tab's sessionStorage only).
 */
export function statusPage(host: string, csrf: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="keepup-csrf" content="${escapeHtml(csrf)}">
<title>keepup on ${escapeHtml(host)}</title>
<style>
:root{color-scheme:light dark;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--dim:#6e7781;--card:#f6f8fa;--line:#d0d7de}
@media (prefers-color-scheme:dark){:root{--card:#161b22;--line:#30363d;--dim:#8b949e}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:12px;max-width:1100px;margin-inline:auto}
header{display:flex;flex-wrap:wrap;gap:8px;align-items:baseline;justify-content:space-between}
h1{font-size:20px;margin:4px 0}
#updated{color:var(--dim);font-size:13px}
#signin{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}
#signin input{font:inherit;padding:4px 6px;min-width:0;flex:1 1 120px}
button{font:inherit;padding:4px 10px;border:1px solid var(--line);border-radius:6px;background:transparent;cursor:pointer;color:inherit}
button:hover{border-color:var(--dim)}
#message{min-height:1.4em;font-size:14px}
#message.bad{color:var(--bad)}
#message.ok{color:var(--ok)}
#services{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px}
.card h2{font-size:16px;margin:0 0 6px;display:flex;justify-content:space-between;gap:8px;align-items:center;word-break:break-all}
.state{font-size:13px;padding:1px 8px;border-radius:10px;color:#fff;white-space:nowrap}
.state.up,.state.running{background:var(--ok)}
.state.down,.state.missing,.state.failed{background:var(--bad)}
.state.paused,.state.starting{background:var(--warn)}
.state.not-supervised{background:var(--dim)}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:0;font-size:14px}
dt{color:var(--dim)}
dd{margin:0;word-break:break-word}
.actions{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
details{margin-top:6px;font-size:13px}
pre{white-space:pre-wrap;word-break:break-all;margin:4px 0;font-size:12px;max-height:14em;overflow:auto}
ul.events{margin:4px 0;padding-left:18px}
</style>
</head>
<body>
<header><h1>keepup on <span id="host">${escapeHtml(host)}</span></h1><span id="updated">loading…</span></header>
<form id="signin" autocomplete="on" hidden>
<input id="user" name="username" placeholder="name" autocomplete="username" aria-label="name">
<input id="password" name="password" type="password" placeholder="password or token" autocomplete="current-password" aria-label="password or token">
<button type="submit" id="signin-button">Sign in</button><button type="button" id="signout">Sign out</button>
</form>
<div id="message" role="status"></div>
<main id="services"></main>
<script>
"use strict";
const csrf = document.querySelector('meta[name="keepup-csrf"]').content;
const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
};
function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
  return d ? d + 'd ' + h + 'h' : h ? h + 'h ' + m + 'm' : m ? m + 'm ' + s + 's' : s + 's';
}
function exitText(exit) {
  if (!exit) return '–';
  const what = exit.signal ? 'signal ' + exit.signal : exit.code !== null ? 'code ' + exit.code : 'unknown';
  return what + ' at ' + new Date(exit.at).toLocaleString();
}
function flag(value, yes, no) {
  if (value === undefined || value === null) return '–';
  if (typeof value === 'object') value = value.state ?? value.ok ?? value.status;
  return value === true || value === yes ? yes : value === false || value === no ? no : String(value);
}
function say(text, ok) {
  const message = $('message');
  message.textContent = text;
  message.className = ok ? 'ok' : 'bad';
}
function credentials() {
  const user = sessionStorage.getItem('keepup-user'), password = sessionStorage.getItem('keepup-password');
  return user && password ? 'Basic ' + btoa(unescape(encodeURIComponent(user + ':' + password))) : undefined;
}
$('signin').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem('keepup-user', $('user').value);
  sessionStorage.setItem('keepup-password', $('password').value);
  $('password').value = '';
  say('signed in as ' + $('user').value + ' (checked at the first action)', true);
});
$('signout').addEventListener('click', () => {
  sessionStorage.removeItem('keepup-user');
  sessionStorage.removeItem('keepup-password');
  say('signed out', true);
});
async function control(name, action) {
  const headers = {'X-Keepup-CSRF': csrf};
  const auth = credentials();
  if (auth) headers.Authorization = auth;
  try {
    const response = await fetch('control/' + encodeURIComponent(name) + '/' + action, {method: 'POST', headers, credentials: 'omit'});
    const text = (await response.text()).trim();
    if (response.ok) say(action + ' ' + name + ': done', true);
    else say(action + ' ' + name + ': ' + response.status + ' ' + text, false);
  } catch (error) {
    say(action + ' ' + name + ': ' + error, false);
  }
  refresh();
}
function card(row, data) {
  const state = row.state;
  const items = [['pid', row.pid ?? '–']];
  if (row.kind === 'supervised') {
    items.push([state === 'up' || state === 'paused' ? 'uptime' : state + ' for', duration(row.seconds)]);
    items.push(['want', row.want ?? '–']);
    items.push(['restarts', row.restarts ?? '–']);
    items.push(['last exit', exitText(row.lastExit)]);
    items.push(['health', flag(row.health, 'healthy', 'unhealthy')]);
    items.push(['ready', flag(row.ready, 'ready', 'not ready')]);
    if (row.failedReason) items.push(['gave up', row.failedReason]);
  } else {
    items.push(['checked', 'by name in the process table']);
    if (row.failedReason) items.push(['gave up', row.failedReason]);
  }
  const list = el('dl');
  for (const [key, value] of items) list.append(el('dt', {}, key), el('dd', {}, String(value)));
  const node = el('section', {class: 'card', 'data-service': row.name, 'data-state': state},
    el('h2', {}, el('span', {class: 'name'}, row.name), el('span', {class: 'state ' + state.replace(/ /g, '-')}, state)), list);
  if (row.kind === 'supervised' && data.controls) {
    const actions = el('div', {class: 'actions'});
    for (const action of ['up', 'down', 'restart', 'reset']) {
      const button = el('button', {type: 'button', 'data-action': action}, action);
      button.addEventListener('click', () => control(row.name, action));
      actions.append(button);
    }
    node.append(actions);
  }
  const events = data.events.filter((event) => event.service === row.name).slice(-8).reverse();
  if (events.length) {
    const ul = el('ul', {class: 'events'});
    for (const event of events) ul.append(el('li', {}, new Date(event.time).toLocaleTimeString() + ' ' + event.kind + (event.action ? ' ' + event.action : '') + (event.by ? ' by ' + event.by : '') + (event.reason ? ': ' + event.reason : '') + (event.code !== undefined ? ' code ' + event.code : '') + (event.signal ? ' ' + event.signal : '')));
    node.append(el('details', {open: ''}, el('summary', {}, 'recent events'), ul));
  }
  const log = data.logs[row.name];
  if (log) node.append(el('details', {}, el('summary', {}, 'log'), el('pre', {}, log)));
  return node;
}
const opened = new Set();
async function refresh() {
  try {
    const response = await fetch('page.json', {cache: 'no-store', credentials: 'omit'});
    if (!response.ok) throw new Error(response.status + ' ' + response.statusText);
    const data = await response.json();
    const main = $('services');
    for (const details of main.querySelectorAll('details')) {
      const key = details.closest('.card').dataset.service + '/' + details.querySelector('summary').textContent;
      if (details.open) opened.add(key); else opened.delete(key);
    }
    main.replaceChildren(...data.rows.map((row) => card(row, data)));
    for (const details of main.querySelectorAll('details')) {
      const key = details.closest('.card').dataset.service + '/' + details.querySelector('summary').textContent;
      if (opened.has(key)) details.open = true;
    }
    $('signin').hidden = !data.controls;
    $('updated').textContent = 'updated ' + new Date(data.time).toLocaleTimeString();
  } catch (error) {
    $('updated').textContent = 'cannot reach keepup: ' + error.message;
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
