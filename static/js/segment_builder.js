/* Segment rule builder for Django admin: AND/OR groups of conditions, written as JSON into the
   rules textarea the form posts (see personalization/segments.py for the format), and a live
   size preview fetched from the admin after each change. Without JavaScript the textarea stays. */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function select(pairs, value, label, onChange, multiple) {
    var node = el("select", {"aria-label": label});
    if (multiple) { node.multiple = true; node.size = 6; }
    pairs.forEach(function (pair) {
      var option = el("option", {value: String(pair[0]), text: pair[1]});
      var chosen = multiple ? (value || []).map(String).indexOf(String(pair[0])) >= 0 : String(pair[0]) === String(value);
      if (chosen) option.selected = true;
      node.appendChild(option);
    });
    node.addEventListener("change", function () {
      onChange(multiple ? Array.prototype.filter.call(node.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; }) : node.value);
    });
    return node;
  }

  // `min` and `max` are optional (the browser then refuses to submit a value outside them).
  function number(value, label, step, onChange, min, max) {
    var node = el("input", {type: "number", step: step, "aria-label": label, value: value == null ? "" : value});
    if (min != null) node.min = String(min);
    if (max != null) node.max = String(max);
    node.style.width = "7em";
    node.addEventListener("input", function () { onChange(node.value === "" ? null : Number(node.value)); });
    return node;
  }

  // The menu when the options carry no "kinds" (a server from before the profile kinds).
  var KINDS = ["dominant", "score", "configured", "event_count", "ordered", "country", "language", "consent"];

  function defaults(kind, o) {
    var first = function (list) { return list && list.length ? list[0][0] : ""; };
    switch (kind) {
      case "dominant": return {kind: kind, motivation: first(o.motivations)};
      case "probability":
      case "score": return {kind: kind, motivation: first(o.motivations), cmp: "gte", value: 0.5};
      case "determined": return {kind: kind, value: true};
      case "depth": return {kind: kind, cmp: "gte", value: 8};
      case "depth_band": return {kind: kind, value: "high"};
      case "configured": return {kind: kind, product: first(o.products)};
      case "event_count": return {kind: kind, event: "build_shared", days: 30, cmp: "gte", value: 1};
      case "ordered": return {kind: kind, value: true};
      case "country": return {kind: kind, values: ["NL"]};
      case "language": return {kind: kind, value: first(o.languages)};
      default: return {kind: "consent", purpose: "marketing"};
    }
  }

  function Builder(root) {
    this.root = root;
    this.input = document.getElementById(root.dataset.input);
    this.options = JSON.parse(document.getElementById(root.dataset.options).textContent);
    this.labels = this.options.labels;
    var rules;
    try { rules = JSON.parse(this.input.value || "{}"); } catch (e) { return; }  // keep the textarea
    if (!rules || typeof rules !== "object" || !Array.isArray(rules.items)) rules = {op: "and", items: []};
    this.rules = rules;
    this.input.hidden = true;
    root.hidden = false;
    this.render();
    var purpose = document.getElementById("id_purpose");
    var self = this;
    if (purpose) purpose.addEventListener("change", function () { self.preview(); });
    this.preview();
  }

  Builder.prototype.changed = function (structural) {
    this.input.value = JSON.stringify(this.rules);
    if (structural) this.render();
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.preview(); }, 350);
  };

  Builder.prototype.render = function () {
    this.root.replaceChildren(this.group(this.rules, null, 1));
  };

  Builder.prototype.group = function (group, parent, depth) {
    var L = this.labels, self = this;
    var box = el("fieldset", {"class": "segment-group", role: "group"});
    box.style.cssText = "border:1px solid var(--hairline-color,#ccc);padding:.5em 1em;margin:.5em 0;";
    var head = el("div", {}, [
      el("span", {text: L.match + " "}),
      select([["and", L.and], ["or", L.or]], group.op || "and", L.match, function (v) { group.op = v; self.changed(false); }),
    ]);
    box.appendChild(head);
    if (!group.items.length && !parent) box.appendChild(el("p", {"class": "help", text: L.everyone}));
    group.items.forEach(function (item, index) {
      var remove = el("button", {type: "button", "class": "button", text: L.remove});
      remove.addEventListener("click", function () { group.items.splice(index, 1); self.changed(true); });
      var row = Array.isArray(item.items) ? self.group(item, group, depth + 1) : self.condition(item);
      row.appendChild(remove);
      box.appendChild(row);
    });
    var addCondition = el("button", {type: "button", "class": "button", text: L.add_condition});
    addCondition.addEventListener("click", function () { group.items.push(defaults("dominant", self.options)); self.changed(true); });
    var tools = el("div", {}, [addCondition]);
    if (depth < this.options.limits.depth) {
      var addGroup = el("button", {type: "button", "class": "button", text: L.add_group});
      addGroup.addEventListener("click", function () {
        group.items.push({op: group.op === "and" ? "or" : "and", items: [defaults("dominant", self.options)]});
        self.changed(true);
      });
      tools.appendChild(addGroup);
    }
    box.appendChild(tools);
    return box;
  };

  Builder.prototype.condition = function (c) {
    var o = this.options, L = this.labels, self = this;
    var set = function (key) { return function (v) { c[key] = v; self.changed(false); }; };
    var menu = Array.isArray(o.kinds) && o.kinds.length ? o.kinds.slice() : KINDS.slice();
    if (menu.indexOf(c.kind) < 0) menu.push(c.kind);  // a saved kind this menu leaves out stays shown
    var kinds = menu.map(function (k) { return [k, L[k] || k]; });
    var row = el("div", {"class": "segment-condition"});
    row.style.margin = ".3em 0";
    row.appendChild(select(kinds, c.kind, L.match, function (kind) {
      Object.keys(c).forEach(function (key) { delete c[key]; });
      Object.assign(c, defaults(kind, o));
      self.changed(true);
    }));
    var cmp = function (allowed) {
      return select(allowed.map(function (k) { return [k, L[k]]; }), c.cmp, L[c.kind], set("cmp"));
    };
    var yesNo = function (label) {
      return select([["yes", L.yes], ["no", L.no]], c.value ? "yes" : "no", label,
        function (v) { c.value = v === "yes"; self.changed(false); });
    };
    switch (c.kind) {
      case "dominant": row.appendChild(select(o.motivations, c.motivation, L.dominant, set("motivation"))); break;
      case "probability":
      case "score":
        row.appendChild(select(o.motivations, c.motivation, L[c.kind], set("motivation")));
        row.appendChild(cmp(["gte", "lte"]));
        // A probability lies in [0, 1]; a legacy score (a decayed tag sum) has no upper bound.
        row.appendChild(c.kind === "probability" ? number(c.value, L[c.kind], "0.05", set("value"), 0, 1)
                                                 : number(c.value, L[c.kind], "any", set("value"), 0));
        break;
      case "determined": row.appendChild(yesNo(L.determined)); break;
      case "depth":
        row.appendChild(cmp(["gte", "lte"]));
        row.appendChild(number(c.value, L.depth, "any", set("value"), 0, (o.limits || {}).depth_value));
        break;
      case "depth_band": row.appendChild(select(o.depth_bands || [], c.value, L.depth_band, set("value"))); break;
      case "configured": row.appendChild(select(o.products, c.product, L.configured, function (v) { c.product = Number(v); self.changed(false); })); break;
      case "event_count":
        row.appendChild(select(o.events, c.event, L.event_count, set("event")));
        row.appendChild(cmp(["gte", "lte", "eq"]));
        row.appendChild(number(c.value, L.event_count, "1", set("value")));
        row.appendChild(el("span", {text: " " + L.days + " "}));
        row.appendChild(number(c.days, L.days, "1", set("days")));
        break;
      case "ordered": row.appendChild(yesNo(L.ordered)); break;
      case "country": row.appendChild(select(o.countries, c.values, L.country, set("values"), true)); break;
      case "language": row.appendChild(select(o.languages, c.value, L.language, set("value"))); break;
      default: row.appendChild(select(o.purposes, c.purpose, L.consent, set("purpose")));
    }
    return row;
  };

  Builder.prototype.preview = function () {
    var target = document.getElementById("segment-preview");
    var purpose = document.getElementById("id_purpose");
    var token = document.querySelector("[name=csrfmiddlewaretoken]");
    if (!target || !purpose || !token) return;
    var body = new FormData();
    body.append("rules", this.input.value || "{}");
    body.append("purpose", purpose.value);
    body.append("csrfmiddlewaretoken", token.value);
    target.setAttribute("aria-busy", "true");
    fetch(target.dataset.url, {method: "POST", body: body, credentials: "same-origin",
                               headers: {"X-Requested-With": "XMLHttpRequest"}})
      .then(function (response) { return response.text(); })
      .then(function (html) { target.innerHTML = html; })  // the server escaped it
      .catch(function () {})
      .finally(function () { target.removeAttribute("aria-busy"); });
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".segment-builder").forEach(function (root) { new Builder(root); });
  });
})();
