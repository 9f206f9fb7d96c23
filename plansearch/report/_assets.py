"""Inline CSS and JavaScript of the HTML report (no external resources, ever).

The script makes every ``table.sortable`` sortable by clicking (or Enter on) a header
and wires each ``input.filter`` to hide the rows of its table that do not contain all
typed words. It records its own errors on ``<html data-js-errors>`` and sets
``data-ready="1"`` when done (the browser test reads both).
"""

from __future__ import annotations

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
FONT_STACK = (
    '"Noto Sans Thai", "Sarabun", "TH Sarabun New", "Leelawadee UI", "Tahoma", '
    '"Loma", "Garuda", "Norasi", sans-serif'
)

_CSS = """
:root{--b:#d0d7de;--mut:#57606a;--acc:#0b4f8a}
*{box-sizing:border-box}
body{font-family:FONTS;margin:0 auto;max-width:1400px;padding:1rem 1.5rem 3rem;
 color:#1f2328;line-height:1.55;font-size:15px}
h1{font-size:1.6rem;color:var(--acc);margin:.5rem 0}
h2{font-size:1.3rem;border-bottom:2px solid var(--acc);padding-bottom:.2rem;margin-top:2.2rem}
h3{font-size:1.08rem;margin:1.4rem 0 .4rem}
nav ul{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;padding:0;list-style:none}
a{color:var(--acc)}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
th,td{border:1px solid var(--b);padding:.3rem .45rem;vertical-align:top;text-align:left}
thead th{background:#eef3f8;position:sticky;top:0;z-index:1}
th.sortable{cursor:pointer;user-select:none;white-space:nowrap}
th.sortable::after{content:" \\2195";color:#8c959f;font-size:.8em}
th[aria-sort=ascending]::after{content:" \\25B2";color:var(--acc)}
th[aria-sort=descending]::after{content:" \\25BC";color:var(--acc)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.wrap{overflow-x:auto}
#t-linkage td,#t-linkage th{min-width:12rem}
#t-linkage td:first-child{min-width:15rem;font-weight:600}
.kv th{width:16rem;background:#f6f8fa}
.sub{color:var(--mut);font-size:.88em}
.badge{display:inline-block;border-radius:.6rem;padding:0 .5rem;font-size:.85em;
 white-space:nowrap;border:1px solid rgba(0,0,0,.08)}
.s-strong{background:#C6EFCE}.s-partial{background:#FFEB9C}
.s-weak{background:#FCE4D6}.s-none{background:#EDEDED}
.gap{background:#ffd7d5}.ok{background:#C6EFCE}
.hm td.hmc{text-align:center;min-width:3.2rem;font-variant-numeric:tabular-nums}
.hm td.best{outline:3px solid #f0a202;outline-offset:-3px;font-weight:bold}
.hm th.col{text-align:center}
.legend{columns:2 28rem;font-size:.9em;color:var(--mut);margin:.2rem 0 1rem}
.tools{display:flex;gap:.8rem;align-items:center;margin:.3rem 0}
.tools input{font:inherit;padding:.25rem .5rem;width:22rem;max-width:100%;
 border:1px solid var(--b);border-radius:.3rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:.6rem 0}
.card{border:1px solid var(--b);border-radius:.5rem;padding:.5rem .9rem;min-width:11rem}
.card b{display:block;font-size:1.4rem;color:var(--acc)}
.empty{color:var(--mut);font-style:italic}
footer{margin-top:3rem;color:var(--mut);font-size:.85em}
@media print{nav,.tools{display:none}thead th{position:static}}
""".replace("FONTS", FONT_STACK)

_JS = """
(function(){
'use strict';
var root=document.documentElement, errs=[];
function note(m){errs.push(String(m));root.setAttribute('data-js-errors',errs.join(' | '));}
window.addEventListener('error',function(e){note(e.message||'error');});
var coll=new Intl.Collator('th',{numeric:true,sensitivity:'base'});
function val(td,type){
  var v=td.getAttribute('data-v'); if(v===null){v=td.textContent;}
  if(type==='num'){var n=parseFloat(v);return isNaN(n)?-Infinity:n;}
  return v.trim();
}
function sortBy(table,th){
  var idx=th.cellIndex, type=th.getAttribute('data-type')||'text';
  var cur=th.getAttribute('aria-sort');
  var dir=cur?(cur==='ascending'?'descending':'ascending'):(type==='num'?'descending':'ascending');
  var body=table.tBodies[0], rows=Array.prototype.slice.call(body.rows);
  var keyed=rows.map(function(r,i){return {r:r,i:i,v:val(r.cells[idx],type)};});
  keyed.sort(function(a,b){
    var c=(type==='num')?(a.v<b.v?-1:a.v>b.v?1:0):coll.compare(a.v,b.v);
    if(dir==='descending'){c=-c;} return c||a.i-b.i;
  });
  keyed.forEach(function(k){body.appendChild(k.r);});
  Array.prototype.forEach.call(th.parentNode.cells,function(h){h.removeAttribute('aria-sort');});
  th.setAttribute('aria-sort',dir);
}
function filter(input){
  var table=document.getElementById(input.getAttribute('data-table'));
  if(!table){return;}
  var terms=input.value.toLowerCase().split(/\\s+/).filter(Boolean), shown=0;
  var rows=table.tBodies[0].rows;
  for(var i=0;i<rows.length;i++){
    var t=rows[i].textContent.toLowerCase();
    var ok=terms.every(function(q){return t.indexOf(q)>=0;});
    rows[i].hidden=!ok; if(ok){shown++;}
  }
  var out=document.querySelector('[data-count-for="'+table.id+'"]');
  if(out){out.textContent='แสดง '+shown+' จาก '+rows.length+' แถว';}
}
try{
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(table){
    Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th){
      th.classList.add('sortable'); th.tabIndex=0; th.title='คลิกเพื่อเรียงลำดับ';
      th.addEventListener('click',function(){sortBy(table,th);});
      th.addEventListener('keydown',function(e){
        if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(table,th);}});
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('input.filter'),function(inp){
    inp.addEventListener('input',function(){filter(inp);}); filter(inp);
  });
  root.setAttribute('data-ready','1');
}catch(e){note(e&&e.message);}
})();
"""
