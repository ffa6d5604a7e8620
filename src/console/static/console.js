// tourniquet console: live updates and small enhancements. Served by the service itself (the CSP
// allows only 'self'); the pages work without it: this only spares a reload.
'use strict';
/* global document, window, fetch, EventSource */

(function () {
  const status = document.getElementById('live-status');
  const rows = document.getElementById('timeline-rows');
  if (!status || !rows || typeof EventSource === 'undefined') return;

  const after = status.getAttribute('data-live-after') || '0';
  const source = new EventSource('/console/events?after=' + encodeURIComponent(after));
  let refreshing = false;
  let again = false;

  function say(text) {
    status.textContent = text;
  }

  // The rows are rendered (and escaped) by the server with this page's own filters.
  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const res = await fetch('/console/timeline/rows' + window.location.search, {
        credentials: 'same-origin',
        headers: { accept: 'text/html' },
      });
      if (res.redirected || res.status === 401) {
        source.close();
        say('Your session ended: sign in again to resume live updates.');
        return;
      }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      rows.innerHTML = await res.text();
      say('Live: updated ' + new Date().toISOString().slice(11, 19) + ' UTC.');
    } catch (e) {
      say('Live update failed (' + e.message + '); retrying with the next event.');
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  source.addEventListener('open', function () {
    say('Live: watching for new triggers.');
  });
  source.addEventListener('audit', function () {
    void refresh();
  });
  source.addEventListener('error', function () {
    say(
      source.readyState === EventSource.CLOSED
        ? 'Live updates stopped: reload the page.'
        : 'Live updates paused; reconnecting…',
    );
  });
})();
