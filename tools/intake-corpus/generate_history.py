#!/usr/bin/env python3
"""The demo county's scripted history: 12 weeks of requests for measuring hot-spot detection (未诉先办).

Writes eval/intake/hotspot-history.tsv, one request a line, oldest first:

    submitted_at (UTC, ISO 8601)  category  location code  label  description

Labels say what each request is there for:

- ``ordinary``: everyday requests, 10 a day on average, spread over the county's eight communities in
  proportion to their buildings, at a random unit (four in five) or a grid (one in five: roads, squares),
  in a random category; the text is a request of that category from the classifier's corpus generator
  (tools/intake-corpus/generate_corpus.py, 500 a category), so the everyday requests share the field's words
  the way real ones do, and some of them will look alike by chance.
- ``P01``..``P10``: recurring problems planted at known places (same category, same building, grid or
  community, over weeks), each reported by different residents in their own words (written here by hand).
  Each one meets the rule a hot spot is defined by (at least three reports within 30 days at one place),
  so each should be found, once, at its place's level.
- ``D01``..``D06``: decoys that should not make a hot spot: one problem reported by four neighbours
  within a day and a half (duplicates, one problem); one building's different property complaints; one
  building's different elderly residents' needs; decoration noise spread over five communities in one
  week; the same drain reported three times 20 days apart (never three within 30 days); and one-off
  requests of a planted problem's category elsewhere in its community.

Deterministic: a fixed seed, the grid from services/dispatch/Seed/demo-county.json, and the corpus
generator's fixed requests. The file is the fixture; run this again only to change the history on purpose, and commit both.

    python3 tools/intake-corpus/generate_history.py                 # eval/intake/hotspot-history.tsv (measured)
    python3 tools/intake-corpus/generate_history.py --tuning        # eval/intake/hotspot-history-tuning.tsv

The tuning history (another seed) is the one the detector's settings are chosen on: another everyday stream,
other times, and the planted problems and decoys moved to other places of the same level (their texts are the
same). The measured history is then run once with what was chosen.
"""
import datetime as dt
import json
import os
import random
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TUNING = "--tuning" in sys.argv[1:]
SEED = 20261208 if TUNING else 20261207
START = dt.datetime(2026, 9, 14, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Monday, China Standard Time
WEEKS = 12
ORDINARY_PER_DAY = 10

rng = random.Random(SEED)

nodes = json.load(open(os.path.join(ROOT, "services/dispatch/Seed/demo-county.json"), encoding="utf-8"))["nodes"]
by_code = {n["code"]: n for n in nodes}
children = {}
for n in nodes:
    children.setdefault(n["parentCode"], []).append(n["code"])


def under(code, level):
    """Codes of the nodes of a level under a node, in the seed's order."""
    found, todo = [], [code]
    while todo:
        c = todo.pop(0)
        for k in children.get(c, []):
            if by_code[k]["level"] == level:
                found.append(k)
            todo.append(k)
    return found


communities = [n["code"] for n in nodes if n["level"] == "community"]
# The everyday requests' words: the corpus generator's requests, 500 a category (the corpus as it was
# when this history was written), made here rather than read from train.tsv, which grows with the model.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_corpus  # noqa: E402

corpus = {}
for line in generate_corpus.corpus(500):
    category, text = line.split("\t", 1)
    corpus.setdefault(category, []).append(text)
categories = sorted(corpus)

rows = []


moved = {}


def place(code):
    """The place itself in the measured history; in the tuning history another place of the same level."""
    if not TUNING:
        return code
    if code not in moved:
        level = by_code[code]["level"]
        moved[code] = rng.choice(sorted(c for c, n in by_code.items() if n["level"] == level and c not in moved.values()))
    return moved[code]


def at(day, hour=None, minute=None):
    hour = rng.randint(7, 21) if hour is None else hour
    minute = rng.randint(0, 59) if minute is None else minute
    local = START + dt.timedelta(days=day, hours=hour, minutes=minute, seconds=rng.randint(0, 59))
    return local.astimezone(dt.timezone.utc)


def unit_of(building):
    units = [c for c in children.get(building, []) if by_code[c]["level"] == "unit"]
    return rng.choice(units) if units else building


def add(when, category, code, label, text):
    assert code in by_code, code
    rows.append((when, category, code, label, text))


# Everyday requests.
weights = [len(under(c, "building")) for c in communities]
for day in range(WEEKS * 7):
    for _ in range(max(0, round(rng.gauss(ORDINARY_PER_DAY, 3)))):
        community = rng.choices(communities, weights)[0]
        category = rng.choice(categories)
        if rng.random() < 0.8:
            code = unit_of(rng.choice(under(community, "building")))
        else:
            code = rng.choice(under(community, "grid"))
        add(at(day), category, code, "ordinary", rng.choice(corpus[category]))

# Planted recurring problems: (label, category, place, level, days, texts). For a building the reports come
# from its units; for a grid from its buildings; for a community from its compounds' grids.
PLANTED = [
    ("P01", "drainage", "MT-01-01-C01-G1-B03", "building", [8, 14, 21, 26, 33, 40], [
        "3号楼1单元下水道又反水了，一楼厕所往上冒脏水",
        "三栋楼下的污水井又堵了，脏水流得满地都是",
        "我们3号楼下水管道老是堵，上回疏通了没几天又不行了",
        "一楼卫生间地漏往上翻水，臭得人都进不去",
        "楼门口的下水道又漫出来了，走路都得踮着脚",
        "排水管堵了不晓得第几回了，能不能彻底修一下",
    ]),
    ("P02", "street_light", "MT-01-02-C01-G2", "grid", [5, 12, 17, 24, 31], [
        "小区里面那条路的路灯又不亮了，晚上黑黢黢的",
        "滨江花园后面那排路灯坏了好多天，老人晚上出门怕摔",
        "我们这片的路灯一到晚上就闪，闪一会儿就灭了",
        "路灯不亮，晚上下班回来摸黑走路，上周说了还是没修",
        "那几盏路灯修了又坏，现在一盏都不亮",
    ]),
    ("P03", "stairwell_clutter", "MT-01-03-C01-G1-B01", "building", [20, 28, 36, 45, 52], [
        "楼道里堆满了纸箱子和旧家具，过都过不去",
        "有人把废品堆在楼梯间，堆了好久了也没人管",
        "二楼楼梯口那堆杂物又多了，还有人往上放破沙发",
        "走廊里全是别人家的纸壳子，味道也大",
        "楼道杂物清了一次又堆起来了，能不能管管",
    ]),
    ("P04", "parking", "MT-02-01-C01-G1", "grid", [30, 35, 39, 44, 50, 56], [
        "小区大门口天天有车乱停，进出都堵死了",
        "门口那块乱停车，早上送孩子车都开不出去",
        "有几辆车一直停在小区出口，按喇叭也没人挪",
        "大门两边停满了车，救护车都进不来咋办",
        "门口乱停车的问题说了好几次了还是那样",
        "晚上回来小区门口又被车堵了，绕了半天",
    ]),
    ("P05", "noise", "MT-02-02", "community", [40, 47, 53, 61, 66], [
        "街边那家烧烤摊每天半夜还在吵，根本睡不着",
        "夜市烧烤的音响开得震天响，凌晨一两点都不停",
        "楼下烧烤摊喝酒划拳吵到半夜，孩子第二天还要上学",
        "烧烤摊太吵了，半夜还在放音乐喊叫",
        "又是那个烧烤夜市，十二点过了还闹哄哄的",
    ]),
    ("P06", "thrown_objects", "MT-03-01-C02-G1-B02", "building", [15, 22, 30, 37], [
        "楼上又有人往下扔垃圾袋，差点砸到人",
        "有人从窗户往下丢烟头，楼下晾的衣服都烧了个洞",
        "高空抛物又来了，今天掉下来一个啤酒瓶",
        "楼上往下泼水扔东西，楼下的车都被砸了",
    ]),
    ("P07", "water_supply", "MT-01-02-C03-G1-B01", "building", [50, 59, 68, 77], [
        "高层水压太小了，一到做饭时间水龙头就没水",
        "我们楼上几层白天水流小得很，洗澡都洗不了",
        "又没水了，楼上的住户天天这样",
        "水压不够，热水器都打不着火，住高层的都这样",
    ]),
    ("P08", "greening", "MT-03-01-C03-G2", "grid", [10, 18, 26, 33], [
        "小区的树长得太高了，挡着窗户屋里一点光都没有",
        "树枝都伸到阳台上了，虫子往家里爬",
        "绿化带的树好久没修剪了，挡住了楼下的路",
        "树太密了把光全挡了，能不能请人来修一下枝",
    ]),
    ("P09", "public_repair", "MT-02-02-C02-G1-B01", "building", [60, 64, 69, 73, 78, 82], [
        "电梯又坏了，困在里面十几分钟才出来",
        "这部电梯隔几天就停一次，老人上下楼太难了",
        "电梯门关不上，按了半天也不走",
        "电梯坏了第三次了，修好没两天又停",
        "电梯运行的时候咣当咣当响，吓得人不敢坐",
        "今天电梯又停在半中间，物业说在等配件",
    ]),
    ("P10", "safety_hazard", "MT-01-01-C02-G2-B08", "building", [25, 31, 38, 44], [
        "有人从楼上拉电线下来给电动车充电，太危险了",
        "飞线充电又出现了，插线板就放在地上淋雨",
        "楼道里有人给电瓶车充电，着火了谁负责",
        "电线从窗户吊下来充电，小孩在下面玩",
    ]),
]
for label, category, where, level, days, texts in PLANTED:
    assert by_code[where]["level"] == level, where
    where = place(where)
    for day, text in zip(days, texts, strict=True):
        code = unit_of(where) if level == "building" else unit_of(rng.choice(under(where, "building")))
        add(at(day), category, code, label, text)

# Decoys.
# D01: one lamp, four neighbours within a day and a half: duplicates of one problem, not a recurrence.
lamp = place("MT-01-03-C02-G1-B01")
for hours, text in zip([0, 5, 20, 34], [
    "3号楼楼道灯坏了，晚上上楼黑漆漆的",
    "三栋走廊的灯不亮了，黑乎乎的怕老人摔",
    "楼道的灯坏了一天了，晚上摸黑上楼",
    "楼梯间的灯还没修，晚上啥都看不见",
]):
    add(START.astimezone(dt.timezone.utc) + dt.timedelta(days=44, hours=19 + hours), "street_light", unit_of(lamp), "D01", text)
# D02: one building's different complaints about its property company.
building = place("MT-02-02-C01-G1-B01")
for day, text in zip([12, 19, 27], [
    "物业费一年涨了两次，也不公示账目",
    "保安对来访的亲戚态度很差，还骂人",
    "垃圾桶满了好几天都没人来清理，苍蝇到处飞",
]):
    add(at(day), "property_service", unit_of(building), "D02", text)
# D03: one building's elderly residents, each with a need of their own.
building = place("MT-03-01-C01-G1-B01")
for day, text in zip([55, 60, 66], [
    "我家老爷子瘫痪在床，想申请个轮椅",
    "独居的王奶奶想问问社区食堂能不能送餐上门",
    "老人的高龄补贴这个月还没到账，想问一下",
]):
    add(at(day), "elderly_disabled", unit_of(building), "D03", text)
# D04: decoration noise in one week, one report in each of five communities.
for community, day, text in zip(communities[:5], [63, 64, 64, 65, 67], [
    "楼上装修电钻从早上七点响到晚上",
    "隔壁装修天天砸墙，周末也不停",
    "楼下在装修，电锯声吵得孩子没法写作业",
    "对门装修中午也在敲，老人没法午休",
    "楼上装修噪音太大了，能不能规定下时间",
]):
    add(at(day), "noise", unit_of(rng.choice(under(community, "building"))), "D04", text)
# D05: the same drain three times, 20 days apart: never three reports within 30 days.
building = place("MT-03-01-C01-G2-B07")
for day, text in zip([5, 25, 45], [
    "单元门口的雨水井盖下面堵了，一下雨就积水",
    "门口雨水井又堵住了，积水到脚脖子",
    "下雨天单元门口那个排水口堵了，水排不出去",
]):
    add(at(day), "drainage", unit_of(building), "D05", text)
# D06: one-off requests of P01's and P05's categories elsewhere in their communities, during the same weeks.
for day, category, where, text in [
    (16, "drainage", "MT-01-01-C03-G1", "厨房下水慢得很，是不是主管道有问题"),
    (30, "drainage", "MT-01-01-C02-G1", "小区化粪池满了，味道熏得人头疼"),
    (48, "noise", "MT-02-02-C03-G1", "隔壁家的狗天天晚上叫"),
    (58, "noise", "MT-02-02-C01-G2", "广场舞音响早上六点就开始放"),
]:
    add(at(day), category, unit_of(rng.choice(under(place(where), "building"))), "D06", text)

rows.sort(key=lambda r: (r[0], r[2], r[4]))
path = os.path.join(ROOT, "eval/intake/hotspot-history-tuning.tsv" if TUNING else "eval/intake/hotspot-history.tsv")
with open(path, "w", encoding="utf-8", newline="\n") as out:
    out.write(f"# The demo county's scripted history{' for tuning' if TUNING else ''} ({WEEKS} weeks from {START.date()}), written by "
              f"tools/intake-corpus/generate_history.py (seed {SEED}); do not edit by hand.\n")
    out.write("# submitted_at\tcategory\tlocation\tlabel\tdescription\n")
    for when, category, code, label, text in rows:
        out.write(f"{when.strftime('%Y-%m-%dT%H:%M:%SZ')}\t{category}\t{code}\t{label}\t{text}\n")
labels = {}
for r in rows:
    labels[r[3]] = labels.get(r[3], 0) + 1
print(f"{len(rows)} requests written to {path}: {labels}")
