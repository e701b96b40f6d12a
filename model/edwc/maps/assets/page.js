"use strict";
(function () {
  const data = JSON.parse(document.getElementById("data").textContent);
  const W = data.words, svg = document.getElementById("map"), tip = document.getElementById("tip");
  const wrap = document.getElementById("wrap"), NS = "http://www.w3.org/2000/svg";
  const sites = Array.from(document.querySelectorAll("#sites circle"));
  const home = svg.getAttribute("viewBox").split(" ").map(Number);
  let view = home.slice(), cls = "", selected = -1;
  const fmt = (v) => Number(v).toLocaleString("en-US", {maximumFractionDigits: 0});

  function line(parent, key, value) {
    const div = document.createElement("div");
    if (key) { const k = document.createElement("span"); k.className = "k"; k.textContent = key + ": "; div.appendChild(k); }
    div.appendChild(document.createTextNode(value));
    parent.appendChild(div);
  }
  function title(parent, text) { const b = document.createElement("b"); b.textContent = text; parent.appendChild(b); }

  function fillTip(el) {
    tip.replaceChildren();
    if (el.dataset.s !== undefined) {
      const s = data.sites[+el.dataset.s];
      title(tip, s.name);
      line(tip, W.hub, s.hub + " · " + s.side);
      for (const [c, v] of Object.entries(s.by)) {
        if (v[0] > 0) line(tip, data.classes[c].name, W.installed + " " + fmt(v[0]) + " · " + W.new + " " + fmt(v[1]) + " · " + W.served + " " + fmt(v[2]) + " PFLOPS");
      }
      if (s.pue) line(tip, W.pue, Number(s.pue).toFixed(2));
      if (s.mw) line(tip, W.power, fmt(s.mw[0]) + " / " + fmt(s.mw[1]) + " MW" + (s.lim ? " · " + W.at_limit : ""));
      if (s.dir) line(tip, W.direct, W.pv + " " + fmt(s.dir[0]) + " MW · " + W.wind + " " + fmt(s.dir[1]) + " MW" + (s.dir[2] > 0 ? " · " + W.storage + " " + fmt(s.dir[2]) + " MWh" : ""));
    } else if (el.dataset.tip !== undefined) {
      const t = JSON.parse(el.dataset.tip);
      title(tip, t[0]);
      line(tip, W.capacity, t[1]); line(tip, W.load, t[2]); line(tip, W.util, t[3]);
      line(tip, W.length, t[4]); line(tip, W.added, String(t[5]));
    } else if (el.dataset.f !== undefined) {
      const f = data.flows[+el.dataset.f], s = data.sites.find((x) => x.id === f.s);
      title(tip, f.o + " → " + (s ? s.name : f.s));
      line(tip, data.classes[f.c] ? data.classes[f.c].name : f.c, f.w);
      line(tip, W.flow, fmt(f.p) + " PFLOPS"); line(tip, W.rtt, f.rtt + " ms");
    } else { return false; }
    return true;
  }
  wrap.addEventListener("mousemove", (e) => {
    const el = e.target.closest("[data-s],[data-tip],[data-f]");
    if (!el || !fillTip(el)) { tip.style.display = "none"; return; }
    const box = wrap.getBoundingClientRect();
    tip.style.display = "block";
    let x = e.clientX - box.left + 14, y = e.clientY - box.top + 14;
    if (x + tip.offsetWidth > box.width) x -= tip.offsetWidth + 28;
    if (y + tip.offsetHeight > box.height) y -= tip.offsetHeight + 28;
    tip.style.left = x + "px"; tip.style.top = y + "px";
  });
  wrap.addEventListener("mouseleave", () => { tip.style.display = "none"; });

  function sizeSites() {
    const v = data.sites.map((s) => Object.entries(s.by).reduce((a, [c, x]) => a + (!cls || c === cls ? x[0] : 0), 0));
    const top = Math.max(1, ...v);
    sites.forEach((el, i) => {
      el.setAttribute("r", v[i] > 0 ? (9 + 40 * Math.sqrt(v[i] / top)).toFixed(1) : 0);
      el.style.fill = cls ? (data.sites[i].by[cls][1] > 0 ? data.classes[cls].hue : data.classes[cls].pale) : "";
    });
  }
  function showArrows() {
    document.querySelectorAll("#arrows path").forEach((p) => {
      p.style.display = selected < 0 && cls && p.dataset.c === cls ? "" : "none";
    });
  }
  function showFlows() {
    const g = document.getElementById("flows");
    g.replaceChildren();
    sites.forEach((el, i) => { el.classList.toggle("dim", selected >= 0 && i !== selected); el.classList.toggle("sel", i === selected); });
    if (selected < 0) return;
    const id = data.sites[selected].id;
    const mine = data.flows.map((f, i) => [f, i]).filter(([f]) => f.s === id && (!cls || f.c === cls));
    const top = Math.max(1e-9, ...mine.map(([f]) => f.p));
    for (const [f, i] of mine) {
      const p = document.createElementNS(NS, "path");
      p.setAttribute("d", f.d); p.setAttribute("class", "fl"); p.dataset.f = i;
      p.setAttribute("stroke", data.classes[f.c] ? data.classes[f.c].hue : "#555");
      p.setAttribute("stroke-width", (1.5 + 8 * Math.sqrt(f.p / top)).toFixed(1));
      g.appendChild(p);
    }
  }
  function redraw() { sizeSites(); showArrows(); showFlows(); }
  document.querySelectorAll('input[name="cls"]').forEach((r) => r.addEventListener("change", () => { cls = r.value; redraw(); }));
  svg.addEventListener("click", (e) => {
    if (moved) return;
    const el = e.target.closest("[data-s]");
    const i = el ? +el.dataset.s : -1;
    selected = i === selected ? -1 : i;
    showArrows(); showFlows();
  });

  // zoom (wheel) and pan (drag) by moving the viewBox
  function setView(v) { view = v; svg.setAttribute("viewBox", v.map((x) => x.toFixed(1)).join(" ")); }
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const box = svg.getBoundingClientRect(), k = e.deltaY > 0 ? 1.2 : 1 / 1.2;
    const fx = (e.clientX - box.left) / box.width, fy = (e.clientY - box.top) / box.height;
    const w = Math.min(home[2] * 1.5, view[2] * k), h = view[3] * w / view[2];
    setView([view[0] + (view[2] - w) * fx, view[1] + (view[3] - h) * fy, w, h]);
  }, {passive: false});
  let start = null, moved = false;
  svg.addEventListener("mousedown", (e) => { start = [e.clientX, e.clientY, view.slice()]; moved = false; });
  window.addEventListener("mousemove", (e) => {
    if (!start) return;
    const box = svg.getBoundingClientRect(), dx = e.clientX - start[0], dy = e.clientY - start[1];
    if (Math.abs(dx) + Math.abs(dy) > 3) { moved = true; svg.classList.add("drag"); }
    const s = start[2];
    setView([s[0] - dx * s[2] / box.width, s[1] - dy * s[3] / box.height, s[2], s[3]]);
  });
  window.addEventListener("mouseup", () => { start = null; svg.classList.remove("drag"); setTimeout(() => { moved = false; }, 0); });
  document.getElementById("reset").addEventListener("click", () => { setView(home.slice()); selected = -1; redraw(); });
  redraw();
  document.body.dataset.ready = "1";
})();
