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
    private static readonly Lazy<(IReadOnlyDictionary<char, (string Variant, string Idea)[]> Variants, IReadOnlySet<string> Things, IReadOnlySet<string> Objects)> Paraphrases = new(LoadParaphrases);

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

    // Where in the building: the kind of place and its number. Floors and rooms only as written with
    // a number, never 楼上/楼下.
    private static readonly (string Kind, Regex Pattern)[] PlacePatterns =
    [
        ("building", new Regex(@"(\d+)\s*(?:号楼|号栋|栋|幢|号院楼)", RegexOptions.CultureInvariant)),
        ("unit", new Regex(@"(\d+)\s*单元", RegexOptions.CultureInvariant)),
        ("floor", new Regex(@"(?<![\d号])(\d{1,2})\s*(?:楼|层)(?!栋|房)", RegexOptions.CultureInvariant)),
        ("room", new Regex(@"(?<!\d)(\d{3,4})(?:室|房|号房|户)?(?![\d号栋幢单层楼年月日元块米点分斤个次天])", RegexOptions.CultureInvariant)),
    ];

    // Where in the estate, by its compass: the east gate and the west gate, the north area and the south area, are
    // different spots however alike the rest of the report (the number is the direction's position in the string).
    private static readonly (string Kind, Regex Pattern)[] SpotPatterns =
    [
        ("gate", new Regex(@"(?<![东南西北])([东南西北])\s*(?:大)?门", RegexOptions.CultureInvariant)),
        ("area", new Regex(@"(?<![东南西北])([东南西北])\s*(?:区|苑|片|院)", RegexOptions.CultureInvariant)),
        // The side of a building or a road (西边, 西头, 东侧): the lamp on the west side and the one on the east are two.
        ("side", new Regex(@"(?<![东南西北])([东南西北])(?:边|头|侧|面)", RegexOptions.CultureInvariant)),
    ];
    private const string Compass = "东南西北";

    // A vehicle's colour names which one it is: the white van and the black saloon are two cars.
    private static readonly Regex VehicleColour = new(@"([白黑红银灰蓝绿黄])色?的?(?:小)?(?:面包车|轿车|汽车|小车|车子|越野车|货车|三轮|SUV|车)", RegexOptions.CultureInvariant);
    private const string Colours = "白黑红银灰蓝绿黄";

    // The top floor said as such (顶楼, 顶层) is a floor too, told apart from a numbered one: a leak on the top floor and
    // one on the 3rd are two problems. Only when no number names the floor.
    private const int TopFloor = 99;

    public static ReportGist Of(string text)
    {
        var normalised = ArabicNumerals(KeywordClassifier.Normalise(text));
        var places = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (kind, pattern) in PlacePatterns)
        {
            var match = pattern.Match(normalised);
            if (match.Success) places[kind] = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        foreach (var (kind, pattern) in SpotPatterns)
            if (pattern.Match(normalised) is { Success: true } spot) places[kind] = Compass.IndexOf(spot.Groups[1].Value[0], StringComparison.Ordinal);
        if (VehicleColour.Match(normalised) is { Success: true } colour) places["colour"] = Colours.IndexOf(colour.Groups[1].Value[0], StringComparison.Ordinal);
        // A room number names its floor (502 is on the 5th, 1203 on the 12th): "502" and "3楼" are different places.
        if (!places.ContainsKey("floor") && places.TryGetValue("room", out var room) && room / 100 is var floor and > 0) places["floor"] = floor;
        if (!places.ContainsKey("floor") && (normalised.Contains("顶楼", StringComparison.Ordinal) || normalised.Contains("顶层", StringComparison.Ordinal))) places["floor"] = TopFloor;

        var ideas = new HashSet<string>(StringComparer.Ordinal);
        var characters = new HashSet<char>();
        var rest = ReadIdeas(normalised, ideas, characters);
        var words = new HashSet<string>(StringComparer.Ordinal);
        var content = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in WordSegmenter.Words(rest))
            if (word.Length > 1 && !Stopwords.Contains(word) && !word.Any(char.IsDigit))
            {
                words.Add(word);
                // A side, gate or area (西边, 东门) is compared as a place above, not as what the report says: two
                // reports of the west side otherwise share its characters whatever they are about.
                if (SpotPatterns.Any(p => p.Pattern.IsMatch(word))) continue;
                content.Add(word);
                foreach (var c in word) characters.Add(c);
            }
        return new ReportGist(ideas, words, places) { Characters = characters, ContentWords = content };
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
    // consumed, so 路灯坏了 reads as 路灯 and not as 灯坏 after a stray 路. Returns what is left, for the segmenter.
    private static string ReadIdeas(string normalised, HashSet<string> ideas, HashSet<char> characters)
    {
        var (variants, _, _) = Paraphrases.Value;
        var rest = new StringBuilder(normalised.Length);
        for (var i = 0; i < normalised.Length;)
        {
            var found = default((string Variant, string Idea));
            if (variants.TryGetValue(normalised[i], out var starting))
                foreach (var v in starting)
                    if (i + v.Variant.Length <= normalised.Length && string.CompareOrdinal(normalised, i, v.Variant, 0, v.Variant.Length) == 0)
                    {
                        found = v;
                        break;
                    }
            if (found.Variant is null)
            {
                rest.Append(normalised[i++]);
                continue;
            }
            ideas.Add(found.Idea!);
            foreach (var c in found.Variant) if (char.IsLetter(c)) characters.Add(c);
            // Consumed with a separator, so that what is left does not glue into a false word.
            rest.Append('，');
            i += found.Variant.Length;
        }
        return rest.ToString();
    }

    /// <summary>
    /// The characters of what the report says (its content words and the variants its ideas were read from; no
    /// stopwords, no place numbers), compared with <see cref="CorpusWeights"/>: 灯杆子 and 路灯 share 灯, 粪池子 and 化粪池 粪池.
    /// </summary>
    public IReadOnlySet<char> Characters { get; init; } = new HashSet<char>();

    /// <summary>The <see cref="Words"/> that say what the report is about: without the sides, gates and areas compared as places.</summary>
    public IReadOnlySet<string> ContentWords { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// 0 when the two name different places (another floor, unit, room, side, gate, area or vehicle colour), or each
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
            foreach (var (kind, number) in Places)
                if (other.Places.TryGetValue(kind, out var theirs) && theirs != number) return 0;
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

    /// <summary>Chinese numbers up to 99 become digits (三栋 → 3栋, 十二楼 → 12楼, 两单元 → 2单元).</summary>
    public static string ArabicNumerals(string text)
    {
        const string digits = "零一二三四五六七八九";
        return Regex.Replace(text, "[零一二两三四五六七八九十]+", m =>
        {
            var s = m.Value.Replace('两', '二');
            // Only numbers that name a place: a following 号/栋/楼/层/单元/幢; otherwise left alone (一直, 一下).
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

    private static (IReadOnlyDictionary<char, (string, string)[]>, IReadOnlySet<string>, IReadOnlySet<string>) LoadParaphrases()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Duplicates.paraphrases.txt")
            ?? throw new InvalidOperationException("The embedded paraphrases are missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var result = new List<(string Variant, string Idea)>();
        var things = new HashSet<string>(StringComparer.Ordinal);
        var objects = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
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
        return (byFirst, things, objects);
    }
}
