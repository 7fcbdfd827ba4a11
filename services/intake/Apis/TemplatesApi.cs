using System.Security.Claims;
using Dapper;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Requests;
using GovPlatform.ServiceDefaults;
using Npgsql;

namespace GovPlatform.Intake.Apis;

/// <summary>Admins edit what residents are told at each step (FixMyStreet's response templates), and see what was sent.</summary>
public static class TemplatesApi
{
    public static readonly string[] Steps = ["submitted", "linked", "assigned", "on_site", "resolved", "plan_formed", "closed", "reopened"];
    public static readonly string[] Placeholders = ["{ticket}", "{category}", "{detail}", "{link}"];

    public sealed record TemplateDto(string Step, string Body, DateTime UpdatedAt, string UpdatedBy);
    public sealed record EditTemplate(string Body);
    public sealed record SentDto(long Id, string Step, string State, int Attempts, DateTime StepAt, DateTime CreatedAt, DateTime? SentAt, string? Phone, string? Text, string? LastError);

    public static void MapTemplatesApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/notification-templates").WithTags("Notifications").RequireRoles(Roles.Admin);
        api.MapGet("/", List).WithName("ListNotificationTemplates").WithSummary("The text residents get at each step");
        api.MapPut("/{step}", Edit).WithName("EditNotificationTemplate").WithSummary("Change the text of one step");
        app.MapGet("/api/v1/requests/{id:guid}/notifications", Sent).WithTags("Notifications")
            .RequireRoles(Roles.Admin, Roles.DeskOperator)
            .WithName("RequestNotifications").WithSummary("Every progress text owed for a request's steps, to its reporter and linked reporters, with its state");
    }

    private static async Task<IResult> List(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<TemplateDto>(new CommandDefinition(
            "SELECT step, body, updated_at AS UpdatedAt, updated_by AS UpdatedBy FROM notification_templates ORDER BY array_position(@steps, step)",
            new { steps = Steps }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static async Task<IResult> Edit(string step, EditTemplate body, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (!Steps.Contains(step)) return TypedResults.NotFound();
        if (body.Body is not { Length: > 0 and <= 300 } || RequestRules.HasControlCharacters(body.Body))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["1 to 300 characters (a text message), no control characters."] });
        var unknown = System.Text.RegularExpressions.Regex.Matches(body.Body, @"\{[a-z]+\}").Select(m => m.Value).Where(p => !Placeholders.Contains(p)).ToList();
        if (unknown.Count > 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"Unknown placeholders {string.Join(", ", unknown)}; use {string.Join(", ", Placeholders)}."] });
        await using var conn = await db.OpenConnectionAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO notification_templates (step, body, updated_at, updated_by) VALUES (@step, @Body, @now, @by)
            ON CONFLICT (step) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """, new { step, body.Body, now, by = user.Actor() }, cancellationToken: ct));
        return TypedResults.Ok(new TemplateDto(step, body.Body, now, user.Actor()));
    }

    private static async Task<IResult> Sent(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<SentDto>(new CommandDefinition("""
            SELECT n.id, n.step, n.state, n.attempts, n.step_at AS StepAt, n.created_at AS CreatedAt, n.sent_at AS SentAt,
                   r.reporter_phone AS Phone, n.text, n.last_error AS LastError
            FROM resident_notifications n JOIN requests r ON r.id = n.recipient_request_id
            WHERE n.request_id = @id OR n.recipient_request_id = @id
            ORDER BY n.id
            """, new { id }, cancellationToken: ct))).Select(r => r with { Phone = PersonalData.MaskPhone(r.Phone) }).ToList();
        return TypedResults.Ok(rows);
    }
}
