# Generates the demo grid tree (湄潭县: subdistricts > communities > compounds > grids > buildings > units, plus a few 联户) and its workers as dispatch's import-API body.
# Run by hand, not at build time: python3 scripts/gen-demo-county.py > services/dispatch/Seed/demo-county.json
# Output is deterministic (fixed random seed); prints per-level and per-role counts to stderr.
import json
import random
import sys

SEED = 20240611
rng = random.Random(SEED)

LEVELS = ["district", "subdistrict", "community", "compound", "grid", "building", "unit", "household_group"]
CN_NUM = "一二三四五六七八九十"

# (code, name, [(community name, [compound spec, ...]), ...])
# compound spec: (name, building count) or ("JOINT", grid name, [compound names], buildings per compound)
# The JOINT entry is a community-level grid spanning several small compounds (like DOMAIN.md's 双山 grid).
TREE = [
    ("MT", "湄潭县", [
        ("湄江街道", [
            ("锦园社区", [("东苑小区", 17), ("锦绣花园", 11), ("桂园小区", 11)]),
            ("湄江社区", [("滨江花园", 12), ("茶城苑", 10), ("水岸名居", 11), ("文化小区", 12)]),
            ("天城社区", [("天城花园", 12), ("阳光苑", 10)]),
        ]),
        ("黄家坝街道", [
            ("双山社区", [("JOINT", "三苑联片网格", ["翠竹苑", "桂香苑", "枫林苑"], [2, 2, 2]),
                          ("双山新村", 11), ("康乐苑", 10)]),
            ("官堰社区", [("官堰小区", 12), ("金桥花园", 11), ("和谐家园", 10)]),
        ]),
        ("兴隆镇", [
            ("兴隆社区", [("兴隆花园", 11), ("龙凤苑", 12), ("鑫城小区", 10)]),
            ("田坝社区", [("田坝新村", 12), ("茶海苑", 11)]),
            ("龙门社区", [("龙门小区", 11), ("丽景苑", 5), ("盛世华庭", 12), ("安居小区", 11)]),
        ]),
    ]),
]
HOUSEHOLD_GROUP_COMPOUND = "东苑小区"  # the only compound modelled down to 联户

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
            "魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺顾毛郝龚邵万覃")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏飞宇浩婷雪琳晶"
         "海波春梅林燕成云凤金亮德永兴福贵祥荣和顺安宁佳欣怡晓东俊峰莉丹倩琴红霞丽君")
PHONE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                  "153", "155", "156", "157", "158", "159", "173", "176", "177", "178", "180", "181",
                  "182", "183", "185", "186", "187", "188", "189", "191", "198", "199"]

nodes, workers = [], []
used_names, used_phones = set(), set()


def node(code, parent, level, name):
    nodes.append({"code": code, "parentCode": parent, "level": level, "name": name})
    return code


def person_name():
    while True:
        n = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2, 2])))
        if n not in used_names:
            used_names.add(n)
            return n


def phone():
    while True:
        p = rng.choice(PHONE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
        if p not in used_phones:
            used_phones.add(p)
            return p


def worker(role, node_code):
    workers.append({"name": person_name(), "phone": phone(), "role": role, "nodeCode": node_code})


def split_grids(n):
    """Split n buildings into grids of 5-6 (fewer only if the compound itself is smaller)."""
    k = max(1, round(n / 5.5))
    base, extra = divmod(n, k)
    return [base + 1] * extra + [base] * (k - extra)


def buildings(parent_code, first_no, count, name_prefix="", with_households=False):
    out = []
    for no in range(first_no, first_no + count):
        b = node(f"{parent_code}-B{no:02d}", parent_code, "building", f"{name_prefix}{no}号楼")
        out.append(b)
        for u in range(1, rng.choice([2, 3, 3, 4]) + 1):
            uc = node(f"{b}-U{u}", b, "unit", f"{u}单元")
            if with_households:
                for h in range(1, rng.choice([1, 2, 2, 3]) + 1):
                    node(f"{uc}-H{h}", uc, "household_group", f"第{h}联户")
    return out


def staff_grid(grid_code):
    worker("grid_leader", grid_code)
    for _ in range(rng.choice([1, 2])):
        worker("grid_worker", grid_code)


all_buildings = []
for d_code, d_name, subs in TREE:
    node(d_code, None, "district", d_name)
    for si, (s_name, comms) in enumerate(subs, 1):
        s_code = node(f"{d_code}-{si:02d}", d_code, "subdistrict", s_name)
        for ci, (c_name, compounds) in enumerate(comms, 1):
            c_code = node(f"{s_code}-{ci:02d}", s_code, "community", c_name)
            worker("community_cadre", c_code)
            worker("community_cadre", c_code)
            comp_no, joint_no = 0, 0
            for spec in compounds:
                if spec[0] == "JOINT":
                    # community-level grid: no compound node; buildings named after their compound
                    _, g_name, comp_names, counts = spec
                    joint_no += 1
                    g_code = node(f"{c_code}-G{joint_no}", c_code, "grid", g_name)
                    staff_grid(g_code)
                    no = 1
                    for cn, cnt in zip(comp_names, counts):
                        all_buildings += buildings(g_code, no, cnt, name_prefix=cn)
                        no += cnt
                    continue
                name, total = spec
                comp_no += 1
                k_code = node(f"{c_code}-C{comp_no:02d}", c_code, "compound", name)
                no = 1
                for gi, size in enumerate(split_grids(total), 1):
                    g_code = node(f"{k_code}-G{gi}", k_code, "grid", f"第{CN_NUM[gi - 1]}网格")
                    staff_grid(g_code)
                    all_buildings += buildings(g_code, no, size,
                                               with_households=(name == HOUSEHOLD_GROUP_COMPOUND))
                    no += size

# a handful of 楼栋长
for b in sorted(rng.sample(all_buildings, 8)):
    worker("building_leader", b)

# Centres around 湄潭县 (27.77N, 107.47E), from a generator of their own so the codes, names and phones
# above stay as they were; grids of 湄江街道 also get a surveyed boundary (a square about 90 m across).
geo = random.Random(SEED + 1)
SPREAD = {"subdistrict": 0.03, "community": 0.01, "compound": 0.003, "grid": 0.0012, "building": 0.0003}
centres = {}
for n in nodes:
    if n["parentCode"] is None:
        centres[n["code"]] = (27.77, 107.47)
    elif n["level"] in SPREAD:
        pc, s = centres[n["parentCode"]], SPREAD[n["level"]]
        centres[n["code"]] = (pc[0] + geo.uniform(-s, s), pc[1] + geo.uniform(-s, s))
    else:
        continue
    c = centres[n["code"]]
    n["centre"] = {"lat": round(c[0], 6), "lon": round(c[1], 6)}
    if n["level"] == "grid" and n["code"].startswith("MT-01-"):
        h = 0.0004
        n["boundary"] = [{"lat": round(c[0] + dy, 6), "lon": round(c[1] + dx, 6)} for dy, dx in ((-h, -h), (-h, h), (h, h), (h, -h))]

out = json.dumps({"nodes": nodes, "workers": workers}, ensure_ascii=False, indent=2)
sys.stdout.buffer.write((out + "\n").encode("utf-8"))

for lvl in LEVELS:
    print(f"{lvl:16} {sum(1 for n in nodes if n['level'] == lvl)}", file=sys.stderr)
print(f"{'nodes total':16} {len(nodes)}", file=sys.stderr)
for role in ["grid_leader", "grid_worker", "building_leader", "community_cadre"]:
    print(f"{role:16} {sum(1 for w in workers if w['role'] == role)}", file=sys.stderr)
print(f"{'workers total':16} {len(workers)}", file=sys.stderr)
