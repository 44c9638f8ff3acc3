#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
"""k8s-check.py - checks of deploy/kubernetes and deploy/helm without a cluster.

  render CHART [--set K=V]... [--release NAME] [--namespace NS]
      the chart's templates rendered as Helm would, for the subset of Go
      templates they use (no helm in Debian): {{ .Values.x }}, .Release.Name,
      .Release.Namespace, .Chart.AppVersion, | quote, toYaml X | nindent N,
      {{ if X }}...{{ end }}, {{- and -}} trimming, {{`raw`}}
  same DIR RENDERED [--without KIND]...
      every object of DIR's files equals the rendered one of the same kind
      and name, and there are no others
  validate FILE...
      every object of a built-in kind against the Kubernetes API's schema,
      as the Debian package python3-kubernetes carries it (generated from
      the API's OpenAPI document): no unknown field, every type, every
      required field; kinds it does not know (the Prometheus Operator's)
      are listed as not checked
  apiserver PORT
      a Kubernetes API server that only answers discovery (the kinds above)
      and 404 for every object: what `kubectl apply --dry-run=client` asks
"""
import json
import re
import sys

import yaml


def die(msg):
    sys.stderr.write('k8s-check: %s\n' % msg)
    sys.exit(1)


# ---- render ----

def lookup(path, ctx):
    cur = ctx
    for part in path.lstrip('.').split('.'):
        if not isinstance(cur, dict) or part not in cur:
            die('template: %s is not defined' % path)
        cur = cur[part]
    return cur


def go_str(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if v is None:
        return '<no value>'
    return str(v)


def evaluate(expr, ctx):
    """One pipeline: a value, then '| fn' stages."""
    stages = [s.strip() for s in expr.split('|')]
    head = stages[0].split()
    if head[0] == 'toYaml':
        val = yaml.safe_dump(lookup(head[1], ctx), default_flow_style=False, sort_keys=False).rstrip('\n')
    elif head[0].startswith('.'):
        val = lookup(head[0], ctx)
    elif head[0].startswith('"'):
        val = json.loads(stages[0])
    else:
        die('template: unsupported action {{ %s }}' % expr)
    for st in stages[1:]:
        fn = st.split()
        if fn[0] == 'quote':
            val = json.dumps(go_str(val))
        elif fn[0] == 'nindent':
            pad = ' ' * int(fn[1])
            val = '\n' + '\n'.join(pad + line if line else line for line in go_str(val).split('\n'))
        else:
            die('template: unsupported function %s' % fn[0])
    return go_str(val)


TOKEN = re.compile(r'\{\{(-?)\s*(`[^`]*`|.*?)\s*(-?)\}\}', re.S)


def render_text(text, ctx):
    out, stack = [], []          # stack of 'emit this branch' booleans
    pos, trim_next = 0, False
    for m in TOKEN.finditer(text):
        chunk = text[pos:m.start()]
        if trim_next:
            chunk = chunk.lstrip()
        if m.group(1):
            chunk = chunk.rstrip()
        if all(stack):
            out.append(chunk)
        pos, trim_next = m.end(), bool(m.group(3))
        action = m.group(2)
        if action.startswith('`'):
            if all(stack):
                out.append(action[1:-1])
        elif action.startswith('if '):
            stack.append(bool(lookup(action[3:].strip(), ctx)) if all(stack) else False)
        elif action == 'end':
            if not stack:
                die('template: {{ end }} without {{ if }}')
            stack.pop()
        elif all(stack):
            out.append(evaluate(action, ctx))
    if stack:
        die('template: {{ if }} without {{ end }}')
    tail = text[pos:]
    out.append(tail.lstrip() if trim_next else tail)
    return ''.join(out)


def set_value(values, assignment):
    key, _, raw = assignment.partition('=')
    cur = values
    parts = key.split('.')
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    cur[parts[-1]] = yaml.safe_load(raw)


def render(argv):
    import glob
    import os
    chart, sets, release, ns = None, [], 'joulestat', 'joulestat'
    i = 0
    while i < len(argv):
        if argv[i] == '--set':
            sets.append(argv[i + 1]); i += 2
        elif argv[i] == '--release':
            release = argv[i + 1]; i += 2
        elif argv[i] == '--namespace':
            ns = argv[i + 1]; i += 2
        else:
            chart = argv[i]; i += 1
    meta = yaml.safe_load(open(os.path.join(chart, 'Chart.yaml')))
    values = yaml.safe_load(open(os.path.join(chart, 'values.yaml')))
    for s in sets:
        set_value(values, s)
    ctx = {'Values': values, 'Release': {'Name': release, 'Namespace': ns},
           'Chart': {'Name': meta['name'], 'Version': meta['version'], 'AppVersion': meta['appVersion']}}
    for path in sorted(glob.glob(os.path.join(chart, 'templates', '*.yaml'))):
        text = render_text(open(path).read(), ctx)
        if text.strip():
            sys.stdout.write('---\n# Source: %s\n%s\n' % (os.path.relpath(path, chart), text.strip('\n')))


# ---- same ----

def objects(paths):
    objs = {}
    for p in paths:
        for doc in yaml.safe_load_all(open(p)):
            if doc is None:
                continue
            key = (doc.get('kind'), doc.get('metadata', {}).get('name'))
            if key in objs:
                die('%s: %s %s twice' % (p, key[0], key[1]))
            objs[key] = doc
    return objs


def diff(a, b, path=''):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return '%s.%s: only in the %s' % (path, k, 'plain manifests' if k in a else 'chart')
            d = diff(a[k], b[k], '%s.%s' % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, '%s[%d]' % (path, i))
            if d:
                return d
        return None
    return None if a == b else '%s: %r in the plain manifests, %r from the chart' % (path, a, b)


def same(argv):
    import glob
    import os
    without = [argv[i + 1] for i in range(len(argv)) if argv[i] == '--without']
    plain = objects(sorted(glob.glob(os.path.join(argv[0], '*.yaml'))))
    rendered = objects([argv[1]])
    plain = {k: v for k, v in plain.items() if k[0] not in without}
    bad = 0
    for key in sorted(set(plain) | set(rendered), key=str):
        if key not in rendered:
            print('%s %s: in the plain manifests, not rendered by the chart' % key); bad += 1
        elif key not in plain:
            print('%s %s: rendered by the chart, not in the plain manifests' % key); bad += 1
        else:
            d = diff(plain[key], rendered[key])
            if d:
                print('%s %s: %s' % (key[0], key[1], d)); bad += 1
    if bad:
        sys.exit(1)
    print('%d objects, the same' % len(plain))


# ---- validate ----

def required_fields(cls):
    import inspect
    req = set()
    for attr in cls.openapi_types:
        prop = getattr(cls, attr, None)
        if isinstance(prop, property) and prop.fset is not None:
            if 'must not be `None`' in inspect.getsource(prop.fset):
                req.add(attr)
    return req


def check(value, typ, path, errors):
    import datetime  # noqa: F401
    import kubernetes.client.models as models
    if value is None:
        return
    if typ.startswith('list['):
        if not isinstance(value, list):
            errors.append('%s: a list, not %r' % (path, value)); return
        for i, v in enumerate(value):
            check(v, typ[5:-1], '%s[%d]' % (path, i), errors)
    elif typ.startswith('dict('):
        if not isinstance(value, dict):
            errors.append('%s: a mapping, not %r' % (path, value)); return
        inner = typ[5:-1].split(',', 1)[1].strip()
        for k, v in value.items():
            check(v, inner, '%s.%s' % (path, k), errors)
    elif typ == 'str':
        if not isinstance(value, str):
            errors.append('%s: a string, not %r' % (path, value))
    elif typ == 'int':
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append('%s: an integer, not %r' % (path, value))
    elif typ == 'bool':
        if not isinstance(value, bool):
            errors.append('%s: true or false, not %r' % (path, value))
    elif typ in ('object', 'datetime', 'date', 'float'):
        pass
    else:
        cls = getattr(models, typ, None)
        if cls is None:
            errors.append('%s: no model %s' % (path, typ)); return
        if not isinstance(value, dict):
            errors.append('%s: a %s mapping, not %r' % (path, typ, value)); return
        by_json = {j: a for a, j in cls.attribute_map.items()}
        for k, v in value.items():
            if k not in by_json:
                errors.append('%s.%s: not a field of %s' % (path, k, typ)); continue
            check(v, cls.openapi_types[by_json[k]], '%s.%s' % (path, k), errors)
        for attr in required_fields(cls):
            if value.get(cls.attribute_map[attr]) is None:
                errors.append('%s.%s: required by %s' % (path, cls.attribute_map[attr], typ))


def validate(argv):
    import kubernetes.client.models as models
    bad = 0
    for p in argv:
        for doc in yaml.safe_load_all(open(p)):
            if doc is None:
                continue
            group, _, version = doc['apiVersion'].rpartition('/')
            prefix = {'': '', 'apps': 'V1', 'rbac.authorization.k8s.io': 'V1'}.get(group)
            name = 'V1' + doc['kind'] if prefix is not None and version == 'v1' else None
            where = '%s %s/%s' % (p, doc['kind'], doc.get('metadata', {}).get('name'))
            if not name or not hasattr(models, name):
                print('%s: not checked (no schema for %s in python3-kubernetes)' % (where, doc['apiVersion']))
                continue
            errors = []
            check(doc, name, doc['kind'], errors)
            for e in errors:
                print('%s: %s' % (where, e))
            bad += len(errors)
            if not errors:
                print('%s: valid %s' % (where, name))
    if bad:
        sys.exit(1)


# ---- apiserver ----

RESOURCES = {
    'v1': [('namespaces', 'Namespace', False), ('serviceaccounts', 'ServiceAccount', True),
           ('configmaps', 'ConfigMap', True), ('services', 'Service', True)],
    'apps/v1': [('daemonsets', 'DaemonSet', True)],
    'rbac.authorization.k8s.io/v1': [('clusterroles', 'ClusterRole', False),
                                     ('clusterrolebindings', 'ClusterRoleBinding', False)],
    'monitoring.coreos.com/v1': [('servicemonitors', 'ServiceMonitor', True),
                                 ('podmonitors', 'PodMonitor', True),
                                 ('prometheusrules', 'PrometheusRule', True)],
}


def apiserver(argv):
    import http.server

    def resource_list(gv):
        return {'kind': 'APIResourceList', 'apiVersion': 'v1', 'groupVersion': gv,
                'resources': [{'name': n, 'singularName': k.lower(), 'namespaced': ns, 'kind': k,
                               'verbs': ['create', 'get', 'list', 'patch', 'update', 'delete']}
                              for n, k, ns in RESOURCES[gv]]}

    class H(http.server.BaseHTTPRequestHandler):
        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = self.path.split('?')[0].rstrip('/')
            if path == '/api':
                return self.reply(200, {'kind': 'APIVersions', 'versions': ['v1'],
                                        'serverAddressByClientCIDRs': []})
            if path == '/apis':
                groups = []
                for gv in RESOURCES:
                    if '/' in gv:
                        g, v = gv.split('/')
                        groups.append({'name': g, 'versions': [{'groupVersion': gv, 'version': v}],
                                       'preferredVersion': {'groupVersion': gv, 'version': v}})
                return self.reply(200, {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': groups})
            if path == '/version':
                return self.reply(200, {'major': '1', 'minor': '28', 'gitVersion': 'v1.28.0'})
            for gv in RESOURCES:
                if path == ('/api/' + gv if gv == 'v1' else '/apis/' + gv):
                    return self.reply(200, resource_list(gv))
            self.reply(404, {'kind': 'Status', 'apiVersion': 'v1', 'status': 'Failure',
                             'reason': 'NotFound', 'code': 404, 'message': 'not found'})

        def log_message(self, *a):
            pass

    http.server.HTTPServer(('127.0.0.1', int(argv[0])), H).serve_forever()


if __name__ == '__main__':
    if len(sys.argv) < 2:
        die(__doc__)
    cmds = {'render': render, 'same': same, 'validate': validate, 'apiserver': apiserver}
    if sys.argv[1] not in cmds:
        die('unknown command %s' % sys.argv[1])
    cmds[sys.argv[1]](sys.argv[2:])
