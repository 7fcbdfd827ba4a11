using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using GovPlatform.Intake.Classification;

namespace GovPlatform.Intake.Duplicates;

/// <summary>
/// What a report says, as neighbours word it: the ideas it names (paraphrases.txt: 楼道 = 走廊 =
/// 过道; 灯坏了 = 黑漆漆 = 不亮), the other content words jieba finds, and the places it names
/// inside the building (building, unit, floor, room: 3号楼 = 三栋 = 3栋). Two reports match when
/// they share most of what they say and name no different place.
/// </summary>
public sealed record ReportGist(IReadOnlySet<string> Ideas, IReadOnlySet<string> Words, IReadOnlyDictionary<string, int> Places)
{
    // Variants keyed by their first character, longest first: the scan below asks only the few that can
    // start at a position instead of all ~540 (that full scan was the largest CPU cost of a filing).
    private static readonly Lazy<ParaphraseTable> Paraphrases = new(LoadParaphrases);

    private sealed record ParaphraseTable(IReadOnlyDictionary<char, (string Variant, string Idea)[]> Variants, IReadOnlySet<string> Things,
        IReadOnlySet<string> Objects, IReadOnlyList<(string, string)> Exclusive)
    {
        public void Deconstruct(out IReadOnlyDictionary<char, (string Variant, string Idea)[]> variants, out IReadOnlySet<string> things, out IReadOnlySet<string> objects) =>
            (variants, things, objects) = (Variants, Things, Objects);
    }

    private static readonly HashSet<string> Stopwords = new(StringComparer.Ordinal)
    {
        "的", "了", "是", "我", "我们", "我家", "你们", "他们", "他家", "这", "那", "有", "在", "也", "都", "就", "还", "又", "很", "太", "好",
        "一下", "请", "麻烦", "帮忙", "尽快", "处理", "一直", "已经", "好几天", "几天", "小区", "家", "这个", "那个", "一个", "没人", "管",
        "问题", "反映", "情况", "谢谢", "你好", "现在", "今天", "昨天", "每天", "天天", "啊", "呀", "吧", "呢", "嘛", "啦", "哦", "得", "地",
        "着", "过", "给", "让", "把", "被", "和", "跟", "还是", "能不能", "可以", "怎么", "什么", "咋", "啥", "快", "看看", "来", "去",
        "上", "下", "里", "号", "栋", "单元", "楼", "层", "晚上", "白天", "早上", "中午", "到", "说", "没", "不", "人", "找", "修", "坏",
        "个", "要", "会", "又", "真", "吗", "喂", "那边", "这边", "附近", "门口", "旁边", "前面", "后面", "边上", "一样", "同样", "还有",
        "号楼", "号栋", "赶紧", "后头", "后边", "那里", "这里", "师傅", "派人", "一趟", "处理下", "解决", "希望", "能", "好久", "半个月", "一个月", "几个", "整个", "每次", "总是", "老是",
    };

    // Where in the building: the kind of place and its number, first pattern of a kind that matches wins. Floors and
    // rooms only as written with a number, never 楼上/楼下. How neighbours and patrol notes write them: 3号楼, 三栋, 3#
    // (a patrol note's 3#2单元501), 3-2-501 (building, unit, room), and 7楼2单元 where 楼 before a unit is the building.
    private static readonly (string Kind, Regex Pattern, int Group)[] PlacePatterns =
    [
        ("building", new Regex(@"(?<![\d-])(\d+)-(\d+)-(\d{3,4})(?!\d)", RegexOptions.CultureInvariant), 1),
        ("building", new Regex(@"(\d+)\s*(?:号楼|号栋|栋|幢|号院楼|#)", RegexOptions.CultureInvariant), 1),
        ("building", new Regex(@"(?<![\d号])(\d+)\s*楼(?=\d+单元)", RegexOptions.CultureInvariant), 1),
        ("unit", new Regex(@"(?<![\d-])(\d+)-(\d+)-(\d{3,4})(?!\d)", RegexOptions.CultureInvariant), 2),
        ("unit", new Regex(@"(\d+)\s*单元", RegexOptions.CultureInvariant), 1),
        // Not a floor when a range follows (17层以上: the range is read below) or a unit (7楼2单元: the building).
        ("floor", new Regex(@"(?<![\d号#])(\d{1,2})\s*(?:楼|层)(?!栋|房|\d+单元|\s*及?(?:以上|以下|往上|往下))", RegexOptions.CultureInvariant), 1),
        ("room", new Regex(@"(?<!\d)(\d{3,4})(?:室|房|号房|户)?(?![\d号栋幢单层楼年月日元块米点分斤个次天#])", RegexOptions.CultureInvariant), 1),
        // A house or shop number on a street (步行街18号, 光明路12号): the 18th and the 20th are two shops.
        ("number", new Regex(@"(?<![\d#月-])(\d{1,4})\s*号(?![楼栋院房线])", RegexOptions.CultureInvariant), 1),
    ];

    // A range of floors (17层以上, 5楼以下, 十几楼 → 11-19): a neighbour on the 18th reports the same high floors' problem.
    private static readonly Regex FloorAbove = new(@"(?<![\d号#])(\d{1,2})\s*(?:楼|层)\s*及?(以上|往上|以下|往下)", RegexOptions.CultureInvariant | RegexOptions.Compiled);
    private static readonly Regex FloorTens = new(@"(?<![\d号#])([\d二三]?)十几\s*(?:楼|层)", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    // A person a report is about, named by surname (赵某, 赵爷爷, 孙奶奶): two elderly residents of one unit are two people.
    // Common surnames only, without those that begin ordinary words before a kinship term (门卫大爷, 保安大叔, 保洁阿姨),
    // and not the caller (来电人王某反映, 市民李某称): two neighbours reporting one problem are two callers.
    private static readonly Regex Surname = new(@"(?<!来电人|市民|居民|业主|住户|网友|联系人|报修人)([赵钱孙李周吴郑王冯陈蒋沈韩杨朱秦许吕张孔曹严魏陶姜谢邹苏潘范彭鲁韦俞袁柳唐薛雷贺倪汤罗郝毕傅齐康顾孟黄穆萧尹姚邵汪毛戴宋庞熊舒董梁杜阮贾郭钟徐邱骆夏蔡田胡霍卢莫丁邓洪崔龚程陆荣翁刘叶赖乔谭覃廖])(?:某|奶奶|爷爷|大爷|大妈|大娘|阿姨|老太|婆婆|伯伯|叔叔|阿婆|嬢嬢)(?!反映|来电|称|表示|投诉)", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    // Words a neighbour uses to say it is not the spot already reported: 另一边, 另一头, 另外一侧.
    private static readonly Regex OtherSide = new(@"另(?:外)?一?(?:边|头|侧|面)", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    // Where in the estate, by its compass: the east gate and the west gate, the north area and the south area, are
    // different spots however alike the rest of the report (the number is the direction's position in the string).
    private static readonly (string Kind, Regex Pattern)[] SpotPatterns =
    [
        ("gate", new Regex(@"(?<![东南西北])([东南西北])\s*(?:大)?门", RegexOptions.CultureInvariant)),
        ("area", new Regex(@"(?<![东南西北])([东南西北])\s*(?:区|苑|片|院)", RegexOptions.CultureInvariant)),
        // The side of a building or a road (西边, 西头, 东侧, 北墙): the lamp on the west side and the one on the east are two.
        ("side", new Regex(@"(?<![东南西北])([东南西北])(?:边|头|侧|面|墙)", RegexOptions.CultureInvariant)),
    ];
    private const string Compass = "东南西北";

    // The front and the back, said without a compass: a school's front gate (正门, 前门) and its back gate (后门); the
    // front of a building (楼前) and its back (楼后). Kept apart from the compass: the south gate may be the front one.
    private static readonly (string Kind, Regex Pattern)[] FrontBackPatterns =
    [
        ("frontGate", new Regex(@"([正前后侧])\s*(?:大)?门(?!卫)", RegexOptions.CultureInvariant)),
        ("frontSide", new Regex(@"(?:楼|栋|幢|#)\s*([前后])(?!天|年|几|来)", RegexOptions.CultureInvariant)),
    ];
    private const string FrontBack = "正后侧前";

    // A vehicle's colour names which one it is: the white van and the black saloon are two cars.
    private static readonly Regex VehicleColour = new(@"([白黑红银灰蓝绿黄])色?的?(?:小)?(?:面包车|轿车|汽车|小车|车子|越野车|货车|三轮|SUV|车)", RegexOptions.CultureInvariant);
    private const string Colours = "白黑红银灰蓝绿黄";

    // So does its kind, when it is said: the van at the unit door and the saloon on the lawn are two cars. Only kinds
    // that name one vehicle (not 小车, 车子, 私家车, which any of them is).
    private static readonly string[] VehicleKinds = ["面包车", "轿车", "货车", "三轮", "越野车|suv", "皮卡", "出租车|的士", "渣土车"];
    private static readonly Regex VehicleKind = new(string.Join("|", VehicleKinds.Select(k => $"({k})")), RegexOptions.CultureInvariant | RegexOptions.Compiled);

    // The top floor said as such (顶楼, 顶层) is a floor too, told apart from a numbered one: a leak on the top floor and
    // one on the 3rd are two problems. Only when no number names the floor.
    private const int TopFloor = 99;
    private static readonly Regex TopFloorSaid = new(@"最(?:上面|上边|上头|顶上?|高)的?那?(?:1|一)?(?:层|楼)", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    public static ReportGist Of(string text)
    {
        var normalised = ArabicNumerals(KeywordClassifier.Normalise(text));
        // 最上面一层 is the top floor, not the first: read as 顶楼 for the places only.
        var placeText = TopFloorSaid.Replace(normalised, "顶楼");
        var places = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (kind, pattern, group) in PlacePatterns)
        {
            if (places.ContainsKey(kind)) continue;
            var match = pattern.Match(placeText);
            if (match.Success) places[kind] = int.Parse(match.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        foreach (var (kind, pattern) in SpotPatterns)
            if (pattern.Match(normalised) is { Success: true } spot) places[kind] = Compass.IndexOf(spot.Groups[1].Value[0], StringComparison.Ordinal);
        foreach (var (kind, pattern) in FrontBackPatterns)
            if (pattern.Match(normalised) is { Success: true } spot) places[kind] = FrontBack.IndexOf(spot.Groups[1].Value[0], StringComparison.Ordinal) % 3;
        if (VehicleColour.Match(normalised) is { Success: true } colour) places["colour"] = Colours.IndexOf(colour.Groups[1].Value[0], StringComparison.Ordinal);
        if (VehicleKind.Match(normalised) is { Success: true } vehicle) places["vehicle"] = Enumerable.Range(1, VehicleKinds.Length).First(g => vehicle.Groups[g].Success);
        // A room number names its floor (502 is on the 5th, 1203 on the 12th): "502" and "3楼" are different places.
        if (!places.ContainsKey("floor") && places.TryGetValue("room", out var room) && room / 100 is var floor and > 0) places["floor"] = floor;
        (int Lowest, int Highest)? floors = null;
        if (!places.ContainsKey("floor"))
        {
            if (FloorAbove.Match(normalised) is { Success: true } range)
            {
                var n = int.Parse(range.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                floors = range.Groups[2].Value is "以上" or "往上" ? (n, TopFloor) : (1, n);
            }
            else if (FloorTens.Match(normalised) is { Success: true } tens)
            {
                var t = tens.Groups[1].Value switch { "" => 1, "二" => 2, "三" => 3, var d => d[0] - '0' };
                floors = (t * 10 + 1, t * 10 + 9);
            }
            else if (placeText.Contains("顶楼", StringComparison.Ordinal) || placeText.Contains("顶层", StringComparison.Ordinal)) places["floor"] = TopFloor;
        }

        var ideas = new HashSet<string>(StringComparer.Ordinal);
        var characters = new HashSet<char>();
        var rest = ReadIdeas(normalised, ideas, characters);
        var words = new HashSet<string>(StringComparer.Ordinal);
        var content = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in WordSegmenter.Words(rest))
        {
            if (word.Length < 2 || word.Any(char.IsDigit)) continue;
            if (Stopwords.Contains(word)) continue;
            words.Add(word);
            // Nor a demonstrative with its measure word (那家, 这台, 那根): every report points at its thing.
            if (word.Length == 2 && word[0] is '那' or '这') continue;
            // A side, gate or area (西边, 东门) is compared as a place above, not as what the report says: two
            // reports of the west side otherwise share its characters whatever they are about.
            if (SpotPatterns.Any(p => p.Pattern.IsMatch(word))) continue;
            content.Add(word);
        }
        foreach (var word in content)
            foreach (var c in word) characters.Add(c);
        return new ReportGist(ideas, words, places)
        {
            Characters = characters, ContentWords = content, Floors = floors, ElsewhereSaid = OtherSide.IsMatch(normalised),
            People = Surname.Matches(normalised).Select(m => m.Groups[1].Value[0]).ToHashSet(),
        };
    }

    /// <summary>
    /// The ideas a text names, without segmenting the rest (<see cref="CorpusWeights"/> reads the whole corpus with it:
    /// jieba on every request made learning the weights take seconds).
    /// </summary>
    public static IReadOnlySet<string> IdeasOf(string text)
    {
        var ideas = new HashSet<string>(StringComparer.Ordinal);
        ReadIdeas(ArabicNumerals(KeywordClassifier.Normalise(text)), ideas, new HashSet<char>());
        return ideas;
    }

    // Leftmost-longest: at each position the longest variant starting there is the idea, and its characters are
    // consumed, so 路灯坏了 reads as 路灯 and not as 灯坏 after a stray 路. One exception: when what was read is not a
    // thing and a thing's variant starts inside it and runs past it, the thing is read too (充电瓶车 is 充电 and
    // 电瓶车, not 充电 and a bottle's 瓶 before a car). Returns what is left, for the segmenter.
    private static string ReadIdeas(string normalised, HashSet<string> ideas, HashSet<char> characters)
    {
        var (variants, things, _) = Paraphrases.Value;
        var rest = new StringBuilder(normalised.Length);
        for (var i = 0; i < normalised.Length;)
        {
            var found = LongestAt(variants, normalised, i);
            if (found.Variant is null)
            {
                rest.Append(normalised[i++]);
                continue;
            }
            ideas.Add(found.Idea!);
            foreach (var c in found.Variant) if (char.IsLetter(c)) characters.Add(c);
            var end = i + found.Variant.Length;
            if (!things.Contains(found.Idea!))
                for (var j = i + 1; j < end; j++)
                    if (LongestAt(variants, normalised, j) is { Variant: not null } inside && j + inside.Variant.Length > end && things.Contains(inside.Idea!))
                    {
                        ideas.Add(inside.Idea!);
                        foreach (var c in inside.Variant) if (char.IsLetter(c)) characters.Add(c);
                        end = j + inside.Variant.Length;
                        break;
                    }
            // Consumed with a separator, so that what is left does not glue into a false word.
            rest.Append('，');
            i = end;
        }
        return rest.ToString();
    }

    private static (string Variant, string Idea) LongestAt(IReadOnlyDictionary<char, (string Variant, string Idea)[]> variants, string text, int i)
    {
        if (variants.TryGetValue(text[i], out var starting))
            foreach (var v in starting)
                if (i + v.Variant.Length <= text.Length && string.CompareOrdinal(text, i, v.Variant, 0, v.Variant.Length) == 0)
                    return v;
        return default;
    }

    /// <summary>
    /// The characters of what the report says (its content words and the variants its ideas were read from; no
    /// stopwords, no place numbers), compared with <see cref="CorpusWeights"/>: 灯杆子 and 路灯 share 灯, 粪池子 and 化粪池 粪池.
    /// </summary>
    public IReadOnlySet<char> Characters { get; init; } = new HashSet<char>();

    /// <summary>The <see cref="Words"/> that say what the report is about: without the sides, gates and areas compared as places.</summary>
    public IReadOnlySet<string> ContentWords { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The floors a report names as a range (17层以上: 17 to the top; 十几楼: 11 to 19), when it names no one floor.</summary>
    public (int Lowest, int Highest)? Floors { get; init; }

    /// <summary>The surnames of the people the report is about (赵某, 孙奶奶), not of its caller.</summary>
    public IReadOnlySet<char> People { get; init; } = new HashSet<char>();

    /// <summary>Whether the report says it is about another spot than one already reported (另一边, 另一头).</summary>
    public bool ElsewhereSaid { get; init; }

    /// <summary>
    /// 0 when the two name different places (another floor or floor range, unit, room, house number, side, gate, front or
    /// back, area, vehicle colour or kind), other people, "the other side" on one side only, states of one thing that
    /// exclude each other (停水 and 水质), or each
    /// names things it is about and none in common (楼道灯 and 路灯), or objects and none in common; else the better of
    /// the Dice overlap of ideas and content words (a shared idea counting twice its <see cref="CorpusWeights"/> weight,
    /// a shared word once) and the weighted Dice overlap of their <see cref="Characters"/>.
    /// </summary>
    public double Similarity(ReportGist other) => Compare(other, checkPlaces: true);

    /// <summary>
    /// Whether two reports are about the same kind of problem, wherever in the place they are (hot
    /// spots: the drain of 2单元 and the drain of 5单元 are one recurring topic): as
    /// <see cref="Similarity"/>, without the check of places and of objects.
    /// </summary>
    public double TopicSimilarity(ReportGist other) => Compare(other, checkPlaces: false);

    // The ideas that name a thing (楼道灯, 路灯), found once per gist: a filing compares its gist with up to
    // a few hundred cached ones, and filtering both sides on every comparison allocated for nothing.
    private string[]? _things;
    private string[] Things => _things ??= Ideas.Where(Paraphrases.Value.Things.Contains).ToArray();

    // Of those, the objects the problem is in or comes from (a lamp, a window, a barbecue stall, a cigarette end), as
    // against the places they are in (楼道, 屋顶): in one stairwell the lamp and the window are two problems.
    private string[]? _objects;
    private string[] Objects => _objects ??= Ideas.Where(Paraphrases.Value.Objects.Contains).ToArray();

    // Each gist's own weights, summed once: a filing compares its gist with up to 50 cached ones.
    private double? _ideaWeightSum, _characterWeightSum;
    private double IdeaWeightSum => _ideaWeightSum ??= Ideas.Sum(CorpusWeights.Idea);
    private double CharacterWeightSum => _characterWeightSum ??= Characters.Sum(CorpusWeights.Character);

    private double Compare(ReportGist other, bool checkPlaces)
    {
        if (checkPlaces)
        {
            foreach (var (kind, number) in Places)
                if (other.Places.TryGetValue(kind, out var theirs) && theirs != number) return 0;
            if (!SameFloors(this, other) || !SameFloors(other, this)) return 0;
            // Each names the people it is about, and none is the same: a quarrel between 张 and 李 is one whoever reports it.
            if (People.Count > 0 && other.People.Count > 0 && !People.Overlaps(other.People)) return 0;
            // A neighbour who says "the other side" tells us it is not the spot the first report was about.
            if (ElsewhereSaid != other.ElsewhereSaid) return 0;
            // Each names a state of the thing that excludes the other's (the tap gives nothing; the tap gives rusty water).
            if (StatesExclude(other)) return 0;
        }
        var (mine, yours) = (Things, other.Things);
        if (mine.Length > 0 && yours.Length > 0 && !mine.Any(yours.Contains)) return 0;
        // Both name what the problem is in or comes from, and it is not the same thing: another fixture, another source.
        // Not for topics: a building where a bag, then a cigarette end, then a bottle is thrown down has one recurring problem.
        if (checkPlaces && Objects.Length > 0 && other.Objects.Length > 0 && !Objects.Any(other.Objects.Contains)) return 0;
        const double IdeaWeight = 2, WordWeight = 1;
        var shared = IdeaWeight * Ideas.Count(other.Ideas.Contains) + WordWeight * Words.Count(other.Words.Contains);
        var total = IdeaWeight * (Ideas.Count + other.Ideas.Count) + WordWeight * (Words.Count + other.Words.Count);
        if (!checkPlaces) return total == 0 ? 0 : 2 * shared / total;
        // Duplicates: each idea weighted by how little it says of the category (CorpusWeights: 诈骗 or 灯坏 almost
        // nothing, 化粪池 much), and the better of that and the characters both say, weighted alike, so a neighbour's own
        // word for a thing still counts. Hot spots keep the plain count above: their thresholds were set on it.
        double sharedIdeas = 0, sharedCharacters = 0;
        foreach (var idea in Ideas) if (other.Ideas.Contains(idea)) sharedIdeas += CorpusWeights.Idea(idea);
        var sharedWeight = IdeaWeight * sharedIdeas + WordWeight * ContentWords.Count(other.ContentWords.Contains);
        var totalWeight = IdeaWeight * (IdeaWeightSum + other.IdeaWeightSum) + WordWeight * (ContentWords.Count + other.ContentWords.Count);
        var ideasAndWords = totalWeight == 0 ? 0 : 2 * sharedWeight / totalWeight;
        if (Characters.Count == 0 || other.Characters.Count == 0) return ideasAndWords;
        foreach (var c in Characters) if (other.Characters.Contains(c)) sharedCharacters += CorpusWeights.Character(c);
        return Math.Max(ideasAndWords, 2 * sharedCharacters / (CharacterWeightSum + other.CharacterWeightSum));
    }

    // A range of floors against one floor or another range: apart only when they cannot overlap.
    private static bool SameFloors(ReportGist a, ReportGist b)
    {
        if (a.Floors is not { } range) return true;
        if (b.Places.TryGetValue("floor", out var floor)) return floor >= range.Lowest && floor <= range.Highest;
        return b.Floors is not { } theirs || (theirs.Lowest <= range.Highest && range.Lowest <= theirs.Highest);
    }

    // The ideas of this gist that are in an exclusive pair, found once (most reports name none, and then no pair is asked).
    private string[]? _states;
    private string[] States => _states ??= Ideas.Where(i => Paraphrases.Value.Exclusive.Any(p => p.Item1 == i || p.Item2 == i)).ToArray();

    private bool StatesExclude(ReportGist other)
    {
        if (States.Length == 0 || other.States.Length == 0) return false;
        foreach (var (a, b) in Paraphrases.Value.Exclusive)
            if ((Ideas.Contains(a) && !Ideas.Contains(b) && other.Ideas.Contains(b) && !other.Ideas.Contains(a))
                || (Ideas.Contains(b) && !Ideas.Contains(a) && other.Ideas.Contains(a) && !other.Ideas.Contains(b)))
                return true;
        return false;
    }

    /// <summary>
    /// Chinese numbers that name a place become digits: up to 99 before 号/栋/楼/层/单元 (三栋 → 3栋, 十二楼 → 12楼, 两单元 →
    /// 2单元), and three or four digits said one by one, as room numbers are (一一零二 → 1102, 五零幺 → 501).
    /// </summary>
    public static string ArabicNumerals(string text)
    {
        const string digits = "零一二三四五六七八九";
        return Regex.Replace(text, "[零〇幺一二两三四五六七八九十]+", m =>
        {
            var s = m.Value.Replace('两', '二').Replace('〇', '零');
            // Digits one by one: three or four of them, no 十 or 两, not all alike (一一 or 三三两两 are words, not rooms).
            if (s.Length is 3 or 4 && !s.Contains('十') && !m.Value.Contains('两') && s.Distinct().Count() > 1)
                return string.Concat(s.Select(c => (char)('0' + (c == '幺' ? 1 : digits.IndexOf(c)))));
            if (s.Contains('幺')) return m.Value;
            // Only numbers that name a place: a following 号/栋/楼/层/单元; otherwise left alone (一直, 一下).
            var after = m.Index + m.Length < text.Length ? text[m.Index + m.Length] : '\0';
            if ("号栋楼层单幢".IndexOf(after) < 0) return m.Value;
            var ten = s.IndexOf('十');
            int value;
            if (ten < 0) value = s.Length == 1 ? digits.IndexOf(s[0]) : -1;
            else
            {
                var tens = ten == 0 ? 1 : digits.IndexOf(s[ten - 1]);
                var ones = ten == s.Length - 1 ? 0 : digits.IndexOf(s[^1]);
                value = tens < 0 || ones < 0 || ten > 1 || s.Length - ten > 2 ? -1 : tens * 10 + ones;
            }
            return value < 0 ? m.Value : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
    }

    private static ParaphraseTable LoadParaphrases()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Duplicates.paraphrases.txt")
            ?? throw new InvalidOperationException("The embedded paraphrases are missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var result = new List<(string Variant, string Idea)>();
        var things = new HashSet<string>(StringComparer.Ordinal);
        var objects = new HashSet<string>(StringComparer.Ordinal);
        var exclusive = new List<(string, string)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('='))
            {
                // "= a b": states of one thing that exclude each other.
                var states = line[1..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                exclusive.Add((states[0], states[1]));
                continue;
            }
            var colon = line.IndexOf(':');
            var idea = line[..colon].Trim();
            if (idea.StartsWith('*')) things.Add(idea = idea[1..]);
            else if (idea.StartsWith('+')) { idea = idea[1..]; things.Add(idea); objects.Add(idea); }
            else if (idea.StartsWith('~')) objects.Add(idea = idea[1..]);
            foreach (var variant in line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                result.Add((KeywordClassifier.Normalise(variant), idea));
        }
        var byFirst = result.Where(v => v.Variant.Length > 0)
            .OrderByDescending(v => v.Variant.Length).ThenBy(v => v.Variant, StringComparer.Ordinal)
            .GroupBy(v => v.Variant[0])
            .ToDictionary(g => g.Key, g => g.ToArray());
        return new ParaphraseTable(byFirst, things, objects, exclusive);
    }
}
