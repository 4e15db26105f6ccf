"""The review page's inline stylesheet and script, and the Content-Security-Policy for them.

Both are constants, so the policy pins them by SHA-256 hash (CSP Level 2 ``'sha256-...'``
sources) instead of nonces: a report file is static, and a nonce in a static file would
be a fixed, guessable string. Nothing else may run or load: ``default-src 'none'``, no
images, fonts, frames, connections or form targets outside what the page declares.
PHI never leaves the machine because the page has nothing to fetch.
"""
from __future__ import annotations

import base64
import hashlib

CSS = """
:root{--bg:#f6f7f9;--fg:#1d2330;--muted:#5b6473;--line:#d8dce3;--card:#fff;--accent:#1f4e9c;
--ok:#1b7f3b;--okb:#e3f4e8;--bad:#b42318;--badb:#fde8e7;--warn:#8a5a00;--warnb:#fff4d6;
--ext:#1f4e9c;--extb:#e6eefb;--na:#4b5563;--nab:#eceef1;--err:#7a1f5c;--errb:#f8e6f1}
*{box-sizing:border-box}
[hidden]{display:none!important}
html,body{margin:0;padding:0;height:100%}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:17px;margin:0}
h2{font-size:16px;margin:0 0 6px}
h3{font-size:14px;margin:0}
code,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
.top{display:flex;flex-wrap:wrap;gap:8px 18px;align-items:center;padding:8px 14px;background:#17324d;color:#fff}
.top .sub{color:#c9d6e3;font-size:12px}
.top .aid{margin-left:auto;font-size:12px;color:#ffd98a}
.bar{display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center;padding:6px 14px;background:#fff;border-bottom:1px solid var(--line);font-size:13px}
.bar label{display:inline-flex;gap:4px;align-items:center}
.bar select,.bar input[type=search]{font:inherit;padding:2px 4px}
.legend{display:flex;flex-wrap:wrap;gap:4px 10px;align-items:center;font-size:12px;color:var(--muted)}
body{display:flex;flex-direction:column;height:100vh;overflow:hidden}
body>*{flex:none}
.wrap{display:grid;grid-template-columns:230px minmax(0,1fr);flex:1 1 auto;min-height:0}
details.form[open]~.wrap{min-height:60vh}
body:has(details.form[open]){overflow:auto}
.side{overflow:auto;border-right:1px solid var(--line);background:#fff}
.side ol{list-style:none;margin:0;padding:0}
.ci a{display:block;padding:6px 10px;border-bottom:1px solid #eef0f3;color:inherit;text-decoration:none}
.ci a:hover{background:#f1f5fb}
.ci.on a{background:#e1ebf8;border-left:4px solid var(--accent);padding-left:6px}
.ci .pid{font-weight:600;display:block;overflow-wrap:anywhere}
.ci .why{display:block;font-size:12px;color:var(--err);overflow-wrap:anywhere}
.main{overflow:hidden;min-width:0}
.case{display:grid;grid-template-columns:minmax(0,1.15fr) minmax(0,1fr);grid-template-rows:auto minmax(0,1fr);height:100%}
.chead{grid-column:1/3;padding:8px 14px;background:#fff;border-bottom:1px solid var(--line)}
.chead .meta{display:flex;flex-wrap:wrap;gap:4px 14px;color:var(--muted);font-size:13px}
.chead .meta b{color:var(--fg);font-weight:600}
.warnline{color:var(--warn);font-size:12px;margin-top:3px}
.notes,.checks{overflow:auto;padding:10px 14px;min-height:0}
.checks{border-left:1px solid var(--line);background:#fbfcfd}
.note{background:var(--card);border:1px solid var(--line);border-radius:6px;margin:0 0 12px}
.note>header{display:flex;flex-wrap:wrap;gap:4px 12px;padding:6px 10px;border-bottom:1px solid var(--line);background:#f3f5f8;border-radius:6px 6px 0 0;font-size:13px}
.note>header .nid{font-weight:600;overflow-wrap:anywhere}
.ntext{white-space:pre-wrap;overflow-wrap:anywhere;padding:10px 12px;font:13px/1.6 ui-monospace,"SFMono-Regular",Menlo,Consolas,"Liberation Mono",monospace}
mark.hl{background:#ffe98a;color:inherit;border-bottom:2px solid #d9a400;border-radius:2px;padding:0;scroll-margin:80px}
mark.hl.k-negated{background:#eceff2;color:#555;text-decoration:line-through;text-decoration-thickness:1.5px;border-bottom-color:#9aa3ad}
mark.hl.k-historical{background:#eceff2;color:#6b7280;font-style:italic;border-bottom:2px dotted #9aa3ad}
mark.hl.k-hypothetical{background:#e6eefb;border-bottom:2px dotted #4a6fc2}
mark.hl.k-family{background:#f1e6fb;border-bottom:2px dashed #8a4fc6}
mark.hl.k-uncertain{border-bottom:2px dashed #b7791f}
mark.hl.k-superseded{background:transparent;outline:1px dashed #8a94a3;border-bottom-color:transparent}
mark.hl.k-affirmed{background:#ffe98a;color:inherit;font-style:normal}
mark.hl.ov{box-shadow:inset 0 -0.55em 0 rgba(217,120,0,.28)}
mark.hl.flash{outline:3px solid #e8590c;outline-offset:1px;animation:fl 1.6s ease-out 1}
@keyframes fl{0%{background:#ff8c42}100%{}}
.lbl::before{content:attr(data-l);font:600 10px/1 system-ui,sans-serif;background:#374151;color:#fff;border-radius:3px;padding:1px 4px;margin:0 1px 0 2px;vertical-align:1px;white-space:nowrap;text-decoration:none;display:inline-block}
.lbl.k-negated::before,.lbl.k-historical::before{background:#8b95a3}
.lbl.k-hypothetical::before{background:#4a6fc2}
.lbl.k-family::before{background:#8a4fc6}
.lbl.k-superseded::before{background:#a0a7b1}
body.nolbl .lbl{display:none}
.sw{display:inline-block;padding:0 5px;border-radius:2px;font-size:12px}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap;border:1px solid transparent}
.mini{display:inline-block;padding:0 4px;border-radius:3px;font-size:10px;font-weight:700;margin:2px 2px 0 0;border:1px solid transparent}
.st-meets_criteria{background:var(--okb);color:var(--ok);border-color:#b7e0c3}
.st-does_not_meet{background:var(--badb);color:var(--bad);border-color:#f5bcb7}
.st-insufficient_documentation{background:var(--warnb);color:var(--warn);border-color:#f0d68a}
.st-external_criteria{background:var(--extb);color:var(--ext);border-color:#bccff0}
.st-not_addressed{background:var(--nab);color:var(--na);border-color:#d3d7dd}
.st-error{background:var(--errb);color:var(--err);border-color:#e5bdd6}
.st-unknown{background:#eee;color:#333}
.payer{background:var(--card);border:1px solid var(--line);border-radius:6px;margin:0 0 12px}
.payer>summary{display:flex;flex-wrap:wrap;gap:4px 10px;align-items:center;padding:7px 10px;cursor:pointer;background:#f3f5f8;border-radius:6px 6px 0 0}
.pol,.payer>summary .pol{color:var(--muted);font-size:12px}
.pbody{padding:6px 10px 8px}
.reasons{margin:4px 0 6px;padding-left:18px}
.missing{margin:4px 0 6px;font-size:13px}
.missing code{background:var(--warnb);padding:0 3px;border-radius:2px}
ol.crit{list-style:none;margin:6px 0 0;padding:0}
li.c{display:grid;grid-template-columns:112px minmax(0,1fr);gap:2px 8px;padding:6px 6px;border-top:1px solid #eef0f3;border-radius:4px}
li.c[data-go]{cursor:pointer}
li.c{border-left:4px solid #d0d5dd}
li.c.c-met{border-left-color:#3aa45c}
li.c.c-not_met{border-left-color:#d64545;background:#fff8f7}
li.c.c-missing{border-left-color:#e0a100;background:#fffcf2}
li.c.c-assumed_absent{border-left-color:#8d9aab}
li.c[data-go]:hover,li.c:focus{background:#f1f5fb;outline:none}
li.c>*{min-width:0}
.checks{overflow-x:hidden}
li.c .ctext{grid-column:2}
li.c .cmeta,li.c .cev,li.c .cnote{grid-column:2;font-size:12px;color:var(--muted)}
li.c .cnote{font-style:italic}
.res{grid-row:1/5;align-self:start;font-size:12px;font-weight:700;padding:2px 6px;border-radius:4px;text-align:center}
.r-met{background:var(--okb);color:var(--ok)}
.r-not_met{background:var(--badb);color:var(--bad)}
.r-missing{background:var(--warnb);color:var(--warn)}
.r-assumed_absent{background:#e8edf3;color:#3e4c5e}
.r-unknown{background:#eee;color:#333}
a.chip{display:inline-block;max-width:100%;margin:2px 4px 0 0;padding:0 6px;border:1px solid #c9d3e2;border-radius:10px;background:#f5f8fc;color:#17324d;text-decoration:none;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:bottom}
a.chip:hover{background:#e1ebf8}
span.chip{display:inline-block;margin:2px 4px 0 0;padding:0 6px;border:1px dashed #c9d3e2;border-radius:10px;color:var(--muted)}
table.fx{border-collapse:collapse;width:100%;font-size:12px}
table.fx td,table.fx th{border-top:1px solid #eef0f3;padding:3px 4px;text-align:left;vertical-align:top}
details.more{margin:6px 0}
details.more>summary{cursor:pointer;color:var(--accent);font-size:13px}
pre.trace{white-space:pre-wrap;overflow-wrap:anywhere;font-size:11px;background:#f6f7f9;padding:6px;border-radius:4px;max-height:320px;overflow:auto}
.empty{padding:30px;color:var(--muted)}
.errcase{padding:16px}
.form{background:#fff;border-bottom:1px solid var(--line);padding:8px 14px}
.form>summary{cursor:pointer;font-weight:600}
.form form{display:grid;grid-template-columns:minmax(0,1.4fr) minmax(0,1fr);gap:8px 18px;margin-top:8px}
.form textarea{width:100%;min-height:150px;font:13px/1.45 ui-monospace,Menlo,Consolas,monospace}
.form fieldset{border:1px solid var(--line);border-radius:6px;margin:0 0 8px;padding:6px 10px}
.form .row{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;margin:4px 0}
.form button{font:inherit;font-weight:600;padding:6px 16px;background:var(--accent);color:#fff;border:0;border-radius:4px;cursor:pointer}
.formerr{color:var(--bad);font-weight:600;margin:6px 0}
@media (max-width:900px){body{display:block;height:auto;overflow:auto}.wrap{grid-template-columns:1fr;height:auto}.side{max-height:30vh}.case{grid-template-columns:1fr;height:auto}.chead{grid-column:1}.checks{border-left:0}.form form{grid-template-columns:1fr}}
.wl-nav{padding:6px 14px;background:#fff;border-bottom:1px solid var(--line);font-size:13px}
.wl-main{overflow:auto;padding:10px 14px;flex:1 1 auto}
.wl-filters{display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center;font-size:13px}
table.wl,table.wl-st{border-collapse:collapse;background:#fff;font-size:13px;margin:6px 0}
table.wl th,table.wl td,table.wl-st th,table.wl-st td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
.wl-state,.wl-selbox{padding:4px 14px;margin:0;font-size:13px;background:#fff}
.wl-st{margin:4px 14px}
.wl-case{grid-template-columns:minmax(0,1.1fr) minmax(0,1fr)}
pre.nt{white-space:pre-wrap;overflow-wrap:anywhere;padding:8px 10px;margin:0;font:13px/1.6 ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace}
.note h4{margin:0;padding:6px 10px;background:#f3f5f8;border-bottom:1px solid var(--line);font-size:13px}
ul.tree{list-style:none;margin:0;padding-left:14px}
ul.tree>li{margin:4px 0}
li.leaf{border-left:3px solid var(--line);padding:2px 0 4px 8px;background:#fff}
li.leaf.c-met{border-left-color:var(--ok)}li.leaf.c-not_met{border-left-color:var(--bad)}li.leaf.c-missing{border-left-color:var(--warn)}
li.grp>details>summary{cursor:pointer}
.was{font-size:12px;color:var(--muted);margin-left:6px}
.decided{font-size:12px;color:var(--accent)}
form.dec{font-size:12px;margin-top:3px;display:flex;flex-wrap:wrap;gap:3px 8px;align-items:center}
form.dec input,form.dec select,form.dec button{font:inherit}
.span-q{flex-basis:100%;color:var(--muted)}
.sugs{font-size:12px;background:var(--warnb);padding:3px 6px;margin-top:3px;border-radius:4px}
.sugs ol{margin:2px 0;padding-left:18px}
@media print{body{display:block;height:auto;overflow:visible}.side,.bar,.form{display:none}.wrap,.case{display:block;height:auto}.notes,.checks{overflow:visible}}
"""

JS = """
(function(){
'use strict';
var d=document;
function all(s,r){return Array.prototype.slice.call((r||d).querySelectorAll(s));}
var items=all('#cases li.ci');
var cur=d.querySelector('section.case:not([hidden])'),flashed=[];
function showCase(i){
  var s=d.getElementById('case-'+i);
  if(!s)return;
  if(cur&&cur!==s)cur.hidden=true;
  s.hidden=false;cur=s;
  items.forEach(function(li){li.classList.toggle('on',li.getAttribute('data-i')===String(i));});
}
function flash(ids){
  flashed.forEach(function(e){e.classList.remove('flash');});
  flashed=[];
  var first=null;
  String(ids).split(/\\s+/).forEach(function(id){
    if(!/^e[0-9]+$/.test(id))return;
    all('mark[data-s~="'+id+'"]').forEach(function(e){
      void e.offsetWidth;e.classList.add('flash');flashed.push(e);if(!first)first=e;
    });
  });
  if(first)first.scrollIntoView({block:'center',inline:'nearest'});
  return first;
}
function fromHash(){
  var m=/^#case-([0-9]+)$/.exec(location.hash);
  if(m){showCase(m[1]);return true;}
  return false;
}
function filt(){
  var p=d.getElementById('f-payer'),st=d.getElementById('f-status'),q=d.getElementById('f-q');
  var pv=p?p.value:'',sv=st?st.value:'',qv=q?q.value.trim().toLowerCase():'';
  var n=0,firstShown=null;
  items.forEach(function(li){
    var t=' '+li.getAttribute('data-st')+' ',ok=true;
    if(sv){
      if(sv==='error')ok=t.indexOf(' error ')>=0;
      else if(pv)ok=t.indexOf(' '+pv+':'+sv+' ')>=0;
      else ok=t.indexOf(':'+sv+' ')>=0;
    }
    if(ok&&qv)ok=(li.getAttribute('data-pid')||'').indexOf(qv)>=0;
    li.hidden=!ok;
    if(ok){n++;if(!firstShown)firstShown=li;}
  });
  var c=d.getElementById('f-count');
  if(c)c.textContent=n+' of '+items.length+' cases';
}
function step(k){
  var vis=items.filter(function(li){return !li.hidden;});
  if(!vis.length)return;
  var i=-1;
  vis.forEach(function(li,j){if(li.classList.contains('on'))i=j;});
  var nx=vis[Math.min(vis.length-1,Math.max(0,i+k))];
  location.hash='#case-'+nx.getAttribute('data-i');
}
d.addEventListener('click',function(ev){
  var t=ev.target.closest?ev.target.closest('[data-go]'):null;
  if(t){ev.preventDefault();flash(t.getAttribute('data-go'));}
});
d.addEventListener('keydown',function(ev){
  var tg=ev.target;
  if(tg&&tg.matches&&tg.matches('input,textarea,select,button'))return;
  if((ev.key==='Enter'||ev.key===' ')&&tg&&tg.getAttribute&&tg.getAttribute('data-go')){ev.preventDefault();flash(tg.getAttribute('data-go'));}
  else if(ev.key==='j')step(1);
  else if(ev.key==='k')step(-1);
});
window.addEventListener('hashchange',fromHash);
['f-payer','f-status','f-q'].forEach(function(id){
  var e=d.getElementById(id);if(e)e.addEventListener('input',filt);
});
var lb=d.getElementById('f-lbl');
if(lb)lb.addEventListener('change',function(){d.body.classList.toggle('nolbl',!lb.checked);});
filt();
if(!fromHash()){var s=d.querySelector('section.case:not([hidden])');if(s)showCase(s.id.slice(5));}
window.screenerFlash=flash;
})();
"""


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


CSS_HASH = _sha256(CSS)
JS_HASH = _sha256(JS)


def content_security_policy(*, form_action: str = "'none'", scripts: tuple[str, ...] = ()) -> str:
    """The page's policy: nothing loads; only the hashed inline blocks run or apply.

    ``form_action`` is ``'none'`` for a report file and ``'self'`` for the review app's
    forms; ``scripts``: the source of further inline scripts the page carries (the
    worklist's), allowed by their hashes.
    """
    script_src = " ".join([JS_HASH, *(_sha256(src) for src in scripts)])
    return (
        "default-src 'none'; "
        f"script-src {script_src}; "
        f"style-src {CSS_HASH}; "
        "img-src 'none'; font-src 'none'; connect-src 'none'; object-src 'none'; "
        "base-uri 'none'; "
        f"form-action {form_action}"
    )
