/* riskmodel: the explorable chain diagram of the HTML report (drawn with cytoscape.js).
   Reads the graph from the JSON block #rm-graph; writes text only through textContent,
   so no string from a chain file is ever parsed as HTML. Loads nothing. */
(function () {
  'use strict';
  var holder = document.getElementById('rm-graph');
  var box = document.getElementById('rm-cy');
  if (!holder || !box || typeof cytoscape !== 'function') { return; }
  var g = JSON.parse(holder.textContent);
  var info = document.getElementById('rm-info');
  var found = document.getElementById('rm-found');
  var search = document.getElementById('rm-search');
  var colour = document.getElementById('rm-colour');
  var elements = [];
  g.stages.forEach(function (s, i) {
    elements.push({group: 'nodes', classes: 'stage', selectable: false, grabbable: false,
                   data: {id: 'h' + i, label: s.label, fill: s.fill},
                   position: {x: s.x, y: s.y}});
  });
  g.nodes.forEach(function (n, i) {
    elements.push({group: 'nodes', data: {id: 'n' + i, i: i, key: n.id, label: n.label, fill: n.fill,
                                          size: n.size}, position: {x: n.x, y: n.y}});
  });
  g.edges.forEach(function (e, k) {
    elements.push({group: 'edges', classes: (e.essential ? '' : 'dashed ') + (e.arc ? 'arc' : ''),
                   data: {id: 'e' + k, source: 'n' + e.from, target: 'n' + e.to}});
  });
  var cy = cytoscape({
    container: box, elements: elements, layout: {name: 'preset', padding: 24},
    minZoom: 0.03, maxZoom: 4, boxSelectionEnabled: false, autoungrabify: true,
    hideEdgesOnViewport: g.edges.length > 3000,  // large chains: pan and zoom stay smooth
    style: [
      {selector: 'node', style: {
        'background-color': 'data(fill)', 'width': 'data(size)', 'height': 'data(size)',
        'border-width': 1, 'border-color': '#333333', 'label': 'data(label)',
        'font-size': 12, 'color': '#1d2433', 'text-valign': 'center', 'text-halign': 'right',
        'text-margin-x': 5, 'text-wrap': 'wrap', 'text-max-width': 230,
        'text-background-color': '#ffffff', 'text-background-opacity': 0.75,
        'min-zoomed-font-size': 5}},
      {selector: 'node.stage', style: {
        'background-opacity': 0, 'border-width': 0, 'width': 1, 'height': 1,
        'font-size': 16, 'font-weight': 'bold', 'color': 'data(fill)',
        'text-background-opacity': 0, 'events': 'no', 'min-zoomed-font-size': 0}},
      {selector: 'edge', style: {
        'width': 1, 'line-color': '#7F7F7F', 'opacity': 0.55, 'curve-style': 'bezier',
        'target-arrow-shape': 'triangle', 'target-arrow-color': '#7F7F7F',
        'arrow-scale': 0.6}},
      {selector: 'edge.dashed', style: {'line-style': 'dashed'}},
      {selector: 'edge.arc', style: {'curve-style': 'unbundled-bezier',
                                     'control-point-distances': 40,
                                     'control-point-weights': 0.5}},
      {selector: '.faded', style: {'opacity': 0.12}},
      {selector: 'node.match', style: {'border-width': 3, 'border-color': '#0072B2'}},
      {selector: 'node:selected', style: {'border-width': 4, 'border-color': '#D55E00'}}
    ]
  });
  var pinned = null;

  function el(tag, text, cls) {
    var x = document.createElement(tag);
    if (text !== undefined && text !== null) { x.textContent = String(text); }
    if (cls) { x.className = cls; }
    return x;
  }

  function link(url) {
    var parsed;
    try { parsed = new URL(url); } catch (err) { return el('span', url); }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') { return el('span', url); }
    var a = el('a', url);
    a.href = parsed.href;
    a.rel = 'noopener noreferrer nofollow';
    return a;
  }

  function sourceItem(s) {
    var li = el('li');
    li.appendChild(el('code', s.field));
    li.appendChild(document.createTextNode(' = ' + s.value + ' · ' + (s['class'] || '')));
    if (s.title || s.source) {
      li.appendChild(el('span', (s.title || s.source) + (s.year ? ' (' + s.year + ')' : ''),
                        'src-title'));
    }
    if (s.url) { var p = el('span', null, 'sub'); p.appendChild(link(s.url)); li.appendChild(p); }
    if (s.ref) { li.appendChild(el('span', 'at ' + s.ref, 'sub')); }
    if (s.note) { li.appendChild(el('span', s.note, 'sub')); }
    return li;
  }

  function show(node) {
    info.replaceChildren();
    if (!node) {
      info.appendChild(el('p', 'Hover over a node, or click it to keep its details here. ' +
                              'Scroll to zoom, drag to pan.', 'note'));
      return;
    }
    var n = g.nodes[node.data('i')];
    info.appendChild(el('h3', n.label));
    var id = el('p', null, 'note');
    id.appendChild(el('code', n.id));
    id.appendChild(document.createTextNode(' · ' + n.stage.replace(/_/g, ' ')));
    info.appendChild(id);
    var dl = el('dl');
    n.facts.forEach(function (f) { dl.appendChild(el('dt', f[0])); dl.appendChild(el('dd', f[1])); });
    info.appendChild(dl);
    info.appendChild(el('h4', 'Sources of its values (' + n.sources.length + ')'));
    if (!n.sources.length) { info.appendChild(el('p', 'The chain gives no values here.', 'note')); }
    var ul = el('ul', null, 'sources');
    n.sources.forEach(function (s) { ul.appendChild(sourceItem(s)); });
    info.appendChild(ul);
  }

  function pin(node) {
    pinned = node;
    cy.$(':selected').unselect();
    if (node) { node.select(); }
    show(node);
  }

  function find(query) {
    var q = query.trim().toLowerCase();
    var hits = q ? cy.nodes().not('.stage').filter(function (x) {
      var n = g.nodes[x.data('i')];
      return n.id.toLowerCase().indexOf(q) >= 0 || n.label.toLowerCase().indexOf(q) >= 0;
    }) : cy.collection();
    cy.batch(function () {  // one redraw for all the changes
      cy.elements().removeClass('faded match');
      if (q) { cy.elements().not('.stage').not(hits).addClass('faded'); hits.addClass('match'); }
    });
    if (!q) { found.textContent = ''; return hits; }
    found.textContent = hits.length === 1 ? '1 node found' : hits.length + ' nodes found';
    if (hits.length) { found.textContent += ' (Enter: go to the first)'; }
    return hits;
  }

  function go(hits) {
    if (!hits.length) { return; }
    var first = hits.sort(function (a, b) { return a.data('i') - b.data('i'); })[0];
    cy.zoom(Math.max(cy.zoom(), 1.1));
    cy.center(first);
    pin(first);
  }

  cy.on('tap', 'node', function (e) { pin(e.target); });
  cy.on('tap', function (e) { if (e.target === cy) { pin(null); } });
  cy.on('mouseover', 'node', function (e) { show(e.target); });
  cy.on('mouseout', 'node', function () { show(pinned); });
  search.addEventListener('input', function () { find(search.value); });
  search.addEventListener('keydown', function (e) {
    if (e.key === 'Enter') { e.preventDefault(); go(find(search.value)); }
  });
  colour.addEventListener('change', function () {
    var stage = colour.value === 'stage';
    cy.batch(function () {
      cy.nodes().not('.stage').forEach(function (x) {
        var n = g.nodes[x.data('i')];
        x.data('fill', stage ? n.stage_fill : n.fill);
      });
    });
    document.getElementById('rm-legend-choke').hidden = stage;
    document.getElementById('rm-legend-stage').hidden = !stage;
  });
  document.getElementById('rm-fit').addEventListener('click', function () {
    cy.animate({fit: {padding: 24}}, {duration: 200});
  });
  show(null);
  window.riskmodelDiagram = {cy: cy, find: find, go: go, pin: pin};
}());
