/*
 * Commons Lab maps: compact columnar data, grid clustering per zoom, canvas points.
 *
 * Why not Leaflet.markercluster or one marker per record: both make a DOM node
 * (or a cluster-tree object) per point up front, which costs seconds and
 * hundreds of MB at 100k points. Here each layer keeps its points in typed
 * arrays; on every move the points in view are binned into a pixel grid, full
 * cells become a few DOM cluster icons and lone points become canvas circles.
 *
 * Every registry text reaches the page through textContent or a DOM property,
 * never innerHTML, so a name holding markup shows as text.
 */
(function () {
  'use strict';

  var TILE = 256;
  var registry = (window.commonsMaps = window.commonsMaps || { instances: [], ready: false });

  function text(tag, value, className) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = value == null ? '' : String(value);
    return el;
  }

  /* Interface words come from the page's config, in the page's language (registry/maps/layers.py SCRIPT_WORDS). */
  var WORDS = {};

  function t(key, vars) {
    return String(WORDS[key] || key).replace(/\{(\w+)\}/g, function (all, name) {
      return vars && vars[name] != null ? String(vars[name]) : all;
    });
  }

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function pairs(list) {
    var out = new Map();
    (list || []).forEach(function (pair) { out.set(pair[0], pair[1]); });
    return out;
  }

  function mercX(lon) { return (lon + 180) / 360; }
  function mercY(lat) {
    var s = Math.sin(lat * Math.PI / 180);
    s = Math.min(Math.max(s, -0.9999), 0.9999);
    return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
  }

  function undelta(values, scale) {
    var out = new Float64Array(values.length), v = 0;
    for (var i = 0; i < values.length; i++) { v += values[i]; out[i] = v / scale; }
    return out;
  }

  /* One kind of record drawn as clusters and points: assets, actors or cases. */
  function PointLayer(owner, spec, data) {
    this.owner = owner;
    this.map = owner.map;
    this.spec = spec;
    var n = data.lat.length, scale = data.scale || 1e5;
    this.n = n;
    var self = this;
    // Names and ids arrive in name files of a few thousand records each, fetched when a popup or
    // a record page needs one: clusters are drawn without them. Each point knows its file's number
    // (data.names.chunk, absent when there is one file) and its rank in that file is its order among
    // the points of that file.
    this.nameFiles = (data.names && data.names.files) || [];
    this.nameCodes = (data.names && data.names.chunk) || null;
    this.nameParts = {};
    this.nameLoads = {};
    this.rank = new Int32Array(n);
    this.filePoints = this.nameFiles.map(function () { return []; });
    for (var p = 0; p < n; p++) {
      var list = this.filePoints[this.nameCodes ? this.nameCodes[p] : 0];
      this.rank[p] = list.length;
      list.push(p);
    }
    this.index = new Map();
    this.lat = undelta(data.lat, scale);
    this.lon = undelta(data.lon, scale);
    this.x = new Float64Array(n);
    this.y = new Float64Array(n);
    for (var i = 0; i < n; i++) { this.x[i] = mercX(this.lon[i]); this.y[i] = mercY(this.lat[i]); }
    this.cats = data.cat || {};
    this.extra = data.extra || {};
    this.shapes = data.shapes || null;
    this.shapeChunk = new Map();
    if (this.shapes) {
      for (var k = 0; k < this.shapes.rec.length; k++) this.shapeChunk.set(this.shapes.rec[k], this.shapes.chunk[k]);
    }
    this.colors = pairs(spec.colors);
    this.labels = {};
    for (var name in spec.labels) this.labels[name] = pairs(spec.labels[name]);
    this.group = L.featureGroup();
    this.shapeGroup = L.featureGroup();
    this.chunks = {};
    this.stats = { clusters: 0, points: 0, clustered: 0 };
    this.group.on('click', function (e) { self.onClick(e); });
    this.shapeGroup.on('click', function (e) { if (e.layer && e.layer.cmIndex != null) self.openPopup(e.layer.cmIndex, e.latlng); });
  }

  PointLayer.prototype.category = function (name, i) {
    var c = this.cats[name];
    if (!c) return null;
    var code = c.codes[i];
    return code < 0 ? null : c.values[code];
  };

  PointLayer.prototype.color = function (i) {
    var by = this.spec.colorBy, value = by ? this.category(by, i) : null;
    return (value && this.colors.get(value)) || this.spec.color;
  };

  PointLayer.prototype.label = function (name, value) {
    var words = this.labels[name];
    return (words && words.get(value)) || value;
  };

  /* The name file that holds a record: FNV-1a of its id's UTF-8 bytes, as registry/maps/data.py computes it. */
  function nameFileOf(id, files) {
    var bytes = new TextEncoder().encode(id), h = 0x811c9dc5;
    for (var b = 0; b < bytes.length; b++) h = Math.imul(h ^ bytes[b], 0x01000193) >>> 0;
    return h % files;
  }

  PointLayer.prototype.loadNames = function (file) {
    var self = this;
    if (!this.nameLoads[file]) {
      this.nameLoads[file] = fetchJson(this.owner.url(this.nameFiles[file])).then(function (part) {
        self.nameParts[file] = part;
        var points = self.filePoints[file];
        for (var r = 0; r < part.id.length && r < points.length; r++) self.index.set(part.id[r], points[r]);
        return self;
      });
    }
    return this.nameLoads[file];
  };

  /* Resolves once the names of these points are at hand. */
  PointLayer.prototype.withNames = function (points) {
    var files = new Set();
    for (var m = 0; m < points.length; m++) files.add(this.nameCodes ? this.nameCodes[points[m]] : 0);
    var self = this;
    return Promise.all(Array.from(files).map(function (file) { return self.loadNames(file); }));
  };

  /* Resolves once the record with this id, if the layer has it, can be found. */
  PointLayer.prototype.withId = function (id) {
    return this.nameFiles.length ? this.loadNames(nameFileOf(id, this.nameFiles.length)) : Promise.resolve(this);
  };

  PointLayer.prototype.entry = function (i, field) {
    var part = this.nameParts[this.nameCodes ? this.nameCodes[i] : 0];
    return part ? part[field][this.rank[i]] : '';
  };

  PointLayer.prototype.find = function (id) {
    var found = this.index.get(id);
    return found === undefined ? -1 : found;
  };

  PointLayer.prototype.href = function (i) {
    return this.spec.base + encodeURIComponent(this.entry(i, 'id')) + '/';
  };

  PointLayer.prototype.popupContent = function (i) {
    var spec = this.spec, box = document.createElement('div');
    box.className = 'cm-popup';
    var link = text('a', this.entry(i, 'name'), 'cm-popup-title');
    link.href = this.href(i);
    link.target = '_top';
    box.appendChild(link);
    var facts = [];
    for (var f = 0; f < spec.facts.length; f++) {
      var name = spec.facts[f], value = this.category(name, i);
      if (value) facts.push(this.label(name, value));
    }
    var y0 = this.extra.start_year, y1 = this.extra.end_year;
    if (y0 && y0[i]) facts.push(y0[i] + '–' + (y1 && y1[i] ? y1[i] : ''));
    box.appendChild(text('div', spec.singular + (facts.length ? ' · ' + facts.join(' · ') : ''), 'cm-popup-facts'));
    return box;
  };

  PointLayer.prototype.listContent = function (members) {
    var box = document.createElement('div');
    box.className = 'cm-popup';
    box.appendChild(text('div', t('here', { n: members.length, noun: this.spec.noun }), 'cm-popup-facts'));
    var list = document.createElement('ul');
    list.className = 'cm-popup-list';
    for (var m = 0; m < members.length && m < 50; m++) {
      var item = document.createElement('li'), link = text('a', this.entry(members[m], 'name'));
      link.href = this.href(members[m]);
      link.target = '_top';
      item.appendChild(link);
      list.appendChild(item);
    }
    box.appendChild(list);
    if (members.length > 50) box.appendChild(text('div', t('more', { n: members.length - 50 }), 'cm-popup-facts'));
    return box;
  };

  PointLayer.prototype.openPopup = function (i, latlng) {
    var self = this;
    return this.withNames([i]).then(function () {
      return L.popup({ maxWidth: 280 })
        .setLatLng(latlng || [self.lat[i], self.lon[i]])
        .setContent(self.popupContent(i))
        .openOn(self.map);
    });
  };

  PointLayer.prototype.onClick = function (e) {
    var layer = e.layer;
    if (layer.cmIndex != null) return this.openPopup(layer.cmIndex, layer.getLatLng());
    if (!layer.cmCell) return;
    var cell = layer.cmCell, map = this.map;
    var bounds = L.latLngBounds([cell.minLat, cell.minLon], [cell.maxLat, cell.maxLon]);
    var zoom = Math.min(Math.max(map.getBoundsZoom(bounds), map.getZoom() + 1), map.getMaxZoom());
    var tight = map.project(bounds.getNorthWest(), map.getMaxZoom()).distanceTo(map.project(bounds.getSouthEast(), map.getMaxZoom())) < 2;
    if (tight || map.getZoom() >= map.getMaxZoom()) {
      var self = this;
      var members = this.membersOf(cell);
      this.withNames(members.slice(0, 50)).then(function () {
        L.popup({ maxWidth: 280 }).setLatLng(layer.getLatLng()).setContent(self.listContent(members)).openOn(map);
      });
    } else {
      map.setView(bounds.getCenter(), zoom);
    }
  };

  PointLayer.prototype.membersOf = function (cell) {
    var out = [];
    for (var i = 0; i < this.n; i++) {
      var px = this.x[i] * cell.scale, py = this.y[i] * cell.scale;
      if (Math.floor(px / cell.size) === cell.cx && Math.floor(py / cell.size) === cell.cy) out.push(i);
    }
    return out;
  };

  PointLayer.prototype.visible = function () {
    return this.map.hasLayer(this.group);
  };

  /* Bin the points in view into a pixel grid at this zoom; draw cells and lone points. */
  PointLayer.prototype.redraw = function () {
    var map = this.map, spec = this.spec, group = this.group;
    group.clearLayers();
    this.stats = { clusters: 0, points: 0, clustered: 0 };
    if (!this.visible()) return;
    var zoom = map.getZoom(), scale = TILE * Math.pow(2, zoom), size = this.owner.options.cellSize;
    var pb = map.getPixelBounds(), pad = size;
    var minX = pb.min.x - pad, maxX = pb.max.x + pad, minY = pb.min.y - pad, maxY = pb.max.y + pad;
    var cluster = zoom < this.owner.options.clusterUntil;
    var singles = [], cells = new Map(), count = [], sx = [], sy = [], first = [];
    var bx0 = [], by0 = [], bx1 = [], by1 = [], cxs = [], cys = [];
    var skip = this.owner.highlight && this.owner.highlight.layer === this ? this.owner.highlight.index : -1;
    for (var i = 0; i < this.n; i++) {
      if (i === skip) continue;
      var px = this.x[i] * scale;
      if (px < minX || px > maxX) continue;
      var py = this.y[i] * scale;
      if (py < minY || py > maxY) continue;
      if (!cluster) { singles.push(i); continue; }
      var cx = Math.floor(px / size), cy = Math.floor(py / size), key = cx * 67108864 + cy;
      var c = cells.get(key);
      if (c === undefined) {
        c = count.length;
        cells.set(key, c);
        count.push(0); sx.push(0); sy.push(0); first.push(i);
        bx0.push(Infinity); by0.push(Infinity); bx1.push(-Infinity); by1.push(-Infinity);
        cxs.push(cx); cys.push(cy);
      }
      count[c]++; sx[c] += px; sy[c] += py;
      var la = this.lat[i], lo = this.lon[i];
      if (lo < bx0[c]) bx0[c] = lo; if (lo > bx1[c]) bx1[c] = lo;
      if (la < by0[c]) by0[c] = la; if (la > by1[c]) by1[c] = la;
    }
    var offset = Object.keys(this.owner.layers).length > 1 && spec.clusterOffset ? spec.clusterOffset : [0, 0];
    for (var k = 0; k < count.length; k++) {
      if (count[k] === 1) { singles.push(first[k]); continue; }
      // Layers cluster on the same grid; a small offset per layer keeps each cluster clickable.
      var center = map.unproject(L.point(sx[k] / count[k] + offset[0], sy[k] / count[k] + offset[1]), zoom);
      var n = count[k], sizeClass = n < 10 ? 'small' : n < 100 ? 'medium' : 'large';
      var label = n < 10000 ? String(n) : Math.round(n / 1000) + 'k';
      var marker = L.marker(center, {
        icon: L.divIcon({
          html: '<div><span>' + label + '</span></div>',
          className: 'marker-cluster cm-cluster cm-cluster-' + spec.key + ' marker-cluster-' + sizeClass,
          iconSize: L.point(40, 40)
        }),
        title: t('clusterTitle', { n: n, noun: spec.noun }),
        alt: t('clusterTitle', { n: n, noun: spec.noun }),
        keyboard: true
      });
      marker.cmCell = { minLat: by0[k], maxLat: by1[k], minLon: bx0[k], maxLon: bx1[k], scale: scale, size: size, cx: cxs[k], cy: cys[k] };
      group.addLayer(marker);
      this.stats.clusters++;
      this.stats.clustered += n;
    }
    var renderer = this.owner.renderer;
    for (var s = 0; s < singles.length; s++) {
      var j = singles[s];
      var dot = L.circleMarker([this.lat[j], this.lon[j]], {
        renderer: renderer, radius: spec.radius, weight: spec.weight, color: spec.stroke,
        fillColor: this.color(j), fillOpacity: 0.9, bubblingMouseEvents: true
      });
      dot.cmIndex = j;
      group.addLayer(dot);
    }
    this.stats.points = singles.length;
    this.redrawShapes();
  };

  /* Outlines: loaded chunk by chunk, only when zoomed in and the chunk is in view. */
  PointLayer.prototype.redrawShapes = function () {
    var shapes = this.shapes, map = this.map;
    if (!shapes || !shapes.files.length) return;
    var show = this.visible() && map.getZoom() >= this.owner.options.shapesFrom;
    var view = map.getBounds().pad(0.2);
    for (var f = 0; f < shapes.files.length; f++) {
      var b = shapes.files[f].bbox;
      var inView = show && view.intersects(L.latLngBounds([b[1], b[0]], [b[3], b[2]]));
      var chunk = this.chunks[f];
      if (inView && !chunk) this.loadChunk(f);
      else if (chunk && chunk.layer) {
        if (inView && !this.shapeGroup.hasLayer(chunk.layer)) this.shapeGroup.addLayer(chunk.layer);
        if (!inView && this.shapeGroup.hasLayer(chunk.layer)) this.shapeGroup.removeLayer(chunk.layer);
      }
    }
    if (show && !map.hasLayer(this.shapeGroup)) this.shapeGroup.addTo(map);
  };

  PointLayer.prototype.loadChunk = function (f) {
    var self = this, chunk = (this.chunks[f] = { layer: null });
    return fetchJson(this.owner.url(this.shapes.files[f].file)).then(function (data) {
      chunk.layer = self.shapeLayer(data, null, self.shapePoints(f));
      self.redrawShapes();
      return chunk.layer;
    });
  };

  /* The points whose outlines are in outline file f, in that file's order. */
  PointLayer.prototype.shapePoints = function (f) {
    var out = [];
    for (var k = 0; k < this.shapes.rec.length; k++) if (this.shapes.chunk[k] === f) out.push(this.shapes.rec[k]);
    return out;
  };

  PointLayer.prototype.shapeLayer = function (data, only, points) {
    var group = L.featureGroup(), renderer = this.owner.renderer;
    for (var s = 0; s < data.id.length; s++) {
      if (only !== null && data.id[s] !== only) continue;
      var i = points ? points[s] : this.find(data.id[s]);
      var color = i >= 0 ? this.color(i) : this.spec.color;
      var layer = L.geoJSON(data.geometry[s], {
        renderer: renderer,
        style: { color: color, weight: 2, fillColor: color, fillOpacity: 0.2 }
      });
      layer.eachLayer(function (part) { part.cmIndex = i >= 0 ? i : null; });
      group.addLayer(layer);
    }
    return group;
  };

  PointLayer.prototype.bounds = function () {
    if (!this.n) return null;
    var b = L.latLngBounds([]);
    for (var i = 0; i < this.n; i++) b.extend([this.lat[i], this.lon[i]]);
    return b;
  };

  function fetchJson(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r.json();
    });
  }

  /* A control's corner, mirrored on a right-to-left page so controls sit where its readers look first. */
  function corner(config, position) {
    if (config.direction !== 'rtl') return position;
    return position.indexOf('right') >= 0 ? position.replace('right', 'left') : position.replace('left', 'right');
  }

  /* One map page: overview, record or cases, as configured by the Python side. */
  function CommonsMap(map, config) {
    for (var word in config.words || {}) WORDS[word] = config.words[word];
    if (config.direction === 'rtl') {
      if (map.zoomControl) map.zoomControl.setPosition(corner(config, 'topleft'));
      if (map.attributionControl) map.attributionControl.setPosition(corner(config, 'bottomright'));
    }
    this.map = map;
    this.config = config;
    this.options = config.options;
    this.renderer = L.canvas({ padding: 0.3 });
    this.layers = {};
    this.highlight = null;
    this.started = performance.now();
    this.timings = {};
    registry.instances.push(this);
  }

  CommonsMap.prototype.url = function (file) {
    return this.config.dataBase + file;
  };

  CommonsMap.prototype.start = function () {
    var self = this, config = this.config, map = this.map;
    var specs = config.layers;
    map.fitBounds(config.bounds, { padding: [24, 24], maxZoom: config.fitMaxZoom, animate: false });
    var tiles = [];
    if (config.tiles) {
      // Added only once the record is found, so a record page never fetches the wide view's tiles.
      tiles.push(L.tileLayer(config.tiles.url, {
        attribution: config.tiles.attribution, maxZoom: config.tiles.maxZoom, maxNativeZoom: config.tiles.maxZoom
      }));
    }
    if (config.mode === 'record') {
      var wanted = parseHash(location.hash);
      specs = specs.filter(function (s) { return wanted && s.key === wanted.kind; });
      if (!specs.length) {
        tiles.forEach(function (layer) { layer.addTo(map); });
        document.documentElement.setAttribute('data-map-ready', 'true');
        return Promise.resolve(this.message(t('noRecord')));
      }
    }
    return Promise.all(specs.map(function (spec) {
      return fetchJson(self.url(spec.file)).then(function (data) { return new PointLayer(self, spec, data); });
    })).then(function (layers) {
      self.timings.loaded = performance.now() - self.started;
      var overlays = {};
      layers.forEach(function (layer) {
        self.layers[layer.spec.key] = layer;
        if (layer.spec.show !== false) layer.group.addTo(map);
        overlays['<span class="cm-overlay cm-overlay-' + escapeHtml(layer.spec.key) + '">' +
          escapeHtml(layer.spec.label) + ' (' + layer.n + ')</span>'] = layer.group;
      });
      if (config.mode !== 'record') {
        L.control.layers(null, overlays, { collapsed: config.options.collapseControl, position: corner(config, 'topright') }).addTo(map);
        self.legend(layers);
      }
      var redraw = function () { self.redraw(); };
      map.on('moveend', redraw);
      map.on('overlayadd overlayremove', function (e) {
        layers.forEach(function (layer) {
          if (e.layer === layer.group) {
            if (e.type === 'overlayremove') map.removeLayer(layer.shapeGroup);
            layer.redraw();
          }
        });
      });
      var done = function () {
        self.timings.rendered = performance.now() - self.started;
        registry.ready = true;
        document.documentElement.setAttribute('data-map-ready', 'true');
      };
      // A layer with one name file (a few thousand records at most) fetches it at once; larger ones on demand.
      var named = Promise.all(layers.map(function (layer) {
        return layer.nameFiles.length === 1 ? layer.loadNames(0) : layer;
      })).then(function () {
        self.timings.named = performance.now() - self.started;
        document.documentElement.setAttribute('data-map-names', 'true');
      });
      if (config.mode !== 'record') {
        named.catch(function () {
          self.message(t('failed'));
          document.documentElement.setAttribute('data-map-names', 'error');
        });
      }
      if (config.mode === 'record') {
        window.addEventListener('hashchange', function () { self.findRecord(parseHash(location.hash)); });
        return named.then(function () { return self.findRecord(parseHash(location.hash)); }).then(function () {
          tiles.forEach(function (layer) { layer.addTo(map); });
          done();
          return self;
        });
      }
      self.redraw();
      done();
      return self;
    }).catch(function (error) {
      tiles.forEach(function (layer) { if (!map.hasLayer(layer)) layer.addTo(map); });
      self.message(t('failed'));
      document.documentElement.setAttribute('data-map-ready', 'error');
      throw error;
    });
  };

  CommonsMap.prototype.redraw = function () {
    for (var key in this.layers) this.layers[key].redraw();
  };

  /* Fetch the name file that would hold the record, then show it. */
  CommonsMap.prototype.findRecord = function (wanted) {
    var self = this, layer = wanted && this.layers[wanted.kind];
    return (layer ? layer.withId(wanted.id) : Promise.resolve()).then(function () { self.focusRecord(wanted); });
  };

  CommonsMap.prototype.focusRecord = function (wanted) {
    var map = this.map, layer = wanted && this.layers[wanted.kind];
    if (this.highlight && this.highlight.group) map.removeLayer(this.highlight.group);
    this.highlight = null;
    if (!layer) return this.message(t('notOnMap'));
    var i = layer.find(wanted.id);
    if (i < 0) {
      this.message(t('noLocation'));
      var all = layer.bounds();
      if (all) map.fitBounds(all, { maxZoom: 14 });
      this.redraw();
      return;
    }
    var group = L.featureGroup().addTo(map);
    this.highlight = { layer: layer, index: i, group: group };
    var dot = L.circleMarker([layer.lat[i], layer.lon[i]], {
      renderer: this.renderer, radius: layer.spec.radius + 4, weight: 3, color: '#111',
      fillColor: layer.color(i), fillOpacity: 1
    });
    dot.cmIndex = i;
    dot.on('click', function () { layer.openPopup(i); });
    group.addLayer(dot);
    var zoom = this.options.recordZoom;
    map.setView([layer.lat[i], layer.lon[i]], zoom);
    var shapes = layer.shapes, self = this;
    var where = layer.shapeChunk.get(i);
    if (where !== undefined) {
      fetchJson(this.url(shapes.files[where].file)).then(function (data) {
        if (!self.highlight || self.highlight.group !== group) return;
        var outline = layer.shapeLayer(data, wanted.id, null);
        outline.eachLayer(function (part) { part.on('click', function (e) { layer.openPopup(i, e.latlng); }); });
        group.addLayer(outline);
        dot.bringToFront();
        map.fitBounds(outline.getBounds(), { maxZoom: zoom, padding: [16, 16] });
      });
    }
    this.redraw();
  };

  CommonsMap.prototype.message = function (words) {
    if (this.note) this.note.remove();
    var Note = L.Control.extend({
      onAdd: function () { return text('div', words, 'cm-message leaflet-bar'); }
    });
    this.note = new Note({ position: corner(this.config, 'topright') }).addTo(this.map);
  };

  CommonsMap.prototype.legend = function (layers) {
    var Legend = L.Control.extend({
      onAdd: function () {
        var box = document.createElement('details');
        box.className = 'cm-legend leaflet-bar';
        if (window.innerWidth >= 1100 && window.innerHeight >= 750) box.open = true;
        box.appendChild(text('summary', t('legend')));
        layers.forEach(function (layer) {
          var spec = layer.spec;
          var section = document.createElement('div');
          section.className = 'cm-legend-section cm-legend-' + spec.key;
          section.appendChild(text('div', spec.colorBy ? t('colouredBy', { label: spec.label, what: spec.colorTitle }) : spec.label, 'cm-legend-title'));
          var present = layer.cats[spec.colorBy] ? layer.cats[spec.colorBy].values : [];
          layer.colors.forEach(function (color, value) {
            if (present.indexOf(value) < 0) return;
            var row = document.createElement('div');
            row.className = 'cm-legend-row';
            var swatch = text('span', '', 'cm-swatch cm-swatch-' + spec.key);
            swatch.style.backgroundColor = color;
            row.appendChild(swatch);
            row.appendChild(text('span', layer.label(spec.colorBy, value)));
            section.appendChild(row);
          });
          var coded = layer.cats[spec.colorBy];
          if (coded && coded.codes.indexOf(-1) >= 0) {
            var other = document.createElement('div');
            other.className = 'cm-legend-row';
            var plain = text('span', '', 'cm-swatch cm-swatch-' + spec.key);
            plain.style.backgroundColor = spec.color;
            other.appendChild(plain);
            other.appendChild(text('span', t('notRecorded', { what: spec.colorTitle })));
            section.appendChild(other);
          }
          var clusterRow = document.createElement('div');
          clusterRow.className = 'cm-legend-row';
          var clusterSwatch = text('span', 'n', 'cm-swatch cm-swatch-cluster cm-cluster-' + spec.key);
          clusterRow.appendChild(clusterSwatch);
          clusterRow.appendChild(text('span', t('groupHint', { noun: spec.noun })));
          section.appendChild(clusterRow);
          box.appendChild(section);
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Legend({ position: corner(this.config, 'bottomright') }).addTo(this.map);
  };

  /* Counts for tests and benchmarks: what is drawn right now, per layer. */
  CommonsMap.prototype.stats = function () {
    var out = {};
    for (var key in this.layers) {
      var s = this.layers[key].stats;
      out[key] = { clusters: s.clusters, points: s.points, clustered: s.clustered, total: this.layers[key].n };
    }
    return out;
  };

  /* Where a record is drawn, in page pixels of the map container, for tests that click it. */
  CommonsMap.prototype.locate = function (kind, id) {
    var layer = this.layers[kind];
    var i = layer ? layer.find(id) : -1;
    if (i < 0) return null;
    var point = this.map.latLngToContainerPoint([layer.lat[i], layer.lon[i]]);
    return { lat: layer.lat[i], lng: layer.lon[i], x: point.x, y: point.y };
  };

  function parseHash(hash) {
    var m = /^#([a-z]+)\/(.+)$/.exec(hash || '');
    if (!m) return null;
    try { return { kind: m[1], id: decodeURIComponent(m[2]) }; } catch (e) { return null; }
  }

  window.CommonsMap = {
    start: function (map, config) { return new CommonsMap(map, config).start(); },
    parseHash: parseHash
  };
})();
