"""A short tabu search on the critical path, to hand CP-SAT a better first schedule than the dispatching rules.

Neighbourhood N5 (Nowicki and Smutnicki 1996): on the critical path, split into blocks of consecutive operations on
one machine, swap the first two operations of every block but the first and the last two of every block but the
last. Such swaps never create a cycle and are the only adjacent swaps that can shorten the makespan. Each step
takes the best non-tabu neighbour (a swapped pair may not be swapped back for `TENURE` steps unless that beats
the best makespan found).
"""

from __future__ import annotations

import time

Instance = list[list[tuple[int, int]]]

TENURE = 8


class _Graph:
    def __init__(self, jobs: Instance):
        self.dur: list[int] = []
        self.machine: list[int] = []
        self.jsucc: list[int] = []
        self.jpred: list[int] = []
        self.index: dict[tuple[int, int], int] = {}
        for j, job in enumerate(jobs):
            for k, (m, d) in enumerate(job):
                i = len(self.dur)
                self.index[j, k] = i
                self.dur.append(d)
                self.machine.append(m)
                self.jpred.append(i - 1 if k else -1)
                self.jsucc.append(i + 1 if k + 1 < len(job) else -1)
        self.n = len(self.dur)

    def evaluate(self, seqs: dict[int, list[int]]):
        """Heads (earliest starts), makespan and the critical path of the machine sequences `seqs`."""
        n, dur, jsucc, jpred = self.n, self.dur, self.jsucc, self.jpred
        msucc, mpred = [-1] * n, [-1] * n
        for seq in seqs.values():
            for a, b in zip(seq, seq[1:], strict=False):
                msucc[a], mpred[b] = b, a
        indeg = [(jpred[i] >= 0) + (mpred[i] >= 0) for i in range(n)]
        stack = [i for i in range(n) if not indeg[i]]
        head, crit = [0] * n, [-1] * n
        while stack:
            i = stack.pop()
            end = head[i] + dur[i]
            for s in (jsucc[i], msucc[i]):
                if s >= 0:
                    if end > head[s]:
                        head[s], crit[s] = end, i
                    indeg[s] -= 1
                    if not indeg[s]:
                        stack.append(s)
        last = max(range(n), key=lambda i: head[i] + dur[i])
        path = [last]
        while crit[path[-1]] >= 0:
            path.append(crit[path[-1]])
        path.reverse()
        return head, head[last] + dur[last], path

    def moves(self, path: list[int]) -> list[tuple[int, int]]:
        blocks, cur = [], [path[0]]
        for i in path[1:]:
            if self.machine[i] == self.machine[cur[-1]]:
                cur.append(i)
            else:
                blocks.append(cur)
                cur = [i]
        blocks.append(cur)
        out = []
        for b, block in enumerate(blocks):
            if len(block) < 2:
                continue
            if b > 0:
                out.append((block[0], block[1]))
            if b < len(blocks) - 1 and (len(block) > 2 or b == 0):
                out.append((block[-2], block[-1]))
        return list(dict.fromkeys(out))


def improve(jobs: Instance, starts: list[list[int]], seconds: float) -> list[list[int]]:
    """The best schedule a tabu search from `starts` finds in `seconds` (never worse than `starts`)."""
    deadline = time.perf_counter() + seconds
    g = _Graph(jobs)
    seqs: dict[int, list[int]] = {}
    order = sorted((starts[j][k], i) for (j, k), i in g.index.items())
    for _, i in order:
        seqs.setdefault(g.machine[i], []).append(i)
    head, makespan, path = g.evaluate(seqs)
    best_head, best = head, makespan
    tabu: dict[tuple[int, int], int] = {}
    step = 0
    while time.perf_counter() < deadline:
        step += 1
        chosen = None
        for a, b in g.moves(path):
            seq = seqs[g.machine[a]]
            p = seq.index(a)
            seq[p], seq[p + 1] = b, a
            h, ms, pth = g.evaluate(seqs)
            seq[p], seq[p + 1] = a, b
            allowed = tabu.get((b, a), 0) < step or ms < best
            if allowed and (chosen is None or ms < chosen[0]):
                chosen = (ms, a, b, h, pth)
        if chosen is None:
            break
        makespan, a, b, head, path = chosen
        seq = seqs[g.machine[a]]
        p = seq.index(a)
        seq[p], seq[p + 1] = b, a
        tabu[a, b] = step + TENURE  # b before a now: putting a back before b is tabu
        if makespan < best:
            best, best_head = makespan, head
    return [[best_head[g.index[j, k]] for k in range(len(job))] for j, job in enumerate(jobs)]
