// Shared by the UI's pages. Every user-controlled string reaches the page through el()'s textContent, never as HTML.
'use strict';

/** A new element with its text (as text) and attributes. */
function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

/** The colour of a task or run state, in the graph and the tables. */
const STATE_COLOURS = {
  PENDING: '#bbb', READY: '#8ab6e8', DISPATCHED: '#5b9bd5', RUNNING: '#1f6fd1', RETRY_WAIT: '#e0a030',
  SUCCEEDED: '#2e9e44', SKIPPED: '#9c9', FAILED: '#c62828', UPSTREAM_FAILED: '#e57373', TIMED_OUT: '#8e24aa',
  CANCELLED: '#f28c28', REJECTED: '#c62828'
};

function stateColour(state) {
  return STATE_COLOURS[state] || '#999';
}

/** A link only for http(s) URLs: a tracking URL is reported by the work itself and could say javascript:. */
function safeLink(url) {
  try {
    const u = new URL(url, location.href);
    if (u.protocol === 'http:' || u.protocol === 'https:') {
      return el('a', url, { href: u.href, rel: 'noopener noreferrer' });
    }
  } catch (e) { /* not a URL: shown as text */ }
  return el('span', url);
}

function formatDuration(ms) {
  if (ms === null || ms === undefined || ms < 0) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
  return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
}

function showMessage(text) {
  document.getElementById('message').textContent = text || '';
}

/** A 401 means the token (the UI's cookie) is missing or no longer valid: sign in again. */
function signInIfAsked(response) {
  if (response.status === 401) {
    location.assign('/login');
    return true;
  }
  return false;
}

/**
 * GETs {@code url} as JSON: {response, body}, or null when there is nothing to show (the coordinator did not answer
 * or refused, and #message says why; or it asked to sign in).
 */
async function getJson(url) {
  let response;
  try {
    response = await fetch(url, { cache: 'no-store' });
  } catch (e) {
    showMessage('the coordinator does not answer; retrying');
    return null;
  }
  if (signInIfAsked(response)) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    showMessage(body.error || ('the coordinator answered ' + response.status));
    return null;
  }
  showMessage('');
  return { response, body };
}
