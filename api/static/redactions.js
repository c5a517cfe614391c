// The officers' redaction review page (/ui/documents/{id}/redactions): draws the document's boxes over its
// upright page images, lets the officer mark boxes for removal and drag new ones, and posts the changes to
// POST /api/documents/{id}/redactions. Boxes are in the pixels of the page image, so each overlay's viewBox
// is the image's natural size and no coordinate is ever scaled by hand except the pointer's.
// No value is ever shown or sent: boxes carry page, position, entity type and a reason code only.
"use strict";

(() => {
  const root = document.getElementById("redaction-review");
  if (!root) return;

  const SVG = "http://www.w3.org/2000/svg";
  const MIN_SIDE = 4; // image pixels: anything smaller was a click, not a box
  const REMOVE_REASON = "not_personal_data";
  const labels = JSON.parse(document.getElementById("labels").textContent);
  const purpose = root.dataset.purpose;
  const api = `/api/documents/${encodeURIComponent(root.dataset.document)}/redactions`;
  const entitySelect = document.getElementById("new-entity");
  const reasonSelect = document.getElementById("new-reason");
  const submit = document.getElementById("submit");
  const pending = document.getElementById("pending");
  const result = document.getElementById("result");
  const loadStatus = document.getElementById("load-status");
  const boxRows = document.querySelector("#boxes tbody");
  const addedRows = document.querySelector("#added tbody");
  const changeRows = document.querySelector("#changes tbody");

  let boxes = []; // the document's boxes, as the API lists them
  const removed = new Map(); // box id -> reason code
  let added = []; // {key, page, bbox, entity_type, reason}
  let nextKey = 1;
  const sheets = new Map(); // page -> {page, img, svg, width, height}

  // ------------------------------------------------------------------------------------------- helpers

  function svgEl(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
    return node;
  }

  function htmlEl(tag, attrs = {}, text = undefined) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const entityLabel = (code) => labels.entities[code] || code;
  const reasonLabel = (code) => labels.reasons[code] || code;
  const boxText = (b) => `${b.x0},${b.y0} – ${b.x1},${b.y1}`;
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

  function optionsLike(select, value, className) {
    const copy = select.cloneNode(true);
    copy.removeAttribute("id");
    copy.className = className;
    copy.value = value;
    return copy;
  }

  function entityCell(code) {
    const cell = htmlEl("td", {class: "entity", "data-entity": code});
    cell.append(htmlEl("span", {class: "swatch", "data-entity": code}), entityLabel(code));
    return cell;
  }

  // ------------------------------------------------------------------------------------------ overlays

  function drawBox(sheet, bbox, entity, attrs, state) {
    const group = svgEl("g", {"data-entity": entity});
    const rect = svgEl("rect", {
      class: `box ${state}`.trim(), x: bbox.x0, y: bbox.y0, width: bbox.x1 - bbox.x0, height: bbox.y1 - bbox.y0,
      ...attrs,
    });
    const title = svgEl("title", {});
    title.textContent = entityLabel(entity) + (state === "removed" ? " (për t'u hequr)" : "");
    rect.append(title);
    const font = Math.max(12, Math.round(sheet.width / 80));
    const above = bbox.y0 - Math.round(font / 3);
    const label = svgEl("text", {x: bbox.x0, y: above > font ? above : bbox.y1 + font, "font-size": font,
                                 class: state});
    label.textContent = (state === "added" ? "+ " : "") + entityLabel(entity);
    group.append(rect, label);
    sheet.svg.append(group);
  }

  function drawSheet(sheet) {
    sheet.svg.replaceChildren();
    if (!sheet.width) return;
    for (const box of boxes) {
      if (box.page === sheet.page) {
        drawBox(sheet, box.bbox, box.entity_type, {"data-box": box.id}, removed.has(box.id) ? "removed" : "");
      }
    }
    for (const item of added) {
      if (item.page === sheet.page) drawBox(sheet, item.bbox, item.entity_type, {"data-added": item.key}, "added");
    }
  }

  function drawAll() {
    for (const sheet of sheets.values()) drawSheet(sheet);
  }

  function toImage(sheet, event) {
    const frame = sheet.svg.getBoundingClientRect();
    return {
      x: clamp(Math.round((event.clientX - frame.left) * sheet.width / frame.width), 0, sheet.width),
      y: clamp(Math.round((event.clientY - frame.top) * sheet.height / frame.height), 0, sheet.height),
    };
  }

  function span(a, b) {
    return {x0: Math.min(a.x, b.x), y0: Math.min(a.y, b.y), x1: Math.max(a.x, b.x), y1: Math.max(a.y, b.y)};
  }

  function attachDrawing(sheet) {
    let start = null;
    let outline = null;
    const stop = () => {
      if (outline) outline.remove();
      start = null;
      outline = null;
    };
    sheet.svg.addEventListener("pointerdown", (event) => {
      // A press on a box is a click on it (mark or unmark it), not the start of a new one.
      if (event.button !== 0 || !sheet.width || event.target.closest("rect.box")) return;
      event.preventDefault();
      start = toImage(sheet, event);
      outline = svgEl("rect", {class: "drawing", x: start.x, y: start.y, width: 0, height: 0});
      sheet.svg.append(outline);
      sheet.svg.setPointerCapture(event.pointerId);
    });
    sheet.svg.addEventListener("pointermove", (event) => {
      if (!start) return;
      const b = span(start, toImage(sheet, event));
      for (const [name, value] of Object.entries({x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0})) {
        outline.setAttribute(name, String(value));
      }
    });
    sheet.svg.addEventListener("pointerup", (event) => {
      if (!start) return;
      const bbox = span(start, toImage(sheet, event));
      stop();
      if (bbox.x1 - bbox.x0 < MIN_SIDE || bbox.y1 - bbox.y0 < MIN_SIDE) return;
      added.push({key: nextKey++, page: sheet.page, bbox, entity_type: entitySelect.value, reason: reasonSelect.value});
      renderAdded();
      drawSheet(sheet);
      updatePending();
    });
    sheet.svg.addEventListener("pointercancel", stop);
    sheet.svg.addEventListener("click", (event) => {
      const rect = event.target.closest("rect.box");
      if (!rect) return;
      if (rect.dataset.box) setRemoved(rect.dataset.box, !removed.has(rect.dataset.box));
      else if (rect.dataset.added) dropAdded(Number(rect.dataset.added));
    });
  }

  for (const section of root.querySelectorAll("section.page")) {
    const sheet = {page: Number(section.dataset.page), img: section.querySelector("img.scan"),
                   svg: section.querySelector("svg.overlay"), width: 0, height: 0};
    sheets.set(sheet.page, sheet);
    const ready = () => {
      sheet.width = sheet.img.naturalWidth;
      sheet.height = sheet.img.naturalHeight;
      sheet.svg.setAttribute("viewBox", `0 0 ${sheet.width} ${sheet.height}`);
      section.dataset.state = "loaded";
      drawSheet(sheet);
    };
    if (sheet.img.complete && sheet.img.naturalWidth) ready();
    else sheet.img.addEventListener("load", ready, {once: true});
    sheet.img.addEventListener("error", () => { section.dataset.state = "error"; }, {once: true});
    attachDrawing(sheet);
  }

  // -------------------------------------------------------------------------------------------- tables

  function setRemoved(id, on, reason = undefined) {
    if (on) removed.set(id, reason || removed.get(id) || REMOVE_REASON);
    else removed.delete(id);
    const row = boxRows.querySelector(`tr[data-box="${CSS.escape(id)}"]`);
    if (row) {
      row.classList.toggle("removed", on);
      row.querySelector("input.remove").checked = on;
      const select = row.querySelector("select.reason");
      select.disabled = !on;
      if (on) select.value = removed.get(id);
    }
    const box = boxes.find((b) => b.id === id);
    if (box && sheets.has(box.page)) drawSheet(sheets.get(box.page));
    updatePending();
  }

  function renderBoxes() {
    boxRows.replaceChildren();
    for (const box of boxes) {
      const row = htmlEl("tr", {"data-box": box.id});
      const check = htmlEl("input", {type: "checkbox", class: "remove", "aria-label": "Hiq kutinë"});
      check.addEventListener("change", () => setRemoved(box.id, check.checked));
      const reason = optionsLike(reasonSelect, removed.get(box.id) || REMOVE_REASON, "reason");
      reason.addEventListener("change", () => { if (removed.has(box.id)) removed.set(box.id, reason.value); });
      const checkCell = htmlEl("td");
      checkCell.append(htmlEl("label"));
      checkCell.firstChild.append(check, " hiq");
      const reasonCell = htmlEl("td");
      reasonCell.append(reason);
      row.append(htmlEl("td", {}, box.page >= 0 ? String(box.page + 1) : "—"), entityCell(box.entity_type),
                 htmlEl("td", {}, boxText(box.bbox)), checkCell, reasonCell);
      boxRows.append(row);
      const on = removed.has(box.id);
      row.classList.toggle("removed", on);
      check.checked = on;
      reason.disabled = !on;
    }
  }

  function dropAdded(key) {
    const item = added.find((a) => a.key === key);
    added = added.filter((a) => a.key !== key);
    renderAdded();
    if (item) drawSheet(sheets.get(item.page));
    updatePending();
  }

  function renderAdded() {
    addedRows.replaceChildren();
    for (const item of added) {
      const row = htmlEl("tr", {"data-added": item.key});
      const entity = optionsLike(entitySelect, item.entity_type, "entity");
      entity.addEventListener("change", () => {
        item.entity_type = entity.value;
        drawSheet(sheets.get(item.page));
      });
      const reason = optionsLike(reasonSelect, item.reason, "reason");
      reason.addEventListener("change", () => { item.reason = reason.value; });
      const drop = htmlEl("button", {type: "button", class: "drop"}, "Anulo");
      drop.addEventListener("click", () => dropAdded(item.key));
      const cells = [htmlEl("td", {}, String(item.page + 1)), htmlEl("td"), htmlEl("td", {}, boxText(item.bbox)),
                     htmlEl("td"), htmlEl("td")];
      cells[1].append(entity);
      cells[3].append(reason);
      cells[4].append(drop);
      row.append(...cells);
      addedRows.append(row);
    }
  }

  function renderChanges(changes) {
    changeRows.replaceChildren();
    for (const change of changes) {
      const row = htmlEl("tr", {"data-action": change.action, "data-reason": change.reason});
      row.append(htmlEl("td", {}, new Date(change.created_at).toLocaleString("sq")),
                 htmlEl("td", {}, change.user_id),
                 htmlEl("td", {}, change.action === "add" ? "shtuar" : "hequr"),
                 htmlEl("td", {}, change.page >= 0 ? String(change.page + 1) : "—"),
                 entityCell(change.entity_type),
                 htmlEl("td", {}, reasonLabel(change.reason)),
                 htmlEl("td", {}, change.verified ? "po" : "jo"));
      changeRows.append(row);
    }
  }

  function updatePending() {
    const count = removed.size + added.length;
    submit.disabled = count === 0;
    pending.textContent = count === 0 ? "Asnjë ndryshim."
      : `${count} ndryshime në pritje: ${removed.size} heqje, ${added.length} shtime.`;
  }

  // ------------------------------------------------------------------------------------------- the API

  async function load() {
    const response = await fetch(api, {headers: {Accept: "application/json"}, credentials: "same-origin"});
    if (!response.ok) {
      loadStatus.textContent = `Kutitë nuk u ngarkuan (HTTP ${response.status}).`;
      loadStatus.dataset.state = "error";
      return;
    }
    const data = await response.json();
    boxes = data.boxes;
    for (const id of [...removed.keys()]) if (!boxes.some((b) => b.id === id)) removed.delete(id);
    loadStatus.textContent = `${boxes.length} kuti në ${sheets.size} faqe.`;
    loadStatus.dataset.state = "loaded";
    renderBoxes();
    renderChanges(data.changes);
    drawAll();
    updatePending();
  }

  function showResult(outcome, text) {
    result.hidden = false;
    result.dataset.outcome = outcome;
    result.textContent = text;
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      // Route errors are short codes; validation errors are a list, named only by their kind.
      return typeof body.detail === "string" ? body.detail : "të dhëna të pavlefshme";
    } catch {
      return "";
    }
  }

  submit.addEventListener("click", async () => {
    const changes = [
      ...[...removed].map(([id, reason]) => ({action: "remove", box_id: id, reason})),
      ...added.map((a) => ({action: "add", page: a.page, bbox: a.bbox, entity_type: a.entity_type, reason: a.reason})),
    ];
    if (changes.length === 0) return;
    submit.disabled = true;
    showResult("working", "Duke rindërtuar, verifikuar dhe nënshkruar kopjen e anonimizuar…");
    let response;
    try {
      response = await fetch(api, {method: "POST", credentials: "same-origin",
                                   headers: {"Content-Type": "application/json", Accept: "application/json"},
                                   body: JSON.stringify({purpose, changes})});
    } catch {
      showResult("error", "Lidhja me serverin dështoi; ndryshimet nuk u dërguan.");
      updatePending();
      return;
    }
    if (!response.ok) {
      const detail = await errorText(response);
      showResult("error", `Ndryshimet nuk u pranuan (HTTP ${response.status}${detail ? `: ${detail}` : ""}).`);
      updatePending();
      return;
    }
    const outcome = await response.json();
    removed.clear();
    added = [];
    renderAdded();
    if (outcome.verified && outcome.released) {
      showResult("released", `Verifikuar dhe publikuar: kopja e anonimizuar u rindërtua me ${outcome.boxes} kuti, ` +
                             "u verifikua dhe u nënshkrua.");
    } else if (outcome.verified) {
      showResult("review", "Verifikuar, por jo i publikuar: dokumenti u kthye për shqyrtim.");
    } else {
      const failed = Object.entries(outcome.checks).filter(([, passed]) => !passed).map(([name]) => name);
      showResult("review", "Verifikimi nuk kaloi: dokumenti u kthye për shqyrtim dhe kopja e anonimizuar nuk " +
                           `publikohet.${failed.length ? ` Kontrollet që dështuan: ${failed.join(", ")}.` : ""}`);
    }
    result.dataset.verified = String(outcome.verified);
    result.dataset.released = String(outcome.released);
    await load();
  });

  window.addEventListener("beforeunload", (event) => {
    if (removed.size + added.length > 0) event.preventDefault();
  });

  load();
})();
