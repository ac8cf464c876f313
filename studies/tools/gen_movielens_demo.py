#!/usr/bin/env python3
"""Regenerate the synthetic result files of studies/movielens-demo.

Besides the results, it writes what librec-auto leaves in a finished study
and its own post scripts read (learnt from librec-auto's source: Status,
StudyStatus, LogFile, results_to_csv.py): each experiment's output.xml (its
varied params under meta, a "Completed" status, and the metrics per fold
and on average), the study's output.xml (completion time, experiment count,
check messages, the config, and the experiments), and LibRec logs that
LogFile parses (fold markers, "Evaluator info" and "Evaluator value"
lines). So librec-auto's unchanged post step runs the whole <post> section.

The study looks like one that librec-auto ran: biased matrix factorisation
(alg:biasedmf) with two values of item-reg, 3-fold cross-validation, nDCG
and precision at 10. Nothing here ran LibRec: ratings, logs, recommendation
lists and metrics are made up from a fixed seed, so that every run of this
script writes the same bytes. Standard library only.

    python3 studies/tools/gen_movielens_demo.py
"""
import csv
import io
import random
import struct
import zlib
from pathlib import Path

STUDY = Path(__file__).resolve().parent.parent / "movielens-demo"
STAMP = "20240312_141503"
REGS = ["0.01", "0.05"]
FOLDS = 3
USERS, ITEMS, RATINGS = 40, 120, 400

rng = random.Random(202001)


def write(rel, text):
    p = STUDY / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, newline="\n")


def ratings():
    seen, rows = set(), []
    while len(rows) < RATINGS:
        u, i = rng.randint(1, USERS), rng.randint(1, ITEMS)
        if (u, i) in seen:
            continue
        seen.add((u, i))
        rows.append((u, i, rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 5])))
    rows.sort()
    write("data/ratings.csv", "".join(f"{u},{i},{r}\n" for u, i, r in rows))


def metrics():
    """nDCG and precision per experiment and fold."""
    out = {}
    for n, reg in enumerate(REGS):
        base_ndcg, base_prec = 0.081 + 0.009 * n, 0.064 + 0.006 * n
        out[reg] = [(round(base_ndcg + rng.uniform(-0.006, 0.006), 6),
                     round(base_prec + rng.uniform(-0.005, 0.005), 6)) for _ in range(FOLDS)]
    return out


def exp_config(reg):
    src = (STUDY / "conf/config.xml").read_text()
    start, end = src.index("<item-reg>"), src.index("</item-reg>") + len("</item-reg>")
    return src[:start] + f'<item-reg var="true">{reg}</item-reg>' + src[end:]


def properties(exp, reg):
    return "\n".join([
        "rec.random.seed=202001", "rec.thread.count=1",
        "dfs.data.dir=data", "data.column.format=UIR", "data.input.path=ratings.csv",
        "data.model.format=text", "data.model.splitter=kcv", "data.splitter.cv.number=3",
        "data.splitter.ratio=userfixed", "data.splitter.trainset.ratio=0.8", "data.splitter.save=true",
        "rec.recommender.class=biasedmf", "rec.recommender.similarities=item", "rec.similarity.class=pcc",
        "rec.iterator.maximum=25", f"rec.item.regularization={reg}", "rec.factor.number=20",
        "rec.recommender.isranking=true", "rec.recommender.ranking.topn=10", "rec.eval.classes=ndcg,precision",
        f"dfs.result.dir={exp}/result", f"dfs.log.dir={exp}/log", f"dfs.config.dir={exp}/conf", ""])


def log(exp, reg, folds):
    t = [14, 15, 3, 120]
    lines = []

    def say(msg):
        t[3] += rng.randint(40, 900)
        t[2] += t[3] // 1000
        t[3] %= 1000
        lines.append(f"[INFO ] 2024-03-12 {t[0]:02d}:{t[1]:02d}:{t[2]:02d},{t[3]:03d} -- {msg}")

    say("Dataset: data/ratings.csv")
    say(f"Transform data to Convertor successfully! ({RATINGS} ratings, {USERS} users, {ITEMS} items)")
    for f, (ndcg, prec) in enumerate(folds, 1):
        say(f"Splitting data into fold {f} of {FOLDS}")
        say(f"TextDataConvertor: Dataset: [data/split/cv_{f}/test.txt]")
        say(f"Data cardinality of training is {RATINGS * 2 // 3}")
        say(f"Data cardinality of testing is {RATINGS - RATINGS * 2 // 3}")
        say(f"Job Setup completed. Recommender: biasedmf, item-reg={reg}")
        for it in range(5, 26, 5):
            say(f"iter {it}: loss = {1000.0 / (it + 3):.6f}, delta_loss = {-40.0 / it:.6f}")
        say("Job Train completed.")
        say(f"Evaluator info:NormalizedDCGEvaluator is {ndcg}")
        say(f"Evaluator info:PrecisionEvaluator is {prec}")
        say(f"Result path is {exp}/result/out-{f}.txt")
    say(f"Evaluator value:NormalizedDCGEvaluator is {avg(f[0] for f in folds)}")
    say(f"Evaluator value:PrecisionEvaluator is {avg(f[1] for f in folds)}")
    say("Job End.")
    return "\n".join(lines) + "\n"


def avg(xs):
    xs = list(xs)
    return round(sum(xs) / len(xs), 6)


def recommendations():
    rows = []
    for u in range(1, USERS + 1, 2):
        items = rng.sample(range(1, ITEMS + 1), 10)
        score = rng.uniform(3.2, 3.6)
        for i in items:
            rows.append(f"{u},{i},{score:.6f}")
            score -= rng.uniform(0.01, 0.08)
    return "\n".join(rows) + "\n"


def status(n, reg):
    return ('<?xml version="1.0"?>\n<!-- DO NOT EDIT. File automatically generated by librec-auto -->\n'
            f"<librec-auto-status>\n<message>Completed</message>\n<exp-no>{n}</exp-no>\n"
            f"<date>2024-03-12 14:{16 + n}:41.503218</date>\n"
            f"<param><name>item-reg</name><value>{reg}</value></param>\n</librec-auto-status>\n")


# The metrics as LibRec names them in its log, which librec-auto copies.
METRICS = ["NormalizedDCGEvaluator", "PrecisionEvaluator"]
COMPLETED_AT = "2024-03-12 14:18:02.417306"
CSV_STAMP = "20240312_141802"  # COMPLETED_AT as %Y%m%d_%H%M%S: results_to_csv.py names its files so


def mean(xs):
    """The average as librec-auto writes it in output.xml: str(sum / n)."""
    xs = [float(x) for x in xs]
    return str(sum(xs) / len(xs))


def results_xml(folds, indent):
    """<results> of an experiment: metrics per fold, then averages."""
    i = indent
    out = [f"{i}<results>", f"{i}  <folds>"]
    for k, values in enumerate(folds, 1):
        out.append(f'{i}    <cv id="{k}">')
        out += [f'{i}      <metric name="{name}">{v}</metric>' for name, v in zip(METRICS, values)]
        out.append(f"{i}    </cv>")
    out += [f"{i}  </folds>", f"{i}  <averages>"]
    out += [f'{i}    <metric name="{name}">{mean(f[j] for f in folds)}</metric>' for j, name in enumerate(METRICS)]
    out += [f"{i}  </averages>", f"{i}</results>"]
    return out


def exp_output(n, reg, folds):
    """exp<n>/output.xml, as librec-auto's Status writes it."""
    lines = ['<experiment count="%d">' % n,
             "  <!--DO NOT EDIT. File automatically generated by librec-auto-->",
             "  <meta>", f"    <param><name>item-reg</name><value>{reg}</value></param>", "  </meta>",
             "  <statuses>"]
    for k, msg in enumerate(["Executing", "Completed"]):
        lines += ["    <status>", f"      <message>{msg}</message>",
                  f"      <date>2024-03-12 14:{15 + n + k}:0{3 + k}.20{n}118</date>", "    </status>"]
    lines.append("  </statuses>")
    lines += results_xml(folds, "  ")
    lines.append("</experiment>")
    return "\n".join(lines) + "\n"


def study_output(m):
    """output.xml, as librec-auto's create_study_output writes it: the
    config (renamed <config>), then the experiments without statuses."""
    config = (STUDY / "conf/config.xml").read_text()
    body = config[config.index("<librec-auto>") + len("<librec-auto>"):config.index("</librec-auto>")]
    lines = ["<study>", f"  <completed_at>{COMPLETED_AT}</completed_at>",
             f"  <experiment_count>{len(REGS)}</experiment_count>",
             "  <check>", "    <message>No warnings found in log</message>", "  </check>",
             "  <config>", "  <!-- This is the configuration used to run the study. -->" + body.rstrip(), "  </config>",
             "  <experiments>"]
    for n, reg in enumerate(REGS):
        lines += ['    <experiment count="%d">' % n, "      <meta>",
                  f"        <param><name>item-reg</name><value>{reg}</value></param>", "      </meta>"]
        lines += results_xml(m[reg], "      ")
        lines.append("    </experiment>")
    lines += ["  </experiments>", "</study>"]
    return "\n".join(lines) + "\n"


def summaries(m):
    """post/study-results-*.csv, as results_to_csv.py (option all) writes
    them from output.xml (pandas writes floats as Python's str)."""
    summary, full = io.StringIO(), io.StringIO()
    s, f = csv.writer(summary, lineterminator="\n"), csv.writer(full, lineterminator="\n")
    s.writerow(["Experiment", "item-reg"] + METRICS)
    f.writerow(["Experiment", "Split", "item-reg"] + METRICS)
    for n, reg in enumerate(REGS):
        exp = f"exp{n:05d}"
        s.writerow([exp, float(reg)] + [mean(x[j] for x in m[reg]) for j in range(len(METRICS))])
        for k, values in enumerate(m[reg]):
            f.writerow([exp, k, float(reg)] + [float(v) for v in values])
    write(f"post/study-results-summary_{CSV_STAMP}.csv", summary.getvalue())
    write(f"post/study-results-full_{CSV_STAMP}.csv", full.getvalue())


# A 3x5 pixel font for the chart's labels: each glyph is five rows of three bits.
FONT = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "5": "111100111001111", ".": "000000000000010", "-": "000000111000000",
    " ": "000000000000000", "N": "111101101101101", "A": "010101111101101", "D": "110101101101110", "C": "111100100100111",
    "G": "111100101101111", "F": "111100110100100", "O": "111101101101111", "L": "100100100100111",
    "R": "110101110101101", "E": "111100110100111", "I": "111010010010111", "T": "111010010010010",
    "M": "101111111101101", "B": "110101110101110", "Y": "101101010010010",
}


def text(px, x, y, s, colour, scale=2):
    for ch in s:
        bits = FONT[ch]
        for i, b in enumerate(bits):
            if b == "1":
                for dy in range(scale):
                    for dx in range(scale):
                        px[y + (i // 3) * scale + dy][x + (i % 3) * scale + dx] = colour
        x += 4 * scale


def png(path, m):
    """A 240x180 bar chart of nDCG per fold, one colour per item-reg value."""
    w, h = 240, 180
    pal = [(255, 255, 255), (40, 40, 40), (220, 220, 220), (66, 133, 244), (234, 67, 53)]
    px = [[0] * w for _ in range(h)]
    for y in range(20, 141, 20):  # grid, then axes
        for x in range(30, 230):
            px[y][x] = 2
    for y in range(14, 141):
        px[y][30] = 1
    for x in range(30, 231):
        px[140][x] = 1
    for f in range(FOLDS):
        for n, reg in enumerate(REGS):
            top = 140 - int(m[reg][f][0] * 1300)
            x0 = 40 + f * 64 + n * 24
            for y in range(top, 140):
                for x in range(x0, x0 + 20):
                    px[y][x] = 3 + n
        text(px, 60 + f * 64, 146, str(f + 1), 1)
    text(px, 34, 2, "NDCG AT 10 BY FOLD", 1)
    for n, reg in enumerate(REGS):
        for y in range(160, 170):
            for x in range(34 + n * 100, 44 + n * 100):
                px[y][x] = 3 + n
        text(px, 48 + n * 100, 160, "REG " + reg, 1)
    raw = b"".join(b"\x00" + bytes(row) for row in px)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)) +
            chunk(b"PLTE", b"".join(bytes(c) for c in pal)) + chunk(b"IDAT", zlib.compress(raw, 9)) +
            chunk(b"IEND", b""))
    (STUDY / path).write_bytes(data)


def main():
    ratings()
    m = metrics()
    for n, reg in enumerate(REGS):
        exp = f"exp{n:05d}"
        write(f"{exp}/.status", status(n, reg))
        write(f"{exp}/conf/config.xml", exp_config(reg))
        write(f"{exp}/conf/librec.properties", properties(exp, reg))
        write(f"{exp}/log/librec-{STAMP}.log", log(exp, reg, m[reg]))
        write(f"{exp}/output.xml", exp_output(n, reg, m[reg]))
        for f in range(1, FOLDS + 1):
            write(f"{exp}/result/out-{f}.txt", recommendations())
    write("output.xml", study_output(m))
    summaries(m)
    png("post/ndcg-by-item-reg.png", m)


if __name__ == "__main__":
    main()
