// The Server Security overview's only script (loaded with the CSP nonce). Its buttons become messages
// for the extension: { command: 'auditAll' | 'cancel' } or { command: 'audit' | 'report', row, generation }
// (the row's index in this render; the extension ignores a click on an older page). It keeps
// "checked 3 min ago" current, the full local time on hover.
// @ts-check
(function () {
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  const generation = Number(document.body.dataset.generation);
  document.querySelectorAll('button[data-command]').forEach((button) => {
    button.addEventListener('click', () => {
      const el = /** @type {HTMLButtonElement} */ (button);
      const message = { command: el.dataset.command, generation };
      if (el.dataset.row !== undefined) message.row = Number(el.dataset.row);
      if (el.dataset.command === 'audit' || el.dataset.command === 'auditAll') el.disabled = true;
      vscode.postMessage(message);
    });
  });

  /** Same words as core/audit/report/groups.ts relativeTime. */
  function relative(then, now) {
    const s = Math.max(0, Math.round((now - then) / 1000));
    if (s < 60) return 'just now';
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    const days = Math.floor(s / 86400);
    return days === 1 ? 'yesterday' : `${days} days ago`;
  }
  function updateTimes() {
    document.querySelectorAll('time.checked[datetime]').forEach((el) => {
      const then = Date.parse(el.getAttribute('datetime') || '');
      if (Number.isNaN(then)) return;
      el.textContent = relative(then, Date.now());
      el.setAttribute('title', new Date(then).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'long' }));
    });
  }
  updateTimes();
  setInterval(updateTimes, 30_000);
})();
