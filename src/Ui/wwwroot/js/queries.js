'use strict';
// The queries page: active and completed queries, as Spark's Structured Streaming tab lists them.
(() => {
  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text ?? '';
    if (className) td.className = className;
    return td;
  }

  function fill(tableId, queries, withError) {
    const body = document.querySelector(`#${tableId} tbody`);
    body.replaceChildren();
    for (const q of queries) {
      const row = body.insertRow();
      row.dataset.queryId = q.id;
      const link = document.createElement('a');
      link.href = `query.html?id=${encodeURIComponent(q.id)}`;
      link.textContent = q.name ?? '<no name>';
      row.insertCell().append(link);
      cell(row, q.status, `status-${q.status}`);
      cell(row, q.id);
      cell(row, q.runId);
      cell(row, Ui.time(q.startedUtc));
      cell(row, Ui.duration(q.durationMs));
      cell(row, Ui.rate(q.avgInputRowsPerSecond), 'num');
      cell(row, Ui.rate(q.avgProcessedRowsPerSecond), 'num');
      cell(row, q.latestBatchId === null ? '' : String(q.latestBatchId), 'num latest-batch');
      if (withError) {
        // The first line of the error here; all of it on the query's page.
        const first = q.exception ? q.exception.split('\n')[0] : '';
        cell(row, first.length > 200 ? `${first.substring(0, 200)}…` : first, 'error').title = first;
      }
    }
  }

  Ui.poll(async () => {
    const queries = await Ui.getJson('api/queries');
    Ui.setText('active-count', String(queries.active.length));
    Ui.setText('completed-count', String(queries.completed.length));
    fill('active', queries.active, false);
    fill('completed', queries.completed, true);
  });
})();
