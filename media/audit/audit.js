// The audit panel's only script (loaded with the CSP nonce). It turns button clicks into messages for
// the extension: { command: 'rerun' } or { command: 'export', format: 'md' | 'json' | 'sarif' }.
// @ts-check
(function () {
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  document.querySelectorAll('button[data-command]').forEach((button) => {
    button.addEventListener('click', () => {
      const el = /** @type {HTMLElement} */ (button);
      const message = { command: el.dataset.command };
      if (el.dataset.format) message.format = el.dataset.format;
      vscode.postMessage(message);
    });
  });
})();
