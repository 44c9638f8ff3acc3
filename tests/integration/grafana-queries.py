#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
"""grafana-queries.py - Grafana dashboards checked without a Grafana server.

  lint DIR                          what Grafana 10/11's import needs, per file
  prometheus DIR URL [DASH:VAR=VALUE ...]
                                    every Prometheus panel query run for real
  pcp DIR PMPROXY_URL HOSTSPEC      every PCP Vector panel query, through pmproxy

One line per check on stdout: "PASS description" or "FAIL description: why".
Generic over a directory of dashboards: nothing here names joulestat's panels.
"""
import json
import os
import re
import sys
import urllib.parse

PROM = "prometheus"
PCP_VECTOR = "performancecopilot-vector-datasource"
PANEL_TYPES = {"timeseries", "stat", "bargauge", "table", "gauge", "text", "row",
               "piechart", "barchart", "heatmap", "state-timeline", "logs"}
VAR_RE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")
# What the test stands in for Grafana's built-in variables (scrapes every second, 30 s of data).
BUILTINS = {"__rate_interval": "10s", "__interval": "2s", "__interval_ms": "2000",
            "__range": "30s", "__range_s": "30", "__range_ms": "30000"}
RANGE_S, STEP_S = 30, 2


def out(ok, desc, why=""):
    print(("PASS " if ok else "FAIL ") + desc + ("" if ok else ": " + why), flush=True)


def dashboards(d):
    for f in sorted(os.listdir(d)):
        if f.endswith(".json"):
            with open(os.path.join(d, f)) as fh:
                yield f, json.load(fh)


def panels(dash):
    for p in dash.get("panels", []):
        yield p
        for q in p.get("panels", []):  # collapsed rows
            yield q


def variables_used(text):
    return {a or b or c for a, b, c in VAR_RE.findall(text)}


def lint(d):
    uids = {}
    for f, dash in dashboards(d):
        name = f[:-5]
        problems = []
        sv = dash.get("schemaVersion")
        if not isinstance(sv, int) or not 36 <= sv <= 41:
            problems.append("schemaVersion %r is not one Grafana 10/11 writes (36-41)" % sv)
        uid = dash.get("uid")
        if not uid or len(uid) > 40 or not re.fullmatch(r"[A-Za-z0-9_-]+", uid):
            problems.append("uid %r is missing or not a valid uid" % uid)
        elif uid in uids:
            problems.append("uid %s also in %s" % (uid, uids[uid]))
        else:
            uids[uid] = f
        if not dash.get("title"):
            problems.append("no title")
        if "id" in dash and dash["id"] is not None:
            problems.append("a dashboard id (%r): a file to import carries none" % dash["id"])
        tvars = dash.get("templating", {}).get("list", [])
        names = [v.get("name") for v in tvars]
        if len(names) != len(set(names)):
            problems.append("variable names repeat: %s" % names)
        dsvars = {v["name"]: v.get("query") for v in tvars if v.get("type") == "datasource"}
        for v in tvars:
            if v.get("type") == "query":
                ds = v.get("datasource") or {}
                if ds.get("uid", "").strip("${}") not in dsvars:
                    problems.append("variable %s: its data source is not a datasource variable" % v["name"])
        declared = set(names)
        ids = []
        for p in panels(dash):
            t = p.get("title", "?")
            ids.append(p.get("id"))
            if p.get("type") not in PANEL_TYPES:
                problems.append("panel %s: unknown type %r" % (t, p.get("type")))
            g = p.get("gridPos", {})
            if not all(isinstance(g.get(k), int) for k in "xywh") or g["x"] + g["w"] > 24 or g["w"] < 1 or g["h"] < 1:
                problems.append("panel %s: bad gridPos %r" % (t, g))
            if p.get("type") == "row":
                continue
            ds = p.get("datasource") or {}
            var = ds.get("uid", "").strip("${}")
            if var not in dsvars:
                problems.append("panel %s: data source %r is not a datasource variable" % (t, ds))
            elif ds.get("type") != dsvars[var]:
                problems.append("panel %s: data source type %r, variable %s is %r" % (t, ds.get("type"), var, dsvars[var]))
            targets = p.get("targets", [])
            if not targets:
                problems.append("panel %s: no query" % t)
            for q in targets:
                lf = q.get("legendFormat", "")
                if "__auto" in lf and lf != "__auto":
                    problems.append("panel %s: legend %r: __auto stands alone or not at all" % (t, lf))
            refs = [q.get("refId") for q in targets]
            if len(refs) != len(set(refs)) or None in refs:
                problems.append("panel %s: refIds %r not unique" % (t, refs))
            texts = [t, p.get("description", "")] + [q.get("expr", "") + " " + q.get("legendFormat", "") for q in targets]
            for u in variables_used(" ".join(texts)):
                if u not in declared and not u.startswith("__") and u not in ("instance", "metric", "metric0", "labels"):
                    problems.append("panel %s: $%s is not declared" % (t, u))
        if len(ids) != len(set(ids)) or any(not isinstance(i, int) for i in ids):
            problems.append("panel ids not unique integers: %r" % ids)
        out(not problems, "%s: imports into Grafana 10/11 (%d panels, %d variables)" % (name, len(ids), len(tvars)),
            "; ".join(problems))


def get_json(url, params):
    """GET url?params as JSON. Through http.client, not urllib: urllib asks for
    "Connection: close", after which pmproxy 6.0 ends a chunked reply after
    its first chunk (about 4 kB), where browsers and curl keep the connection."""
    import http.client
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        c.request("GET", u.path + "?" + urllib.parse.urlencode(params))
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError("HTTP %d: %s" % (r.status, body[:200]))
        return json.loads(body)
    finally:
        c.close()


def substitute(text, values):
    def rep(m):
        n = m.group(1) or m.group(2) or m.group(3)
        return values.get(n, m.group(0))
    return VAR_RE.sub(rep, text)


def label_values(prom, query):
    """Grafana's label_values(selector, label) and label_values(label)."""
    m = re.fullmatch(r"\s*label_values\((?:(.*),)?\s*(\w+)\s*\)\s*", query)
    if not m:
        raise ValueError("not a label_values() query: " + query)
    params = {"match[]": m.group(1)} if m.group(1) else {}
    r = get_json(prom + "/api/v1/label/%s/values" % m.group(2), params)
    return sorted(r["data"])


def legend_labels(legend):
    return set(re.findall(r"\{\{\s*(\w+)\s*\}\}", legend or ""))


def by_labels(expr):
    s = set()
    for grp in re.findall(r"\bby\s*\(([^)]*)\)", expr):
        s |= {x.strip() for x in grp.split(",") if x.strip()}
    return s


def prometheus(d, prom, overrides):
    import time
    now = time.time()
    for f, dash in dashboards(d):
        name = f[:-5]
        tvars = dash.get("templating", {}).get("list", [])
        dsvars = {v["name"]: v.get("query") for v in tvars if v.get("type") == "datasource"}
        if PROM not in dsvars.values():
            continue
        values = dict(BUILTINS)
        wanted = {k.split("=", 1)[0]: k.split("=", 1)[1] for o in overrides
                  for dn, k in [o.split(":", 1)] if dn == name}
        ok = True
        for v in tvars:
            n = v["name"]
            if v["type"] == "datasource":
                continue
            if v["type"] == "custom":
                opts = [o.strip() for o in v.get("query", "").split(",") if o.strip()]
                cur = (v.get("current") or {}).get("value") or (opts[0] if opts else "")
                values[n] = wanted.get(n, cur)
                continue
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            q = substitute(q, values)
            try:
                vals = label_values(prom, q)
            except Exception as e:  # noqa: BLE001 - reported as a failed check
                vals, err = [], str(e)
            else:
                err = "no values"
            if n in wanted and wanted[n] not in vals:
                out(False, "%s: variable %s offers %s" % (name, n, wanted[n]), "it offers %r" % vals)
                ok = False
                continue
            out(bool(vals), "%s: variable %s resolves (%s)" % (name, n, ", ".join(vals[:6])), err)
            ok &= bool(vals)
            if vals:
                values[n] = wanted.get(n, vals[0])
        if not ok:
            continue
        for p in panels(dash):
            if (p.get("datasource") or {}).get("type") != PROM:
                continue
            for t in p.get("targets", []):
                expr = substitute(t["expr"], values)
                legend = substitute(t.get("legendFormat", ""), values)
                desc = "%s / %s [%s]" % (name, substitute(p.get("title", "?"), values), t.get("refId"))
                try:
                    if t.get("instant") and not t.get("range"):
                        r = get_json(prom + "/api/v1/query", {"query": expr, "time": "%.3f" % now})
                    else:
                        r = get_json(prom + "/api/v1/query_range", {"query": expr, "start": "%.3f" % (now - RANGE_S),
                                                                   "end": "%.3f" % now, "step": STEP_S})
                except Exception as e:  # noqa: BLE001
                    out(False, desc, "%s (query %s)" % (e, expr))
                    continue
                res = r.get("data", {}).get("result", [])
                if r.get("status") != "success" or not res:
                    out(False, desc, "no data for %s" % expr)
                    continue
                need = (legend_labels(legend) | by_labels(expr)) - {"__name__"}
                missing = [s["metric"] for s in res if not need <= set(s["metric"])]
                out(not missing, "%s: %d series with %s" % (desc, len(res), ", ".join(sorted(need)) or "values"),
                    "series without %s: %r" % (sorted(need), missing[:3]))


def pcp(d, pmproxy, hostspec):
    ctx = get_json(pmproxy + "/pmapi/context", {"hostspec": hostspec, "polltimeout": 120})["context"]
    for f, dash in dashboards(d):
        name = f[:-5]
        for p in panels(dash):
            if (p.get("datasource") or {}).get("type") != PCP_VECTOR:
                continue
            for t in p.get("targets", []):
                expr = t["expr"]
                desc = "%s / %s [%s] %s" % (name, p.get("title", "?"), t.get("refId"), expr)
                try:
                    r = get_json(pmproxy + "/pmapi/fetch", {"context": ctx, "names": expr})
                    vals = r.get("values", [])
                    insts = vals[0]["instances"] if vals else []
                    names = {}
                    if insts and insts[0].get("instance") is not None:
                        ind = get_json(pmproxy + "/pmapi/indom", {"context": ctx, "name": expr})
                        names = {i["instance"]: i["name"] for i in ind.get("instances", [])}
                except Exception as e:  # noqa: BLE001
                    out(False, desc, str(e))
                    continue
                if not insts:
                    out(False, desc, "no values: %r" % r)
                    continue
                need_names = "$instance" in t.get("legendFormat", "")
                unnamed = [i for i in insts if i.get("instance") is not None and not names.get(i["instance"], "").strip()]
                out(not (need_names and unnamed),
                    "%s: %d instance%s%s" % (desc, len(insts), "" if len(insts) == 1 else "s",
                                           " (%s)" % ", ".join(sorted(names.get(i["instance"], "?") for i in insts)[:3]) if names else ""),
                    "instances without a name for the legend: %r" % unnamed[:3])


def main(argv):
    if len(argv) >= 3 and argv[1] == "lint":
        lint(argv[2])
    elif len(argv) >= 4 and argv[1] == "prometheus":
        prometheus(argv[2], argv[3], argv[4:])
    elif len(argv) == 5 and argv[1] == "pcp":
        pcp(argv[2], argv[3], argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
