#!/usr/bin/env python3
"""Turns compare.sh's results.jsonl into the Tern / Mosquitto table: medians over rounds, ratios, targets.

Usage: report.py results.jsonl [--markdown]
"""
import json
import statistics
import sys
from collections import defaultdict

path = sys.argv[1]
markdown = "--markdown" in sys.argv
rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
by = defaultdict(list)
for r in rows:
    by[(r["label"], r["broker_name"])].append(r)


def median(label, broker, key):
    values = [key(r) for r in by.get((label, broker), []) if key(r) is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def pct(value):
    return "-" if value is None else f"{value * 100:.0f} %"


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def table(title, header, lines):
    print(title)
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---"] * len(header)) + "|")
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(str(x)) for x in col) for col in zip(header, *lines)]
        for line in [header] + lines:
            print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)))
    print()


labels = []
for r in rows:
    if r["label"] not in labels:
        labels.append(r["label"])

delivered = lambda r: r.get("delivered_per_s")
# The broker's CPU per delivered message over the whole run (warm-up and drain included, as the CPU reading is).
cpu_per_msg = lambda r: (r["broker_cpu_s"] / r["delivered"] * 1e6) if r.get("delivered") and r.get("broker_cpu_s") is not None else None

throughput = [l for l in labels if not l.startswith(("latency", "idle", "max", "split", "unpinned"))]
lines = []
for label in throughput:
    t, m = median(label, "tern", delivered), median(label, "mosquitto", delivered)
    x = ratio(t, m)
    tc, mc = median(label, "tern", cpu_per_msg), median(label, "mosquitto", cpu_per_msg)
    rounds = len(by.get((label, "tern"), []))
    # The generator's CPU share over its whole run: near 1.00 on its one core means it, not the broker, set the pace.
    tg = median(label, "tern", lambda r: r["generator_cpu_s"] / r["generator_elapsed_s"] if r.get("generator_elapsed_s") else None)
    mg = median(label, "mosquitto", lambda r: r["generator_cpu_s"] / r["generator_elapsed_s"] if r.get("generator_elapsed_s") else None)
    # Messages acknowledged (or sent, QoS 0) but never delivered: a broker that drops can deliver faster.
    tl = median(label, "tern", lambda r: 1 - r["delivered"] / r["expected"] if r.get("expected") else None)
    ml = median(label, "mosquitto", lambda r: 1 - r["delivered"] / r["expected"] if r.get("expected") else None)
    lines.append([label, fmt(t), fmt(m), fmt(x, 2), "≥ 1.30", "yes" if x is not None and x >= 1.3 else "NO",
                  fmt(tc, 2), fmt(mc, 2), fmt(ratio(tc, mc), 2), pct(tl), pct(ml), fmt(tg, 2), fmt(mg, 2), str(rounds)])
table("Delivered messages per second (median of rounds), broker on CPU 0, generator on CPU 1",
      ["scenario", "Tern/s", "Mosquitto/s", "Tern/Mosq", "target", "met", "Tern CPU µs/msg", "Mosq CPU µs/msg", "CPU Tern/Mosq",
       "Tern lost", "Mosq lost", "gen CPU (T)", "gen CPU (M)", "rounds"],
      lines)

label = "latency 1000/s QoS1"
if any(k[0] == label for k in by):
    lines = []
    for p in ["p50", "p90", "p99", "p999"]:
        t = median(label, "tern", lambda r: r["latency_us"][p])
        m = median(label, "mosquitto", lambda r: r["latency_us"][p])
        x = ratio(t, m)
        target = "≤ 1.00" if p == "p99" else ""
        met = ("yes" if x is not None and x <= 1.0 else "NO") if p == "p99" else ""
        lines.append([p, fmt(t), fmt(m), fmt(x, 2), target, met])
    table("Latency at 1,000 msg/s QoS 1, microseconds (median of rounds)", ["percentile", "Tern µs", "Mosquitto µs", "Tern/Mosq", "target", "met"], lines)

split = "split fan-in 2+2>1 QoS0 16B"
if any(k[0] == split for k in by):
    lines = []
    for broker in ["tern", "mosquitto"]:
        one = median("fan-in 4>1 QoS0 16B", broker, delivered)
        two = median(split, broker, delivered)
        lines.append([broker, fmt(one), fmt(two), fmt(ratio(two, one), 2)])
    table("Generator check: fan-in QoS 0 from one generator process vs two (both on CPU 1); ~1.0 or below = the generator is not the limit",
          ["broker", "one process/s", "two processes/s", "two/one"], lines)

unpinned = [l for l in labels if l.startswith("unpinned ")]
if unpinned:
    lines = []
    for label in unpinned:
        base = label[len("unpinned "):]
        tp, tu = median(base, "tern", delivered), median(label, "tern", delivered)
        mp, mu = median(base, "mosquitto", delivered), median(label, "mosquitto", delivered)
        lines.append([base, fmt(tp), fmt(tu), fmt(ratio(tu, tp), 2), fmt(mp), fmt(mu), fmt(ratio(mu, mp), 2)])
    table("Cores: broker pinned to 1 core vs free on both (the generator shares them when unpinned)",
          ["scenario", "Tern 1 core/s", "Tern 2 cores/s", "Tern 2/1", "Mosq 1 core/s", "Mosq 2 cores/s", "Mosq 2/1"], lines)

idle = [l for l in labels if l.startswith(("idle", "max"))]
if idle:
    lines = []
    for label in idle:
        for broker in ["tern", "mosquitto"]:
            for r in by.get((label, broker), []):
                per = (r["rss_after_kib"] - r["rss_before_kib"]) / r["connected"] if r["connected"] else None
                cpu = r["broker_cpu_s"] / r["connected"] * 1e6 if r.get("broker_cpu_s") is not None and r["connected"] else None
                lines.append([label, broker, f'{r["connected"]:,} of {r["connections"]:,}', f'{r["still_open"]:,}',
                              fmt(r["connect_per_s"]), fmt(cpu), f'{r["rss_before_kib"]:,}', f'{r["rss_after_kib"]:,}', fmt(per, 2)])
        t = [r for r in by.get((label, "tern"), [])]
        m = [r for r in by.get((label, "mosquitto"), [])]
        if t and m:
            tp = (t[0]["rss_after_kib"] - t[0]["rss_before_kib"]) / max(1, t[0]["connected"])
            mp = (m[0]["rss_after_kib"] - m[0]["rss_before_kib"]) / max(1, m[0]["connected"])
            tcpu = t[0]["broker_cpu_s"] / max(1, t[0]["connected"]) if t[0].get("broker_cpu_s") is not None else None
            mcpu = m[0]["broker_cpu_s"] / max(1, m[0]["connected"]) if m[0].get("broker_cpu_s") is not None else None
            lines.append([label, "Tern/Mosq", "", "", fmt(ratio(t[0]["connect_per_s"], m[0]["connect_per_s"]), 2),
                          fmt(ratio(tcpu, mcpu), 2), "", "", fmt(ratio(tp, mp), 2)])
    table("Idle connections (8 source addresses): connect rate and RSS per connection (targets: Tern ≤ 2 KiB each, connect rate ≥ Mosquitto's)",
          ["run", "broker", "connected", "still open", "connects/s", "CPU µs/connect", "RSS before KiB", "RSS after KiB", "KiB per conn"], lines)
