using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Duplicates;

namespace GovPlatform.UnitTests;

/// <summary>
/// Segmentation, the learned classifier and paraphrase-aware duplicate similarity against the
/// hand-written held-out sets in eval/intake/ (the evaluation command prints the same figures;
/// docs/intake.md reports them). Floors are regression guards just under the measured figures.
/// </summary>
public sealed class ResidentWordsTests
{
    // Just under the figures measured on 7 December 2026 with the fifth round's character view beside the word model, the
    // threshold holding 97 % on the calibration, development and both former sealed sets (docs/intake.md, "Fifth round"):
    // 96.3 %, 42.3 % auto at 100 %. Until the fifth round 95.9 %, 86.3 % at 98.1 %, at a threshold (0.494) that gave 91.0 %
    // precision on the second sealed set. The aims are 90 % top-1 and 80 % auto-classified at 97 % precision.
    private const double Top1Floor = 0.95, AutoPrecisionFloor = 0.97, AutoShareFloor = 0.40;

    // Just under the former sealed sets' figures with the character view (docs/intake.md): the first 92.8 %, 43.4 % at 99.3 %
    // (89.7 %, 74.7 % at 97.5 % at the fourth round's threshold); the second 81.6 %, 39.7 % at 97.6 % (79.1 %, 76.2 % at 91.0 %).
    private const double FormerlySealedTop1Floor = 0.92, FormerlySealedAutoShareFloor = 0.42;
    private const double SecondSealedTop1Floor = 0.81, SecondSealedAutoShareFloor = 0.38;

    private static string Eval(string file) => Path.Combine(AppContext.BaseDirectory, "eval", "intake", file);

    [Fact]
    public void The_fields_words_come_out_of_segmentation_whole()
    {
        var words = WordSegmenter.Words("3号楼楼道里有人飞线充电，化粪池也满了，高空抛物没人管，物业费白交");

        Assert.Contains("楼道", words);
        Assert.Contains("飞线充电", words);
        Assert.Contains("化粪池", words);
        Assert.Contains("高空抛物", words);
        Assert.Contains("物业费", words);
        Assert.DoesNotContain("，", words);
    }

    [Fact]
    public void Segmentation_normalises_full_width_text_and_drops_punctuation()
    {
        Assert.Equal(WordSegmenter.Words("电动车噪音占道"), WordSegmenter.Words("电动车 噪音！占道。"));
        Assert.Empty(WordSegmenter.Words("，。！ "));
    }

    [Fact]
    public void Chinese_numbers_of_buildings_floors_and_units_read_as_digits()
    {
        Assert.Equal("3栋12楼2单元", ReportGist.ArabicNumerals("三栋十二楼两单元"));
        Assert.Equal("一直不亮", ReportGist.ArabicNumerals("一直不亮"));
        var gist = ReportGist.Of("三栋二单元五楼502");
        Assert.Equal(3, gist.Places["building"]);
        Assert.Equal(2, gist.Places["unit"]);
        Assert.Equal(5, gist.Places["floor"]);
        Assert.Equal(502, gist.Places["room"]);
    }

    [Fact]
    public void A_reworded_report_of_the_same_lamp_is_similar_and_another_lamp_is_not()
    {
        var options = new DuplicateOptions();
        var original = ReportGist.Of("3号楼楼道灯坏了");

        Assert.True(original.Similarity(ReportGist.Of("三栋走廊晚上黑漆漆的")) >= options.TextSimilarity);
        Assert.True(original.Similarity(ReportGist.Of("3号楼门口的路灯不亮了")) < options.TextSimilarity);
        Assert.Equal(0, ReportGist.Of("5楼楼道灯坏了").Similarity(ReportGist.Of("2楼楼道的灯不亮")));
        Assert.Equal(original.Similarity(ReportGist.Of("三栋走廊晚上黑漆漆的")), ReportGist.Of("三栋走廊晚上黑漆漆的").Similarity(original));
    }

    [Fact]
    public void Duplicate_linking_on_reworded_pairs_reaches_the_aim_and_beats_character_bigrams()
    {
        var pairs = Evaluation.ReadPairs(Eval("duplicate-pairs.tsv"));
        var after = Evaluation.Duplicates(pairs, Evaluation.GistSimilarity, new DuplicateOptions().TextSimilarity);
        var before = Evaluation.Duplicates(pairs, TextSimilarity.Dice, 0.25);
        TestContext.Current.TestOutputHelper!.WriteLine($"{pairs.Count} pairs; before precision {before.Precision:P1} recall {before.Recall:P1}; after precision {after.Precision:P1} recall {after.Recall:P1}");

        Assert.True(pairs.Count >= 60, $"{pairs.Count} pairs");
        Assert.True(after.Precision >= 0.9, $"precision {after.Precision:P1}");
        Assert.True(after.Recall >= 0.8, $"recall {after.Recall:P1}");
        Assert.True(after.Recall > before.Recall, "rewording is caught more often than by character bigrams");
    }

    [Fact]
    public void Duplicate_linking_reaches_the_aim_on_the_fresh_and_the_development_pairs()
    {
        // Measured on 7 December 2026 (docs/intake.md): with corpus weights and characters at 0.25, fresh pairs 90.9 % / 100 %,
        // development pairs 95 % / 95 % (100 % / 100 % and 100 % / 95 % with the unweighted ideas and words at 0.5).
        foreach (var file in new[] { "fresh-pairs.tsv", "dev-pairs.tsv" })
        {
            var after = Evaluation.Duplicates(Evaluation.ReadPairs(Eval(file)), Evaluation.GistSimilarity, new DuplicateOptions().TextSimilarity);
            Assert.True(after.Precision >= 0.9, $"{file}: precision {after.Precision:P1}");
            Assert.True(after.Recall >= 0.8, $"{file}: recall {after.Recall:P1}");
        }
    }

    [Theory]
    [InlineData("3号楼2单元楼道灯坏了", "3号楼5单元楼道灯也坏了，晚上黑漆漆的")]
    [InlineData("小区东门的下水道堵了，脏水往外冒", "小区西门的下水口堵了，脏水流到路上")]
    [InlineData("7号楼3楼楼道堆满杂物", "7号楼6楼楼道堆满杂物，过不去")]
    [InlineData("4号楼502家楼上往下扔烟头", "4号楼3楼有人往楼下扔烟头")]
    [InlineData("楼下有辆白色面包车停了半年没动", "楼下有辆黑色轿车停了半年没动")]
    [InlineData("8号楼楼道的声控灯坏了", "8号楼楼道的窗户玻璃碎了")]
    [InlineData("楼下烧烤店太吵了", "楼上装修电钻太吵")]
    [InlineData("2号楼顶楼屋顶漏雨", "2号楼3楼卫生间顶上漏水")]
    public void Another_unit_gate_floor_vehicle_fixture_or_source_is_another_problem(string open, string other) =>
        Assert.Equal(0, ReportGist.Of(open).Similarity(ReportGist.Of(other)));

    [Theory]
    [InlineData("三号楼东门口的下水道堵了", "3栋东门那里地上的下水口往外冒脏水")]
    [InlineData("12号楼楼下有辆白色面包车停了半年没动", "十二栋底下那个白面包车一直趴着，轮胎都没气了")]
    [InlineData("4号楼401家楼上往下扔烟头", "四栋四楼有人老往楼下弹烟屁股")]
    [InlineData("楼下烧烤店每天吵到半夜", "底下那家烧烤摊晚上闹到一两点，睡不着")]
    public void The_same_problem_in_other_words_and_number_forms_still_links(string open, string reworded) =>
        Assert.True(ReportGist.Of(open).Similarity(ReportGist.Of(reworded)) >= new DuplicateOptions().TextSimilarity);

    [Theory]
    [InlineData("1号楼西边的石凳子裂了一道大口子", "一栋西头那张长石凳裂成两半了")]
    [InlineData("2号楼楼下的公共晾衣杆断了", "二栋底下大家晒被子的那根晾衣竿折成两截")]
    public void A_neighbours_own_word_for_a_thing_no_list_names_still_links(string open, string reworded)
    {
        var (a, b) = (ReportGist.Of(open), ReportGist.Of(reworded));
        Assert.True(a.Similarity(b) >= new DuplicateOptions().TextSimilarity, $"{a.Similarity(b):0.00}");
        // No word in common: the characters they share (凳, 晾衣) carry the pair. The unweighted count of listed ideas and
        // words (the hot spots' topic similarity) scored both under the 0.5 it linked at.
        Assert.Empty(a.Words.Intersect(b.Words));
        Assert.True(a.TopicSimilarity(b) < 0.5, $"{a.TopicSimilarity(b):0.00}");
    }

    [Theory]
    [InlineData("1号楼西边的石凳子裂了一道大口子", "1号楼东侧的石凳子也裂了")]
    [InlineData("5号楼西边那盏灯坏了", "5号楼东头那盏灯也坏了")]
    public void The_same_thing_on_the_other_side_is_another_problem(string open, string other) =>
        Assert.Equal(0, ReportGist.Of(open).Similarity(ReportGist.Of(other)));

    [Theory]
    [InlineData("1号楼西边的石凳子裂了一道大口子", "1号楼西边的秋千链子断了")]
    [InlineData("1号楼西边的石凳子裂了一道大口子", "1号楼西边的单杠断了一根")]
    public void Another_thing_at_the_same_spot_does_not_link_on_the_spots_words(string open, string other) =>
        Assert.True(ReportGist.Of(open).Similarity(ReportGist.Of(other)) < new DuplicateOptions().TextSimilarity);

    [Fact]
    public void What_every_request_of_a_category_says_weighs_little_and_what_names_the_thing_much()
    {
        // 诈骗 is said by most anti-fraud requests, 灯坏 by most street-light ones; 化粪池 by few drainage ones.
        Assert.True(CorpusWeights.Idea("诈骗") < CorpusWeights.Idea("化粪池"), $"{CorpusWeights.Idea("诈骗")} vs {CorpusWeights.Idea("化粪池")}");
        Assert.True(CorpusWeights.Idea("灯坏") < CorpusWeights.Idea("化粪池"));
        Assert.True(CorpusWeights.Character('灯') < CorpusWeights.Character('凳'), $"{CorpusWeights.Character('灯')} vs {CorpusWeights.Character('凳')}");
        Assert.True(CorpusWeights.Character('水') < CorpusWeights.Character('粪'), $"{CorpusWeights.Character('水')} vs {CorpusWeights.Character('粪')}");
        Assert.Equal(1, CorpusWeights.Dice(new HashSet<char> { '粪', '池' }, new HashSet<char> { '池', '粪' }, CorpusWeights.Character), 9);
        Assert.Equal(0, CorpusWeights.Dice(new HashSet<char>(), new HashSet<char> { '粪' }, CorpusWeights.Character));
    }

    [Fact]
    public void Duplicate_linking_on_the_former_sealed_pairs_beats_the_unweighted_measure()
    {
        // The first sealed set's one run is out (55.6 % / 20 % with the unweighted ideas and words at 0.5); it is development
        // data now. Measured with corpus weights and characters at 0.25: 83.3 % / 80 % (docs/intake.md). The precision aim
        // (≥ 90 %) is not met there; this guards the gain.
        var pairs = Evaluation.ReadPairs(Eval("sealed-pairs.tsv"));
        var after = Evaluation.Duplicates(pairs, Evaluation.GistSimilarity, new DuplicateOptions().TextSimilarity);
        TestContext.Current.TestOutputHelper!.WriteLine($"{pairs.Count} pairs; precision {after.Precision:P1} recall {after.Recall:P1}");
        Assert.True(after.Precision >= 0.75, $"precision {after.Precision:P1}");
        Assert.True(after.Recall >= 0.7, $"recall {after.Recall:P1}");
    }

    [Fact]
    public void The_earlier_closely_worded_pairs_still_link_as_they_did()
    {
        var pairs = Evaluation.ReadPairs(Path.Combine(AppContext.BaseDirectory, "Data", "duplicate-pairs.tsv"));
        var after = Evaluation.Duplicates(pairs, Evaluation.GistSimilarity, new DuplicateOptions().TextSimilarity);
        TestContext.Current.TestOutputHelper!.WriteLine($"{pairs.Count} pairs; precision {after.Precision:P1} recall {after.Recall:P1}");
        foreach (var (duplicate, open, @new) in pairs)
            TestContext.Current.TestOutputHelper!.WriteLine($"{(duplicate ? "dup " : "dist")} {Evaluation.GistSimilarity(open, @new):0.00} {open} | {@new}");

        // Measured: precision 96.8 %, recall 100 % (88.2 % and 100 % before objects and the estate's spots were places;
        // bigrams: 93.1 %, 90.0 %); docs/intake.md.
        Assert.True(after.Precision >= 0.9, $"precision {after.Precision:P1}");
        Assert.True(after.Recall >= 0.95, $"recall {after.Recall:P1}");
    }

    [Fact]
    public void The_learned_classifier_beats_the_keyword_rules_on_the_held_out_requests()
    {
        var set = Evaluation.ReadRequests(Eval("heldout-requests.tsv"));
        var after = Evaluation.Classify(LearnedClassifier.FromShippedCorpus(), set);
        var before = Evaluation.Classify(KeywordClassifier.FromEmbeddedRules(), set);
        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"{set.Count} held-out requests; before top-1 {before.Top1:P1}, auto {before.AutoShare:P1} at {before.AutoPrecision:P1}");
        output.WriteLine($"after top-1 {after.Top1:P1}, auto {after.AutoShare:P1} at {after.AutoPrecision:P1}");

        Assert.True(set.Count >= 16 * 15, $"{set.Count} held-out requests");
        Assert.Equal(16, after.PerCategory.Count);
        Assert.True(after.Top1 >= Top1Floor, $"top-1 {after.Top1:P1}");
        Assert.True(after.AutoPrecision >= AutoPrecisionFloor, $"precision of the auto-classified {after.AutoPrecision:P1}");
        Assert.True(after.AutoShare >= AutoShareFloor, $"auto-classified {after.AutoShare:P1}");
        Assert.True(after.Top1 > before.Top1 + 0.1, "the model does clearly better than the rules");
    }

    [Fact]
    public void The_shipped_weights_were_trained_on_the_shipped_corpus()
    {
        // Fails when the corpus changed without `dotnet run --project tools/GovPlatform.Intake.Evaluation -- train`.
        Assert.True(LearnedClassifier.ShippedModelIsCurrent());
    }

    [Fact]
    public void Saved_weights_classify_as_the_trained_model_does()
    {
        var corpus = LearnedClassifier.ShippedCorpus().Where((_, i) => i % 8 == 0).ToList();
        var trained = LearnedClassifier.Train(corpus);
        var file = new StringWriter();
        trained.Save(file, "abc");

        Assert.Null(LearnedClassifier.Load(new StringReader(file.ToString()), "another corpus"));
        var loaded = LearnedClassifier.Load(new StringReader(file.ToString()), "abc")!;
        foreach (var text in new[] { "三栋走廊晚上黑漆漆的", "楼上往下扔东西", "我妈被人骗了好几万" })
            Assert.Equal(trained.Classify(text), loaded.Classify(text), (x, y) => x.Category == y.Category && x.Confidence == y.Confidence);
    }

    [Fact]
    public void Training_is_deterministic()
    {
        var corpus = LearnedClassifier.ShippedCorpus().Where((_, i) => i % 4 == 0).ToList();
        var a = LearnedClassifier.Train(corpus);
        var b = LearnedClassifier.Train(corpus);
        foreach (var text in new[] { "三栋走廊晚上黑漆漆的", "楼上往下扔东西", "我妈被人骗了好几万" })
            Assert.Equal(a.Classify(text), b.Classify(text), (x, y) => x.Category == y.Category && x.Confidence == y.Confidence);
    }

    [Fact]
    public void A_text_the_model_has_no_evidence_for_has_no_confidence()
    {
        var result = LearnedClassifier.FromShippedCorpus().Classify("ｘｙｚ ｑｑｑ");
        Assert.Equal(0, result.Confidence);
        Assert.False(result.Confident(LearnedClassifier.FromShippedCorpus().Threshold));
    }

    [Fact]
    public void The_shipped_threshold_keeps_97_percent_precision_on_the_labelled_set_the_development_set_and_both_former_sealed_sets_each()
    {
        // Chosen by the evaluation tool's `train` on Data/labelled-requests.tsv, eval/intake/dev-requests.tsv and the two
        // spent sealed sets, development data since their one runs (none of them trained on): the lowest threshold at which
        // each keeps 97 %.
        var calibration = Evaluation.ReadRequests(Path.Combine(AppContext.BaseDirectory, "Data", "labelled-requests.tsv"));
        var dev = Evaluation.ReadRequests(Eval("dev-requests.tsv"));
        var formerlySealed = Evaluation.ReadRequests(Eval("sealed-requests.tsv"));
        var formerlySealed2 = Evaluation.ReadRequests(Eval("sealed2-requests.tsv"));
        var model = LearnedClassifier.FromShippedCorpus();
        var calibrated = LearnedClassifier.CalibrateOnAll(model, [calibration, dev, formerlySealed, formerlySealed2], 0.97);

        Assert.NotNull(calibrated);
        Assert.Equal(calibrated.Value, model.Threshold, 3);
        foreach (var set in new[] { calibration, dev, formerlySealed, formerlySealed2 })
            Assert.True(Evaluation.Classify(model, set).AutoPrecision >= 0.97);
    }

    [Fact]
    public void The_model_reads_the_former_sealed_set_better_than_when_it_was_run()
    {
        // Its one run (7 December 2026): top-1 81.6 %, 73.1 % auto-classified at 90.2 %. Since then development data, its
        // floors guard the registers and the object-and-state features against regressions (docs/intake.md).
        var set = Evaluation.ReadRequests(Eval("sealed-requests.tsv"));
        var after = Evaluation.Classify(LearnedClassifier.FromShippedCorpus(), set);
        TestContext.Current.TestOutputHelper!.WriteLine($"top-1 {after.Top1:P1}, auto {after.AutoShare:P1} at {after.AutoPrecision:P1}");

        Assert.Equal(320, set.Count);
        Assert.True(after.Top1 >= FormerlySealedTop1Floor, $"top-1 {after.Top1:P1}");
        Assert.True(after.AutoPrecision >= 0.97, $"precision of the auto-classified {after.AutoPrecision:P1}");
        Assert.True(after.AutoShare >= FormerlySealedAutoShareFloor, $"auto-classified {after.AutoShare:P1}");
    }

    [Fact]
    public void The_model_reads_the_second_former_sealed_set_better_than_when_it_was_run()
    {
        // Its one run (7 December 2026): top-1 79.1 %, 76.2 % auto-classified at 91.0 %. The character view was judged on it
        // without being designed from it (docs/intake.md, "Fifth round"); the threshold now holds 97 % on it.
        var set = Evaluation.ReadRequests(Eval("sealed2-requests.tsv"));
        var after = Evaluation.Classify(LearnedClassifier.FromShippedCorpus(), set);
        TestContext.Current.TestOutputHelper!.WriteLine($"top-1 {after.Top1:P1}, auto {after.AutoShare:P1} at {after.AutoPrecision:P1}");

        Assert.Equal(320, set.Count);
        Assert.True(after.Top1 >= SecondSealedTop1Floor, $"top-1 {after.Top1:P1}");
        Assert.True(after.AutoPrecision >= 0.97, $"precision of the auto-classified {after.AutoPrecision:P1}");
        Assert.True(after.AutoShare >= SecondSealedAutoShareFloor, $"auto-classified {after.AutoShare:P1}");
    }

    [Fact]
    public void Reports_of_one_kind_of_problem_on_different_units_share_a_topic_but_are_not_duplicates()
    {
        var a = ReportGist.Of("1单元下水道堵了，污水往上冒");
        var b = ReportGist.Of("5单元楼下的排水管不通，水都漫出来了");
        var septic = ReportGist.Of("1号楼门口的化粪池满了，粪水溢到路上");

        Assert.Equal(0, ReportGist.Of("3单元下水道堵了，污水往上冒").Similarity(a));
        Assert.True(a.TopicSimilarity(b) >= new GovPlatform.Intake.HotSpots.HotSpotOptions().TopicSimilarity);
        Assert.True(a.TopicSimilarity(septic) < new GovPlatform.Intake.HotSpots.HotSpotOptions().TopicSimilarity);
    }

    [Fact]
    public void A_searched_word_stands_with_its_paraphrase_and_particles_and_bare_numbers_are_not_asked_for()
    {
        var (terms, groups, words) = GovPlatform.Intake.Search.LedgerSearch.QueryTerms("3号楼的走廊灯");

        Assert.Contains("走廊", terms);
        Assert.Equal(groups[Array.IndexOf(terms, "走廊")], groups[Array.IndexOf(terms, "楼道")]);
        Assert.DoesNotContain("的", terms);
        Assert.DoesNotContain("3", terms);
        Assert.Equal(groups.Distinct().Count(), words);
        Assert.Contains("楼道", GovPlatform.Intake.Search.LedgerSearch.TermsOf("三栋过道黑漆漆的", null));
    }
}
