'use strict';
// Draws a query's stage graph (the physical plan's stages, from /api/queries/{id}) as SVG: source stages on the left,
// each keyed stage one column right of its deepest upstream stage, the sink last; edges carry their exchange.
const StageGraph = (() => {
  const svgNs = 'http://www.w3.org/2000/svg';
  const width = 220, lineHeight = 16, padding = 8, columnGap = 90, rowGap = 24;
  const exchanges = { KeyGroups: 'hash by key', Single: 'single', Forward: 'forward' };

  function element(name, attributes, text) {
    const el = document.createElementNS(svgNs, name);
    for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function layout(graph) {
    const nodes = graph.stages.map(s => ({
      key: `stage-${s.id}`, kind: s.kind,
      lines: [`Stage ${s.id}`, s.kind === 'keyed' ? s.operator : `source: ${s.leaf}`, ...s.pipeline.map(p => `· ${p}`)],
      stage: s,
    }));
    const byId = new Map(nodes.map(n => [n.stage.id, n]));
    const depth = n => n.depth ??= n.kind === 'keyed'
      ? 1 + Math.max(0, ...n.stage.inputs.filter(i => i.stage !== null).map(i => depth(byId.get(i.stage))))
      : 0;
    nodes.forEach(depth);
    const sink = { key: 'sink', kind: 'io', lines: ['Sink', graph.sink], depth: Math.max(0, ...nodes.map(n => n.depth)) + 1 };
    const all = [...nodes, sink];
    const columns = [];
    for (const n of all) (columns[n.depth] ??= []).push(n);
    let height = 0;
    columns.forEach((column, c) => {
      let y = padding;
      for (const n of column) {
        n.x = padding + c * (width + columnGap);
        n.y = y;
        n.h = n.lines.length * lineHeight + 2 * padding;
        y += n.h + rowGap;
      }
      height = Math.max(height, y);
    });
    const edges = [];
    for (const n of nodes) {
      for (const input of n.stage.inputs) if (input.stage !== null) edges.push({ from: byId.get(input.stage), to: n, label: exchanges[input.exchange] ?? input.exchange });
      if (n.stage.outputs.some(o => o.stage === null)) edges.push({ from: n, to: sink, label: '' });
    }
    return { nodes: all, edges, width: padding * 2 + columns.length * width + (columns.length - 1) * columnGap, height };
  }

  function draw(container, graph) {
    const { nodes, edges, width: w, height: h } = layout(graph);
    const svg = element('svg', { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': 'stage graph' });
    const defs = element('defs', {});
    const marker = element('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.append(element('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#666' }));
    defs.append(marker);
    svg.append(defs);
    for (const e of edges) {
      const x1 = e.from.x + width, y1 = e.from.y + e.from.h / 2, x2 = e.to.x, y2 = e.to.y + e.to.h / 2, mx = (x1 + x2) / 2;
      svg.append(element('path', { class: 'edge', d: `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}` }));
      if (e.label) svg.append(element('text', { class: 'edge-label', x: mx, y: (y1 + y2) / 2 - 4, 'text-anchor': 'middle' }, e.label));
    }
    for (const n of nodes) {
      const g = element('g', { class: `node ${n.kind}`, 'data-node': n.key });
      g.append(element('rect', { x: n.x, y: n.y, width, height: n.h, rx: 5 }));
      n.lines.forEach((line, i) => g.append(element('text', {
        x: n.x + padding, y: n.y + padding + (i + 1) * lineHeight - 4, 'font-weight': i === 0 ? 'bold' : 'normal',
      }, line)));
      svg.append(g);
    }
    container.replaceChildren(svg);
  }

  return { draw, layout };
})();
