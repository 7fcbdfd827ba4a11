using Dapper;
using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Duplicates;
using GovPlatform.ServiceDefaults;
using Npgsql;

namespace GovPlatform.Intake.Search;

/// <summary>
/// The ledger's search by words (docs/intake.md, "Searching the ledger by words"). A request's
/// description and address are stored as jieba's segments in search mode (长词 and the dictionary
/// words inside them: 下水道 also as 水道) plus the paraphrase ideas they name (走廊 → 楼道); a query
/// is segmented the same way, each of its words standing with its idea, so a request matches by
/// any of the asked words and ranks by how many it has.
/// </summary>
public static class LedgerSearch
{
    /// <summary>Words a query may drop: they match nearly everything and rank nothing.</summary>
    private static readonly HashSet<string> Stopwords = new(StringComparer.Ordinal)
    {
        "的", "了", "是", "我", "有", "在", "也", "都", "就", "还", "又", "很", "太", "吗", "呢", "吧", "啊", "呀", "和", "跟", "把", "被", "给",
    };

    /// <summary>Words that are kept in the ledger but say too little to ask for.</summary>
    private static readonly HashSet<string> QueryOnlyStopwords = new(StringComparer.Ordinal)
    {
        "号", "楼", "层", "栋", "单元", "好", "到", "去", "来", "说", "一下", "一直", "已经", "几天", "好几天", "请", "麻烦", "谢谢", "你好",
    };

    /// <summary>The lexemes stored in <c>requests.search_words</c> for a request's texts.</summary>
    /// <param name="descriptionGist">The description's gist when the caller has it (a filing computes it once for the
    /// duplicate search and hot spots too): reading it is the most of this work after jieba's search mode.</param>
    public static string[] TermsOf(string description, string? address, ReportGist? descriptionGist = null)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        AddTerms(terms, description, descriptionGist ?? ReportGist.Of(description));
        if (address is not null) AddTerms(terms, address, ReportGist.Of(address));
        var sorted = terms.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        return sorted;
    }

    private static void AddTerms(HashSet<string> terms, string text, ReportGist gist)
    {
        foreach (var word in WordSegmenter.SearchWords(text))
            if (!Stopwords.Contains(word)) terms.Add(word);
        terms.UnionWith(gist.Ideas);
    }

    /// <summary>
    /// A query's words, each with what else stands for it (its paraphrase idea): <c>Terms[i]</c>
    /// answers the query's word number <c>Groups[i]</c>. Empty when the query has no word at all
    /// (only punctuation or stopwords); the substring search still runs then.
    /// </summary>
    public static (string[] Terms, int[] Groups, int WordCount) QueryTerms(string query)
    {
        var terms = new List<string>();
        var groups = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var group = 0;
        foreach (var word in WordSegmenter.Words(query))
        {
            // A bare number (the 3 of 3号楼) or a particle would match half the ledger; the substring search keeps them.
            if (Stopwords.Contains(word) || word.All(char.IsDigit) || QueryOnlyStopwords.Contains(word) || !seen.Add(word)) continue;
            terms.Add(word);
            groups.Add(group);
            foreach (var idea in ReportGist.Of(word).Ideas)
                if (idea != word)
                {
                    terms.Add(idea);
                    groups.Add(group);
                }
            group++;
        }
        return (terms.ToArray(), groups.ToArray(), group);
    }

    /// <summary>
    /// Fills <c>search_words</c> for requests that have none (filed before the column, or by a path
    /// that does not fill it), a batch at a time; returns how many it filled.
    /// </summary>
    public static async Task<int> BackfillAsync(NpgsqlDataSource db, int batch, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<(Guid Id, string Description, string? Address)>(new CommandDefinition(
            "SELECT id, description, address FROM requests WHERE search_words IS NULL ORDER BY submitted_at LIMIT @batch",
            new { batch }, cancellationToken: ct))).ToList();
        if (rows.Count == 0) return 0;
        await using var tx = await conn.BeginTransactionAsync(ct);
        foreach (var (id, description, address) in rows)
            await conn.ExecuteAsync(new CommandDefinition("UPDATE requests SET search_words = @terms WHERE id = @id AND search_words IS NULL",
                new { id, terms = TermsOf(description, address) }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return rows.Count;
    }
}

/// <summary>Fills missing search words at start and then every minute, in batches of 500.</summary>
public sealed class SearchWordsBackfill(NpgsqlDataSource db, ILogger<SearchWordsBackfill> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        do
        {
            try
            {
                int filled, total = 0;
                while ((filled = await LedgerSearch.BackfillAsync(db, 500, stoppingToken)) > 0) total += filled;
                if (total > 0) logger.LogInformation("Search words filled for {Count} requests", total);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // InvalidOperationException: the column is not there yet while migrations run in another instance.
                logger.LogWarning(e, "Filling search words failed; it runs again in a minute");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        } while (await timer.NextTickAsync(stoppingToken));
    }
}
