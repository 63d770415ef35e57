// The run's DAG, drawn with Cytoscape.js. Positions come from a layered layout computed here (a task's layer is
// one more than its deepest dependency), not from a force or dagre layout: it costs O(tasks + edges) and stays
// instant at 5,000 tasks, where iterative layouts take seconds. Above LARGE_RUN tasks the graph drops per-node
// labels and draws the instances of a mapped task as its one parent node (the table still lists every instance).
'use strict';

const LARGE_RUN = 300;
const LAYER_GAP = 170;
const ROW_GAP = 46;

class RunGraph {
  constructor(container, note, onSelect) {
    this.container = container;
    this.note = note;
    this.onSelect = onSelect;
    this.shape = null;
    this.cy = null;
  }

  /** Draws the tasks, or only recolours them when the run's shape is unchanged (the usual case). */
  update(tasks) {
    const large = tasks.length > LARGE_RUN;
    const shown = large ? tasks.filter(t => !t.mapParent) : tasks;
    const shape = shown.map(t => t.id + '<' + (t.dependsOn || []).join(',')).join('|');
    if (shape !== this.shape) {
      this.draw(shown, large, tasks.length);
      this.shape = shape;
    }
    this.cy.batch(() => {
      for (const t of shown) this.cy.getElementById(t.id).data('colour', stateColour(t.status));
    });
  }

  draw(tasks, large, total) {
    const ids = new Set(tasks.map(t => t.id));
    const layers = layersOf(tasks, ids);
    const rows = new Map();
    const elements = [];
    for (const t of tasks) {
      const layer = layers.get(t.id);
      const row = rows.get(layer) || 0;
      rows.set(layer, row + 1);
      const label = large ? '' : (t.instances ? t.id + ' ×' + t.instances : t.id);
      elements.push({ group: 'nodes', data: { id: t.id, label: label, colour: stateColour(t.status) },
        position: { x: layer * LAYER_GAP, y: row * ROW_GAP } });
    }
    for (const t of tasks) {
      for (const d of t.dependsOn || []) {
        if (ids.has(d)) elements.push({ group: 'edges', data: { id: d + '\u0000' + t.id, source: d, target: t.id } });
      }
    }
    if (this.cy) this.cy.destroy();
    this.cy = cytoscape({
      container: this.container,
      elements: elements,
      layout: { name: 'preset', fit: true, padding: 20 },
      style: [
        { selector: 'node', style: { 'background-color': 'data(colour)', label: 'data(label)', 'font-size': 11,
          'text-valign': 'bottom', 'text-margin-y': 3, width: large ? 10 : 18, height: large ? 10 : 18 } },
        { selector: 'edge', style: { width: 1, 'line-color': '#bbb', 'target-arrow-color': '#bbb',
          'target-arrow-shape': large ? 'none' : 'triangle', 'curve-style': large ? 'haystack' : 'bezier' } },
        { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#000' } }
      ],
      textureOnViewport: large,
      hideEdgesOnViewport: large,
      pixelRatio: large ? 1 : 'auto',
      minZoom: 0.02,
      maxZoom: 1.5
    });
    this.cy.on('tap', 'node', e => this.onSelect(e.target.id()));
    this.note.textContent = large
        ? total + ' tasks: drawn without labels, each mapped task as one node; click a node to find its row'
        : 'click a task to find its row';
  }
}

/** Each task's layer (longest path from a root), by Kahn's order: no recursion, so a 5,000-long chain is fine. */
function layersOf(tasks, ids) {
  const layers = new Map();
  const waiting = new Map();
  const dependants = new Map();
  const ready = [];
  for (const t of tasks) {
    const deps = (t.dependsOn || []).filter(d => ids.has(d));
    waiting.set(t.id, deps.length);
    layers.set(t.id, 0);
    for (const d of deps) {
      if (!dependants.has(d)) dependants.set(d, []);
      dependants.get(d).push(t.id);
    }
    if (deps.length === 0) ready.push(t.id);
  }
  while (ready.length > 0) {
    const id = ready.pop();
    for (const next of dependants.get(id) || []) {
      layers.set(next, Math.max(layers.get(next), layers.get(id) + 1));
      waiting.set(next, waiting.get(next) - 1);
      if (waiting.get(next) === 0) ready.push(next);
    }
  }
  return layers;
}
