using System.Text.Json;
using Dapper;
using GovPlatform.Intake.Residents;
using GovPlatform.Intake.Timeline;
using Npgsql;

namespace GovPlatform.Intake.Notifications;

/// <summary>
/// Sends the progress texts the timeline trigger owes (<c>resident_notifications</c>). Rows are claimed with
/// <c>FOR UPDATE SKIP LOCKED</c>, so any number of instances share the work and each row goes to one of them;
/// the sender is called inside the claiming transaction, so a text is marked sent only once the sender took
/// it (a crash between the two sends it again: at least once, never silently lost). A refusal is retried
/// after each of <see cref="ResidentOptions.RetryDelays"/>, then recorded as failed.
/// </summary>
/// <remarks>
/// A resident is never texted a step after a later one of the same request. The steps come from dispatch on separate
/// queues, so a worker's "on site" and "resolved" of the same minute can be owed in either order: a batch is sent in
/// the order the steps happened (their time on the timeline, then the lifecycle's order); a step waits while an
/// earlier one of the same request to the same phone waits for a retry (until it is sent or given up); and a step
/// owed after a later one was already texted is not sent but recorded <c>skipped</c>, superseded, with the step that
/// overtook it (the timeline keeps the step; the later text, "已办结", tells the resident more). Senders of several
/// instances take a lock per recipient for the batch, so two steps sent by two instances at once cannot cross either.
/// </remarks>
public sealed class ProgressNotifier(NpgsqlDataSource db, ITextSender sender, ResidentOptions options, ILogger<ProgressNotifier> logger)
    : BackgroundService
{
    public const string Channel = "resident_notifications";
    // At most one wake is pending: a round claims every text due, so the NOTIFYs of the steps committed while a round
    // ran need one more round, not one each (under load that was one claiming transaction per step).
    private readonly SemaphoreSlim _wake = new(0, 1);

    private sealed record Owed
    {
        public long Id { get; init; }
        public Guid RequestId { get; init; }
        public Guid RecipientRequestId { get; init; }
        public required string Step { get; init; }
        public DateTime StepAt { get; init; }
        public int Attempts { get; init; }
        public required string Phone { get; init; }
        public required string TicketNo { get; init; }
        public string? CategoryName { get; init; }
        public required string Detail { get; init; }
        public string? Template { get; init; }
        public bool OptedOut { get; init; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Writers of this process wake the loop directly after their commit instead of NOTIFYing (ProgressWake).
        using var registration = ProgressWake.Register(db, _wake);
        _ = ListenAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await SendDueAsync(stoppingToken) == options.NotificationBatch) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "Progress texts not sent this round; trying again");
            }
            try
            {
                // Woken, the loop lets the texts of the next moments gather: under load every filing and every
                // "assigned" wakes it, and a claiming transaction per wake competed with the POSTs for the database.
                if (await _wake.WaitAsync(options.NotificationPoll, stoppingToken) && options.NotificationGather > TimeSpan.Zero)
                    await Task.Delay(options.NotificationGather, stoppingToken);
            }
            catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>Wakes the loop when a step commits; a lost connection only costs the poll's delay.</summary>
    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                conn.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", conn)) await listen.ExecuteNonQueryAsync(ct);
                while (true) await conn.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(2), ct); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0) try { _wake.Release(); } catch (SemaphoreFullException) { }
    }

    /// <summary>Sends one batch of due texts; returns how many it claimed.</summary>
    public async Task<int> SendDueAsync(CancellationToken ct)
    {
        const string claim = """
            SELECT n.id, n.request_id AS RequestId, n.recipient_request_id AS RecipientRequestId, n.step, n.step_at AS StepAt,
                   n.attempts, r.reporter_phone AS Phone, r.ticket_no AS TicketNo, c.name_zh AS CategoryName,
                   t.detail::text AS Detail, tpl.body AS Template,
                   EXISTS (SELECT 1 FROM notification_optouts o WHERE o.request_id = n.recipient_request_id) AS OptedOut
            FROM resident_notifications n
            JOIN requests r ON r.id = n.recipient_request_id
            JOIN request_timeline t ON t.id = n.timeline_id
            LEFT JOIN categories c ON c.code = r.category
            LEFT JOIN notification_templates tpl ON tpl.step = n.step
            WHERE n.state = 'pending' AND n.next_attempt_at <= clock_timestamp()
              -- A step waits while an earlier one of the same request to the same phone waits for its retry.
              AND NOT EXISTS (
                  SELECT 1 FROM resident_notifications e
                  WHERE e.recipient_request_id = n.recipient_request_id AND e.request_id = n.request_id
                    AND e.state = 'pending' AND e.next_attempt_at > clock_timestamp()
                    AND (e.step_at, array_position(@ordered, e.step)) < (n.step_at, array_position(@ordered, n.step)))
            ORDER BY n.next_attempt_at, n.id
            LIMIT @batch
            FOR UPDATE OF n SKIP LOCKED
            """;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var owed = (await conn.QueryAsync<Owed>(new CommandDefinition(claim, new { batch = options.NotificationBatch, ordered = TimelineEvents.Ordered }, tx, cancellationToken: ct))).AsList();
        // The outcomes are written together, one statement per kind, rather than one per text: the texts of a batch
        // are all marked by the same commit either way, and each mark was a round trip inside the claiming transaction.
        var (sentIds, sentTexts) = (new List<long>(owed.Count), new List<string>(owed.Count));
        var (skippedIds, skippedWhy) = (new List<long>(), new List<string>());
        var latestTexted = await LatestTextedAsync(conn, tx, owed, ct);
        // Requests whose earlier step the sender refused in this batch, to be retried: their later steps stay owed,
        // untouched, and the claim passes them over until that retry (the NOT EXISTS above).
        var waiting = new HashSet<(Guid, Guid)>();
        foreach (var n in owed.OrderBy(n => n.StepAt).ThenBy(n => Position(n.Step)).ThenBy(n => n.Id))
        {
            if (n.OptedOut || n.Template is null)
            {
                skippedIds.Add(n.Id);
                skippedWhy.Add(n.OptedOut ? "opted out" : "no template for this step");
                continue;
            }
            var thread = (n.RecipientRequestId, n.RequestId);
            if (latestTexted.TryGetValue(thread, out var later) && IsAfter(later, n))
            {
                logger.LogInformation("Progress text {Id} ({Step}) not sent: the later step {Later} was texted first", n.Id, n.Step, later.Step);
                skippedIds.Add(n.Id);
                skippedWhy.Add($"superseded: '{later.Step}', a later step, was texted first");
                continue;
            }
            if (waiting.Contains(thread)) continue;
            var text = Render(n.Template, n.TicketNo, n.CategoryName, n.Detail, options.PublicBaseUrl);
            try
            {
                await sender.SendAsync(new OutgoingText(n.Phone, text, n.Step), ct);
                sentIds.Add(n.Id);
                sentTexts.Add(text);
                latestTexted[thread] = new Texted(n.Step, n.StepAt);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var delays = options.RetryDelays;
                var giveUp = n.Attempts >= delays.Length;
                if (!giveUp) waiting.Add(thread);
                logger.LogWarning("Progress text {Id} ({Step}) refused by the sender (attempt {Attempt}): {Error}{GiveUp}",
                    n.Id, n.Step, n.Attempts + 1, e.Message, giveUp ? "; given up" : "");
                await conn.ExecuteAsync(new CommandDefinition("""
                    UPDATE resident_notifications
                    SET attempts = attempts + 1, last_error = left(@error, 500), text = @text,
                        state = CASE WHEN @giveUp THEN 'failed' ELSE 'pending' END,
                        next_attempt_at = clock_timestamp() + @delay
                    WHERE id = @Id
                    """, new { n.Id, error = e.Message, text, giveUp, delay = giveUp ? TimeSpan.Zero : delays[n.Attempts] }, tx, cancellationToken: ct));
            }
        }
        if (sentIds.Count > 0)
            await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE resident_notifications n
                SET state = 'sent', sent_at = clock_timestamp(), text = s.text, attempts = n.attempts + 1, last_error = NULL
                FROM unnest(@ids, @texts) AS s(id, text)
                WHERE n.id = s.id
                """, new { ids = sentIds.ToArray(), texts = sentTexts.ToArray() }, tx, cancellationToken: ct));
        if (skippedIds.Count > 0)
            await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE resident_notifications n SET state = 'skipped', last_error = s.why
                FROM unnest(@ids, @why) AS s(id, why)
                WHERE n.id = s.id
                """, new { ids = skippedIds.ToArray(), why = skippedWhy.ToArray() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return owed.Count;
    }

    private sealed record Texted(string Step, DateTime StepAt);

    private sealed record TextedRow(Guid RecipientRequestId, Guid RequestId, string Step, DateTime StepAt);

    /// <summary>
    /// The latest step already texted to each recipient of the batch about each request, read after taking the
    /// recipients' locks: another instance's batch for the same phones has then committed what it sent.
    /// </summary>
    private static async Task<Dictionary<(Guid, Guid), Texted>> LatestTextedAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        IReadOnlyList<Owed> owed, CancellationToken ct)
    {
        if (owed.Count == 0) return new();
        // Locks in key order, so two batches sharing recipients wait for each other instead of deadlocking; held to the
        // commit, which is when this batch's texts count as sent for the next.
        const string sql = """
            SELECT count(pg_advisory_xact_lock(k))
            FROM (SELECT DISTINCT hashtextextended('progress-text:' || r::text, 0) AS k FROM unnest(@recipients) AS r ORDER BY 1) AS ordered;
            SELECT DISTINCT ON (recipient_request_id, request_id)
                   recipient_request_id AS RecipientRequestId, request_id AS RequestId, step, step_at AS StepAt
            FROM resident_notifications
            WHERE recipient_request_id = ANY(@recipients) AND state = 'sent'
            ORDER BY recipient_request_id, request_id, step_at DESC, array_position(@ordered, step) DESC
            """;
        var recipients = owed.Select(n => n.RecipientRequestId).Distinct().ToArray();
        await using var results = await conn.QueryMultipleAsync(new CommandDefinition(sql,
            new { recipients, ordered = TimelineEvents.Ordered }, tx, cancellationToken: ct));
        await results.ReadAsync<long>();
        return (await results.ReadAsync<TextedRow>()).ToDictionary(t => (t.RecipientRequestId, t.RequestId), t => new Texted(t.Step, t.StepAt));
    }

    /// <summary>The timeline's order: the step's time, then the lifecycle's order for steps of the same instant.</summary>
    private static bool IsAfter(Texted texted, Owed n) =>
        texted.StepAt > n.StepAt || (texted.StepAt == n.StepAt && Position(texted.Step) > Position(n.Step));

    private static int Position(string step) => Array.IndexOf(TimelineEvents.Ordered, step);

    /// <summary>Fills a template's placeholders; {detail} is the handler's result or plan, when the step has one.</summary>
    public static string Render(string template, string ticketNo, string? categoryName, string detailJson, string? baseUrl)
    {
        string? detail = null;
        using (var doc = JsonDocument.Parse(detailJson))
            foreach (var key in new[] { "resolution", "plan", "reason" })
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String)
                {
                    detail = v.GetString();
                    break;
                }
        var link = $"{baseUrl?.TrimEnd('/') ?? ""}/r/status.html?t={ticketNo}";
        return template.Replace("{ticket}", ticketNo).Replace("{category}", categoryName ?? "")
            .Replace("{detail}", detail ?? "").Replace("{link}", link);
    }
}
