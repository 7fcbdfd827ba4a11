using System.Globalization;
using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Cases;
using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Search;
using GovPlatform.Intake.Timeline;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Intake.Meetings;

/// <summary>
/// Files a need raised at a residents' meeting (dispatch records the meeting) as a request of channel
/// <c>meeting</c>, linked to the meeting, and tells dispatch which request it became. The ledger is intake's, so
/// the request is made here, by the same rules as any other: a category the catalogue does not take is chosen by
/// the classifier or left to triage (an event cannot be refused the way a form can), the ticket is the ledger's own.
/// The need's id is unique on the request, so a need is filed once.
/// </summary>
public sealed class MeetingNeedRaisedConsumer(NpgsqlDataSource db, ReferenceCache reference, IRequestClassifier classifier,
    IntakeOptions options, TimeProvider clock) : InboxConsumer<MeetingNeedRaised>(db)
{
    public const string Channel = "meeting";
    /// <summary>The status of a request waiting for a desk operator to choose its category.</summary>
    private const string Triage = "triage";

    /// <summary>Ticket dates are local (China Standard Time), as residents read them.</summary>
    private static readonly TimeSpan Local = TimeSpan.FromHours(8);

    protected override async Task HandleAsync(ConsumeContext<MeetingNeedRaised> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        var conn = tx.Connection!;
        if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM requests WHERE meeting_need_id = @NeedId)", new { m.NeedId }, tx, cancellationToken: ct)))
            return;
        // Dispatch checked the place against its tree; a copy that has not caught up yet is a reason to retry later.
        var location = await reference.GridNodeAsync(conn, m.LocationCode, ct)
            ?? throw new InvalidOperationException($"Location {m.LocationCode} of meeting need {m.NeedId} is not in intake's grid copy yet.");

        Classification.Classification? suggestion = null;
        string? category = null;
        string? classifiedBy = null;
        // A minor category still in use is filed as given, as the desk's form would accept it.
        if (m.Category is not null && await reference.CategoryAsync(conn, m.Category, ct) is { Major: false, Active: true })
            (category, classifiedBy) = (m.Category, "reporter");
        else
        {
            suggestion = classifier.Classify(m.Description);
            if (suggestion.Confident(options.ClassificationThreshold ?? classifier.Threshold))
                (category, classifiedBy) = (suggestion.Category, "rules");
        }
        var status = category is null ? Triage : TimelineEvents.Submitted;

        var now = clock.GetUtcNow();
        var id = NewId.NextGuid();
        const string insert = """
            INSERT INTO requests (id, ticket_no, channel, category, urgency, description, reporter_name,
                                  location_code, location_path, status, submitted_at, updated_at, classified_by, classification,
                                  building_code, search_words, meeting_id, meeting_need_id)
            SELECT @id, @datePrefix || '-' || CASE WHEN s.n < 1000000 THEN lpad(s.n::text, 6, '0') ELSE s.n::text END,
                   @channel, @category, @Urgency, @Description, @RaisedBy,
                   @locationCode, @path, @status, @now, @now, @classifiedBy, @classification::jsonb,
                   @buildingCode, @searchWords, @MeetingId, @NeedId
            FROM (SELECT nextval('ticket_seq') AS n) s
            RETURNING ticket_no;
            INSERT INTO request_timeline (request_id, event, at, actor, detail, dedupe_key)
            VALUES (@id, 'submitted', @now, 'intake', jsonb_build_object('channel', @channel::text, 'meetingId', @MeetingId), 'submitted');
            """;
        var ticketNo = (await conn.ExecuteScalarAsync<string>(new CommandDefinition(insert, new
        {
            id, datePrefix = now.ToOffset(Local).ToString("yyyyMMdd", CultureInfo.InvariantCulture), channel = Channel, category,
            m.Urgency, m.Description, m.RaisedBy, locationCode = location.Node.Code, path = location.Node.Path, status, now, classifiedBy,
            classification = suggestion is null ? null : JsonSerializer.Serialize(suggestion, Outbox.Json),
            buildingCode = location.BuildingCode, searchWords = LedgerSearch.TermsOf(m.Description, null), m.MeetingId, m.NeedId,
        }, tx, cancellationToken: ct)))!;

        if (category is not null)
            await Outbox.EnqueueAsync(tx, new RequestSubmitted(id, ticketNo, Channel, category, m.Urgency, location.Node.Code, location.Node.Path,
                null, null, now, await CaseDetails.LoadAsync(tx, id, ct)), ct);
        await Outbox.EnqueueAsync(tx, new MeetingNeedFiled(m.NeedId, m.MeetingId, id, ticketNo, status, category, now), ct);
    }
}
