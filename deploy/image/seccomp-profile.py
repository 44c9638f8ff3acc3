#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
"""seccomp-profile.py [DEFAULT [OUT]] - a container runtime's default seccomp
profile, changed only so that bpf() and perf_event_open() are allowed to a
container holding CAP_BPF (joulestat's eBPF collector: CAP_BPF and
CAP_PERFMON), where the default allows them only with CAP_SYS_ADMIN.

DEFAULT is the runtime's profile (Podman's /usr/share/containers/seccomp.json
by default); OUT the profile to write (standard output by default). Use it
with `podman run --security-opt seccomp=OUT`, or as a Kubernetes Localhost
profile (docs/CONTAINERS.md).
"""
import json
import sys

SYSCALLS = {'bpf', 'perf_event_open'}


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else '/usr/share/containers/seccomp.json'
    with open(src) as f:
        prof = json.load(f)
    rules = []
    for rule in prof['syscalls']:
        names = rule.get('names', [])
        if SYSCALLS & set(names) and rule.get('action') != 'SCMP_ACT_ALLOW':
            # The rule that refuses them without CAP_SYS_ADMIN: not for them any more.
            rule = dict(rule, names=[n for n in names if n not in SYSCALLS])
            if not rule['names']:
                continue
        rules.append(rule)
    rules.append({'names': sorted(SYSCALLS), 'action': 'SCMP_ACT_ALLOW',
                  'includes': {'caps': ['CAP_BPF']}, 'excludes': {},
                  'comment': 'joulestat: its eBPF collector with CAP_BPF and CAP_PERFMON'})
    prof['syscalls'] = rules
    out = open(sys.argv[2], 'w') if len(sys.argv) > 2 else sys.stdout
    json.dump(prof, out, indent=1)
    out.write('\n')


if __name__ == '__main__':
    main()
