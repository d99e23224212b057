#!/usr/bin/env python3
"""gen_yara_bounds.py - files that sit right at the rules' filesize bounds.

Why: vigil skips a rule set for a file when the file's first bytes or size
prove none of its rules can match. An off-by-one in a bound or a magic check
that is "almost right" would silently lose findings, so the parity check
needs files of exactly size N-1, N and N+1 for every bound N a rule uses,
carrying that rule's strings after the right magic bytes, plus near-miss
magic (MY, ZM, \\x7fELG) and other kinds of files (script, zip, gzip, PDF,
text). The files carry rule strings only: no code, nothing executable.

usage: yara_split_stats --bounds RULES | gen_yara_bounds.py OUTDIR [MAXSIZE]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_yara_tree import rules_of  # noqa: E402


def pe_head():
    h = bytearray(0x40 + 24 + 0xe0)
    h[0:2] = b'MZ'
    h[0x3c] = 0x40
    h[0x40:0x48] = b'PE\0\0\x4c\x01\0\0'
    h[0x40 + 20] = 0xe0
    h[0x40 + 22] = 0x02
    h[0x40 + 24:0x40 + 26] = b'\x0b\x01'
    return bytes(h)


HEADS = {
    'pe': pe_head(),
    'mz': b'MZ',
    'my': b'MY',
    'zm': b'ZM',
    'elf': b'\x7fELF\x02\x01\x01',
    'elg': b'\x7fELG',
    'sh': b'#!/bin/sh\n',
    'zip': b'PK\x03\x04',
    'gz': b'\x1f\x8b\x08\x00',
    'pdf': b'%PDF-1.4\n',
    'txt': b'hello\n',
}
OWN = {'mz': ['pe', 'mz', 'my', 'zm'], 'elf': ['elf', 'elg'], 'none': ['txt', 'sh']}
SMALL_EXTRA = ['zip', 'gz', 'pdf', 'sh', 'txt']


def body(head, strings, size):
    data = bytearray(head)
    data += b'\n' + b'\n'.join(s for s in strings if s) + b'\n'
    if len(data) > size:
        return bytes(data[:size])
    data += bytes(size - len(data))
    return bytes(data)


def main():
    out = sys.argv[1]
    maxsize = int(sys.argv[2]) if len(sys.argv) > 2 else 2 << 20
    per_size = {}  # (size, head) -> rules written: at most 2 per bound and head (1 when big)
    os.makedirs(out, exist_ok=True)
    cache = {}
    seen = set()
    n = 0
    for line in sys.stdin:
        f = line.split()
        if len(f) != 5 or f[0] != 'bound':
            continue
        bound, magic, path, rule = int(f[1]), f[2], f[3], f[4]
        if path not in cache:
            cache[path] = {r['name']: r['strings'] for r in rules_of(path)}
        strings = cache[path].get(rule, [])
        heads = list(OWN.get(magic, ['txt']))
        if bound <= (256 << 10):
            heads += [h for h in SMALL_EXTRA if h not in heads]
        for size in (bound - 1, bound, bound + 1):
            if size < 0 or size > maxsize:
                continue
            for h in heads:
                key = (size, h, rule)
                if key in seen or per_size.get((size, h), 0) >= (2 if size <= (256 << 10) else 1):
                    continue
                seen.add(key)
                per_size[(size, h)] = per_size.get((size, h), 0) + 1
                name = '%s_%d_%s.bin' % (rule, size, h)
                with open(os.path.join(out, name), 'wb') as fp:
                    fp.write(body(HEADS[h], strings, size))
                n += 1
    print(n)


if __name__ == '__main__':
    main()
