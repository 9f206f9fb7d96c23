/* plansearch workbench pages. Plain JavaScript, no library, no network beyond this server.
 * Plan text is only ever put in the page with textContent (never innerHTML).
 * Sets <html data-ready="1"> when a page is wired up; records its own errors on
 * <html data-js-errors> (the browser tests read both). */
(function () {
  "use strict";
  var root = document.documentElement;
  window.addEventListener("error", function (e) {
    root.setAttribute("data-js-errors", (root.getAttribute("data-js-errors") || "") + e.message + ";");
  });
  var TOKEN = (document.querySelector('meta[name="plansearch-token"]') || {}).content || "";
  var USER_KEY = "plansearch-user";
  var STRENGTH_TH = { strong: "สอดคล้องมาก", partial: "สอดคล้องบางส่วน", weak: "สอดคล้องน้อย", none: "ไม่สอดคล้อง" };
  var ACTION_TH = { accept: "ยอมรับแล้ว", change: "เปลี่ยนเป็น", reject: "ปฏิเสธแล้ว" };

  function el(tag, attrs, children) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") n.textContent = attrs[k];
      else if (k === "cls") n.className = attrs[k];
      else n.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) n.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return n;
  }
  // with login the name is the account's (body data-user); locally the one typed once
  function who() { return (document.body.getAttribute("data-user") || localStorage.getItem(USER_KEY) || "").trim(); }
  function csrf() { var m = document.cookie.match(/(?:^|; )plansearch_csrf=([^;]*)/); return m ? decodeURIComponent(m[1]) : ""; }
  // An error stays on screen until the planner closes it; a confirmation goes after 3 s.
  // ``link`` ({href, text}) follows the message (e.g. "open the plan that has this file").
  function flash(msg, isError, link) {
    var f = document.getElementById("flash");
    if (!f) return;
    f.textContent = "";
    f.appendChild(el("span", { cls: "msg", text: msg }));
    if (link) { f.appendChild(document.createTextNode(" ")); f.appendChild(el("a", { href: link.href, text: link.text })); }
    f.className = isError ? "error" : "";
    f.setAttribute("role", isError ? "alert" : "status");
    f.hidden = false;
    clearTimeout(flash.t);
    if (isError) {
      var close = el("button", { type: "button", cls: "close", "aria-label": "ปิดข้อความนี้ (close)", text: "ปิด ✕" });
      close.addEventListener("click", function () { f.hidden = true; });
      f.appendChild(close);
    } else {
      flash.t = setTimeout(function () { f.hidden = true; }, 3000);
    }
  }
  function api(method, url, body) {
    var headers = TOKEN ? { "X-Plansearch-Token": TOKEN, "X-Plansearch-User": encodeURIComponent(who()) } : { "X-Plansearch-CSRF": csrf() };
    var opts = { method: method, headers: headers, credentials: "same-origin" };
    if (body instanceof FormData) opts.body = body;
    else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          if (r.status === 401 && !TOKEN) { location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search); }
          var detail = data && data.detail;
          if (typeof detail !== "string") detail = JSON.stringify(detail || r.status);
          var err = new Error(detail);
          err.status = r.status;
          err.data = data;
          throw err;
        }
        return data;
      });
    });
  }
  function needName() {
    if (who()) return true;
    flash("กรุณากรอกชื่อผู้ตรวจที่มุมขวาบนก่อน (บันทึกไว้ในเบราว์เซอร์นี้)", true);
    var i = document.getElementById("who");
    if (i) i.focus();
    return false;
  }

  // ------------------------------------------------------------ user name
  function initWho() {
    var input = document.getElementById("who");
    if (!input) return;
    input.value = who();
    input.addEventListener("change", function () {
      localStorage.setItem(USER_KEY, input.value.trim());
      flash("บันทึกชื่อผู้ตรวจแล้ว: " + input.value.trim());
    });
  }

  // ------------------------------------------------------------ plans page
  function initPlans() {
    var drop = document.getElementById("drop");
    var file = document.getElementById("plan-file");
    var status = document.getElementById("upload-status");
    if (!drop) return;
    function send(fd) {
      status.textContent = "กำลังอัปโหลดและแยกโครงสร้าง…";
      fd.append("who", who());
      api("POST", "/api/plans", fd).then(function (p) {
        status.textContent = "เพิ่มแผนแล้ว: " + (p.org || p.name);
        location.href = "/plans/" + encodeURIComponent(p.id);
      }).catch(function (e) {
        status.textContent = "";
        if (e.status === 409 && e.data && e.data.existing) {  // the same document again
          var ex = e.data.existing;
          flash("แผนนี้อัปโหลดไว้แล้ว (" + (ex.org || ex.name) + ") จึงไม่สร้างซ้ำ:", true,
                { href: "/plans/" + encodeURIComponent(ex.id), text: "เปิดแผนเดิม" });
        } else flash("อัปโหลดไม่สำเร็จ: " + e.message, true);
      });
    }
    function sendFile(f) { var fd = new FormData(); fd.append("file", f, f.name); send(fd); }
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) sendFile(e.dataTransfer.files[0]);
    });
    file.addEventListener("change", function () { if (file.files.length) sendFile(file.files[0]); });
    Array.prototype.forEach.call(document.querySelectorAll(".plan-delete"), function (b) {
      b.addEventListener("click", function () {
        if (!needName() || !confirm("ลบแผน " + b.getAttribute("data-name") + "? (กู้คืนได้ภายหลัง)")) return;
        api("DELETE", "/api/plans/" + encodeURIComponent(b.getAttribute("data-plan")))
          .then(function () { location.reload(); }).catch(function (e) { flash("ลบไม่สำเร็จ: " + e.message, true); });
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".plan-restore"), function (b) {
      b.addEventListener("click", function () {
        if (!needName()) return;
        api("POST", "/api/plans/" + encodeURIComponent(b.getAttribute("data-plan")) + "/restore")
          .then(function () { location.reload(); }).catch(function (e) { flash("กู้คืนไม่สำเร็จ: " + e.message, true); });
      });
    });
    document.getElementById("plan-paste").addEventListener("click", function () {
      var text = document.getElementById("plan-text").value;
      if (!text.trim()) { flash("ยังไม่มีข้อความ", true); return; }
      var fd = new FormData(); fd.append("text", text); send(fd);
    });
  }

  // ------------------------------------------------------------ one plan
  function initReupload() {
    var input = document.getElementById("reupload");
    if (!input) return;
    var out = document.getElementById("reupload-result");
    input.addEventListener("change", function () {
      if (!input.files.length) return;
      var fd = new FormData(); fd.append("file", input.files[0], input.files[0].name);
      api("PUT", "/api/plans/" + input.getAttribute("data-plan") + "/source", fd).then(function (p) {
        out.textContent = "";
        var ch = p.changes || { removed: [], added: [] };
        out.appendChild(el("p", { text: "บันทึกฉบับที่ " + p.revision + " แล้ว: หัวข้อที่เปลี่ยนหรือหายไป " + ch.removed.length +
          " รายการ (การตัดสินใจของหัวข้อเหล่านี้ยังอยู่ในประวัติ), หัวข้อใหม่ " + ch.added.length + " รายการ" }));
        var ul = el("ul");
        ch.removed.forEach(function (s) { ul.appendChild(el("li", { text: "เดิม: " + s.title })); });
        ch.added.forEach(function (s) { ul.appendChild(el("li", { text: "ใหม่: " + s.title })); });
        out.appendChild(ul);
        out.appendChild(el("a", { href: location.pathname, text: "แสดงโครงสร้างใหม่" }));
      }).catch(function (e) { flash("อัปโหลดไม่สำเร็จ: " + e.message, true); });
    });
  }

  function initPlan() {
    initReupload();
    var dlg = document.getElementById("fix");
    if (!dlg) return;
    var flagsData = document.getElementById("flags-data");
    var flags = flagsData ? JSON.parse(flagsData.textContent) : [];
    document.querySelectorAll(".fix-level").forEach(function (b) {
      b.addEventListener("click", function () {
        if (!needName()) return;
        var fix = flags[Number(b.getAttribute("data-flag"))].fix;
        var body = { fixes: fix.kinds.map(function (k) { return { key: k.id, kind: k.kind }; }), who: who() };
        b.disabled = true;
        api("POST", "/api/plans/" + dlg.getAttribute("data-plan") + "/fixes", body)
          .then(function () { location.reload(); })
          .catch(function (err) { b.disabled = false; flash("แก้ไขไม่สำเร็จ: " + err.message, true); });
      });
    });
    var data = JSON.parse(document.getElementById("sections-data").textContent);
    var byKey = {};
    data.forEach(function (s) { byKey[s.key] = s; });
    var current = null;
    document.querySelectorAll(".fix-open").forEach(function (b) {
      b.addEventListener("click", function (e) {
        e.preventDefault();
        current = byKey[b.getAttribute("data-key")];
        document.getElementById("fix-title").textContent = current.title;
        document.getElementById("fix-kind").value = current.kind;
        document.getElementById("fix-parent").value = current.parent || "";
        dlg.showModal();
      });
    });
    document.getElementById("fix-save").addEventListener("click", function (e) {
      e.preventDefault();
      if (!needName()) return;
      var body = { kind: document.getElementById("fix-kind").value, parent: document.getElementById("fix-parent").value, who: who() };
      api("PATCH", "/api/plans/" + dlg.getAttribute("data-plan") + "/sections/" + current.key, body)
        .then(function () { dlg.close(); location.reload(); })
        .catch(function (err) { flash("แก้ไขไม่สำเร็จ: " + err.message, true); });
    });
  }

  // ------------------------------------------------------------ review
  var review = null;
  function initReview() {
    var box = document.getElementById("controls");
    if (!box) return;
    var plan = box.getAttribute("data-plan");
    var btn = document.getElementById("align");
    var bar = document.getElementById("align-progress");
    var status = document.getElementById("align-status");
    function chosen() {
      return Array.prototype.map.call(document.querySelectorAll('input[name="fw"]:checked'), function (i) { return i.value; });
    }
    function poll(job) {
      api("GET", "/api/jobs/" + job).then(function (j) {
        status.textContent = j.message + " (" + j.elapsed + " วินาที)";
        if (j.state === "done") { bar.hidden = true; load(); }
        else if (j.state === "error") { bar.hidden = true; btn.disabled = false; flash("เชื่อมโยงไม่สำเร็จ: " + j.message, true); }
        else setTimeout(function () { poll(job); }, 400);
      }).catch(function (e) { bar.hidden = true; btn.disabled = false; flash(e.message, true); });
    }
    function load() {
      api("GET", "/api/plans/" + plan + "/review").then(function (r) {
        review = r;
        render(r);
        btn.disabled = false;
        status.textContent = "เชื่อมโยงแล้ว (" + r.seconds + " วินาที)";
        root.setAttribute("data-aligned", "1");
      }).catch(function (e) {
        // 409: no alignment for the plan's current sections yet: start one (a POSTed job)
        if (e.status === 409) { btn.click(); return; }
        btn.disabled = false; flash(e.message, true);
      });
    }
    btn.addEventListener("click", function () {
      btn.disabled = true;
      bar.hidden = false;
      root.removeAttribute("data-aligned");
      status.textContent = "เริ่มเชื่อมโยง…";
      api("POST", "/api/plans/" + plan + "/align?background=1", { frameworks: chosen() })
        .then(function (r) { poll(r.job); })
        .catch(function (e) { bar.hidden = true; btn.disabled = false; flash(e.message, true); });
    });
    if (box.getAttribute("data-aligned") === "1") load();
    var learn = document.getElementById("learn-others");
    if (learn) learn.addEventListener("change", function () {
      api("PUT", "/api/plans/" + plan + "/learning", { from_others: learn.checked, who: who() }).then(function () {
        flash(learn.checked ? "บันทึกแล้ว: จะเรียนรู้จากการตัดสินใจของหน่วยงานอื่นด้วย เมื่อกด “เชื่อมโยง” ครั้งถัดไป"
                            : "บันทึกแล้ว: เรียนรู้จากการตัดสินใจของหน่วยงานนี้เท่านั้น เมื่อกด “เชื่อมโยง” ครั้งถัดไป");
      }).catch(function (e) { learn.checked = !learn.checked; flash("บันทึกไม่สำเร็จ: " + e.message, true); });
    });
    initImport(plan);
  }

  function progressText(r) {
    var n = 0, decided = 0;
    r.blocks.forEach(function (b) { b.rows.forEach(function (row) {
      r.frameworks.forEach(function (f) { n++; if (row.cells[f.name].decision) decided++; });
    }); });
    var text = "ตรวจแล้ว " + decided + " จาก " + n + " ช่อง";
    if (r.changed) text += " · ข้อเสนอที่เปลี่ยนจากการเชื่อมโยงครั้งก่อน " + r.changed + " ช่อง (มีป้าย “เปลี่ยน”)";
    if (r.learning) {
      text += " · เรียนรู้จากการตัดสินใจ " + r.learning.examples + " รายการ" +
        (r.learning.used_from_others ? " (รวมหน่วยงานอื่น)" : " ของหน่วยงานนี้");
    }
    return text;
  }

  function render(r) {
    var out = document.getElementById("review");
    out.textContent = "";
    document.getElementById("review-progress").textContent = progressText(r);
    r.blocks.forEach(function (b, bi) {
      var head = b.heading;
      var table = el("table", {}, [el("thead", {}, [el("tr", {}, [el("th", { text: "ยุทธศาสตร์ / กลยุทธ์ / แนวทาง", cls: "item" })].concat(
        r.frameworks.map(function (f) { return el("th", { text: f.letter + " " + f.heading }); })))])]);
      var tbody = el("tbody");
      b.rows.forEach(function (row) {
        var s = row.section;
        var tr = el("tr", { "data-key": s.key }, [el("td", { cls: "item" }, [
          el("span", { cls: "kind", text: s.kind_th }), (s.number ? s.number + " " : "") + s.title])]);
        r.frameworks.forEach(function (f) { tr.appendChild(cellTd(r, s, f, row.cells[f.name])); });
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      out.appendChild(el("section", { cls: "block", id: "block-" + bi }, [el("h2", { text: head }), table]));
    });
    if (r.orphaned_decisions.length) {
      out.appendChild(el("p", { cls: "muted", text: "มีการตัดสินใจ " + r.orphaned_decisions.length + " รายการของหัวข้อที่เปลี่ยนไปในฉบับใหม่ (เก็บไว้ในประวัติ)" }));
    }
  }

  function cellTd(r, s, f, cell) {
    var td = el("td", { cls: "cell", "data-key": s.key, "data-fw": f.name });
    drawCell(td, r, s, f, cell);
    return td;
  }

  function drawCell(td, r, s, f, cell) {
    td.textContent = "";
    var d = cell.decision;
    td.className = "cell" + (d ? " " + d.action : "") + (cell.changed ? " moved" : "");
    var chosenId = d && d.action !== "reject" ? d.target_id : null;
    var titles = {};
    f.targets.forEach(function (t) { titles[t.id] = t.title; });
    if (d) {
      var txt = ACTION_TH[d.action] + (d.action !== "reject" ? " " + d.target_id + " " + (titles[d.target_id] || "") : "") + " · " + d.who;
      td.appendChild(el("div", { cls: "state", text: txt }));
    }
    if (cell.changed) {
      var was = cell.changed;
      td.appendChild(el("div", { cls: "changed", title: "ข้อเสนออันดับแรกต่างจากการเชื่อมโยงครั้งก่อน" }, [
        el("span", { cls: "badge", text: "เปลี่ยน" }),
        " ครั้งก่อน: " + was.target_id + " " + STRENGTH_TH[was.strength] + " " + was.share.toFixed(2)]));
    }
    var ul = el("ol", { cls: "sugs" });
    cell.suggestions.forEach(function (m, i) {
      var li = el("li", { cls: m.strength + (chosenId === m.target_id ? " chosen" : ""), title: "หลักฐาน: " + m.evidence.sub_id + " " + m.evidence.sub_title }, [
        el("b", { text: m.target_id }), " " + m.title + " ",
        el("span", { cls: "score", title: "สัดส่วนหลักฐาน (share)", text: STRENGTH_TH[m.strength] + " " + m.share.toFixed(2) })]);
      var ev = "หลักฐาน: " + m.evidence.sub_title + (m.evidence.shared_terms.length ? " · คำที่ตรงกัน: " + m.evidence.shared_terms.join(" ") : "");
      li.appendChild(el("div", { cls: "ev", text: ev }));
      var acts = el("div", { cls: "acts" });
      if (i === 0) acts.appendChild(button("ยอมรับ", "accept", m.target_id));
      else acts.appendChild(button("เลือกข้อนี้", "change", m.target_id));
      li.appendChild(acts);
      ul.appendChild(li);
    });
    td.appendChild(ul);
    var sel = el("select", { "aria-label": "เลือกเป้าหมายอื่น", cls: "pick" }, [el("option", { value: "", text: "เลือกเป้าหมายอื่น…" })]);
    f.targets.forEach(function (t) { sel.appendChild(el("option", { value: t.id, text: t.id + " " + t.title })); });
    sel.addEventListener("change", function () { if (sel.value) decide("change", sel.value); });
    var acts2 = el("div", { cls: "acts" }, [sel, button("ปฏิเสธ", "reject", cell.suggestions.length ? cell.suggestions[0].target_id : null)]);
    if (d) acts2.appendChild(button("ย้อนกลับ", "undo", null));
    td.appendChild(acts2);

    function button(label, action, target) {
      var b = el("button", { type: "button", text: label, "data-action": action });
      b.addEventListener("click", function () { decide(action, target); });
      return b;
    }
    function decide(action, target) {
      if (!needName()) return;
      if (action === "change" && cell.suggestions.length && target === cell.suggestions[0].target_id) action = "accept";
      api("PUT", "/api/plans/" + r.plan_id + "/decisions", { section_key: s.key, framework: f.name, action: action, target_id: target, who: who() })
        .then(function (res) {
          var got = res.decisions[0];
          if (action === "undo") { return api("GET", "/api/plans/" + r.plan_id + "/review").then(function (fresh) { review = fresh; render(fresh); }); }
          cell.decision = got;
          drawCell(td, r, s, f, cell);
          document.getElementById("review-progress").textContent = progressText(r);
          flash("บันทึกแล้ว");
        })
        .catch(function (e) { flash("บันทึกไม่สำเร็จ: " + e.message, true); });
    }
  }

  function initImport(plan) {
    var input = document.getElementById("import-file");
    var out = document.getElementById("import-diff");
    if (!input) return;
    input.addEventListener("change", function () {
      if (!input.files.length) return;
      var fd = new FormData(); fd.append("file", input.files[0], input.files[0].name);
      out.textContent = "กำลังเปรียบเทียบ…";
      api("POST", "/api/plans/" + plan + "/import", fd).then(function (res) {
        out.textContent = "";
        if (res.message) out.appendChild(el("p", { cls: "notice", text: res.message }));
        out.appendChild(el("p", { text: "พบการแก้ไขในไฟล์ " + res.changes.length + " รายการ" +
          (res.conflicts.length ? ", ขัดกัน " + res.conflicts.length + " รายการ (ไม่นำเข้า)" : "") +
          (res.errors.length ? ", ข้อผิดพลาด " + res.errors.length + " รายการ" : "") }));
        var tb = el("tbody");
        res.changes.forEach(function (c) {
          tb.appendChild(el("tr", { cls: "change" }, [el("td", { text: c.label }), el("td", { text: c.framework_th }),
            el("td", { cls: "before", text: c.before_th }), el("td", { text: c.after_th })]));
        });
        res.conflicts.forEach(function (c) {
          tb.appendChild(el("tr", { cls: "conflict" }, [el("td", { text: c.label }), el("td", { text: c.framework_th }),
            el("td", { cls: "before", text: "ในระบบตอนนี้: " + c.before_th + (c.now_who ? " (" + c.now_who + ")" : "") + " · ตอนส่งออก: " + c.exported_th }),
            el("td", { text: "ขัดกัน: ในไฟล์ " + c.after_th + " — ไม่นำเข้า ตรวจในหน้านี้" })]));
        });
        res.errors.forEach(function (e) { tb.appendChild(el("tr", { cls: "error" }, [el("td", { text: "แถว " + e.row }), el("td", { text: e.error, colspan: "3" })])); });
        out.appendChild(el("table", { cls: "diff" }, [el("thead", {}, [el("tr", {}, ["หัวข้อ", "กรอบ", "เดิม", "ใหม่"].map(function (h) { return el("th", { text: h }); }))]), tb]));
        if (res.import_id) {
          var b = el("button", { type: "button", cls: "primary", text: "ยืนยันนำเข้า " + res.changes.length + " รายการ" });
          b.addEventListener("click", function () {
            if (!needName()) return;
            api("POST", "/api/plans/" + plan + "/import/" + res.import_id + "/apply", { who: who() })
              .then(function (a) {
                flash("นำเข้าแล้ว " + a.applied + " รายการ" + (a.conflicts ? " (ข้าม " + a.conflicts + " รายการที่มีการตัดสินใจใหม่ในระหว่างนี้)" : ""));
                out.textContent = ""; return api("GET", "/api/plans/" + plan + "/review");
              })
              .then(function (fresh) { review = fresh; render(fresh); })
              .catch(function (e) { flash(e.message, true); });
          });
          out.appendChild(b);
        }
      }).catch(function (e) { out.textContent = ""; flash("นำเข้าไม่สำเร็จ: " + e.message, true); });
    });
  }

  // ------------------------------------------------------------ frameworks
  function initFrameworks() {
    var btn = document.getElementById("fw-upload");
    if (!btn) return;
    btn.addEventListener("click", function () {
      var f = document.getElementById("fw-file");
      if (!f.files.length) { flash("เลือกไฟล์ก่อน", true); return; }
      var fd = new FormData();
      fd.append("file", f.files[0], f.files[0].name);
      fd.append("name", document.getElementById("fw-name").value);
      var level = document.getElementById("fw-level");
      if (level && level.value) fd.append("level", level.value);
      fd.append("who", who());
      api("POST", "/api/frameworks", fd).then(function (r) {
        document.getElementById("fw-status").textContent = "เพิ่มกรอบ " + r.name + " แล้ว (" + r.targets + " รายการ)";
        setTimeout(function () { location.reload(); }, 600);
      }).catch(function (e) { flash("เพิ่มกรอบไม่สำเร็จ: " + e.message, true); });
    });
  }

  // ------------------------------------------------------------ coverage
  // The overview only reads recorded alignments; a plan not aligned yet is aligned here
  // on request (a POST, with progress), then the page is shown again.
  function initCoverage() {
    document.querySelectorAll("button.align-now").forEach(function (b) {
      b.addEventListener("click", function () {
        var plan = b.getAttribute("data-plan");
        var state = b.parentElement.querySelector(".align-state");
        b.disabled = true;
        state.textContent = "เริ่มเชื่อมโยง…";
        function poll(job) {
          api("GET", "/api/jobs/" + job).then(function (j) {
            state.textContent = j.message + " (" + j.elapsed + " วินาที)";
            if (j.state === "done") location.reload();
            else if (j.state === "error") { b.disabled = false; flash("เชื่อมโยงไม่สำเร็จ: " + j.message, true); }
            else setTimeout(function () { poll(job); }, 400);
          }).catch(function (e) { b.disabled = false; flash(e.message, true); });
        }
        api("POST", "/api/plans/" + plan + "/align?background=1", {})
          .then(function (r) { poll(r.job); })
          .catch(function (e) { b.disabled = false; state.textContent = ""; flash(e.message, true); });
      });
    });
  }

  function init() {
    initWho();
    initCoverage();
    initPlans();
    initPlan();
    initReview();
    initFrameworks();
    root.setAttribute("data-ready", "1");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
