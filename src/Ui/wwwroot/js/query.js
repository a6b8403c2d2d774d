'use strict';
// The page of one query: its facts, the latest batch, charts over the recent batches (Chart.js), the stage graph and plan.
(() => {
  const id = new URLSearchParams(location.search).get('id') ?? '';
  const palette = ['#2c7bb6', '#d7191c', '#1a9641', '#fdae61', '#7b3294', '#008837', '#e66101', '#5e3c99'];
  const charts = {};
  let drawnGraph = null;

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 11;

  function chart(canvasId, type, stacked) {
    const canvas = document.getElementById(canvasId);
    return charts[canvasId] ??= new Chart(canvas, {
      type,
      data: { labels: [], datasets: [] },
      options: {
        responsive: true,
        plugins: { legend: { display: false, position: 'bottom', labels: { boxWidth: 10 } } },
        scales: {
          x: { stacked, title: { display: true, text: 'batch' }, ticks: { maxTicksLimit: 12 } },
          y: { stacked, beginAtZero: true },
        },
      },
    });
  }

  // Sets a chart's batches and series ([{label, data, type?}]) in place, so that a refresh redraws without flicker.
  function plot(canvasId, type, labels, series, stacked = false) {
    const c = chart(canvasId, type, stacked);
    c.data.labels = labels;
    c.data.datasets = series.map((s, i) => ({
      label: s.label, data: s.data, type: s.type ?? type, stack: s.stack,
      borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length] + (type === 'bar' ? 'cc' : '33'),
      borderWidth: type === 'bar' ? 0 : 1.5, pointRadius: labels.length > 40 ? 0 : 2, tension: 0.15, spanGaps: true,
    }));
    c.options.plugins.legend.display = series.length > 1;
    c.update('none');
  }

  const seconds = (fromIso, toIso) => fromIso && toIso ? (Date.parse(toIso) - Date.parse(fromIso)) / 1000 : null;
  const phase = (p, ...keys) => keys.reduce((sum, k) => sum + (p.durationMs?.[k] ?? 0), 0);

  function renderCharts(progress) {
    // Idle triggers (no addBatch) carry no batch of their own: the charts show the batches that ran.
    const ran = progress.filter(p => p.durationMs && 'addBatch' in p.durationMs);
    const labels = ran.map(p => String(p.batchId));
    Ui.setText('batches-shown', String(ran.length));
    plot('chart-input-rate', 'line', labels, [{ label: 'input rows/s', data: ran.map(p => p.inputRowsPerSecond ?? null) }]);
    plot('chart-process-rate', 'line', labels, [{ label: 'processed rows/s', data: ran.map(p => p.processedRowsPerSecond ?? null) }]);
    plot('chart-input-rows', 'bar', labels, [{ label: 'input rows', data: ran.map(p => p.numInputRows) }]);
    plot('chart-batch-duration', 'line', labels, [{ label: 'batch duration (ms)', data: ran.map(p => p.batchDuration) }]);
    plot('chart-phases', 'bar', labels, [
      { label: 'plan', data: ran.map(p => phase(p, 'latestOffset', 'queryPlanning', 'getBatch')), stack: 'epoch' },
      { label: 'write-ahead', data: ran.map(p => phase(p, 'walCommit')), stack: 'epoch' },
      { label: 'run + sink commit', data: ran.map(p => phase(p, 'addBatch')), stack: 'epoch' },
      { label: 'commit log', data: ran.map(p => phase(p, 'commitOffsets')), stack: 'epoch' },
      { label: 'state commit (Σ partitions)', type: 'line', data: ran.map(p => (p.stateOperators ?? []).reduce((s, o) => s + o.commitTimeMs, 0)), stack: 'state' },
    ], true);
    const operators = Math.max(0, ...ran.map(p => (p.stateOperators ?? []).length));
    const perOperator = field => Array.from({ length: operators }, (_, i) => ({
      label: `${i}: ${ran.findLast(p => p.stateOperators?.[i])?.stateOperators[i].operatorName ?? ''}`,
      data: ran.map(p => p.stateOperators?.[i]?.[field] ?? null),
    }));
    plot('chart-state-rows', 'line', labels, perOperator('numRowsTotal'));
    plot('chart-state-memory', 'line', labels, perOperator('memoryUsedBytes'));
    plot('chart-lag', 'line', labels, [
      { label: 'watermark gap', data: ran.map(p => seconds(p.eventTime?.watermark, p.timestamp)) },
      { label: 'event-time lag', data: ran.map(p => seconds(p.eventTime?.max, p.timestamp)) },
    ]);
  }

  function facts(q) {
    const s = q.summary;
    Ui.setText('name', s.name ?? s.id);
    document.title = `OrleansStream · ${s.name ?? s.id}`;
    const status = document.getElementById('status');
    status.textContent = s.status;
    status.className = `status-${s.status}`;
    Ui.setText('query-id', s.id);
    Ui.setText('run-id', s.runId);
    Ui.setText('started', Ui.time(s.startedUtc));
    Ui.setText('duration', Ui.duration(s.durationMs));
    Ui.setText('checkpoint', q.checkpointLocation);
    Ui.setText('avg-input-rate', Ui.rate(s.avgInputRowsPerSecond));
    Ui.setText('avg-process-rate', Ui.rate(s.avgProcessedRowsPerSecond));
    const last = q.recentProgress.at(-1);
    Ui.setText('latest-batch', last ? String(last.batchId) : '');
    Ui.setText('latest-input-rows', last ? Ui.number(last.numInputRows) : '');
    Ui.setText('latest-input-rate', last ? Ui.rate(last.inputRowsPerSecond) : '');
    Ui.setText('latest-process-rate', last ? Ui.rate(last.processedRowsPerSecond) : '');
    Ui.setText('latest-duration', last ? `${Ui.number(last.batchDuration)} ms` : '');
    const operators = last?.stateOperators ?? [];
    Ui.setText('state-rows-total', operators.length ? Ui.number(operators.reduce((sum, o) => sum + o.numRowsTotal, 0)) : '');
    Ui.setText('state-memory', operators.length ? Ui.bytes(operators.reduce((sum, o) => sum + o.memoryUsedBytes, 0)) : '');
    Ui.setText('watermark', Ui.time(last?.eventTime?.watermark));
    Ui.setText('max-event-time', Ui.time(last?.eventTime?.max));
    document.getElementById('exception-section').hidden = !s.exception;
    Ui.setText('exception', s.exception);
    Ui.setText('explain', q.explain ?? '(the client that started this query did not send its plan)');
    document.getElementById('stop').disabled = s.status !== 'Active';
  }

  async function stop(event) {
    event.preventDefault();
    const result = document.getElementById('stop-result');
    const response = await fetch(`api/queries/${encodeURIComponent(id)}/stop`, {
      method: 'POST', headers: { 'X-Api-Key': document.getElementById('api-key').value },
    });
    const body = await response.json().catch(() => ({}));
    result.textContent = response.ok ? 'Stopping after the running batch.' : (body.detail ?? `${response.status}`);
    result.className = response.ok ? '' : 'error';
  }

  document.getElementById('stop-form').addEventListener('submit', stop);
  Ui.poll(async () => {
    const q = await Ui.getJson(`api/queries/${encodeURIComponent(id)}`);
    facts(q);
    renderCharts(q.recentProgress);
    const graph = JSON.stringify(q.stageGraph);
    if (graph !== drawnGraph && q.stageGraph) {
      StageGraph.draw(document.getElementById('stage-graph'), q.stageGraph);
      drawnGraph = graph;
    }
  });
})();
