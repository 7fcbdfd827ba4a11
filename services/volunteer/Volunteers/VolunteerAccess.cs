using System.Security.Claims;
using Dapper;
using GovPlatform.ServiceDefaults;
using GovPlatform.Volunteer.Points;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Volunteer.Volunteers;

/// <summary>
/// Who may see or act on whose records, and the small checks every feature of the service shares; here, not in a
/// route table, so the feature classes holding the transactions can use them too.
/// </summary>
public static class VolunteerAccess
{
    /// <summary>
    /// Who may see or act on a volunteer's records: admins all; a volunteer themselves; an
    /// organiser only the people holding a sign-up (confirmed or waiting) for one of the
    /// organiser's own activities, since that is the only business an organiser has with them.
    /// </summary>
    public static async Task<bool> MaySeeAsync(NpgsqlConnection conn, ClaimsPrincipal user, Guid volunteerId, CancellationToken ct)
    {
        if (user.IsInRole(Roles.Admin) || user.SubjectOf() == volunteerId.ToString()) return true;
        return await DealsWithAsync(conn, user, volunteerId, ct);
    }

    /// <summary>The caller is an organiser, not the volunteer themselves, and the volunteer is signed up to one of their activities.</summary>
    public static async Task<bool> DealsWithAsync(NpgsqlConnection conn, ClaimsPrincipal user, Guid volunteerId, CancellationToken ct)
    {
        if (!user.IsInRole(Roles.Organiser) || user.SubjectOf() is not { } organiser || organiser == volunteerId.ToString()) return false;
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition($"SELECT EXISTS ({SignedUpWithOrganiser} AND s.volunteer_id = @volunteerId)",
            new { organiser, volunteerId }, cancellationToken: ct));
    }

    /// <summary>The volunteers an organiser deals with: sign-ups (not cancelled) to the organiser's activities.</summary>
    public const string SignedUpWithOrganiser = """
        SELECT s.volunteer_id FROM signups s JOIN activities a ON a.id = s.activity_id
        WHERE a.organiser = @organiser AND s.status <> 'cancelled'
        """;

    public static bool BadText(string? s, int max) => string.IsNullOrWhiteSpace(s) || s.Length > max || s.Any(char.IsControl);

    public static async Task<bool> VolunteerExistsAsync(NpgsqlConnection conn, Guid id, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM volunteers WHERE id = @id)", new { id }, cancellationToken: ct));

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not yours to see or change.", detail: detail);

    public static ProblemHttpResult Insufficient(InsufficientPointsException e) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not enough points.", detail: e.Message,
            extensions: new Dictionary<string, object?> { ["balance"] = e.Balance, ["needed"] = e.Needed });
}
