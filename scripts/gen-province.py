# Generates a synthetic province-size grid tree (counties > subdistricts > communities > compounds > grids)
# as dispatch's import bodies, with zh-CN names and a centre for every node. Deterministic for a seed.
# Each output file holds whole subdistricts and at most --max-nodes nodes (the import limit is 50,000);
# 000-counties.json holds the counties and their subdistricts and must be imported first.
#
#   python3 scripts/gen-province.py --grids 229400 --out /tmp/province        # Shaanxi's 229,400 grids
#   python3 scripts/gen-province.py --grids 24000 --out /tmp/p24k --format csv
#   for f in /tmp/province/*.json; do curl -sf -X POST .../api/v1/grid/import -H 'Content-Type: application/json' --data-binary @$f; done
import argparse
import csv
import json
import math
import os
import random
import sys

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--grids", type=int, default=229_400, help="how many grids in total (default: Shaanxi's 229,400)")
p.add_argument("--seed", type=int, default=20240611)
p.add_argument("--prefix", default="SX", help="code prefix, 1-8 of A-Z0-9 (keeps several provinces apart)")
p.add_argument("--out", required=True, help="directory for the chunk files")
p.add_argument("--max-nodes", type=int, default=50_000)
p.add_argument("--format", choices=["json", "csv"], default="json")
args = p.parse_args()

rng = random.Random(args.seed)
# Shaanxi-like shape: ~107 counties, ~12 subdistricts each, ~10 communities each, ~3 compounds per
# community, ~6 grids per compound; scaled down evenly when fewer grids are asked for.
GRIDS_PER_COMPOUND, COMPOUNDS_PER_COMMUNITY, COMMUNITIES_PER_SUB, SUBS_PER_COUNTY = 6, 3, 10, 12
compounds_total = math.ceil(args.grids / GRIDS_PER_COMPOUND)
communities_total = math.ceil(compounds_total / COMPOUNDS_PER_COMMUNITY)
subs_total = math.ceil(communities_total / COMMUNITIES_PER_SUB)
counties_total = math.ceil(subs_total / SUBS_PER_COUNTY)

PLACE = "安宝长城川东丰富阜高关汉华化黄吉佳建金京康蓝乐临柳龙洛眉米南宁平岐秦清庆泉仁润三商神石寿泰太天铜渭文西仙咸兴延阳杨耀宜永榆玉原云镇周紫"
COMPOUND_SUFFIX = ["花园", "小区", "家园", "苑", "新村", "名居", "华庭", "雅居"]
CN_NUM = "一二三四五六七八九十"


def place(n=2):
    return "".join(rng.choice(PLACE) for _ in range(n))


def cn(n):
    return CN_NUM[n - 1] if n <= 10 else f"{n}"


def jitter(c, deg):
    return (round(c[0] + rng.uniform(-deg, deg), 6), round(c[1] + rng.uniform(-deg, deg), 6))


def row(code, parent, level, name, centre):
    return {"code": code, "parentCode": parent, "level": level, "name": name,
            "centre": {"lat": centre[0], "lon": centre[1]}}


top, chunks = [], []   # chunks: list of node lists, each a group of whole subdistricts
current, grids_left = [], args.grids
province_centre = (34.27, 108.95)  # Xi'an
for ci in range(1, counties_total + 1):
    if grids_left <= 0:
        break
    k_code = f"{args.prefix}{ci:03d}"
    k_centre = jitter(province_centre, 3.0)
    top.append(row(k_code, None, "district", place() + "县", k_centre))
    for si in range(1, SUBS_PER_COUNTY + 1):
        if grids_left <= 0:
            break
        s_code = f"{k_code}-{si:02d}"
        s_centre = jitter(k_centre, 0.15)
        top.append(row(s_code, k_code, "subdistrict", place() + rng.choice(["街道", "镇"]), s_centre))
        sub = []
        for mi in range(1, COMMUNITIES_PER_SUB + 1):
            if grids_left <= 0:
                break
            m_code = f"{s_code}-{mi:02d}"
            m_centre = jitter(s_centre, 0.03)
            sub.append(row(m_code, s_code, "community", place() + rng.choice(["社区", "村"]), m_centre))
            for pi in range(1, COMPOUNDS_PER_COMMUNITY + 1):
                if grids_left <= 0:
                    break
                p_code = f"{m_code}-C{pi:02d}"
                p_centre = jitter(m_centre, 0.008)
                sub.append(row(p_code, m_code, "compound", place() + rng.choice(COMPOUND_SUFFIX), p_centre))
                for gi in range(1, min(GRIDS_PER_COMPOUND, grids_left) + 1):
                    # grids of a compound side by side, about 130 m apart
                    g_centre = (round(p_centre[0] + rng.uniform(-0.0003, 0.0003), 6), round(p_centre[1] + (gi - 3.5) * 0.0014, 6))
                    sub.append(row(f"{p_code}-G{gi}", p_code, "grid", f"第{cn(gi)}网格", g_centre))
                    grids_left -= 1
        if current and len(current) + len(sub) > args.max_nodes:
            chunks.append(current)
            current = []
        current += sub
if current:
    chunks.append(current)

os.makedirs(args.out, exist_ok=True)


def write(name, nodes):
    path = os.path.join(args.out, f"{name}.{args.format}")
    with open(path, "w", encoding="utf-8", newline="") as f:
        if args.format == "json":
            json.dump({"nodes": nodes}, f, ensure_ascii=False)
        else:
            w = csv.writer(f)
            w.writerow(["code", "parent_code", "level", "name", "lat", "lon"])
            for n in nodes:
                w.writerow([n["code"], n["parentCode"] or "", n["level"], n["name"], n["centre"]["lat"], n["centre"]["lon"]])
    return path


write("000-counties", top)
for i, c in enumerate(chunks, 1):
    write(f"{i:03d}-subdistricts", c)
levels = {}
for n in top + [n for c in chunks for n in c]:
    levels[n["level"]] = levels.get(n["level"], 0) + 1
print(f"{args.grids - grids_left} grids, {sum(levels.values())} nodes in {len(chunks) + 1} files under {args.out}: {levels}", file=sys.stderr)
