#!/usr/bin/env python3
"""Replays the checks of the earlier --minutes design (a warm-up, then re-plans that bent the cosine; replaced on
2026-12-07 by one plan from the first epoch and a deadline, docs/training.md) on the timings of the study's budgeted
runs: the evidence behind that design's tolerances (docs/design/time-budget-history.md, "How near it landed").

For each finished cell trained with --minutes (not resumed, no --head-warmup), it takes the per-epoch step seconds of
results/<cell>/metrics.jsonl, the whole command's seconds, the warm-up's epochs and its monitor cost from the study's logs,
and replays the planner: the first check after epoch 1 (epoch 1's mean step), then, with a tolerance, a check after every
later epoch (the mean step of all epochs so far, of those since the last re-plan, or of the later half: what the
trainer ships, TimeBudget.RecentStepSeconds) that re-plans when the run is heading more than that share of the budget off. Epochs
past the ones a cell ran cost the mean of its last five; setup is what the command took besides its epochs and monitor
measurements, spent up front. A model, not a rerun: it matches the cells' own landing within a few percent for most
cells, not all (the setup's place in time is a guess).
    python3 bench/study/replay_minutes.py
"""
import json, os, re, statistics as st

here = os.path.dirname(os.path.abspath(__file__))
logs = "".join(open(os.path.join(here, f)).read() for f in sorted(os.listdir(here)) if f.startswith("log-"))
cells = {}
for block in re.split(r"\n(?=\d\d:\d\d:\d\d \S+\n)", logs):
    m = re.match(r"\d\d:\d\d:\d\d (\S+)\n\+ \./uft finetune .*--minutes (\S+).*\n", block)
    if not m or "--resume" in block.split("\n")[1] or "--head-warmup" in block.split("\n")[1]: continue
    plan = re.search(r"--minutes \S+: \d+ warm-up steps.*?(?:(\d+) monitor measurements? of ~(\d+) s.*?)?-> (\d+) epoch", block)
    took = re.search(r"\n  \((\d+) s\)\n", block)
    metrics = os.path.join(here, "results", m.group(1), "metrics.jsonl")
    if not plan or not took or not os.path.exists(metrics): continue
    secs = [json.loads(l)["seconds"] for l in open(metrics) if l.strip()]
    cells[m.group(1)] = dict(budget=60 * float(m.group(2)), epochs=int(plan.group(3)), secs=secs, wall=int(took.group(1)),
                             monitors=int(plan.group(1) or 0), monitor=float(plan.group(2) or 0), replanned="'s steps took" in block)

def replay(c, tolerance, pace_from="all"):
    """The command's seconds over the budget, and the re-plans after the first, under checks at this tolerance (None: the first check only)."""
    s, budget, n, per = c["secs"], c["budget"], c["monitors"], c["monitor"]
    tail = st.mean(s[-5:])
    cost = lambda i: s[i] if i < len(s) else tail
    def measured(done, epochs):  # automatic monitoring: every epochs/n epochs and at the end
        every = max(1, epochs // n) if n else 0
        return sum(1 for k in range(done + 1, epochs + 1) if n and (k % every == 0 or k == epochs))
    def nearest(done, elapsed, pace, least):
        best = None
        for e in range(max(done, least), done + 100_000):
            off = abs(elapsed + (e - done) * pace + measured(done, e) * per - budget)
            if best is None or off < best[1]: best = (e, off)
            if elapsed + (e - done) * pace > budget + best[1]: return best[0]
    epochs, elapsed, done, replans, planned = c["epochs"], c["wall"] - sum(s) - n * per, 0, 0, 0
    while done < epochs:
        elapsed += cost(done); done += 1
        every = max(1, epochs // n) if n else 0
        if n and (done % every == 0 or done == epochs): elapsed += per
        first = {"all": 0, "since": planned, "half": done // 2}[pace_from]
        pace = st.mean(cost(i) for i in range(first, done))
        if done == 1: epochs = nearest(1, elapsed, pace, 1)
        elif tolerance is not None and done < epochs and abs(elapsed + (epochs - done) * pace + measured(done, epochs) * per - budget) > tolerance * budget:
            again = nearest(done, elapsed, pace, done + 1)
            if again != epochs: replans, planned, epochs = replans + 1, done, again
    return elapsed / budget, replans

print(f"{len(cells)} budgeted cells; the command's time over the budget")
print("| checks | min | max | >15% short | >15% over | >10% off | runs re-planned after the first check | most re-plans in a run |")
print("|---|---|---|---|---|---|---|---|")
labels = {"all": "", "since": ", steps since the last re-plan", "half": ", steps of the later half"}
for tolerance, since in ((None, "all"), (0.05, "all"), (0.08, "all"), (0.1, "all"), (0.1, "since"), (0.1, "half"), (0.05, "half")):
    r = [replay(c, tolerance, since) for c in cells.values()]
    x = [a for a, _ in r]
    print(f"| {'first only' if tolerance is None else f'every epoch, {tolerance:.0%}' + labels[since]} | {min(x):.2f} | {max(x):.2f} | {sum(v < .85 for v in x)} | "
          f"{sum(v > 1.15 for v in x)} | {sum(abs(v - 1) > .1 for v in x)} | {sum(b > 0 for _, b in r)} | {max(b for _, b in r)} |")

# The model against what happened, where a cell's log shows the first check changing its epochs (the code it replays).
off = [abs(replay(c, None)[0] - c["wall"] / c["budget"]) for c in cells.values() if c["replanned"]]
print(f"replay of the first check against the {len(off)} cells it re-planned: median {st.median(off):.3f} of the budget off, largest {max(off):.2f}")
