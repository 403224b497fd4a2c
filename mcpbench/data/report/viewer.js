// Episode viewer: every untrusted string (tool output, arguments, model text) goes through textContent, never HTML.
(function () {
  "use strict";
  const source = document.getElementById("episodes-data");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const byId = new Map(data.episodes.map(function (e) { return [e.id, e]; }));
  const select = document.getElementById("episode-select");
  const filter = document.getElementById("episode-filter");
  const view = document.getElementById("episode-view");

  function el(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }
  function badge(text, cls) { return el("span", "badge " + (cls || text), text); }
  function pre(text, cls) { return el("pre", cls || "", text); }
  function fmt(x) { return x === null || x === undefined ? "n/a" : Number(x).toFixed(3); }
  function json(v) { return v === null || v === undefined ? "" : JSON.stringify(v, null, 2); }

  function fillSelect() {
    const q = filter.value.trim().toLowerCase();
    const current = select.value;
    select.replaceChildren();
    const groups = new Map();
    for (const e of data.episodes) {
      const hay = (e.id + " " + e.model + " " + e.task + " " + e.status).toLowerCase();
      if (q && !hay.includes(q)) continue;
      let g = groups.get(e.model);
      if (!g) {
        g = document.createElement("optgroup");
        g.label = e.model;
        groups.set(e.model, g);
        select.appendChild(g);
      }
      const o = el("option", "", e.task + " · r" + e.repeat + " · " + e.status + (e.passed ? " · passed" : ""));
      o.value = e.id;
      g.appendChild(o);
    }
    if (Array.prototype.some.call(select.options, function (o) { return o.value === current; })) {
      select.value = current;
    }
  }

  function callCard(c) {
    const card = el("div", "call " + c.outcome);
    card.setAttribute("data-call", c.name);
    const head = el("div", "head");
    head.appendChild(badge(c.outcome));
    head.appendChild(el("span", "call-name", c.name));
    if (c.server) head.appendChild(el("span", "note", "  → " + c.server + " / " + c.tool));
    card.appendChild(head);
    const facts = [];
    if (c.error_kind) facts.push("error kind: " + c.error_kind);
    if (c.labels && c.labels.length) facts.push("taxonomy: " + c.labels.join(", "));
    if (c.schema_errors && c.schema_errors.length) facts.push("schema: " + c.schema_errors.join("; "));
    if (c.step !== null && c.step !== undefined) facts.push("matches reference step " + c.step);
    facts.push("latency " + Number(c.latency_s || 0).toFixed(3) + " s");
    card.appendChild(el("div", "label", facts.join(" · ")));
    card.appendChild(el("div", "label", "arguments"));
    card.appendChild(pre(c.arguments !== null && c.arguments !== undefined ? json(c.arguments)
                                                                           : (c.raw_arguments || "(none)"), "args"));
    if (c.error) {
      card.appendChild(el("div", "label", "error"));
      card.appendChild(pre(c.error, "error"));
    }
    card.appendChild(el("div", "label", "result" + (c.truncated ? " (truncated by the output cap)" : "")
                                      + (c.clipped ? " (shortened here: " + c.clipped + " more characters)" : "")));
    card.appendChild(pre(c.content || "(empty)", "result"));
    return card;
  }

  function checksTable(checks) {
    const t = el("table", "checks");
    const head = t.createTHead().insertRow();
    for (const h of ["#", "kind", "expected", "passed", "score", "live expected", "live passed", "note"]) {
      head.appendChild(el("th", "", h));
    }
    const body = t.createTBody();
    for (const c of checks) {
      const r = body.insertRow();
      r.appendChild(el("td", "num", c.index));
      r.appendChild(el("td", "", c.kind));
      r.appendChild(el("td", "", json(c.expected)));
      r.appendChild(el("td", c.effective_passed ? "passed" : "fail", c.effective_passed ? "yes" : "no"));
      r.appendChild(el("td", "num", fmt(c.effective_score)));
      r.appendChild(el("td", "", c.live_expected === null ? "" : json(c.live_expected)));
      r.appendChild(el("td", "", c.live_passed === null ? "" : (c.live_passed ? "yes" : "no")));
      r.appendChild(el("td", "", c.note || ""));
    }
    return t;
  }

  function show(id) {
    const e = byId.get(id);
    view.replaceChildren();
    if (!e) return;
    view.setAttribute("data-episode", e.id);
    const h = el("h3", "", e.id);
    view.appendChild(h);
    const line = el("p");
    line.appendChild(badge(e.status));
    if (e.counted) line.appendChild(badge(e.passed ? "passed" : "failed"));
    else line.appendChild(badge("not scored (infra)", "infra"));
    line.appendChild(el("span", "", " overall " + fmt(e.overall) + " · attempts " + e.attempts
                                    + " · " + e.tokens + " tokens · " + Number(e.wall_time_s).toFixed(2) + " s"));
    view.appendChild(line);
    view.appendChild(el("div", "label", "request the agent saw (" + e.model + ")"));
    view.appendChild(pre(e.prompt));
    if (e.precise) {
      view.appendChild(el("div", "label", "precise task (what judges see)"));
      view.appendChild(pre(e.precise));
    }
    let turn = null;
    for (const ev of e.events) {
      if (ev.type === "model") {
        turn = el("div", "turn");
        turn.appendChild(el("h4", "", "Turn " + ev.turn));
        if (ev.text) turn.appendChild(pre(ev.text, "model-text"));
        if (ev.calls) turn.appendChild(el("div", "label", ev.calls + " tool call(s) requested"
                                                       + (ev.finish ? " · finish: " + ev.finish : "")));
        view.appendChild(turn);
      } else if (ev.type === "tool_call") {
        (turn || view).appendChild(callCard(ev));
      } else if (ev.type === "error") {
        const box = el("div", "call infra_error");
        box.appendChild(badge(ev.kind, "fail"));
        box.appendChild(pre(ev.message));
        (turn || view).appendChild(box);
      }
    }
    view.appendChild(el("h4", "", "Final answer"));
    view.appendChild(pre(e.final || "(none)", "final-answer"));
    view.appendChild(el("h4", "", "Checks"));
    if (e.checks.length) view.appendChild(checksTable(e.checks));
    else view.appendChild(el("p", "note", "this task has no checks"));
    if (e.notes.length) {
      const ul = el("ul", "notes");
      for (const n of e.notes) ul.appendChild(el("li", "note", n));
      view.appendChild(ul);
    }
  }

  filter.addEventListener("input", function () { fillSelect(); show(select.value); });
  select.addEventListener("change", function () { show(select.value); });
  document.addEventListener("click", function (ev) {
    const a = ev.target.closest ? ev.target.closest("[data-episode]") : null;
    if (!a || a === view || !byId.has(a.getAttribute("data-episode"))) return;
    filter.value = "";
    fillSelect();
    select.value = a.getAttribute("data-episode");
    show(select.value);
  });
  fillSelect();
  const wanted = location.hash.indexOf("#ep=") === 0 ? decodeURIComponent(location.hash.slice(4)) : "";
  if (byId.has(wanted)) select.value = wanted;
  show(select.value);
})();
